# shellcheck shell=bash
# apt against a private sources list, lists dir and cache, for the scripts that take .debs of
# another Debian suite apart (engine.sh, llama-server-image.sh, the test registry): the system's
# apt sources and caches are never changed by asking another suite.
#
# The mirror is the machine's own: the Debian archive its apt sources already name, so a machine
# behind a company mirror works unchanged. AIKIT_DEBIAN_MIRROR overrides it; AIKIT_APT_ETC (default
# /etc/apt) says where to look, for tests.

# Debian release names and aliases whose archive holds every suite: a source for one of them (or
# its -updates/-backports) is the Debian archive, while -security lives elsewhere and third-party
# sources (nodesource's "nodistro", ...) name suites of their own.
APT_DEBIAN_SUITES='buster|bullseye|bookworm|trixie|forky|duke|sid|experimental|stable|testing|unstable|oldstable|oldoldstable'

# debian_mirror_from_sources
# Prints the first Debian archive URI in $AIKIT_APT_ETC/sources.list (one-line format), then
# sources.list.d/*.list and *.sources (deb822) in apt's order; returns 1 if there is none.
debian_mirror_from_sources() {
  local etc="${AIKIT_APT_ETC:-/etc/apt}" file
  local files=()
  [[ -f "$etc/sources.list" ]] && files+=("$etc/sources.list")
  for file in "$etc"/sources.list.d/*; do
    [[ -f "$file" && ("$file" == *.list || "$file" == *.sources) ]] && files+=("$file")
  done
  for file in "${files[@]}"; do
    local uri
    uri="$(awk -v suites="^($APT_DEBIAN_SUITES)(-updates|-backports)?\$" -v deb822="$([[ "$file" == *.sources ]] && echo 1)" '
      function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
      function debian(list,   n, i, s) {
        n = split(list, s, /[ \t]+/)
        for (i = 1; i <= n; i++) if (s[i] ~ suites) return 1
        return 0
      }
      function stanza() {
        if (types ~ /(^|[ \t])deb([ \t]|$)/ && tolower(enabled) != "no" && uris != "" && debian(suitesf)) {
          split(uris, u, /[ \t]+/); print u[1]; found = 1; exit
        }
        types = ""; uris = ""; suitesf = ""; enabled = ""; key = ""
      }
      deb822 != "1" {
        line = $0; sub(/#.*/, "", line); line = trim(line)
        if (line !~ /^deb[ \t]/) next
        sub(/^deb[ \t]+/, "", line)
        if (line ~ /^\[/) { sub(/^\[[^]]*\][ \t]*/, "", line) }
        n = split(line, f, /[ \t]+/)
        if (n >= 2 && debian(f[2])) { print f[1]; found = 1; exit }
        next
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { stanza(); next }
      /^[ \t]/ { if (key == "uris") uris = trim(uris " " $0); else if (key == "suites") suitesf = trim(suitesf " " $0); next }
      {
        key = tolower($0); sub(/:.*/, "", key); key = trim(key)
        value = $0; sub(/^[^:]*:/, "", value); value = trim(value)
        if (key == "types") types = value
        else if (key == "uris") uris = value
        else if (key == "suites") suitesf = value
        else if (key == "enabled") enabled = value
      }
      END { if (deb822 == "1" && !found) stanza() }
    ' "$file")" || return 1
    if [[ -n "$uri" ]]; then
      printf '%s\n' "${uri%/}"
      return 0
    fi
  done
  return 1
}

# debian_mirror: AIKIT_DEBIAN_MIRROR, else the machine's own Debian archive.
debian_mirror() {
  if [[ -n "${AIKIT_DEBIAN_MIRROR:-}" ]]; then
    printf '%s\n' "${AIKIT_DEBIAN_MIRROR%/}"
    return 0
  fi
  if ! debian_mirror_from_sources; then
    printf 'no Debian archive in the apt sources under %s; set AIKIT_DEBIAN_MIRROR to a Debian mirror\n' \
      "${AIKIT_APT_ETC:-/etc/apt}" >&2
    return 1
  fi
}

# private_apt_init DIR SUITE
# Lays out DIR for private_apt: a sources.list naming SUITE's main component on the mirror,
# and empty lists and cache dirs.
private_apt_init() {
  local dir="$1" suite="$2" mirror
  mirror="$(debian_mirror)" || return 1
  mkdir -p "$dir/lists/partial" "$dir/apt-cache/archives/partial" || return 1
  printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
    "$mirror" "$suite" >"$dir/sources.list"
}

# private_apt TOOL DIR ARGS...
# Runs apt-get or apt-cache with DIR's sources list, lists and cache only.
private_apt() {
  local tool="$1" dir="$2"
  shift 2
  "$tool" -q \
    -o Dir::Etc::sourcelist="$dir/sources.list" \
    -o Dir::Etc::sourceparts=- \
    -o Dir::State::Lists="$dir/lists" \
    -o Dir::Cache="$dir/apt-cache" \
    -o Dir::Cache::pkgcache= \
    -o Dir::Cache::srcpkgcache= \
    -o APT::Sandbox::User=root \
    "$@"
}
