#!/usr/bin/env bash
# Builds the docs site (website/) and checks it in headless Chromium: installs what is missing
# (Debian's chromium, the site's npm packages), builds, serves the build on 127.0.0.1, runs
# scripts/check-docs.mjs against it and stops the server. Prints how long each step took.
#
#   scripts/check-docs.sh [--out <screenshot dir>]
#
# Needs root only when chromium is not installed yet (apt-get). Everything comes from the npm
# registry and Debian's archive; the build and the check use no network.
set -euo pipefail
cd "$(dirname "$0")/.."

out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "check-docs.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

export NO_UPDATE_NOTIFIER=1 DOCUSAURUS_NO_UPDATE_NOTIFIER=1 npm_config_update_notifier=false
timings=()
step() { printf '\n==> %s\n' "$*"; step_start=$(date +%s%N); }
done_step() {
  local ms=$((($(date +%s%N) - step_start) / 1000000))
  timings+=("$(printf '%-18s %4d.%d s' "$1" $((ms / 1000)) $((ms % 1000 / 100)))")
}

if [ ! -x /usr/bin/chromium ]; then
  step "installing chromium (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
  done_step "apt chromium"
fi
if [ ! -d node_modules/playwright-core ]; then
  step "npm ci (repository root, for playwright-core and tsx)"
  npm ci --no-audit --no-fund
  done_step "npm ci (root)"
fi
if [ ! -d website/node_modules ]; then
  step "npm ci (website)"
  (cd website && npm ci --no-audit --no-fund)
  done_step "npm ci (website)"
fi

step "docusaurus build"
(cd website && npm run --silent build)
done_step "build"

port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
log=$(mktemp)
step "serving website/build on 127.0.0.1:$port"
# exec: $! is the server itself, so the trap stops exactly that process.
(cd website && exec ./node_modules/.bin/docusaurus serve --host 127.0.0.1 --port "$port" --no-open) >"$log" 2>&1 &
server=$!
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT
url="http://127.0.0.1:$port/aikit/docs/"
for _ in $(seq 1 100); do
  if node -e 'require("http").get(process.argv[1],r=>process.exit(r.statusCode===200?0:1)).on("error",()=>process.exit(1))' "$url"; then
    break
  fi
  if ! kill -0 "$server" 2>/dev/null; then
    cat "$log" >&2
    echo "check-docs.sh: the docs server exited" >&2
    exit 1
  fi
  sleep 0.2
done

step "check in headless Chromium"
status=0
node scripts/check-docs.mjs --url "$url" ${out:+--out "$out"} || status=$?
done_step "check"

printf '\ntimings:\n'
printf '  %s\n' "${timings[@]}"
exit $status
