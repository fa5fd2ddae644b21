#!/usr/bin/env bash
# Builds the frontend image with no registry: the host's Node.js binary and exactly the shared
# libraries it links, the bundled frontend and the protos, imported as an image into the engine
# that `scripts/engine.sh env` names. The registry twin is the Dockerfile.
set -euo pipefail

tag=${1:-aikit:test}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ -z "${DOCKER_HOST:-}" ]; then
  eval "$(scripts/engine.sh env)"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
mkdir -p "$rootfs/aikit" "$rootfs/usr/bin" "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"

node scripts/bundle.mjs "$rootfs/aikit/frontend.cjs"
rm -f "$rootfs/aikit/frontend.cjs.LEGAL.txt"
cp scripts/code-cache-loader.cjs "$rootfs/aikit/main.cjs"

node_bin=$(readlink -f "$(command -v node)")
cp "$node_bin" "$rootfs/usr/bin/node"
# Copy each library to the path the loader will look for it under (the ldd left side resolves
# through symlinks such as /lib -> usr/lib on merged-/usr systems, so keep ldd's own path).
ldd "$node_bin" | awk '/=> \//{print $3} /^\t\/.*ld-linux/{print $1}' | while read -r lib; do
  mkdir -p "$rootfs$(dirname "$lib")"
  cp -L "$lib" "$rootfs$lib"
done

# The code cache is only valid for the V8 that made it: make it with the node that goes in.
AIKIT_WRITE_CODE_CACHE=1 "$node_bin" "$rootfs/aikit/main.cjs" </dev/null >/dev/null 2>&1 || true
test -s "$rootfs/aikit/frontend.cjs.cache" || echo "warning: no V8 code cache was written" >&2

version=$(node -p "require('./package.json').version")
# subrequests: buildx's --check and --call ask for it, and the gateway refuses images without it.
caps='moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests'
tar -C "$rootfs" -c . | docker import \
  -c 'ENTRYPOINT ["/usr/bin/node", "/aikit/main.cjs"]' \
  -c 'ENV NODE_ENV=production' \
  -c 'LABEL moby.buildkit.frontend.network.none="true"' \
  -c "LABEL moby.buildkit.frontend.caps=\"$caps\"" \
  -c "LABEL org.opencontainers.image.title=\"aikit\"" \
  -c "LABEL org.opencontainers.image.version=\"$version\"" \
  - "$tag" >/dev/null
size=$(docker image inspect "$tag" --format '{{.Size}}')
echo "built frontend image $tag ($((size / 1024 / 1024)) MiB as the engine stores it)" >&2
