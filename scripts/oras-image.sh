#!/usr/bin/env bash
# Builds an oras image from Debian sid packages, with no registry: the .debs of oras and a
# static busybox (for /bin/sh, as upstream's alpine-based ghcr.io/oras-project/oras has) are
# extracted into a root filesystem and imported into the engine that `scripts/engine.sh env`
# names. It stands in for ghcr.io/oras-project/oras, which cannot be pulled on the build
# machines, as the image of aikit's registry steps (AIKIT_ORAS_IMAGE).
#
# Usage: scripts/oras-image.sh [tag]     (default aikit-test/oras:sid)
#
# The packages are cached under $AIKIT_ENGINE_HOME/pkgs/oras (AIKIT_ENGINE_REFRESH=1 downloads
# them again); the image is imported only when the tag does not already hold this exact package
# set and recipe (this script).
set -euo pipefail

tag=${1:-aikit-test/oras:sid}
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/apt.sh
source "$root/scripts/lib/apt.sh"
# shellcheck source-path=SCRIPTDIR source=lib/debian-rootfs.sh
source "$root/scripts/lib/debian-rootfs.sh"
readonly ENGINE_HOME="${AIKIT_ENGINE_HOME:-/var/lib/aikit-engine}"
readonly SUITE=sid
readonly DIR="$ENGINE_HOME/pkgs/oras"
# Debian builds Go programs without cgo where it can, but libc6 keeps a dynamically linked
# build working too; ca-certificates for registries that speak TLS.
readonly PACKAGES=(oras busybox-static libc6 ca-certificates)

log() { printf 'oras-image.sh: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

if [ -z "${DOCKER_HOST:-}" ]; then
  eval "$("$root/scripts/engine.sh" env)"
fi

extract() {
  debian_rootfs_new "$DIR" "$recipe" || return 0
  local new="$DIR/rootfs.new"
  # busybox-static is the shell and the few tools the steps use (sh, sha256sum, cat).
  local tool
  for tool in sh cat sha256sum mkdir; do
    [[ -e "$new/usr/bin/$tool" ]] || ln -s busybox "$new/usr/bin/$tool"
  done
  # The certificate bundle update-ca-certificates would write.
  mkdir -p "$new/etc/ssl/certs"
  cat "$new"/usr/share/ca-certificates/*/*.crt >"$new/etc/ssl/certs/ca-certificates.crt" 2>/dev/null || true
  rm -rf "$new/usr/share/doc" "$new/usr/share/man" "$new/usr/share/lintian" "$new/usr/share/locale"
  mkdir -p "$new/tmp" "$new/workspace" "$new/root"
  chmod 1777 "$new/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$new/etc/passwd"
  printf 'root:x:0:\n' >"$new/etc/group"
  [[ -x "$new/usr/bin/oras" && -x "$new/usr/bin/busybox" ]] || die "the packages lack oras or busybox"
  debian_rootfs_commit "$DIR" "$recipe"
}

mkdir -p "$DIR"
exec 9>"$DIR/.lock"
flock 9
debian_fetch "$DIR" "$SUITE" "${PACKAGES[@]}"
recipe=$(cat "$DIR/debs/.complete" "${BASH_SOURCE[0]}" "$root/scripts/lib/debian-rootfs.sh" | sha256sum | cut -c1-16)
extract

debian_image "$tag" "$DIR" "$recipe" "oras (Debian $SUITE)" oras \
  'ENTRYPOINT ["/usr/bin/oras"]' \
  'WORKDIR /workspace' \
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
printf '%s\n' "$tag"
