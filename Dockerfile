# The frontend image users pull (#syntax=ghcr.io/kaito-project/aikit/aikit:<version>).
# `make frontend-image` builds the same thing with no registry, from the local Node.js.
FROM --platform=$BUILDPLATFORM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle.mjs scripts/bundle.mjs
COPY src src
COPY proto proto
RUN node scripts/bundle.mjs /out/aikit/main.mjs && rm -f /out/aikit/*.LEGAL.txt \
    && cp -r proto /out/aikit/proto && rm /out/aikit/proto/README.md

FROM gcr.io/distroless/nodejs20-debian12
COPY --from=build /out/aikit /aikit
ENV AIKIT_PROTO_DIR=/aikit/proto/ NODE_ENV=production
LABEL moby.buildkit.frontend.network.none="true" \
      moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs" \
      org.opencontainers.image.title="aikit" \
      org.opencontainers.image.source="https://github.com/kaito-project/aikit"
ENTRYPOINT ["/nodejs/bin/node", "/aikit/main.mjs"]
