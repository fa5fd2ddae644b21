#!/usr/bin/env bash
# Signs and verifies a pushed image the way the release does, so CI runs the same commands
# (test/e2e/bom.itg.test.ts) long before a release day:
#
#   scripts/sign.sh sign   REPOSITORY@sha256:<index digest>
#   scripts/sign.sh verify REPOSITORY@sha256:<index digest>
#   scripts/sign.sh keygen PREFIX      (PREFIX.key and PREFIX.pub, for tests; COSIGN_PASSWORD)
#   scripts/sign.sh install            (prints the cosign it uses, fetching Debian's if need be)
#
# sign: a cosign signature on the digest, then each platform's SBOM (the SPDX document the
# image carries as a BuildKit attestation: aikit's bill of materials, or BuildKit's scanner
# output for the frontend image) as a signed `spdxjson` attestation on that platform's manifest.
# verify: the signature and every platform's SBOM attestation; fails when either is missing or
# signed by someone else.
#
# Environment:
#   COSIGN_KEY            private key (file, env://VAR or KMS URI) to sign with; unset: keyless,
#                         with the workflow's OIDC identity (the release)
#   COSIGN_PASSWORD       the key's password (read by cosign)
#   COSIGN_PUBLIC_KEY     public key to verify with; unset: keyless, with the identity below
#   AIKIT_SIGN_IDENTITY_REGEXP  keyless: the signer's certificate identity (a regexp)
#   AIKIT_SIGN_OIDC_ISSUER      keyless: its OIDC issuer (default: GitHub Actions')
#   AIKIT_SIGN_OFFLINE=1  no transparency log: sign with a signing config without services and
#                         verify with --insecure-ignore-tlog (tests; air-gapped registries)
#   AIKIT_SIGN_PLAIN_HTTP=1  the registry speaks plain http (the tests' loopback registry)
#   COSIGN                the cosign binary; default: cosign on PATH, else Debian sid's cosign,
#                         unpacked into a private prefix with scripts/lib/apt.sh
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: scripts/sign.sh sign|verify REPOSITORY@sha256:<digest> | keygen PREFIX | install" >&2
  exit 2
}
[[ $# -eq 2 || "${1:-}" == install ]] || usage
action="$1" image="${2:-}"
[[ "$action" == sign || "$action" == verify || "$action" == keygen || "$action" == install ]] || usage
[[ "$action" == keygen || "$action" == install || "$image" =~ ^([^@]+)@(sha256:[a-f0-9]{64})$ ]] || {
  echo "scripts/sign.sh: $image is not REPOSITORY@sha256:<digest>; sign what was pushed, by digest" >&2
  exit 2
}
repository="${BASH_REMATCH[1]:-}"

# cosign_binary: COSIGN, cosign on PATH, or Debian sid's (the version the tests pin down).
cosign_binary() {
  if [[ -n "${COSIGN:-}" ]]; then
    printf '%s\n' "$COSIGN"
    return
  fi
  if command -v cosign >/dev/null; then
    command -v cosign
    return
  fi
  local home="${AIKIT_ENGINE_HOME:-/var/lib/aikit-engine}/pkgs/cosign"
  mkdir -p "$home" 2>/dev/null && [[ -w "$home" ]] || home="${TMPDIR:-/tmp}/aikit-cosign"
  local bin="$home/root/usr/bin/cosign"
  if [[ ! -x "$bin" ]]; then
    # shellcheck source-path=SCRIPTDIR source=lib/apt.sh
    source scripts/lib/apt.sh
    {
      private_apt_init "$home" sid &&
        private_apt apt-get "$home" update &&
        mkdir -p "$home/debs" &&
        (cd "$home/debs" && rm -f ./*.deb && private_apt apt-get "$home" download cosign) &&
        dpkg -x "$home"/debs/cosign_*.deb "$home/root"
    } >&2 || {
      echo "scripts/sign.sh: could not fetch cosign from Debian sid (set COSIGN or AIKIT_DEBIAN_MIRROR)" >&2
      exit 1
    }
  fi
  printf '%s\n' "$bin"
}

cosign="$(cosign_binary)"
if [[ "$action" == install ]]; then
  printf '%s\n' "$cosign"
  exit 0
fi
if [[ "$action" == keygen ]]; then
  exec "$cosign" generate-key-pair --output-key-prefix "$image"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

registry_flags=()
[[ "${AIKIT_SIGN_PLAIN_HTTP:-}" == 1 ]] && registry_flags=(--allow-http-registry --allow-insecure-registry)

sign_flags=(--yes)
if [[ -n "${COSIGN_KEY:-}" ]]; then sign_flags+=(--key "$COSIGN_KEY"); fi
if [[ "${AIKIT_SIGN_OFFLINE:-}" == 1 ]]; then
  # cosign 3 refuses --tlog-upload=false with its default signing config: one without services.
  "$cosign" signing-config create --out "$work/signing-config.json" >/dev/null
  sign_flags+=(--signing-config "$work/signing-config.json")
fi

verify_flags=()
if [[ "$action" == sign ]]; then
  :
elif [[ -n "${COSIGN_PUBLIC_KEY:-}" ]]; then
  verify_flags+=(--key "$COSIGN_PUBLIC_KEY")
else
  [[ -n "${AIKIT_SIGN_IDENTITY_REGEXP:-}" ]] || {
    echo "scripts/sign.sh: verify needs COSIGN_PUBLIC_KEY or AIKIT_SIGN_IDENTITY_REGEXP" >&2
    exit 2
  }
  verify_flags+=(
    --certificate-identity-regexp "$AIKIT_SIGN_IDENTITY_REGEXP"
    --certificate-oidc-issuer "${AIKIT_SIGN_OIDC_ISSUER:-https://token.actions.githubusercontent.com}"
  )
fi
[[ "${AIKIT_SIGN_OFFLINE:-}" == 1 ]] && verify_flags+=(--insecure-ignore-tlog)

# platform_sboms: "<platform> <manifest digest> <file>" per image platform, each file the SPDX
# document `docker buildx imagetools inspect --format '{{json .SBOM}}'` shows for it.
platform_sboms() {
  docker buildx imagetools inspect --raw "$image" >"$work/index.json"
  docker buildx imagetools inspect "$image" --format '{{json .SBOM}}' >"$work/sbom.json"
  # node, not jq: it is what the project already needs everywhere this runs.
  node -e '
    const index = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const m of index.manifests ?? []) {
      const p = m.platform ?? {};
      if (p.os && p.os !== "unknown") console.log([p.os, p.architecture, p.variant].filter(Boolean).join("/"), m.digest);
    }' "$work/index.json" >"$work/platforms"
  if [[ ! -s "$work/platforms" ]]; then
    echo "scripts/sign.sh: $image is not an index with platform manifests" >&2
    exit 1
  fi
  local count platform digest file
  count="$(wc -l <"$work/platforms")"
  while read -r platform digest; do
    file="$work/sbom-${digest#sha256:}.spdx.json"
    # buildx keys the SBOMs by platform when there are several, and not when there is one.
    node -e '
      const [file, platform, single] = process.argv.slice(1);
      const sbom = JSON.parse(require("fs").readFileSync(file, "utf8") || "{}");
      const doc = single === "1" ? sbom.SPDX : sbom[platform]?.SPDX;
      if (doc) console.log(JSON.stringify(doc));' "$work/sbom.json" "$platform" "$([[ $count -eq 1 ]] && echo 1)" >"$file"
    if [[ ! -s "$file" ]]; then
      echo "scripts/sign.sh: $image has no SPDX SBOM for $platform" >&2
      exit 1
    fi
    printf '%s %s %s\n' "$platform" "$digest" "$file"
  done <"$work/platforms"
}

case "$action" in
sign)
  "$cosign" sign "${sign_flags[@]}" "${registry_flags[@]}" "$image"
  platform_sboms | while read -r platform digest file; do
    echo "attesting the SBOM of $platform ($digest)" >&2
    "$cosign" attest "${sign_flags[@]}" "${registry_flags[@]}" --type spdxjson --predicate "$file" \
      "$repository@$digest"
  done
  ;;
verify)
  "$cosign" verify "${verify_flags[@]}" "${registry_flags[@]}" "$image" >"$work/verified.json"
  echo "signature of $image verified" >&2
  platform_sboms | while read -r platform digest _file; do
    "$cosign" verify-attestation "${verify_flags[@]}" "${registry_flags[@]}" --type spdxjson \
      "$repository@$digest" >"$work/attestation.json"
    echo "SBOM attestation of $platform ($digest) verified" >&2
  done
  ;;
esac
