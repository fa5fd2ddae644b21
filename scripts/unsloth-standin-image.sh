#!/usr/bin/env bash
# Builds the image that stands in for the CUDA development image of `--target unsloth`
# (AIKIT_UNSLOTH_BASE_IMAGE), from Debian trixie packages and with no registry, so that the
# Unsloth graph runs on an engine without a GPU or network: every step really executes, and only
# the GPU work is replaced by a stand-in trainer. What each step finds in it:
#
#   apt step     apt and dpkg with a dpkg database of what is installed (python3, python3-venv)
#                and a local repository (file:/var/lib/aikit-standin-apt) holding empty stand-in
#                packages for the rest it installs (cmake, git, python3-dev, python3-pip), so
#                `apt-get update && apt-get install` runs offline and really installs them;
#   pip step     python3 -m venv, and /opt/aikit-wheels with the wheel of the stand-in trainer
#                (scripts/unsloth-standin/), which a hash-locked requirements list installs;
#   GPU steps    ldconfig, and /usr/local/bin/nvidia-smi: a stub that says there is no GPU (on a
#                GPU host the NVIDIA runtime mounts the real one).
#
# Usage: scripts/unsloth-standin-image.sh [tag]     (default aikit-test/unsloth-standin:trixie)
# Prints the tag, then the requirements line of the wheel (`name==version --hash=sha256:…`),
# which is also the image's label ai.kaito.aikit.test.requirement.
#
# The packages are cached under $AIKIT_ENGINE_HOME/pkgs/unsloth-standin (AIKIT_ENGINE_REFRESH=1
# downloads them again); the image is imported only when the tag does not already hold this exact
# package set and recipe (this script, the trainer and its wheel builder).
set -euo pipefail

tag=${1:-aikit-test/unsloth-standin:trixie}
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/apt.sh
source "$root/scripts/lib/apt.sh"
# shellcheck source-path=SCRIPTDIR source=lib/debian-rootfs.sh
source "$root/scripts/lib/debian-rootfs.sh"
readonly ENGINE_HOME="${AIKIT_ENGINE_HOME:-/var/lib/aikit-engine}"
readonly SUITE=trixie
readonly DIR="$ENGINE_HOME/pkgs/unsloth-standin"
readonly STANDIN="$root/scripts/unsloth-standin"
# The dependency closure of apt, dpkg, dash, coreutils, tar, libc-bin, python3 and python3-venv
# in trixie (apt-cache depends --recurse, without recommends), with diffutils that dpkg looks for
# and without debconf (Perl, which the image has no use for).
readonly PACKAGES=(adduser apt base-passwd ca-certificates coreutils dash
  debian-archive-keyring debianutils diffutils dpkg gcc-14-base libacl1 libapt-pkg7.0 libattr1 libaudit-common
  libaudit1 libbsd0 libbz2-1.0 libc-bin libc6 libcap-ng0 libcap2 libcrypt1 libdb5.3t64 libexpat1
  libffi8 libgcc-s1 libgmp10 libhogweed6t64 liblz4-1 liblzma5 libmd0 libncursesw6 libnettle8t64
  libpam-modules libpam-modules-bin libpam0g libpcre2-8-0 libpython3-stdlib libpython3.13-minimal
  libpython3.13-stdlib libreadline8t64 libseccomp2 libselinux1 libsemanage-common libsemanage2
  libsepol2 libsqlite3-0 libssl3t64 libstdc++6 libsystemd0 libtinfo6 libudev1 libuuid1 libxxhash0
  libzstd1 login.defs media-types netbase openssl openssl-provider-legacy passwd python3
  python3-minimal python3-pip-whl python3-setuptools-whl python3-venv python3.13 python3.13-minimal
  python3.13-venv readline-common sqv tar tzdata zlib1g)
# What the apt step asks for and the image does not have: empty packages in the local repository.
readonly APT_STANDINS=(cmake git python3-dev python3-pip)
readonly APT_REPO=/var/lib/aikit-standin-apt

log() { printf 'unsloth-standin-image.sh: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

if [ -z "${DOCKER_HOST:-}" ]; then
  eval "$("$root/scripts/engine.sh" env)"
fi

# The dpkg database of an image made with dpkg -x: every package installed, without its
# relations (the closure is complete, but apt must not second-guess a hand-made database), and
# the file list dpkg reads before it unpacks anything.
dpkg_database() {
  local new=$1 deb pkg ma
  mkdir -p "$new/var/lib/dpkg/info" "$new/var/lib/dpkg/updates" "$new/var/lib/dpkg/triggers"
  : >"$new/var/lib/dpkg/available"
  : >"$new/var/lib/dpkg/status"
  for deb in "$DIR"/debs/*.deb; do
    pkg=$(dpkg-deb -f "$deb" Package)
    ma=$(dpkg-deb -f "$deb" Multi-Arch)
    {
      printf 'Package: %s\nStatus: install ok installed\n' "$pkg"
      dpkg-deb -f "$deb" Priority Section Maintainer Architecture Multi-Arch Version Provides Essential Description
      printf '\n'
    } >>"$new/var/lib/dpkg/status"
    [[ "$ma" == same ]] && pkg="$pkg:amd64"
    dpkg-deb --fsys-tarfile "$deb" | tar -t | sed -e 's|^\./$|/.|' -e 's|^\./|/|' -e 's|/$||' \
      >"$new/var/lib/dpkg/info/$pkg.list"
  done
}

# The local repository: one empty package per name in APT_STANDINS, and its Packages index.
apt_repository() {
  local new=$1 name work deb
  work=$(mktemp -d)
  mkdir -p "$new$APT_REPO"
  : >"$new$APT_REPO/Packages"
  for name in "${APT_STANDINS[@]}"; do
    mkdir -p "$work/$name/DEBIAN"
    printf 'Package: %s\nVersion: 0~aikit.standin\nArchitecture: all\nMaintainer: aikit tests <aikit@localhost>\nPriority: optional\nDescription: empty stand-in for %s (aikit test image)\n' \
      "$name" "$name" >"$work/$name/DEBIAN/control"
    deb="$new$APT_REPO/${name}_0~aikit.standin_all.deb"
    dpkg-deb --root-owner-group -Zgzip --build "$work/$name" "$deb" >/dev/null
    {
      cat "$work/$name/DEBIAN/control"
      printf 'Filename: ./%s\nSize: %s\nSHA256: %s\n\n' "${deb##*/}" "$(stat -c %s "$deb")" \
        "$(sha256sum "$deb" | cut -d' ' -f1)"
    } >>"$new$APT_REPO/Packages"
  done
  rm -rf "$work"
  printf 'deb [trusted=yes] file:%s ./\n' "$APT_REPO" >"$new/etc/apt/sources.list"
}

extract() {
  debian_rootfs_new "$DIR" "$recipe" || return 0
  local new="$DIR/rootfs.new"
  rm -rf "$new/usr/share/doc" "$new/usr/share/man" "$new/usr/share/lintian" "$new/usr/share/locale"
  mkdir -p "$new/tmp" "$new/root" "$new/etc/apt/apt.conf.d" "$new/var/cache/apt/archives/partial" \
    "$new/var/lib/apt/lists/partial" "$new/usr/local/bin" "$new/opt/aikit-wheels"
  chmod 1777 "$new/tmp"
  cp "$new/usr/share/base-passwd/passwd.master" "$new/etc/passwd"
  cp "$new/usr/share/base-passwd/group.master" "$new/etc/group"
  # As in Debian's own images: the apt step removes this file to keep its cache mount filled.
  printf 'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb || true"; };\n' \
    >"$new/etc/apt/apt.conf.d/docker-clean"
  # The repository has no translations; asking for them only prints errors.
  printf 'Acquire::Languages "none";\n' >"$new/etc/apt/apt.conf.d/90aikit-standin"
  # The bundle update-ca-certificates would write; pip loads it even for a local index.
  mkdir -p "$new/etc/ssl/certs"
  cat "$new"/usr/share/ca-certificates/*/*.crt >"$new/etc/ssl/certs/ca-certificates.crt"
  dpkg_database "$new"
  apt_repository "$new"
  printf '#!/bin/sh\necho "nvidia-smi stand-in (aikit test image): no GPU; the trainer is a stand-in too"\n' \
    >"$new/usr/local/bin/nvidia-smi"
  chmod 755 "$new/usr/local/bin/nvidia-smi"
  node "$STANDIN/wheel.mjs" "$new/opt/aikit-wheels" >"$new/opt/aikit-wheels/requirement.txt"
  [[ -x "$new/usr/bin/python3.13" && -x "$new/usr/bin/apt-get" && -x "$new/usr/bin/dpkg" ]] ||
    die "the packages lack python3.13, apt-get or dpkg"
  [[ -d "$new/usr/lib/python3.13/ensurepip" ]] || die "the packages lack ensurepip (python3.13-venv)"
  debian_rootfs_commit "$DIR" "$recipe"
}

mkdir -p "$DIR"
exec 9>"$DIR/.lock"
flock 9
debian_fetch "$DIR" "$SUITE" "${PACKAGES[@]}"
recipe=$(cat "$DIR/debs/.complete" "${BASH_SOURCE[0]}" "$root/scripts/lib/debian-rootfs.sh" \
  "$STANDIN/trainer.py" "$STANDIN/wheel.mjs" | sha256sum | cut -c1-16)
extract
requirement=$(cat "$DIR/rootfs/opt/aikit-wheels/requirement.txt")

debian_image "$tag" "$DIR" "$recipe" "Unsloth steps stand-in without a GPU (Debian $SUITE)" python3.13 \
  "LABEL ai.kaito.aikit.test.requirement=\"$requirement\"" \
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
size=$(docker image inspect "$tag" --format '{{.Size}}')
log "$tag: $((size / 1024 / 1024)) MiB (image size as docker reports it)"
printf '%s\n%s\n' "$tag" "$requirement"
