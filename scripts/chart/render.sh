#!/usr/bin/env bash
# Renders charts/aikit as `helm template` would, without Helm (none is packaged for Debian or
# npm): scripts/chart/render.go, Go's text/template + sprig from Debian packages, installed here
# when missing. Prints the multi-document YAML on stdout.
#
#   scripts/chart/render.sh                                  # the default values
#   scripts/chart/render.sh charts/aikit/values-gpu.yaml     # values files, merged in order
#   scripts/chart/render.sh --set server=llama-server --namespace ai --notes
#
# Bare arguments are values files; flags go to render.go (--set, --release-name, --namespace,
# --kube-version, --api-versions, --notes, --strict). CHART_DIR picks another chart.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
chart=${CHART_DIR:-$root/charts/aikit}
gopath=/usr/share/gocode

need=()
command -v go >/dev/null 2>&1 || need+=(golang-go)
[ -d "$gopath/src/github.com/Masterminds/sprig" ] || need+=(golang-github-masterminds-sprig-dev)
[ -d "$gopath/src/gopkg.in/yaml.v3" ] || need+=(golang-gopkg-yaml.v3-dev)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "render.sh: missing Debian packages; run as root: apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  echo "render.sh: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # apt-get update only when the package lists are missing or the install fails on them.
  if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e '^lock$' -e '^partial$' || true)" ]; then
    apt-get update -qq >&2
  fi
  if ! apt-get install -y -qq --no-install-recommends "${need[@]}" >&2; then
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
  fi
fi

# Build once into the work tree's ignored .aikit/ and reuse it while render.go is unchanged.
cache="$root/.aikit/chart"
bin="$cache/render"
mkdir -p "$cache"
export GO111MODULE=off GOPATH="$gopath" GOFLAGS=
export GOCACHE=${GOCACHE:-$cache/go-build}
if [ ! -x "$bin" ] || [ "$here/render.go" -nt "$bin" ]; then
  go build -o "$bin.tmp.$$" "$here/render.go"
  mv -f "$bin.tmp.$$" "$bin"
fi

args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --notes|--strict|--*=*) args+=("$1") ;;
    -*)
      [ $# -ge 2 ] || { echo "render.sh: $1 needs a value" >&2; exit 2; }
      args+=("$1" "$2")
      shift
      ;;
    *) args+=(-f "$1") ;;
  esac
  shift
done
exec "$bin" ${args[@]+"${args[@]}"} "$chart"
