# The frontend image users pull (#syntax=ghcr.io/kaito-project/aikit/aikit:<version>).
# `make frontend-image` builds the same thing with no registry, from the local Node.js;
# `scripts/frontend-image.sh --published` builds this file itself with its FROM images stood in.
FROM --platform=$BUILDPLATFORM node:20-bookworm-slim AS npm-ci
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# The installed packages alone, as a stage of their own so that a build with no npm registry can
# give its checkout's instead: --build-context deps=node_modules.
FROM scratch AS deps
COPY --from=npm-ci /src/node_modules /

FROM --platform=$BUILDPLATFORM node:20-bookworm-slim AS build
WORKDIR /src
COPY --from=deps / node_modules/
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts/bundle.mjs scripts/code-cache-loader.cjs scripts/
COPY src src
COPY proto proto
COPY schema schema
RUN node scripts/bundle.mjs /out/aikit/frontend.cjs && rm -f /out/aikit/*.LEGAL.txt \
    && cp scripts/code-cache-loader.cjs /out/aikit/main.cjs

# A V8 code cache is only valid for the node that made it: make it with the runtime's own.
FROM gcr.io/distroless/nodejs20-debian12 AS cache
COPY --from=build /out/aikit /aikit
RUN ["/nodejs/bin/node", "-e", "process.env.AIKIT_WRITE_CODE_CACHE='1'; require('/aikit/main.cjs')"]

FROM gcr.io/distroless/nodejs20-debian12
COPY --from=cache /aikit /aikit
ENV NODE_ENV=production
LABEL moby.buildkit.frontend.network.none="true" \
      moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests" \
      org.opencontainers.image.title="aikit" \
      org.opencontainers.image.source="https://github.com/kaito-project/aikit"
ENTRYPOINT ["/nodejs/bin/node", "/aikit/main.cjs"]
