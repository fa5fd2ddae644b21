// scripts/code-stats.ts on a small made-up tree: each section finds what was planted in it, and
// leaves alone the look-alikes (test files, literal types, labels, non-digest hex classes).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeStats } from '../../scripts/code-stats.js';

const root = path.resolve(import.meta.dirname, '..', '..');
let dir: string;

function write(rel: string, text: string): void {
  const full = path.join(dir, rel);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, text);
}

const body = (n: number, indent = '  ') =>
  Array.from({ length: n }, (_, i) => `${indent}x += ${i};`).join('\n');

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'code-stats-'));
  // alpha and beta import each other (a cycle); alpha/long.ts is a long file with a long function.
  write(
    'src/alpha/one.ts',
    [
      "import { two } from '../beta/two.js';",
      "import type { Kind } from './kinds.js';",
      'export const one = (k: Kind) => two(k) + 1;',
      '',
    ].join('\n'),
  );
  write(
    'src/beta/two.ts',
    [
      "import { one } from '../alpha/one.js';",
      "import { metadataRequests, fetchAll } from '../alpha/kinds.js';",
      'export function two(k: string): number {',
      '  for (const r of metadataRequests(k)) fetchAll(r);',
      "  return k === 'x' ? one('localai') : 0;",
      '}',
      '',
    ].join('\n'),
  );
  write(
    'src/alpha/kinds.ts',
    [
      "export type Kind = 'localai' | 'llama-server';",
      "export const labels = { server: 'llama-server' };",
      "export const kindOf = (k?: Kind) => k ?? 'localai';",
      'export function route(k: Kind): string {',
      "  if (k === 'llama-server') return 'a';",
      '  switch (k) {',
      "    case 'localai':",
      "      return ['localai'].includes(k) ? 'b' : 'c';",
      '  }',
      '  return kindOf();',
      '}',
      'export const metadataRequests = (k: string) => [k];',
      'export const fetchAll = (r: string) => r;',
      'export const DIGEST = /^sha256:[a-f0-9]{64}$/;',
      "export const SHORT = new RegExp('^[0-9a-fA-F]+$');",
      'export const IPV6 = /^[0-9a-fA-F:]+$/;',
      'export const NAME = /^[a-z0-9]+$/;',
      "export const same = (a: string, b: unknown) => a === (b as 'localai');",
      '',
    ].join('\n'),
  );
  write(
    'src/alpha/long.ts',
    [
      'export function bigOne(): number {',
      '  let x = 0;',
      body(300),
      '  return x;',
      '}',
      'export class Box {',
      '  size(): number {',
      '    let x = 0;',
      body(40, '    '),
      '    return x;',
      '  }',
      '}',
      'export const arrow = () => {',
      '  let x = 0;',
      body(30),
      '  return x;',
      '};',
      'export const each = [1].map(function (x) {',
      body(20),
      '  return x;',
      '});',
      '',
    ].join('\n'),
  );
  // gamma's files import each other's types only: a cycle that is erased at run time.
  write('src/gamma/a.ts', "import type { B } from './b.js';\nexport type A = { b?: B };\n");
  write('src/gamma/b.ts', "import type { A } from './a.js';\nexport type B = { a?: A };\n");
  // A top-level file is its own node.
  write('src/frontend.ts', "import { one } from './alpha/one.js';\nexport const f = () => one('localai');\n");
  // Test files are not counted, however long or branchy.
  write(
    'src/alpha/one.test.ts',
    `export function hugeTest(k: string) {\n  let x = 0;\n${body(400)}\n  if (k === 'localai') metadataRequests(k);\n  return /[a-f0-9]{64}/.test(k) ? x : 0;\n}\ndeclare function metadataRequests(k: string): void;\n`,
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sections(out: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const block of out.trimEnd().split('\n\n')) {
    const [title, ...rest] = block.split('\n');
    map.set(
      title!.replace(/:.*$/, ''),
      rest.map((l) => l.trim()),
    );
  }
  return map;
}

describe('scripts/code-stats.ts', () => {
  it('lists files over 300 lines, skipping tests', () => {
    const s = sections(codeStats(dir));
    expect(s.get('Files over 300 lines')).toEqual([expect.stringMatching(/^\d+\s+src\/alpha\/long\.ts$/)]);
  });

  it('finds the longest functions, methods, arrows and callbacks, longest first', () => {
    const fns = sections(codeStats(dir)).get('Longest 10 functions')!;
    const names = fns.map((l) => l.split(/\s+/).slice(2).join(' '));
    expect(names.slice(0, 4)).toEqual(['bigOne', 'Box.size', 'arrow', '<argument of [1].map>']);
    expect(fns[0]).toMatch(/^304\s+src\/alpha\/long\.ts:1\s+bigOne$/);
    expect(names).not.toContain('hugeTest');
    const counts = fns.map((l) => Number(l.split(/\s+/)[0]));
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
  });

  it('draws the import graph by top-level part and finds the file cycles, marking type-only ones', () => {
    const s = sections(codeStats(dir));
    expect(s.get('Imports between top-level parts of src (import statements, type-only included)')).toEqual([
      'alpha -> beta 1',
      'beta -> alpha 2',
      'frontend -> alpha 1',
      'gamma -> (nothing)',
    ]);
    expect(s.get('Import cycles between files (components of the file graph)')).toEqual([
      '2 files: src/alpha/one.ts, src/beta/two.ts',
      '2 files: src/gamma/a.ts, src/gamma/b.ts (only through import type)',
    ]);
  });

  it('finds branches on a server kind, not types, labels or defaults', () => {
    const s = sections(codeStats(dir));
    expect(s.get('Branches on a server kind (localai, llama-server)')).toEqual([
      'src/alpha/kinds.ts:5  llama-server',
      'src/alpha/kinds.ts:7  localai',
      'src/alpha/kinds.ts:8  localai',
    ]);
  });

  it('counts calls of metadataRequests and of --grep names', () => {
    const s = sections(codeStats(dir, ['fetchAll']));
    expect(s.get('Calls of metadataRequests(')).toEqual(['src/beta/two.ts:4']);
    expect(s.get('Calls of fetchAll(')).toEqual(['src/beta/two.ts:4']);
    expect(sections(codeStats(dir)).has('Calls of fetchAll(')).toBe(false);
  });

  it('finds digest regular expressions, literal or new RegExp', () => {
    const s = sections(codeStats(dir));
    expect(s.get('Digest regular expressions ({64} or a hex class)')).toEqual([
      'src/alpha/kinds.ts:14  /^sha256:[a-f0-9]{64}$/',
      "src/alpha/kinds.ts:15  new RegExp('^[0-9a-fA-F]+$')",
    ]);
  });

  it('runs as a command: exit 0 with --grep, exit 2 on a directory without src', () => {
    const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
    const script = path.join(root, 'scripts', 'code-stats.ts');
    const ok = spawnSync(tsx, [script, dir, '--grep', 'fetchAll'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe(codeStats(dir, ['fetchAll']));
    const bad = spawnSync(tsx, [script, path.join(dir, 'src')], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/src is not a directory/);
  }, 60_000);
});
