#!/usr/bin/env bash
# Builds a llama.cpp server image from Debian sid packages, with no registry: the .debs of
# llama-server and exactly the libraries it needs are extracted into a root filesystem and
# imported into the engine that `scripts/engine.sh env` names. It stands in for llama.cpp's own
# `ghcr.io/ggml-org/llama.cpp:server` (same /app/llama-server entrypoint, same LLAMA_ARG_HOST),
# which cannot be pulled on the build machines. Debian's build listens on port 9931 by default
# (upstream: 8080), so LLAMA_ARG_PORT=8080 makes it listen where llama.cpp's images do.
#
# Usage: scripts/llama-server-image.sh [tag]     (default aikit-test/llama-server:sid)
#
# The packages are cached under $AIKIT_ENGINE_HOME/pkgs/llama-server (AIKIT_ENGINE_REFRESH=1
# downloads them again), and the image is imported only when the tag does not already hold this
# exact package set and recipe (this script), so a second run takes under a second.
set -euo pipefail

tag=${1:-aikit-test/llama-server:sid}
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/apt.sh
source "$root/scripts/lib/apt.sh"
# shellcheck source-path=SCRIPTDIR source=lib/debian-rootfs.sh
source "$root/scripts/lib/debian-rootfs.sh"
readonly ENGINE_HOME="${AIKIT_ENGINE_HOME:-/var/lib/aikit-engine}"
readonly SUITE=sid
readonly DIR="$ENGINE_HOME/pkgs/llama-server"
# llama-server 0.7.0 needs glibc >= 2.43, so its whole userland comes from sid. libggml0 carries
# the CPU backends (ggml/backends0/libggml-cpu-*.so, one per x86 level) that ggml loads at start.
readonly PACKAGES=(libc6 libstdc++6 libgcc-s1 libgomp1 libssl3t64 libzstd1 zlib1g libggml0 libllama0 llama.cpp-tools)

log() { printf 'llama-server-image.sh: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

if [ -z "${DOCKER_HOST:-}" ]; then
  eval "$("$root/scripts/engine.sh" env)"
fi

# The root filesystem of the image, rebuilt only when the package set changed.
extract() {
  debian_rootfs_new "$DIR" "$recipe" || return 0
  local new="$DIR/rootfs.new"
  # What a server does not need: docs, the ggml test programs, debconf and gdb helpers.
  rm -rf "$new/usr/share/doc" "$new/usr/share/man" "$new/usr/share/lintian" "$new/usr/share/gdb" \
    "$new/usr/share/bash-completion" "$new/usr/libexec/x86_64-linux-gnu/ggml"
  # llama.cpp's own images put the server at /app/llama-server (its RUNPATH is absolute, so a
  # copy finds its libraries).
  mkdir -p "$new/app" "$new/models" "$new/tmp" "$new/etc"
  cp "$new/usr/bin/llama-server" "$new/app/llama-server"
  chmod 1777 "$new/tmp"
  printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$new/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$new/etc/group"
  [[ -x "$new/usr/bin/llama-server" && -e "$new/usr/lib/x86_64-linux-gnu/libllama.so.0" ]] ||
    die "the packages lack llama-server or libllama"
  ls "$new"/usr/lib/x86_64-linux-gnu/ggml/backends0/libggml-cpu-*.so >/dev/null 2>&1 ||
    die "libggml0 ships no CPU backend (usr/lib/x86_64-linux-gnu/ggml/backends0/libggml-cpu-*.so)"
  debian_rootfs_commit "$DIR" "$recipe"
}

mkdir -p "$DIR"
exec 9>"$DIR/.lock"
flock 9
debian_fetch "$DIR" "$SUITE" "${PACKAGES[@]}"
# The package set and this script together decide the root filesystem and the image.
recipe=$(cat "$DIR/debs/.complete" "${BASH_SOURCE[0]}" "$root/scripts/lib/debian-rootfs.sh" | sha256sum | cut -c1-16)
extract

debian_image "$tag" "$DIR" "$recipe" "llama-server (Debian $SUITE)" llama.cpp-tools \
  'ENTRYPOINT ["/app/llama-server"]' \
  'WORKDIR /app' \
  'ENV LLAMA_ARG_HOST=0.0.0.0' \
  'ENV LLAMA_ARG_PORT=8080' \
  'EXPOSE 8080'
size=$(docker image inspect "$tag" --format '{{.Size}}')
log "$tag: $((size / 1024 / 1024)) MiB (image size as docker reports it)"
printf '%s\n' "$tag"
