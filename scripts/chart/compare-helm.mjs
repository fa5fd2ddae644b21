#!/usr/bin/env node
// Renders charts/aikit with the real Helm and with scripts/chart/render.sh, and fails unless both
// give the same objects (compared as data, in kind/name order). For CI runners that have Helm;
// the build machines have none, which is why render.go exists.
//
//   node scripts/chart/compare-helm.mjs [values-file]... [--set k=v]...
import { execFileSync } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const helmArgs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--set') helmArgs.push('--set', args[++i]);
  else helmArgs.push('-f', args[i]);
}
const common = ['--namespace', 'aikit', '--kube-version', 'v1.33.0'];
const run = (cmd, argv) =>
  execFileSync(cmd, argv, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

const objects = (text) =>
  parseAllDocuments(text)
    .map((d) => d.toJS())
    .filter((o) => o && typeof o === 'object')
    .sort((a, b) => `${a.kind}/${a.metadata?.name}`.localeCompare(`${b.kind}/${b.metadata?.name}`));

const helm = objects(
  run('helm', ['template', 'aikit', path.join(root, 'charts', 'aikit'), ...common, ...helmArgs]),
);
const ours = objects(run('bash', [path.join(root, 'scripts', 'chart', 'render.sh'), ...common, ...helmArgs]));
const names = (objs) => objs.map((o) => `${o.kind}/${o.metadata?.name}`);

if (!isDeepStrictEqual(names(helm), names(ours))) {
  console.error(
    `objects differ:\n  helm:      ${names(helm).join(', ')}\n  render.sh: ${names(ours).join(', ')}`,
  );
  process.exit(1);
}
let failed = false;
helm.forEach((h, i) => {
  if (!isDeepStrictEqual(h, ours[i])) {
    failed = true;
    console.error(
      `${h.kind}/${h.metadata?.name} differs:\n--- helm\n${JSON.stringify(h, null, 2)}\n--- render.sh\n${JSON.stringify(ours[i], null, 2)}`,
    );
  }
});
if (failed) process.exit(1);
console.log(
  `helm template and render.sh agree on ${helm.length} objects (${args.join(' ') || 'default values'})`,
);
