import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { marshal } from '../llb/index.js';
import { loadAikitfile } from '../aikitfile/index.js';
import { AikitError } from '../util/errors.js';
import {
  checkMatrix,
  convert,
  metadataRequests,
  placeholderMetadata,
  resolveArtifacts,
  sourceSettings,
} from './index.js';

// Property-based fuzzing of parse → validate → convert → marshal (issue 7). Every input either
// converts on every platform or fails with an AikitError whose issues all have a place in the
// file. AIKIT_FUZZ_RUNS sets the number of aikitfiles (default 10,000; CI nightly: 100,000).

const RUNS = Number(process.env['AIKIT_FUZZ_RUNS'] ?? 10_000);
const SEED = process.env['AIKIT_FUZZ_SEED'] ? Number(process.env['AIKIT_FUZZ_SEED']) : undefined;

/**
 * Issue codes that may have no range, because the problem is not in the file: a build-arg or
 * --target (IGNORED_BUILD_ARG, BAD_BUILD_ARG, UNSUPPORTED_TARGET).
 */
const LOCATIONLESS = new Set(['IGNORED_BUILD_ARG', 'BAD_BUILD_ARG', 'UNSUPPORTED_TARGET']);

const PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64' },
];
const { artifacts } = resolveArtifacts({});

type Outcome = { ok: true; ops: number } | { ok: false; code: string };

/** The property: runs the pipeline; throws (failing the property) on anything but a located error. */
function pipeline(
  text: string,
  meta: (kind: string) => Uint8Array = (kind) => placeholderMetadata({ kind: kind as 'hf-listing' }),
): Outcome {
  try {
    const loaded = loadAikitfile(text, 'aikitfile.yaml');
    if (loaded.spec.kind !== 'inference') return { ok: true, ops: 0 };
    const spec = loaded.spec;
    // What the frontend reads through the engine first (Hub listings, OCI manifests).
    const settings = sourceSettings({});
    const metadata = new Map<string, Uint8Array>();
    for (let i = 0; i < 3; i++)
      for (const req of metadataRequests(spec, settings, metadata)) metadata.set(req.key, meta(req.kind));
    checkMatrix(spec, PLATFORMS, { locate: (p) => loaded.locate(p), file: 'aikitfile.yaml' });
    let ops = 0;
    for (const platform of PLATFORMS) {
      const { state } = convert(spec, {
        platform,
        artifacts,
        locate: (p) => loaded.locate(p),
        sessionId: 'fuzz',
        contextLocal: 'context',
        source: { filename: 'aikitfile.yaml', data: new TextEncoder().encode(text), language: 'aikitfile' },
        sources: { settings, metadata },
      });
      ops += marshal(state).def.length;
    }
    return { ok: true, ops };
  } catch (e) {
    if (!(e instanceof AikitError)) {
      throw new Error(`not an AikitError: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, {
        cause: e,
      });
    }
    for (const issue of e.issues) {
      if (!issue.range && !LOCATIONLESS.has(issue.code)) {
        throw new Error(`issue without a location: ${issue.code}: ${issue.message}`, { cause: e });
      }
    }
    if (e.issues.length === 0 && e.code === 'INVALID_AIKITFILE')
      throw new Error('INVALID_AIKITFILE with no issues', { cause: e });
    return { ok: false, code: e.code };
  }
}

// --- Generators ---------------------------------------------------------------------------------

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const segment = fc.oneof(
  fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,12}$/),
  fc.constantFrom('..', '.', '', '~', 'con', 'a b', 'ü', '%2e%2e', '\\x', '\u0000'),
);
const relPath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));
const name = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[a-z][a-z0-9._-]{0,20}$/) },
  { weight: 2, arbitrary: relPath },
  { weight: 1, arbitrary: fc.constantFrom('../../etc/passwd', '/etc/passwd', 'a/../../b', '.', '', ' ') },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);
const source = fc.oneof(
  fc.tuple(fc.constantFrom('https', 'http'), relPath).map(([s, p]) => `${s}://example.com/${p}.gguf`),
  relPath,
  fc
    .tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[a-z]{1,8}$/), relPath)
    .map(([o, r, f]) => `huggingface://${o}/${r}/${f}`),
  fc
    .tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[a-z0-9]{1,8}$/))
    .map(([r, t]) => `oci://registry.example.com/${r}:${t}`),
  fc.constantFrom(
    '/etc/passwd',
    '../outside.gguf',
    'file:///etc/passwd',
    'ftp://x/y',
    'https://',
    'http://[::1',
  ),
  fc.string({ maxLength: 30 }),
);
const template = fc.record(
  {
    name: fc.oneof(name, fc.constantFrom('chat', 'completion', 'chatMsg')),
    template: fc.string({ maxLength: 40 }),
  },
  { requiredKeys: ['name'] },
);
/** Mostly a valid value, sometimes anything: enough valid files reach conversion. */
const mostly = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 12, arbitrary: valid },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 2, maxKeys: 3 }) },
  );
const model = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      name: fc.stringMatching(/^[a-z][a-z0-9._-]{0,20}$/),
      source: fc.stringMatching(/^[a-z]{1,8}$/).map((f) => `https://example.com/${f}.gguf`),
      sha256: hex64,
      promptTemplates: fc.array(
        fc.record({
          name: fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_-]{0,10}$/),
          template: fc.string({ maxLength: 40 }),
        }),
        { maxLength: 3 },
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        name,
        source,
        sha256: fc.oneof(hex64, fc.string({ maxLength: 70 })),
        promptTemplates: fc.array(template, { maxLength: 4 }),
        extra: fc.anything({ maxDepth: 2 }),
      },
      { requiredKeys: ['name', 'source'] },
    ),
  },
);
const aikitObject = fc.record(
  {
    apiVersion: fc.oneof(
      { weight: 20, arbitrary: fc.constant('v1alpha1') },
      { weight: 1, arbitrary: fc.anything() },
    ),
    debug: mostly(fc.boolean()),
    runtime: mostly(fc.constantFrom('cuda', 'rocm', 'applesilicon', 'cpu', '')),
    backends: mostly(
      fc.array(fc.constantFrom('llama-cpp', 'diffusers', 'vllm', 'exllama2', 'mamba', 'transformers'), {
        maxLength: 2,
      }),
    ),
    models: mostly(fc.array(model, { maxLength: 5 })),
    config: mostly(
      fc.oneof(
        fc.constant('- name: m\n  backend: llama-cpp\n  parameters:\n    model: m.gguf\n'),
        fc.string({ maxLength: 60 }),
      ),
    ),
    baseModel: fc.oneof(
      { weight: 20, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.anything() },
    ),
    unknownKey: fc.oneof(
      { weight: 20, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.anything() },
    ),
  },
  { requiredKeys: ['apiVersion', 'models'] },
);
/** A whole aikitfile, generated as data and written as YAML. */
const generated = aikitObject.map((o) => {
  const clean = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return `#syntax=aikit:test\n${stringify(clean)}`;
});

// The committed aikitfiles (valid ones and the invalid corpus) are the seeds for mutation.
const root = join(import.meta.dirname, '../..');
const seeds = [
  ...readdirSync(join(root, 'test'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(root, 'test', f)),
  ...readdirSync(join(root, 'test/invalid'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(root, 'test/invalid', f)),
].map((f) => readFileSync(f, 'utf8'));

const TOKENS = [
  ':',
  '- ',
  '&a ',
  '*a',
  '!!binary ',
  '!!str ',
  '{',
  '}',
  '[',
  ']',
  '"',
  "'",
  '|',
  '>',
  '#',
  '\t',
  '\n',
  '  ',
  '? ',
  '<<: *a',
  '%YAML 1.2\n',
  '---\n',
  '...\n',
  '\u0000',
  '\ufeff',
  '../',
  '/',
];
type Mutation =
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'duplicateLine'; line: number }
  | { kind: 'swapLines'; a: number; b: number }
  | { kind: 'indent'; line: number; by: number };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 20 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 8 })),
  }),
  fc.record({ kind: fc.constant('duplicateLine' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('swapLines' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant('indent' as const), line: fc.nat(), by: fc.integer({ min: -4, max: 4 }) }),
);
function mutate(text: string, ms: Mutation[]): string {
  let t = text;
  for (const m of ms) {
    const lines = t.split('\n');
    switch (m.kind) {
      case 'delete': {
        const at = m.at % (t.length + 1);
        t = t.slice(0, at) + t.slice(at + m.len);
        break;
      }
      case 'insert': {
        const at = m.at % (t.length + 1);
        t = t.slice(0, at) + m.text + t.slice(at);
        break;
      }
      case 'duplicateLine': {
        const i = m.line % lines.length;
        lines.splice(i, 0, lines[i]!);
        t = lines.join('\n');
        break;
      }
      case 'swapLines': {
        const [a, b] = [m.a % lines.length, m.b % lines.length];
        [lines[a], lines[b]] = [lines[b]!, lines[a]!];
        t = lines.join('\n');
        break;
      }
      case 'indent': {
        const i = m.line % lines.length;
        lines[i] =
          m.by >= 0 ? ' '.repeat(m.by) + lines[i] : lines[i]!.replace(new RegExp(`^ {0,${-m.by}}`), '');
        t = lines.join('\n');
        break;
      }
    }
  }
  return t;
}
const mutated = fc
  .tuple(fc.oneof(fc.constantFrom(...seeds), generated), fc.array(mutation, { minLength: 1, maxLength: 6 }))
  .map(([text, ms]) => mutate(text, ms));

const stats = { ok: 0, failed: new Map<string, number>() };
function check(text: string): void {
  const r = pipeline(text);
  if (r.ok) stats.ok++;
  else stats.failed.set(r.code, (stats.failed.get(r.code) ?? 0) + 1);
}
const params = (n: number): fc.Parameters<[string]> => ({
  numRuns: n,
  ...(SEED !== undefined ? { seed: SEED } : {}),
});

describe(`fuzzing parse → validate → convert (${RUNS} aikitfiles)`, () => {
  const timeout = Math.max(120_000, RUNS * 20);
  it('generated aikitfiles convert or fail with located AikitErrors', { timeout }, () => {
    fc.assert(fc.property(generated, check), params(Math.ceil(RUNS * 0.45)));
  });
  it('mutated aikitfiles (committed samples and generated ones) do too', { timeout }, () => {
    fc.assert(fc.property(mutated, check), params(Math.ceil(RUNS * 0.45)));
  });
  it('arbitrary text does too', { timeout }, () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), check),
      params(Math.ceil(RUNS * 0.1)),
    );
    // The generators must reach conversion, not only the parser's errors.
    expect(stats.ok).toBeGreaterThan(RUNS * 0.02);
    console.log(
      `fuzz: ${stats.ok} converted, ${[...stats.failed.values()].reduce((a, b) => a + b, 0)} rejected (${[
        ...stats.failed,
      ]
        .map(([c, n]) => `${c} ${n}`)
        .join(', ')})`,
    );
  });
});

describe('hostile input is rejected with a located, clear error', () => {
  const model = (fields: string) =>
    `apiVersion: v1alpha1\nmodels:\n  - name: m\n    source: https://x.io/m.gguf\n${fields}`;
  const cases: [string, string, string, RegExp][] = [
    [
      'a model name with ..',
      'apiVersion: v1alpha1\nmodels:\n  - name: ../../etc/passwd\n    source: https://x.io/a.gguf\n',
      'INVALID_MODEL_NAME',
      /relative path/,
    ],
    [
      'an absolute model name',
      'apiVersion: v1alpha1\nmodels:\n  - name: /etc/passwd\n    source: https://x.io/a.gguf\n',
      'INVALID_MODEL_NAME',
      /relative path/,
    ],
    [
      'a control character in a name',
      'apiVersion: v1alpha1\nmodels:\n  - name: "a\\0b"\n    source: https://x.io/a.gguf\n',
      'INVALID_MODEL_NAME',
      /control character/,
    ],
    [
      'a local source escaping the context',
      'apiVersion: v1alpha1\nmodels:\n  - name: m\n    source: ../outside.gguf\n',
      'PATH_ESCAPES_CONTEXT',
      /outside the build context/,
    ],
    [
      'a local source escaping through a subfolder',
      'apiVersion: v1alpha1\nmodels:\n  - name: m\n    source: models/../../outside.gguf\n',
      'PATH_ESCAPES_CONTEXT',
      /outside the build context/,
    ],
    [
      'an absolute local source',
      'apiVersion: v1alpha1\nmodels:\n  - name: m\n    source: /etc/passwd\n',
      'ABSOLUTE_PATH',
      /absolute path/,
    ],
    [
      'a template name with ..',
      model('    promptTemplates:\n      - name: ../../x\n        template: hi\n'),
      'INVALID_TEMPLATE_NAME',
      /plain file name/,
    ],
    [
      'an absolute template name',
      model('    promptTemplates:\n      - name: /etc/x\n        template: hi\n'),
      'INVALID_TEMPLATE_NAME',
      /plain file name/,
    ],
    [
      'an alias bomb',
      `${['a: &a [x,x,x,x,x,x,x,x,x]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d]'].join('\n')}\napiVersion: v1alpha1\n`,
      'YAML_SYNTAX',
      /alias/,
    ],
    [
      '20,000 nested flow sequences',
      `apiVersion: v1alpha1\nx: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`,
      'YAML_TOO_DEEP',
      /nests too deeply/,
    ],
  ];
  it.each(cases)('%s', (_what, text, code, message) => {
    const t0 = performance.now();
    let err: unknown;
    try {
      loadAikitfile(text, 'aikitfile.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AikitError);
    const issues = (err as AikitError).issues;
    expect(issues.map((i) => i.code)).toContain(code);
    const issue = issues.find((i) => i.code === code)!;
    expect(issue.range, issue.message).toBeDefined();
    expect(issue.message).toMatch(message);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it.each([['../../etc/passwd'], ['/etc/passwd'], ['a/../../../x']])(
    'a Hub listing with the file name %s is refused',
    (rfilename) => {
      const listing = Buffer.from(
        JSON.stringify({
          sha: 'a'.repeat(40),
          siblings: [{ rfilename, size: 1, lfs: { sha256: 'b'.repeat(64), size: 1 } }],
        }),
      );
      const text = 'apiVersion: v1alpha1\nmodels:\n  - name: repo\n    source: huggingface://acme/whole\n';
      expect(pipeline(text, () => listing)).toEqual({ ok: false, code: 'BAD_MODEL_METADATA' });
    },
  );

  it('a 3,000-level nested mapping fails with a located error, not a crash', () => {
    const text = `apiVersion: v1alpha1\n${Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')} 1\n`;
    expect(pipeline(text).ok).toBe(false);
  });

  // Parsing costs about 1 s per MB, so the frontend refuses aikitfiles over 1 MiB
  // (AIKITFILE_TOO_LARGE, src/frontend.ts; e2e in test/e2e/security.itg.test.ts). Up to that size:
  it('a 1 MiB aikitfile is handled in bounded time without a crash', { timeout: 60_000 }, () => {
    const text = `apiVersion: v1alpha1\nconfig: |\n${'  x: yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\n'.repeat(20_000)}`;
    expect(text.length).toBeGreaterThan(1_000_000);
    const t0 = performance.now();
    pipeline(text);
    expect(performance.now() - t0).toBeLessThan(20_000);
  });
});
