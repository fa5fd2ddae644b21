import { afterEach, describe, expect, it } from 'vitest';
import { runFrontendOn, startFakeBridge, type FakeBridge } from '../../test/unit/fake-bridge.js';
import { BUILD_ARGS } from '../convert/index.js';
import { buildAikit } from '../frontend.js';

// The subrequests over the real protocol: what buildx reads is the Return's metadata.

const SHA = 'c'.repeat(64);
const GOOD = `#syntax=aikit:test
apiVersion: v1alpha1
models:
  - name: tiny
    source: https://example.com/models/tiny.gguf
    sha256: ${SHA}
`;
const UNVERIFIED = GOOD.replace(`    sha256: ${SHA}\n`, '');
const BAD = `#syntax=aikit:test
apiVersion: v1alpha2
debug: 'yes'
runtme: cuda
models:
  - name: tiny
    source: https://example.com/models/tiny.gguf
`;
const FINETUNE = `#syntax=aikit:test
apiVersion: v1alpha1
baseModel: a/b
datasets: [{source: c/d, type: alpaca}]
config: {unsloth: {seed: 1}}
output: {name: model}
`;

let bridge: FakeBridge | undefined;
afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
});

interface Answer {
  metadata: Record<string, string>;
  json: unknown;
  error?: { code: number; message: string; details: { type_url: string; value: Buffer }[] };
  solves: number;
  warns: number;
}

async function ask(requestId: string, text: string, opts: Record<string, string> = {}): Promise<Answer> {
  bridge = await startFakeBridge({ files: { 'aikitfile.yaml': text } });
  const all = { filename: 'aikitfile.yaml', requestid: requestId, ...opts };
  expect(await runFrontendOn(bridge, buildAikit, all)).toBe(0);
  const ret = bridge.calls.returns[0] as {
    result?: { ref?: { id?: string }; metadata: Record<string, Buffer> };
    error?: Answer['error'];
  };
  const metadata = Object.fromEntries(
    Object.entries(ret.result?.metadata ?? {}).map(([k, v]) => [k, v.toString()]),
  );
  if (ret.result) expect(ret.result.ref?.id ?? '').toBe('');
  return {
    metadata,
    json: metadata['result.json'] ? JSON.parse(metadata['result.json']) : undefined,
    ...(ret.error ? { error: ret.error } : {}),
    solves: bridge.calls.solves.length,
    warns: bridge.calls.warnings.length,
  };
}

interface Lint {
  warnings: {
    ruleName: string;
    description: string;
    detail: string;
    location: { sourceIndex: number; ranges?: { start: { line: number } }[] };
  }[];
  sources: { filename: string; data: string; language: string }[];
  buildError?: { message: string; location: { sourceIndex: number; ranges: { start: { line: number } }[] } };
}

describe('frontend.lint (--check)', () => {
  it('reports warnings with rule names and places, reads nothing from the network and passes', async () => {
    const a = await ask('frontend.lint', UNVERIFIED, { 'build-arg:AIKIT_LOCALAI_URl': 'x' });
    const lint = a.json as Lint;
    expect(lint.warnings.map((w) => w.ruleName).sort()).toEqual(['UnusedBuildArg', 'UnverifiedDownload']);
    const unverified = lint.warnings.find((w) => w.ruleName === 'UnverifiedDownload')!;
    expect(unverified.location).toEqual({
      sourceIndex: 0,
      ranges: [{ start: { line: 5, character: 13 }, end: { line: 5, character: 48 } }],
    });
    expect(unverified.detail).toMatch(/^models\[0\]\.source: download has no sha256/);
    expect(unverified.description).not.toBe('');
    // An unplaced warning has no source: buildx prints it without a snippet.
    expect(lint.warnings.find((w) => w.ruleName === 'UnusedBuildArg')!.location).toEqual({ sourceIndex: -1 });
    expect(lint.sources).toEqual([
      { filename: 'aikitfile.yaml', data: Buffer.from(UNVERIFIED).toString('base64'), language: 'aikitfile' },
    ]);
    expect(a.metadata['result.statuscode']).toBe('0');
    expect(a.metadata['version']).toBe('1.0.0');
    expect(a.metadata['result.txt']).toContain('WARNING: UnverifiedDownload');
    // Only the aikitfile was read; warnings are in the answer, not sent as build warnings.
    expect(a.solves).toBe(1);
    expect(a.warns).toBe(0);
  });

  it('puts every error, named by its rule, in the build error with all their lines, and fails', async () => {
    const a = await ask('frontend.lint', BAD);
    const lint = a.json as Lint;
    expect(a.metadata['result.statuscode']).toBe('1');
    const err = lint.buildError!;
    expect(err.message.split('\n').filter((l) => l.startsWith('aikitfile.yaml:'))).toEqual([
      'aikitfile.yaml:2:13: apiVersion: apiVersion "v1alpha2" is not supported [UnsupportedApiVersion]',
      'aikitfile.yaml:3:8: debug: expected true or false, got "yes" [WrongType]',
      'aikitfile.yaml:4:1: runtme: unknown key "runtme" (did you mean "runtime"?) [UnknownKey]',
    ]);
    expect(err.location.sourceIndex).toBe(0);
    expect(err.location.ranges.map((r) => r.start.line)).toEqual([2, 3, 4]);
  });

  it('reports the checks after the file too: the platform against the runtime', async () => {
    const rocm = GOOD.replace('models:', 'runtime: rocm\nmodels:');
    const lint = (await ask('frontend.lint', rocm, { platform: 'linux/arm64' })).json as Lint;
    expect(lint.buildError!.message).toContain('[RocmNeedsAmd64]');
  });

  it('fails on warnings with AIKIT_CHECK error=true and drops skipped rules', async () => {
    const strict = await ask('frontend.lint', UNVERIFIED, { 'build-arg:AIKIT_CHECK': 'error=true' });
    expect(strict.metadata['result.statuscode']).toBe('1');
    expect((strict.json as Lint).buildError).toBeUndefined();
    const skipped = await ask('frontend.lint', UNVERIFIED, {
      'build-arg:AIKIT_CHECK': 'skip=UnverifiedDownload;error=true',
    });
    expect((skipped.json as Lint).warnings).toEqual([]);
    expect(skipped.metadata['result.statuscode']).toBe('0');
    const all = await ask('frontend.lint', UNVERIFIED, { 'build-arg:AIKIT_CHECK': 'skip=all' });
    expect((all.json as Lint).warnings).toEqual([]);
  });
});

describe('the build and AIKIT_CHECK', () => {
  async function build(opts: Record<string, string>) {
    bridge = await startFakeBridge({ files: { 'aikitfile.yaml': UNVERIFIED } });
    await runFrontendOn(bridge, buildAikit, { filename: 'aikitfile.yaml', ...opts });
    return bridge.calls;
  }

  it('fails a build with warnings under error=true, before anything is solved but the file', async () => {
    const calls = await build({ 'build-arg:AIKIT_CHECK': 'error=true' });
    const ret = calls.returns[0] as { error: { message: string } };
    expect(ret.error.message).toContain('aikitfile.yaml:5:13: models[0].source: download has no sha256');
    expect(ret.error.message).toContain('AIKIT_CHECK has error=true');
    expect(calls.solves).toHaveLength(1);
  });

  it('does not send skipped warnings, and refuses a value it cannot read', async () => {
    const skipped = await build({ 'build-arg:AIKIT_CHECK': 'skip=UnverifiedDownload,UnpinnedRuntime' });
    expect(skipped.warnings).toHaveLength(0);
    expect(skipped.returns[0]).toHaveProperty('result');
    await bridge?.close();
    const bad = await build({ 'build-arg:AIKIT_CHECK': 'error=maybe' });
    expect((bad.returns[0] as { error: { message: string } }).error.message).toContain(
      'AIKIT_CHECK has "error=maybe"',
    );
  });
});

describe('frontend.outline (--call=outline)', () => {
  it('lists every build-arg of the register with the value it would take', async () => {
    const a = await ask('frontend.outline', GOOD, {
      'build-arg:AIKIT_BASE_IMAGE': 'my/base:1',
      'build-arg:AIKIT_HF_TOKEN_SECRET': 'hf',
    });
    const o = a.json as {
      name?: string;
      description: string;
      args: { name: string; value?: string; description: string }[];
      secrets: { name: string }[];
    };
    expect(o.args.map((x) => x.name)).toEqual(BUILD_ARGS.map((x) => x.name));
    const base = o.args.find((x) => x.name === 'AIKIT_BASE_IMAGE')!;
    expect(base.value).toBe('my/base:1');
    expect(base.description).toContain(
      `(default: ${BUILD_ARGS.find((x) => x.name === 'AIKIT_BASE_IMAGE')!.default})`,
    );
    const endpoint = o.args.find((x) => x.name === 'AIKIT_HF_ENDPOINT')!;
    expect(endpoint).toEqual({
      name: 'AIKIT_HF_ENDPOINT',
      value: 'https://huggingface.co',
      description: 'Hugging Face Hub base URL (a mirror)',
    });
    expect(o.secrets).toEqual([{ name: 'hf' }]);
    expect(o.name).toBeUndefined();
    expect(o.description).toContain('model-serving image');
    expect(a.metadata['result.txt']).toMatch(/^TARGET: +\(default\)\n/);
    expect(a.metadata['result.txt']).toMatch(/\nBUILD ARG +VALUE +DESCRIPTION\n/);
  });
});

describe('--call=outline|targets on a file with a mistake', () => {
  it.each(['frontend.outline', 'frontend.targets'])(
    '%s fails with the mistake located in the aikitfile, as a build does',
    async (request) => {
      const bad = GOOD.replace('apiVersion: v1alpha1\n', 'apiVersion: v1alpha1\nruntime: cpu\n');
      const a = await ask(request, bad);
      expect(a.error?.message).toContain('aikitfile.yaml:3:10');
      const source = a.error!.details.find(
        (d) => d.type_url === 'github.com/moby/buildkit/errdefs.Source+json',
      );
      const detail = JSON.parse(source!.value.toString()) as {
        info: { filename: string };
        ranges: { start: { line: number } }[];
      };
      expect(detail.info.filename).toBe('aikitfile.yaml');
      expect(detail.ranges[0]!.start.line).toBe(3);
    },
  );
});

describe('frontend.targets (--call=targets)', () => {
  it('lists the image as the default target of an inference aikitfile', async () => {
    const a = await ask('frontend.targets', GOOD);
    const list = a.json as { targets: { name?: string; default?: boolean; description: string }[] };
    expect(list.targets.map((t) => t.name)).toEqual([
      undefined,
      'lock',
      'packager/modelpack',
      'packager/generic',
    ]);
    expect(list.targets[0]).toMatchObject({ default: true });
    expect(list.targets.filter((t) => t.default)).toHaveLength(1);
    expect(a.metadata['result.txt']).toMatch(/^TARGET +DESCRIPTION\n\(default\) +the model-serving image/);
  });

  it("lists the fine-tune targets of a fine-tune aikitfile, the file's own the default", async () => {
    const list = (await ask('frontend.targets', FINETUNE)).json as {
      targets: { name: string; default?: boolean }[];
    };
    expect(list.targets).toContainEqual(expect.objectContaining({ name: 'unsloth', default: true }));
    expect(list.targets.every((t) => t.name)).toBe(true);
  });
});

describe('other subrequests', () => {
  it('describes the requests it answers', async () => {
    const a = await ask('frontend.subrequests.describe', GOOD);
    expect((a.json as { name: string }[]).map((r) => r.name)).toEqual([
      'frontend.outline',
      'frontend.targets',
      'frontend.lint',
      'frontend.subrequests.describe',
    ]);
    expect(a.metadata['result.txt']).toMatch(/^NAME +VERSION DESCRIPTION\noutline +1\.0\.0 /);
  });

  it('refuses an unknown one with the typed error buildx recognises', async () => {
    const a = await ask('frontend.convertllb', GOOD);
    expect(a.error!.message).toBe('unsupported request frontend.convertllb');
    expect(a.error!.details.map((d) => [d.type_url, d.value.toString()])).toEqual([
      ['github.com/moby/buildkit/errdefs.Subrequest+json', '{"name":"frontend.convertllb"}'],
    ]);
  });
});
