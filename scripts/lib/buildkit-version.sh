# shellcheck shell=bash
# The BuildKit version a Docker engine embeds, from the Docker version alone.
#
# Debian builds dockerd without BuildKit's version stamp, so the daemon reports
# BuildKit as "v0.0.0+unknown". The frontend's capability checks and the tests
# still need to know which generation they talk to, and moby pins exactly one
# BuildKit per release line (its vendor.mod), so the Docker version decides it.
# Source: decisions.md#buildkit-versions.

# buildkit_for_docker DOCKER_VERSION
# Prints the BuildKit version (e.g. v0.25.2) or returns 1 for an unknown line.
buildkit_for_docker() {
  # Debian appends its own revision ("28.5.2+dfsg4", "20.10.24+dfsg1"); moby's
  # pin depends only on the upstream part.
  local version="${1#v}"
  version="${version%%[+~-]*}"
  case "$version" in
    28.5.0) echo v0.25.0 ;;
    28.5.2) echo v0.25.2 ;;
    28.5.*) echo v0.25.x ;;
    28.4.*) echo v0.24.0 ;;
    28.3.*) echo v0.23.1 ;;
    28.2.*) echo v0.22.0 ;;
    28.1.*) echo v0.21.0 ;;
    28.0.*) echo v0.20.0 ;;
    27.5.*) echo v0.18.2 ;;
    27.4.*) echo v0.17.3 ;;
    27.3.*) echo v0.16.0 ;;
    27.1.*) echo v0.15.0 ;;
    27.0.*) echo v0.14.1 ;;
    26.1.*) echo v0.13.1 ;;
    25.0.*) echo v0.12.5 ;;
    24.0.*) echo v0.11.6 ;;
    23.0.*) echo v0.10.6 ;;
    20.10.*) echo v0.8.x ;;
    *) return 1 ;;
  esac
}
