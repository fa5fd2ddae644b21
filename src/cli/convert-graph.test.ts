import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectGolden } from '../../test/fixtures/golden.js';
import { loadAikitfile } from '../aikitfile/index.js';
import { convert, resolveArtifacts } from '../convert/index.js';
import { marshal, parsePlatform, toDot, toMermaid, type Definition } from '../llb/index.js';
import { AikitError } from '../util/errors.js';

// Golden build graphs (`aikit convert --format dot|mermaid`) of every test/aikitfile-*.yaml per
// platform, converted as the LLB goldens are; `npm run golden:update` rewrites them. The DOT of each is also
// laid out by Graphviz, which must draw every op as a node.
//
//   <file>.<os>-<arch>.graph.dot   Graphviz
//   <file>.<os>-<arch>.graph.mmd   Mermaid

const ROOT = resolve(import.meta.dirname, '../..');
const FILES = readdirSync(join(ROOT, 'test'))
  .filter((f) => /^aikitfile-.*\.yaml$/.test(f))
  .sort();
const PLATFORMS = ['linux/amd64', 'linux/arm64'];
const golden = (file: string, platform: string, ext: string) =>
  join(ROOT, 'test/golden', `${file.replace(/\.yaml$/, '')}.${platform.replace('/', '-')}.graph.${ext}`);

const hasDot = spawnSync('dot', ['-V']).status === 0;
const graphviz = hasDot || process.env['AIKIT_GRAPHVIZ_TESTS'] === '1';

function definition(file: string, p: string): Definition | undefined {
  const { spec } = loadAikitfile(readFileSync(join(ROOT, 'test', file), 'utf8'), file);
  if (spec.kind !== 'inference') return undefined;
  const platform = parsePlatform(p);
  try {
    const { state } = convert(spec, {
      platform,
      artifacts: resolveArtifacts({}).artifacts,
      sessionId: 'golden',
      contextLocal: 'context',
    });
    return marshal(state, { platform, localUniqueId: 'golden' });
  } catch (e) {
    if (e instanceof AikitError) return undefined; // a forbidden platform: no graph
    throw e;
  }
}

describe.each(FILES)('%s', (file) => {
  it.each(PLATFORMS)('%s', (p) => {
    const def = definition(file, p);
    if (!def) return;
    const panels = [{ title: p, def }];
    expectGolden(toDot(panels), golden(file, p, 'dot'));
    expectGolden(toMermaid(panels), golden(file, p, 'mmd'));
  });
});

describe.runIf(graphviz)('Graphviz lays out the DOT', () => {
  it.each(FILES)('%s', (file) => {
    const def = definition(file, 'linux/amd64');
    if (!def) return;
    const svg = execFileSync('dot', ['-Tsvg'], { input: toDot([{ title: 'linux/amd64', def }]) }).toString();
    expect(svg).toMatch(/^<svg /m);
    // One <g class="node"> per op, titled with its id; the terminal op is no node.
    const titles = [...svg.matchAll(/<g id="node\d+" class="node">\s*<title>([^<]+)<\/title>/g)].map(
      (m) => m[1],
    );
    expect(titles.sort()).toEqual(Array.from({ length: def.def.length - 1 }, (_, i) => `p0_n${i}`).sort());
    for (const name of [...svg.matchAll(/\[aikit\] [^<]*/g)]) expect(name[0]).not.toContain('undefined');
  });
});
