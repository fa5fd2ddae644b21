#!/usr/bin/env bash
# The test command of the README and of .ci/run: lint, unit tests, then the end-to-end tests on
# a real engine that the suite starts itself. Ends with one "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT

status=0
echo "== lint"
npm run -s lint || status=1

echo "== unit tests"
npx vitest run --config vitest.config.ts --reporter=default --reporter=json --outputFile.json="$reports/unit.json" || status=1

if [ "${AIKIT_SKIP_E2E:-}" = "1" ]; then
  echo "== end-to-end tests skipped (AIKIT_SKIP_E2E=1)"
else
  echo "== end-to-end tests (real BuildKit engine)"
  npx vitest run --config vitest.config.e2e.ts --reporter=default --reporter=json --outputFile.json="$reports/e2e.json" || status=1
fi

if [ "${AIKIT_SKIP_DOCS:-}" = "1" ]; then
  echo "== docs skipped (AIKIT_SKIP_DOCS=1)"
else
  echo "== docs site (build, then headless Chromium)"
  bash scripts/check-docs.sh || status=1
fi

node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const f of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(process.argv[1] + "/" + f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + (r.numTodoTests || 0);
  }
  if (passed + failed === 0) { console.log("no tests ran"); process.exit(1); }
  console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$reports" || status=1
exit $status
