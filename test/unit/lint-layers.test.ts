import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const TIMEOUT = 20_000;

// Probes for the layer rule in eslint.config.js: generated sources, linted as if they sat in each layer,
// import every other layer in every form and spelling. The table below is the architecture as decided,
// kept apart from the one in eslint.config.js on purpose: loosening that one must fail here.
const ALLOWED: Record<string, readonly string[]> = {
  util: [],
  oci: ['util'],
  aikitfile: ['util', 'oci'],
  llb: ['util', 'oci'],
  convert: ['aikitfile', 'llb', 'util', 'oci'],
  gateway: ['llb', 'util', 'oci'],
  frontend: ['convert', 'gateway', 'aikitfile', 'llb', 'util', 'oci'],
  cli: ['aikitfile', 'convert', 'llb', 'util', 'oci'],
  main: ['frontend', 'gateway', 'util'],
};
const LAYERS = Object.keys(ALLOWED);

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Files a probe is linted as, per layer (paths from the project root). */
function homes(layer: string): string[] {
  if (layer === 'main') return ['src/main.ts'];
  if (layer === 'frontend') return ['src/frontend.ts', 'src/frontend/probe.ts'];
  return [`src/${layer}/probe.ts`, `src/${layer}/deep/probe.ts`];
}

/** Paths (from the root) that land in a layer: its entry point, a deep file, the folder itself. */
function targets(layer: string): string[] {
  if (layer === 'main') return ['src/main.js', 'src/main.ts', 'src/main'];
  if (layer === 'frontend') return ['src/frontend.js', 'src/frontend', 'src/frontend/index.js'];
  return [`src/${layer}/index.js`, `src/${layer}/deep/x.js`, `src/${layer}`, `src/${layer}/`];
}

/** Every way of writing `target` in a file at `home`. */
function spellings(home: string, target: string): string[] {
  const dir = path.dirname(home);
  const rel = path.relative(dir, target) + (target.endsWith('/') ? '/' : '');
  const up = '../'.repeat(dir.split('/').length);
  return [
    rel.startsWith('.') ? rel : `./${rel}`,
    `${up}${target}`,
    `./${up}${target}`,
    target,
    path.join(ROOT, target),
    pathToFileURL(path.join(ROOT, target)).href,
  ];
}

/** Every import form; `n` keeps names apart between lines. */
const FORMS: ((s: string, n: number) => string)[] = [
  (s, n) => `import { a${n} } from ${JSON.stringify(s)};`,
  (s, n) => `import type { A${n} } from ${JSON.stringify(s)};`,
  (s, n) => `import { type A${n} } from ${JSON.stringify(s)};`,
  (s, n) => `import d${n} from ${JSON.stringify(s)} with { type: 'json' };`,
  (s, n) => `import * as ns${n} from ${JSON.stringify(s)};`,
  (s) => `import ${JSON.stringify(s)};`,
  (s, n) => `export { a${n} } from ${JSON.stringify(s)};`,
  (s, n) => `export type { A${n} } from ${JSON.stringify(s)};`,
  (s) => `export * from ${JSON.stringify(s)};`,
  (s, n) => `export * as xs${n} from ${JSON.stringify(s)};`,
  (s) => `void import(${JSON.stringify(s)});`,
  (s) => `void import(\`${s}\`);`,
  (s, n) => `export type T${n} = import(${JSON.stringify(s)}).A;`,
  (s, n) => `import r${n} = require(${JSON.stringify(s)});`,
  (s, n) => `const c${n} = require(${JSON.stringify(s)});`,
  (s) => `declare module ${JSON.stringify(s)} {}`,
];

/**
 * One probe source into `to`: every form with each target path, and every spelling of each target path.
 * The rule reads the path out of the form and then resolves it, so the two need not be multiplied.
 */
function probe(home: string, to: string): string {
  const lines: string[] = [];
  for (const target of targets(to)) {
    const [plain, ...others] = spellings(home, target);
    for (const form of FORMS) lines.push(form(plain!, lines.length));
    for (const spec of others) lines.push(FORMS[0]!(spec, lines.length));
  }
  return lines.join('\n') + '\n';
}

let eslint: ESLint;

async function lint(code: string, home: string): Promise<ESLint.LintResult> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, home) });
  return result!;
}

beforeAll(async () => {
  // The project's own config, with the type checker off (probes are not on disk) and only the layer rule.
  eslint = new ESLint({
    cwd: ROOT,
    overrideConfig: tseslint.configs.disableTypeChecked,
    ruleFilter: ({ ruleId }) => ruleId === 'aikit/layers',
  });
  await lint('\n', 'src/util/probe.ts'); // loads the config once, outside any one test's time
}, 60_000);

const forbidden = LAYERS.flatMap((from) =>
  LAYERS.filter((to) => to !== from && !ALLOWED[from]!.includes(to)).map((to) => [from, to] as const),
);
const allowed = LAYERS.flatMap((from) => [from, ...ALLOWED[from]!].map((to) => [from, to] as const));

describe('the layer rule', () => {
  it.each(forbidden)(
    'reports every import from %s into %s',
    async (from, to) => {
      for (const home of homes(from)) {
        const code = probe(home, to);
        const { messages } = await lint(code, home);
        const lineCount = code.split('\n').length - 1;
        const flagged = new Set(messages.filter((m) => m.messageId === 'forbidden').map((m) => m.line));
        const missed = code.split('\n').filter((_line, i) => i < lineCount && !flagged.has(i + 1));
        expect(missed, `${home}: imports of ${to} that pass`).toEqual([]);
        expect(messages.filter((m) => m.messageId !== 'forbidden')).toEqual([]);
      }
    },
    TIMEOUT,
  );

  it.each(allowed)(
    'lets %s import %s in every form',
    async (from, to) => {
      for (const home of homes(from)) {
        const { messages } = await lint(probe(home, to), home);
        expect(messages, home).toEqual([]);
      }
    },
    TIMEOUT,
  );

  it('leaves packages, built-ins and files outside src/ alone', async () => {
    const code = [
      "import fs from 'node:fs';",
      "import { z } from 'zod';",
      "import type { FakeBridge } from '../../test/unit/fake-bridge.js';",
      "import pkg from '../../package.json' with { type: 'json' };",
    ].join('\n');
    expect((await lint(code, 'src/util/probe.ts')).messages).toEqual([]);
    expect((await lint("import '../src/gateway/index.js';\n", 'test/probe.ts')).messages).toEqual([]);
  });

  it('reports a folder that is in no layer, and imports of src/ itself or of such a folder', async () => {
    const newcomer = await lint("import { a } from '../util/errors.js';\n", 'src/newcomer/probe.ts');
    expect(newcomer.messages.map((m) => m.messageId)).toEqual(['unknownSource']);
    const code = ["import '..';", "import '../index.js';", "import '../newcomer/x.js';", "import 'src';"];
    const { messages } = await lint(code.join('\n'), 'src/convert/probe.ts');
    expect(messages.map((m) => [m.line, m.messageId])).toEqual(code.map((_, i) => [i + 1, 'unknownTarget']));
  });

  it('reports an import() whose path it cannot read', async () => {
    const code = 'const name = "../gateway/index.js";\nvoid import(name);\nvoid import(`../${name}`);\n';
    const { messages } = await lint(code, 'src/convert/probe.ts');
    expect(messages.map((m) => [m.line, m.messageId])).toEqual([
      [2, 'dynamic'],
      [3, 'dynamic'],
    ]);
  });
});

describe('the type-aware rules', () => {
  it.each(['src/convert/matrix.ts', 'src/frontend.ts', 'src/gateway/client.test.ts'])(
    'are errors in %s',
    async (file) => {
      const config = (await new ESLint({ cwd: ROOT }).calculateConfigForFile(file)) as {
        rules: Record<string, [number, ...unknown[]]>;
      };
      const rules = [
        'switch-exhaustiveness-check',
        'no-floating-promises',
        'no-misused-promises',
        'await-thenable',
        'no-unnecessary-type-assertion',
      ];
      for (const rule of rules) expect(config.rules[`@typescript-eslint/${rule}`]?.[0], rule).toBe(2);
      // A default case must not stand in for a missing member of a union.
      expect(config.rules['@typescript-eslint/switch-exhaustiveness-check']![1]).toMatchObject({
        considerDefaultExhaustiveForUnions: false,
      });
    },
    TIMEOUT,
  );
});
