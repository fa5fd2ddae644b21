#!/usr/bin/env bash
# Builds (and with PUSH=1 publishes) the base images of aikit's model images, the ones the
# runtime catalog (src/convert/catalog.ts) names by default:
#
#   cpu           Dockerfile.base               $REGISTRY/aikit/base:$TAG               linux/amd64,linux/arm64
#   cuda          Dockerfile.base-cuda          $REGISTRY/aikit/cuda/base:$TAG          linux/amd64
#   applesilicon  Dockerfile.base-applesilicon  $REGISTRY/aikit/applesilicon/base:$TAG  linux/arm64
#
# They need a registry (Docker Hub, Ubuntu's, NVIDIA's and Fedora's package archives); the
# project's build machines have none, so tests use stand-ins (test/fixtures/runtime-images.ts).
# `check` lints the Dockerfiles, which also needs the FROM images to resolve.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/base-images.sh [build|check] [cpu|cuda|applesilicon|all]...

Environment:
  REGISTRY   image registry prefix (default ghcr.io/kaito-project)
  TAG        image tag (default latest)
  PUSH       1: push with SBOM and provenance (needs a builder that can push multi-platform)
  PLATFORMS  override the platforms of every image (e.g. linux/amd64 for a quick local build)
  BUILDX     extra arguments for docker buildx build (e.g. "--builder mybuilder")
EOF
}

cd "$(dirname "$0")/.."
REGISTRY="${REGISTRY:-ghcr.io/kaito-project}"
TAG="${TAG:-latest}"
PUSH="${PUSH:-0}"

command=build
case "${1:-}" in
  build | check)
    command="$1"
    shift
    ;;
  -h | --help | help)
    usage
    exit 0
    ;;
esac
targets=("$@")
((${#targets[@]} > 0)) || targets=(all)
if [[ " ${targets[*]} " == *" all "* ]]; then targets=(cpu cuda applesilicon); fi

# name -> dockerfile, image, platforms
spec() {
  case "$1" in
    cpu) echo "Dockerfile.base $REGISTRY/aikit/base:$TAG linux/amd64,linux/arm64" ;;
    cuda) echo "Dockerfile.base-cuda $REGISTRY/aikit/cuda/base:$TAG linux/amd64" ;;
    applesilicon) echo "Dockerfile.base-applesilicon $REGISTRY/aikit/applesilicon/base:$TAG linux/arm64" ;;
    *)
      echo "base-images.sh: unknown image '$1' (cpu, cuda, applesilicon or all)" >&2
      exit 2
      ;;
  esac
}

for target in "${targets[@]}"; do
  spec "$target" >/dev/null || exit 2
done

for target in "${targets[@]}"; do
  read -r dockerfile image platforms <<<"$(spec "$target")"
  platforms="${PLATFORMS:-$platforms}"
  args=(buildx build -f "$dockerfile" --platform "$platforms" --progress=plain)
  # shellcheck disable=SC2206 # BUILDX is a list of extra words on purpose
  [[ -n "${BUILDX:-}" ]] && args+=(${BUILDX})
  if [[ "$command" == check ]]; then
    echo "==> checking $dockerfile" >&2
    docker "${args[@]}" --check .
    continue
  fi
  # The CUDA base is the CPU base plus libraries: build it on the image this run names.
  [[ "$target" == cuda ]] && args+=(--build-arg "BASE_IMAGE=$REGISTRY/aikit/base:$TAG")
  args+=(-t "$image")
  if [[ "$PUSH" == 1 ]]; then
    args+=(--push --sbom=true --provenance=mode=max)
  elif [[ "$platforms" == *,* ]]; then
    # A multi-platform result stays in the builder (or the containerd image store).
    args+=("--output=type=image,push=false")
  else
    args+=(--load)
  fi
  echo "==> $image ($platforms) from $dockerfile" >&2
  docker "${args[@]}" .
done
