#!/usr/bin/env bash
# Builds the frontend image with no registry: the host's Node.js binary and exactly the shared
# libraries it links, the bundled frontend and the protos, imported as an image into the engine
# that `scripts/engine.sh env` names. The registry twin is the Dockerfile.
#
#   scripts/frontend-image.sh [TAG]               the local image (default aikit:test)
#   scripts/frontend-image.sh --published TAG     the published Dockerfile itself, built by the
#       engine with its FROM images stood in under their real names (the host's node and the few
#       tools its RUN lines use; they replace any image of that name in the engine) and the
#       checkout's node_modules as its `deps` stage, since no registry is reachable here
set -euo pipefail

published=0
if [ "${1:-}" = --published ]; then
  published=1
  shift
fi
tag=${1:-aikit:test}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ -z "${DOCKER_HOST:-}" ]; then
  eval "$(scripts/engine.sh env)"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
node_bin=$(readlink -f "$(command -v node)")

# copy_linked BINARY ROOTFS: the shared libraries BINARY links, each at the path the loader will
# look for it under (the ldd left side resolves through symlinks such as /lib -> usr/lib on
# merged-/usr systems, so keep ldd's own path).
copy_linked() {
  ldd "$1" | awk '/=> \//{print $3} /^\t\/.*ld-linux/{print $1}' | while read -r lib; do
    mkdir -p "$2$(dirname "$lib")"
    cp -L "$lib" "$2$lib"
  done
}

# stand_in TAG NODE_PATH [TOOL...]: an image named TAG holding the host's node at NODE_PATH and
# the TOOLs (sh, rm, ...) in /bin, each with the libraries it links.
stand_in() {
  local image=$1 node_path=$2 fs=$work/stand-in tool
  shift 2
  rm -rf "$fs"
  mkdir -p "$fs$(dirname "$node_path")" "$fs/bin" "$fs/tmp"
  chmod 1777 "$fs/tmp"
  cp "$node_bin" "$fs$node_path"
  copy_linked "$node_bin" "$fs"
  for tool in "$@"; do
    local bin
    bin=$(readlink -f "$(command -v "$tool")")
    cp "$bin" "$fs/bin/$tool"
    copy_linked "$bin" "$fs"
  done
  tar -C "$fs" --numeric-owner -c . | docker import \
    -c "ENV PATH=$(dirname "$node_path"):/usr/bin:/bin" \
    -c 'LABEL ai.kaito.aikit.test.stand-in="host node for the published Dockerfile"' \
    - "$image" >/dev/null
}

if [ "$published" = 1 ]; then
  # The FROM names, read from the Dockerfile so that a new base cannot be missed.
  mapfile -t bases < <(sed -n 's/^FROM \(--platform=[^ ]* \)\{0,1\}\([^ ]*\).*/\2/p' Dockerfile | grep -v '^scratch$' | sort -u)
  for base in "${bases[@]}"; do
    case "$base" in
      node:*) stand_in "$base" /usr/local/bin/node sh rm cp ;;
      gcr.io/distroless/nodejs*) stand_in "$base" /nodejs/bin/node ;;
      npm-ci | deps | build | cache) ;;
      *)
        echo "frontend-image.sh: no stand-in for FROM $base" >&2
        exit 1
        ;;
    esac
  done
  # The context the Dockerfile reads, and nothing else (the checkout may hold gigabytes).
  ctx=$work/context
  mkdir -p "$ctx/scripts"
  cp package.json package-lock.json tsconfig.json tsconfig.build.json Dockerfile "$ctx/"
  cp scripts/bundle.mjs scripts/code-cache-loader.cjs "$ctx/scripts/"
  cp -r src proto schema "$ctx/"
  docker buildx build --progress=plain --provenance=false \
    --build-context deps="$(readlink -f node_modules)" -t "$tag" --load "$ctx" >&2
  size=$(docker image inspect "$tag" --format '{{.Size}}')
  echo "built frontend image $tag from the published Dockerfile ($((size / 1024 / 1024)) MiB as the engine stores it)" >&2
  exit 0
fi
rootfs=$work/rootfs
mkdir -p "$rootfs/aikit" "$rootfs/usr/bin" "$rootfs/tmp"
chmod 1777 "$rootfs/tmp"

node scripts/bundle.mjs "$rootfs/aikit/frontend.cjs"
rm -f "$rootfs/aikit/frontend.cjs.LEGAL.txt"
cp scripts/code-cache-loader.cjs "$rootfs/aikit/main.cjs"

cp "$node_bin" "$rootfs/usr/bin/node"
copy_linked "$node_bin" "$rootfs"

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
