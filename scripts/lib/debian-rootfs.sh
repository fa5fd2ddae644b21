# shellcheck shell=bash
# A root filesystem made of Debian packages, for the scripts that stand in for images no registry
# here can give (llama-server-image.sh, llama-finetune-image.sh, oras-image.sh). Needs lib/apt.sh.
# Each script keeps its own package list and the files it adds; the download, the extraction with
# merged /usr and the recipe check are these three functions.

# debian_fetch DIR SUITE PACKAGE...
# Downloads the packages into DIR/debs once; AIKIT_ENGINE_REFRESH=1 downloads them again (sid moves).
debian_fetch() {
  local dir=$1 suite=$2
  shift 2
  if [[ -f "$dir/debs/.complete" && "${AIKIT_ENGINE_REFRESH:-0}" != 1 ]]; then
    return 0
  fi
  printf '%s: downloading %s from Debian %s\n' "${0##*/}" "$*" "$suite" >&2
  # Private sources, lists and cache (lib/apt.sh), on the machine's own Debian mirror.
  private_apt_init "$dir" "$suite"
  private_apt apt-get "$dir" update >&2
  rm -rf "$dir/debs.new"
  mkdir -p "$dir/debs.new"
  (cd "$dir/debs.new" && private_apt apt-get "$dir" download "$@" >&2)
  (cd "$dir/debs.new" && ls -- *.deb >.complete)
  rm -rf "$dir/debs" && mv "$dir/debs.new" "$dir/debs"
}

# debian_rootfs_new DIR RECIPE
# Extracts DIR/debs into DIR/rootfs.new, with merged /usr as in every current Debian image, and
# returns 0; returns 1 when DIR/rootfs already holds RECIPE. The caller adds its own files to
# DIR/rootfs.new, then calls debian_rootfs_commit.
debian_rootfs_new() {
  local dir=$1 recipe=$2 new="$1/rootfs.new" deb
  if [[ "$(cat "$dir/rootfs/.recipe" 2>/dev/null || true)" == "$recipe" ]]; then
    return 1
  fi
  printf '%s: extracting %s packages\n' "${0##*/}" "$(wc -l <"$dir/debs/.complete")" >&2
  rm -rf "$new"
  mkdir -p "$new"
  for deb in "$dir"/debs/*.deb; do
    dpkg -x "$deb" "$new"
  done
  # The loader is found at /lib64/ld-linux-x86-64.so.2 through lib64 -> usr/lib64 (libc6 ships
  # usr/lib64/ld-linux-x86-64.so.2 -> ../lib/x86_64-linux-gnu/...).
  ln -sfn usr/lib "$new/lib"
  ln -sfn usr/lib64 "$new/lib64"
  ln -sfn usr/bin "$new/bin"
  ln -sfn usr/sbin "$new/sbin"
  [[ -e "$new/usr/lib64/ld-linux-x86-64.so.2" ]] ||
    ln -sfn ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$new/usr/lib64/ld-linux-x86-64.so.2"
  return 0
}

# debian_rootfs_commit DIR RECIPE
# Makes DIR/rootfs.new the root filesystem for RECIPE.
debian_rootfs_commit() {
  printf '%s\n' "$2" >"$1/rootfs.new/.recipe"
  rm -rf "$1/rootfs" && mv "$1/rootfs.new" "$1/rootfs"
}

# debian_image TAG DIR RECIPE TITLE PACKAGE [CHANGE]...
# Imports DIR/rootfs as TAG with the `docker import -c` CHANGEs and labels naming TITLE, the version
# of PACKAGE's .deb and RECIPE, unless TAG already holds RECIPE; drops the image the tag held before,
# unless something still uses it.
debian_image() {
  local tag=$1 dir=$2 recipe=$3 title=$4 package=$5 label=ai.kaito.aikit.test.recipe
  shift 5
  local previous version change changes=()
  previous=$(docker image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)
  if [[ "$(docker image inspect --format "{{ index .Config.Labels \"$label\" }}" "$tag" 2>/dev/null || true)" == "$recipe" ]]; then
    printf '%s: %s is up to date\n' "${0##*/}" "$tag" >&2
    return 0
  fi
  version=$(sed -n "s/^${package}_\(.*\)_amd64\.deb\$/\1/p" "$dir/debs/.complete" | sed 's/%3a/:/')
  printf '%s: importing %s (%s %s)\n' "${0##*/}" "$tag" "$package" "$version" >&2
  for change in "$@"; do
    changes+=(-c "$change")
  done
  tar -C "$dir/rootfs" --exclude=./.recipe --numeric-owner -c . | docker import "${changes[@]}" \
    -c "LABEL org.opencontainers.image.title=\"$title\"" \
    -c "LABEL org.opencontainers.image.version=\"$version\"" \
    -c "LABEL $label=\"$recipe\"" \
    - "$tag" >/dev/null
  [[ -z "$previous" ]] || docker image rm "$previous" >/dev/null 2>&1 || true
}
