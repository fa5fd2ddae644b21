#!/usr/bin/env bash
# Starts, describes and stops a private Docker engine (dockerd + buildx) made of
# Debian packages, for the frontend's end-to-end tests and demos.
#
# The build machines reach only Debian's and npm's registries and ship a docker
# client without a daemon, so the engine is assembled from .debs extracted into
# a private prefix. Nothing is installed system-wide except small prerequisites
# (iptables, runc): a system docker.io would register a service and a second
# daemon. All state lives under one directory per machine so that every
# checkout and CI clone finds and reuses the same running engine.

set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR
# shellcheck source-path=SCRIPTDIR source=lib/buildkit-version.sh
source "$SCRIPT_DIR/lib/buildkit-version.sh"
# shellcheck source-path=SCRIPTDIR source=lib/apt.sh
source "$SCRIPT_DIR/lib/apt.sh"

readonly ENGINE="${ENGINE:-modern}"
readonly ENGINE_HOME="${AIKIT_ENGINE_HOME:-/var/lib/aikit-engine}"
readonly START_TIMEOUT="${AIKIT_ENGINE_TIMEOUT:-90}"
readonly REFRESH="${AIKIT_ENGINE_REFRESH:-0}"

# Asked for in every suite; whichever the suite lacks is skipped (bookworm has
# no docker-cli or docker-buildx: its docker.io still carries the client).
# docker-init links to tini-static, which sid ships apart from tini.
readonly WANTED_PACKAGES=(docker.io docker-cli docker-buildx containerd tini tini-static)

usage() {
  cat <<'EOF'
Usage: scripts/engine.sh COMMAND

Runs a private Docker engine from Debian packages, for tests and demos.

Commands:
  up       start the engine (or reuse the one already running); needs root
  down     stop the engine that `up` started
  env      print export lines: eval "$(scripts/engine.sh env)"
  info     print the Docker, buildx and BuildKit versions of the running engine
  status   say whether the engine is running (exit 0 if it is, 1 if not)
  help     this text

Environment:
  ENGINE                modern (default): Docker 28 + buildx from Debian sid,
                        containerd image store (falls back to trixie);
                        stable: Docker 26.1 + buildx from trixie, classic store;
                        legacy: Docker 20.10 from bookworm, no buildx
                        (use DOCKER_BUILDKIT=1 docker build; `env` sets it).
                        Each engine has its own socket, state and bridge, so
                        they can run side by side.
  AIKIT_ENGINE_HOME     where all state lives (default /var/lib/aikit-engine)
  AIKIT_ENGINE_REFRESH  1: download the packages again (sid moves)
  AIKIT_ENGINE_TIMEOUT  seconds to wait for the daemon (default 90)
  AIKIT_DEBIAN_MIRROR   Debian mirror (default: the Debian archive that this
                        machine's own apt sources name)
EOF
}

log() { printf 'engine.sh: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# Per-engine settings. Each engine gets its own bridge and subnet: a second
# daemon started with --bridge=none deletes docker0 under the first one.
SUITES=() SNAPSHOTTER="" BRIDGE="" BRIDGE_CIDR="" IPTABLES=""
case "$ENGINE" in
  modern)
    SUITES=(sid trixie) SNAPSHOTTER=true BRIDGE=aikit-modern BRIDGE_CIDR=172.29.1.1/24
    IPTABLES=true
    ;;
  stable)
    # The side engines leave iptables alone: a dockerd that starts rewrites
    # the host-wide DOCKER chains, which could cut the NAT of the engine
    # already running. Published ports still work through docker-proxy.
    SUITES=(trixie) SNAPSHOTTER=false BRIDGE=aikit-stable BRIDGE_CIDR=172.29.2.1/24
    IPTABLES=false
    ;;
  legacy)
    SUITES=(bookworm) SNAPSHOTTER="" BRIDGE=aikit-legacy BRIDGE_CIDR=172.29.3.1/24
    IPTABLES=false
    ;;
  *) die "unknown ENGINE '$ENGINE' (modern, stable or legacy)" ;;
esac
readonly SUITES SNAPSHOTTER BRIDGE BRIDGE_CIDR IPTABLES

readonly STATE="$ENGINE_HOME/$ENGINE"
readonly SOCKET="$STATE/docker.sock"
readonly PIDFILE="$STATE/dockerd.pid"
readonly LOGFILE="$STATE/dockerd.log"
readonly DAEMON_JSON="$STATE/daemon.json"
# Images and containers live in data/<suite>: a fallback from sid to trixie
# must not hand containerd 2's metadata to an older containerd.
readonly DATA_DIR="$STATE/data"
# Short on purpose: dockerd and containerd put unix sockets under the exec
# root, and socket paths are limited to 108 bytes.
readonly EXEC_ROOT="$STATE/run"
readonly CLIENT_BIN="$STATE/bin"
# A private client config keeps buildx state and plugins out of ~/.docker.
readonly CLIENT_CONFIG="$STATE/docker-config"
readonly SUITE_FILE="$STATE/suite"
# Hints name the engine when it is not the default one.
ENGINE_PREFIX=""
[[ "$ENGINE" == modern ]] || ENGINE_PREFIX="ENGINE=$ENGINE "
readonly ENGINE_PREFIX

suite_dir() { printf '%s/pkgs/%s' "$ENGINE_HOME" "$1"; }
prefix_of() { printf '%s/root' "$(suite_dir "$1")"; }

need_root() {
  [[ $EUID -eq 0 ]] || die "'$1' needs root (dockerd manages mounts, bridges and iptables)"
}

# --- prerequisites -----------------------------------------------------------

install_prerequisites() {
  local missing=()
  # bookworm's runc (1.1.5) works with every dockerd here; sid's runc needs a
  # newer glibc than bookworm has, so it is not taken from the suite.
  command -v runc >/dev/null || missing+=(runc)
  command -v iptables >/dev/null || missing+=(iptables)
  command -v ip >/dev/null || missing+=(iproute2)
  ((${#missing[@]} == 0)) && return 0
  log "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; then
    # A fresh machine may have no package lists yet. Unreachable extra sources
    # make update complain but not fail what we need, hence the || true.
    apt-get update -q >&2 || true
    apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
  fi
}

# --- packages ------------------------------------------------------------------

# Leaves the suite's .debs in <suite>/debs, downloading only when they are not
# cached yet (or AIKIT_ENGINE_REFRESH=1). Returns 1 on any failure.
fetch_suite() {
  local suite="$1" dir
  dir="$(suite_dir "$suite")"
  if [[ -f "$dir/debs/.complete" && "$REFRESH" != 1 ]]; then
    log "using cached packages of Debian $suite"
    return 0
  fi
  log "downloading packages from Debian $suite"
  # The lists and cache are private (scripts/lib/apt.sh): the system's apt sources and caches
  # are never changed by asking another suite.
  private_apt_init "$dir" "$suite" || return 1
  private_apt apt-get "$dir" update >&2 || return 1

  local wanted=() package
  for package in "${WANTED_PACKAGES[@]}"; do
    if private_apt apt-cache "$dir" show --no-all-versions "$package" >/dev/null 2>&1; then
      wanted+=("$package")
    fi
  done
  [[ " ${wanted[*]} " == *" docker.io "* && " ${wanted[*]} " == *" containerd "* ]] ||
    {
      log "Debian $suite lacks docker.io or containerd"
      return 1
    }

  # Download next to the old cache and swap, so a failed refresh keeps the
  # last good set.
  rm -rf "$dir/debs.new" || return 1
  mkdir -p "$dir/debs.new" || return 1
  (cd "$dir/debs.new" && private_apt apt-get "$dir" download "${wanted[@]}" >&2) || return 1
  (cd "$dir/debs.new" && ls -- *.deb >.complete) || return 1
  rm -rf "$dir/debs" && mv "$dir/debs.new" "$dir/debs"
}

# Extracts the cached .debs into <suite>/root unless that root already holds
# exactly this set.
extract_suite() {
  local suite="$1" dir root
  dir="$(suite_dir "$suite")"
  root="$(prefix_of "$suite")"
  if [[ -f "$root/.complete" ]] && cmp -s "$root/.complete" "$dir/debs/.complete"; then
    return 0
  fi
  log "extracting $(wc -l <"$dir/debs/.complete") packages of Debian $suite"
  rm -rf "$root.new" || return 1
  mkdir -p "$root.new" || return 1
  local deb
  for deb in "$dir"/debs/*.deb; do
    dpkg -x "$deb" "$root.new" || return 1
  done
  # Debian links e.g. docker-init to /usr/bin/tini-static: absolute targets
  # would point at the host, so make them relative within the prefix.
  local link target
  while IFS= read -r -d '' link; do
    target="$(readlink "$link")"
    if [[ "$target" == /* ]]; then
      ln -sfnr "$root.new$target" "$link" || return 1
    fi
  done < <(find "$root.new" -type l -print0)
  cp "$dir/debs/.complete" "$root.new/.complete" || return 1
  rm -rf "$root" && mv "$root.new" "$root"
}

# Checks that the suite's dockerd can run on this host before trying to start
# it, so a sid built against a newer glibc falls back instead of hanging.
check_binaries() {
  local root="$1" binary missing
  for binary in usr/sbin/dockerd usr/bin/containerd usr/bin/docker; do
    [[ -x "$root/$binary" ]] || {
      log "the packages lack /$binary"
      return 1
    }
    # Covers both a missing library and a too old glibc ("version ... not found").
    missing="$(ldd "$root/$binary" 2>&1 | grep 'not found' || true)"
    if [[ -n "$missing" ]]; then
      log "/$binary cannot run here: $missing"
      return 1
    fi
  done
}

# --- daemon --------------------------------------------------------------------

# The client is reached through a private bin dir holding only `docker`, so
# the prefix's containerd, ctr and runc never shadow anything on the user's
# PATH, and /usr/local/bin/docker (an unrelated client) comes after it.
link_client() {
  local root="$1"
  mkdir -p "$CLIENT_BIN" "$CLIENT_CONFIG/cli-plugins" || return 1
  ln -sfn "$root/usr/bin/docker" "$CLIENT_BIN/docker" || return 1
  local buildx="$root/usr/libexec/docker/cli-plugins/docker-buildx"
  if [[ -x "$buildx" ]]; then
    ln -sfn "$buildx" "$CLIENT_CONFIG/cli-plugins/docker-buildx" || return 1
  else
    rm -f "$CLIENT_CONFIG/cli-plugins/docker-buildx"
  fi
}

engine_docker() {
  DOCKER_HOST="unix://$SOCKET" DOCKER_CONFIG="$CLIENT_CONFIG" "$CLIENT_BIN/docker" "$@"
}

daemon_pid() {
  local pid
  [[ -r "$PIDFILE" ]] || return 1
  pid="$(<"$PIDFILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  # A pid file that survived a reboot or crash may name an unrelated process.
  [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == dockerd ]] || return 1
  # A killed dockerd stays a zombie until its new parent reaps it.
  [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]] || return 1
  printf '%s\n' "$pid"
}

server_version() {
  [[ -x "$CLIENT_BIN/docker" ]] || return 1
  timeout 10 env DOCKER_HOST="unix://$SOCKET" DOCKER_CONFIG="$CLIENT_CONFIG" \
    "$CLIENT_BIN/docker" version --format '{{.Server.Version}}' 2>/dev/null
}

is_running() { daemon_pid >/dev/null && server_version >/dev/null; }

ensure_bridge() {
  if ! ip link show dev "$BRIDGE" >/dev/null 2>&1; then
    ip link add name "$BRIDGE" type bridge || return 1
  fi
  # dockerd takes the subnet of a bridge given with --bridge from its address.
  if ! ip -4 addr show dev "$BRIDGE" | grep -q "inet $BRIDGE_CIDR"; then
    ip addr add "$BRIDGE_CIDR" dev "$BRIDGE" || return 1
  fi
  ip link set "$BRIDGE" up
}

# The daemon.json an engine starts with.
daemon_config() {
  # The containerd image store is what lets a multi-platform result be kept
  # (as an OCI index); the classic store rejects more than one platform.
  local features builder=""
  if [[ -n "$SNAPSHOTTER" ]]; then
    features="\"containerd-snapshotter\": $SNAPSHOTTER"
    # Docker's own builder grants security.insecure only when told to: the
    # GPU steps of a fine-tune on engines without CDI need it (--allow
    # security.insecure). Docker 20.10 knows no builder entitlements.
    builder='
  "builder": { "entitlements": { "security-insecure": true } },'
  else
    # Docker 20.10 knows no containerd store, but can make BuildKit the
    # default builder for plain `docker build`.
    features='"buildkit": true'
  fi
  cat <<EOF
{
  "features": { $features },$builder
  "bridge": "$BRIDGE",
  "iptables": $IPTABLES
}
EOF
}

write_daemon_config() {
  daemon_config >"$DAEMON_JSON"
}

# Starts dockerd from the suite's prefix and waits until it answers.
start_daemon() {
  local suite="$1" root
  root="$(prefix_of "$suite")"
  check_binaries "$root" || return 1
  link_client "$root" || return 1
  ensure_bridge || return 1
  local data_root="$DATA_DIR/$suite"
  mkdir -p "$data_root" "$EXEC_ROOT" || return 1
  write_daemon_config || return 1

  log "starting dockerd (Debian $suite), log in $LOGFILE"
  printf '\n=== %s: starting dockerd from Debian %s\n' "$(date -Is)" "$suite" >>"$LOGFILE"
  # dockerd finds containerd, docker-proxy and docker-init on its own PATH;
  # setsid detaches it from this shell's session so it outlives the caller;
  # fd 9 (the `up` lock) is closed so the daemon does not hold the lock forever;
  # it runs from / because the checkout that starts it may be deleted while the engine
  # lives on for other checkouts, and BuildKit's git source fails in a vanished cwd.
  (cd / && PATH="$root/usr/sbin:$root/usr/bin:$root/usr/libexec/docker:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    exec setsid "$root/usr/sbin/dockerd" \
    --config-file "$DAEMON_JSON" \
    --data-root "$data_root" \
    --exec-root "$EXEC_ROOT" \
    --pidfile "$PIDFILE" \
    --host "unix://$SOCKET" \
    </dev/null >>"$LOGFILE" 2>&1 9>&-) &
  local started=$!

  local deadline=$((SECONDS + START_TIMEOUT))
  until server_version >/dev/null; do
    if ! kill -0 "$started" 2>/dev/null; then
      log "dockerd exited during start; last lines of $LOGFILE:"
      tail -n 20 "$LOGFILE" >&2
      return 1
    fi
    if ((SECONDS >= deadline)); then
      log "dockerd did not answer within ${START_TIMEOUT}s; last lines of $LOGFILE:"
      tail -n 20 "$LOGFILE" >&2
      stop_daemon
      # It may not have written its pid file yet.
      kill -KILL "$started" 2>/dev/null || true
      return 1
    fi
    sleep 1
  done
}

wait_gone() {
  local pid="$1" seconds="$2"
  local deadline=$((SECONDS + seconds))
  while kill -0 "$pid" 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# Stops dockerd by its pid file, then the containerd it supervised in case it
# outlived it (dockerd normally takes it down itself).
stop_daemon() {
  local pid
  if pid="$(daemon_pid)"; then
    log "stopping dockerd (pid $pid)"
    kill -TERM "$pid"
    # dockerd gives containers 15 s to stop before it exits itself.
    if ! wait_gone "$pid" 45; then
      log "dockerd ignored SIGTERM for 45s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      wait_gone "$pid" 10 || true
    fi
  fi
  rm -f "$PIDFILE"

  local containerd_pidfile="$EXEC_ROOT/containerd/containerd.pid" cpid
  if [[ -r "$containerd_pidfile" ]]; then
    cpid="$(<"$containerd_pidfile")"
    if [[ "$cpid" =~ ^[0-9]+$ && "$(cat "/proc/$cpid/comm" 2>/dev/null)" == containerd ]]; then
      log "stopping containerd (pid $cpid)"
      kill -TERM "$cpid"
      wait_gone "$cpid" 20 || kill -KILL "$cpid" 2>/dev/null || true
    fi
    rm -f "$containerd_pidfile"
  fi

  # Docker 20.10 bind-mounts its data root onto itself and leaves the mount
  # behind; unmount what is left so the state directory can be removed.
  local target
  while IFS= read -r target; do
    [[ "$target" == "$DATA_DIR" || "$target" == "$DATA_DIR"/* ]] || continue
    umount "$target" 2>/dev/null || umount -l "$target" || true
  done < <(findmnt -rn -o TARGET | sort -r)
}

# --- versions ------------------------------------------------------------------

# Prints "docker", "buildx" and "buildkit" lines for the running engine.
print_versions() {
  local docker_version buildx_version reported derived
  docker_version="$(server_version)" || die "the $ENGINE engine does not answer on $SOCKET"
  buildx_version="$(engine_docker buildx version 2>/dev/null)" || buildx_version="none (use DOCKER_BUILDKIT=1 docker build)"
  reported=""
  if [[ "$buildx_version" != none* ]]; then
    reported="$(engine_docker buildx inspect 2>/dev/null | sed -n 's/^BuildKit version: *//p' | head -n 1)"
  fi
  printf 'engine:   %s (Debian %s)\n' "$ENGINE" "$(cat "$SUITE_FILE" 2>/dev/null || echo '?')"
  printf 'docker:   %s\n' "$docker_version"
  printf 'buildx:   %s\n' "$buildx_version"
  # Debian's dockerd reports v0.0.0+unknown; the Docker version tells the truth.
  if [[ -n "$reported" && "$reported" != v0.0.0* ]]; then
    printf 'buildkit: %s\n' "$reported"
  elif derived="$(buildkit_for_docker "$docker_version")"; then
    printf 'buildkit: %s (derived from Docker %s; daemon reports %s)\n' \
      "$derived" "$docker_version" "${reported:-nothing}"
  else
    printf 'buildkit: unknown (Docker %s is not in the table; daemon reports %s)\n' \
      "$docker_version" "${reported:-nothing}"
  fi
  printf 'socket:   unix://%s\n' "$SOCKET"
  printf 'state:    %s\n' "$STATE"
}

# --- commands ------------------------------------------------------------------

cmd_up() {
  need_root up
  mkdir -p "$STATE"
  # Two checkouts running `up` at once must end with one daemon, not two.
  exec 9>"$STATE/.lock"
  flock 9

  if is_running; then
    log "reusing the running $ENGINE engine (pid $(daemon_pid))"
    if [[ "$(daemon_config)" != "$(cat "$DAEMON_JSON" 2>/dev/null)" ]]; then
      log "NOTE: it runs with an older $DAEMON_JSON; '${ENGINE_PREFIX}$0 down' then 'up' applies the new one"
    fi
    print_versions >&2
    return 0
  fi
  if daemon_pid >/dev/null; then
    # Alive but not answering: half-started or wedged. Start afresh.
    log "dockerd is alive but does not answer; restarting it"
  fi
  stop_daemon

  install_prerequisites

  # Try the suite that worked last time first, so a warm start needs no
  # network; a recorded fallback is kept until AIKIT_ENGINE_REFRESH=1.
  local candidates=("${SUITES[@]}") last="" suite
  last="$(cat "$SUITE_FILE" 2>/dev/null || true)"
  if [[ "$REFRESH" != 1 && -n "$last" && " ${SUITES[*]} " == *" $last "* && -f "$(suite_dir "$last")/debs/.complete" ]]; then
    candidates=("$last")
    for suite in "${SUITES[@]}"; do
      [[ "$suite" == "$last" ]] || candidates+=("$suite")
    done
    [[ "$last" == "${SUITES[0]}" ]] || log "using Debian $last as last time (AIKIT_ENGINE_REFRESH=1 retries ${SUITES[0]})"
  fi

  for suite in "${candidates[@]}"; do
    if fetch_suite "$suite" && extract_suite "$suite" && start_daemon "$suite"; then
      printf '%s\n' "$suite" >"$SUITE_FILE"
      [[ "$suite" == "${SUITES[0]}" ]] || log "NOTE: fell back to Debian $suite"
      print_versions >&2
      log "use it with: eval \"\$(${ENGINE_PREFIX}$0 env)\""
      return 0
    fi
    log "Debian $suite did not give a working engine"
  done
  die "could not start the $ENGINE engine from Debian ${SUITES[*]}"
}

cmd_down() {
  need_root down
  [[ -d "$STATE" ]] || {
    log "no $ENGINE engine here ($STATE does not exist)"
    return 0
  }
  exec 9>"$STATE/.lock"
  flock 9
  if ! daemon_pid >/dev/null; then
    log "the $ENGINE engine is not running"
  fi
  stop_daemon
}

cmd_env() {
  is_running || log "warning: the $ENGINE engine is not running; start it with: ${ENGINE_PREFIX}$0 up"
  # Put our client first and drop an earlier copy, so evaluating this twice
  # leaves one entry.
  local path=":$PATH:"
  path="${path//:$CLIENT_BIN:/:}"
  path="${path#:}"
  path="${path%:}"
  printf 'export DOCKER_HOST=%q\n' "unix://$SOCKET"
  printf 'export DOCKER_CONFIG=%q\n' "$CLIENT_CONFIG"
  printf 'export PATH=%q\n' "$CLIENT_BIN${path:+:$path}"
  if [[ "$ENGINE" == legacy ]]; then
    printf 'export DOCKER_BUILDKIT=1\n'
  fi
}

cmd_info() {
  is_running || die "the $ENGINE engine is not running; start it with: ${ENGINE_PREFIX}$0 up"
  print_versions
}

cmd_status() {
  local pid
  if pid="$(daemon_pid)" && server_version >/dev/null; then
    printf '%s: running (pid %s, Docker %s) on unix://%s\n' "$ENGINE" "$pid" "$(server_version)" "$SOCKET"
    return 0
  fi
  printf '%s: not running\n' "$ENGINE"
  return 1
}

main() {
  case "${1:-}" in
    up) cmd_up ;;
    down) cmd_down ;;
    env) cmd_env ;;
    info) cmd_info ;;
    status) cmd_status ;;
    help | -h | --help) usage ;;
    "")
      usage >&2
      exit 2
      ;;
    *)
      log "unknown command '$1'"
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
