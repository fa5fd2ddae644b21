#!/usr/bin/env bash
# Builds a llama.cpp training image from Debian sid packages, with no registry, as
# scripts/llama-server-image.sh does for llama-server: the .debs of llama-finetune, llama-quantize,
# a minimal Python with jinja2 and exactly the libraries they need are extracted into a root
# filesystem and imported into the engine that `scripts/engine.sh env` names. It stands in for
# llama.cpp's own `ghcr.io/ggml-org/llama.cpp:full` (the same /app/llama-finetune and
# /app/llama-quantize, and a python3 that the training-text step runs), which cannot be pulled on
# the build machines. There is no shell: every step of a fine-tune runs a program directly.
#
# Usage: scripts/llama-finetune-image.sh [tag]     (default aikit-test/llama-finetune:sid)
#
# The packages are cached under $AIKIT_ENGINE_HOME/pkgs/llama-finetune (AIKIT_ENGINE_REFRESH=1
# downloads them again), and the image is imported only when the tag does not already hold this
# exact package set and recipe (this script), so a second run takes under a second.
set -euo pipefail

tag=${1:-aikit-test/llama-finetune:sid}
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/apt.sh
source "$root/scripts/lib/apt.sh"
# shellcheck source-path=SCRIPTDIR source=lib/debian-rootfs.sh
source "$root/scripts/lib/debian-rootfs.sh"
readonly ENGINE_HOME="${AIKIT_ENGINE_HOME:-/var/lib/aikit-engine}"
readonly SUITE=sid
readonly DIR="$ENGINE_HOME/pkgs/llama-finetune"
# llama.cpp 0.7.0 needs glibc >= 2.43, so the whole userland comes from sid. llama-finetune is in
# llama.cpp-examples, llama-quantize in llama.cpp-tools; libggml0 carries the CPU backends. Python
# 3.14 is sid's default, the one python3-markupsafe's speedups are built for.
readonly PACKAGES=(libc6 libstdc++6 libgcc-s1 libgomp1 libssl3t64 libzstd1 zlib1g libggml0 libllama0
  llama.cpp-tools llama.cpp-examples python3.14-minimal libpython3.14-minimal libpython3.14-stdlib
  libexpat1 libffi8 python3-jinja2 python3-markupsafe)

log() { printf 'llama-finetune-image.sh: %s\n' "$*" >&2; }
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
  # What training does not need: docs, the ggml test programs, debconf and gdb helpers.
  rm -rf "$new/usr/share/doc" "$new/usr/share/man" "$new/usr/share/lintian" "$new/usr/share/gdb" \
    "$new/usr/share/bash-completion" "$new/usr/libexec/x86_64-linux-gnu/ggml"
  # llama.cpp's full image keeps its tools in /app (their RUNPATH is absolute, so copies find
  # their libraries) and has python3 on PATH.
  mkdir -p "$new/app" "$new/tmp" "$new/etc"
  cp "$new/usr/bin/llama-finetune" "$new/usr/bin/llama-quantize" "$new/app/"
  ln -sfn python3.14 "$new/usr/bin/python3"
  chmod 1777 "$new/tmp"
  printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$new/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$new/etc/group"
  [[ -x "$new/app/llama-finetune" && -x "$new/app/llama-quantize" && -x "$new/usr/bin/python3.14" ]] ||
    die "the packages lack llama-finetune, llama-quantize or python3.14"
  [[ -d "$new/usr/lib/python3/dist-packages/jinja2" ]] || die "the packages lack jinja2"
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

debian_image "$tag" "$DIR" "$recipe" "llama.cpp training tools (Debian $SUITE)" llama.cpp-examples \
  'ENTRYPOINT ["/app/llama-finetune"]' \
  'WORKDIR /app' \
  'ENV PATH=/app:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
size=$(docker image inspect "$tag" --format '{{.Size}}')
log "$tag: $((size / 1024 / 1024)) MiB (image size as docker reports it)"
printf '%s\n' "$tag"
