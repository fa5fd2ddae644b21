import { beforeAll, describe, expect, inject, it } from 'vitest';
import { BUILD_ARGS } from '../../src/convert/index.js';
import { makeContext, run, type RunResult } from './harness.js';

// buildx's own verbs, as a user types them: `--check` and `--call=outline|targets` reach the
// frontend as subrequests and buildx prints the answers itself.

const env = { ...process.env, ...inject('engine') };
const SHA = 'c'.repeat(64);

const files = {
  // One warning: the model has no sha256.
  'warn.yaml': `#syntax=aikit:test
apiVersion: v1alpha1
models:
  - name: tiny
    source: https://example.com/models/tiny.gguf
`,
  'clean.yaml': `#syntax=aikit:test
apiVersion: v1alpha1
models:
  - name: tiny
    source: https://example.com/models/tiny.gguf
    sha256: ${SHA}
`,
  'bad.yaml': `#syntax=aikit:test
apiVersion: v1alpha2
debug: 'yes'
runtme: cuda
models:
  - name: tiny
    source: https://example.com/models/tiny.gguf
`,
};

let context: string;
beforeAll(async () => {
  context = await makeContext(files);
});

function call(
  fn: string,
  file: keyof typeof files,
  buildArgs: Record<string, string> = {},
): Promise<RunResult> {
  const args = ['buildx', 'build', `--call=${fn}`, '--progress=quiet', '-f', `${context}/${file}`];
  for (const [k, v] of Object.entries(buildArgs)) args.push('--build-arg', `${k}=${v}`);
  return run('docker', [...args, context], { env });
}

describe('docker buildx build --check', () => {
  it('prints each warning with its rule and the aikitfile snippet, and passes', async () => {
    const r = await call('check', 'warn.yaml');
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toContain('Check complete, 1 warning has been found!');
    expect(r.stdout).toContain('WARNING: UnverifiedDownload\nmodels[0].source: download has no sha256');
    expect(r.stdout).toContain('warn.yaml:5\n--------------------\n');
    expect(r.stdout).toContain('   5 | >>>     source: https://example.com/models/tiny.gguf');
  });

  it('says so when there is nothing to report', async () => {
    const r = await call('check', 'clean.yaml');
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toContain('Check complete, no warnings found.');
  });

  it('fails on warnings when AIKIT_CHECK has error=true, and not when their rule is skipped', async () => {
    const strict = await call('check', 'warn.yaml', { AIKIT_CHECK: 'error=true' });
    expect(strict.code, strict.output).toBe(1);
    expect(strict.stdout).toContain('WARNING: UnverifiedDownload');
    const skipped = await call('check', 'warn.yaml', { AIKIT_CHECK: 'skip=UnverifiedDownload;error=true' });
    expect(skipped.code, skipped.output).toBe(0);
  });

  it('fails on errors, listing every one with its rule and one snippet marking their lines', async () => {
    const r = await call('check', 'bad.yaml');
    expect(r.code, r.output).toBe(1);
    expect(r.output).toContain(
      'bad.yaml:2:13: apiVersion: apiVersion "v1alpha2" is not supported [UnsupportedApiVersion]',
    );
    expect(r.output).toContain('bad.yaml:3:8: debug: expected true or false, got "yes" [WrongType]');
    expect(r.output).toContain(
      'bad.yaml:4:1: runtme: unknown key "runtme" (did you mean "runtime"?) [UnknownKey]',
    );
    for (const line of [
      '   2 | >>> apiVersion: v1alpha2',
      "   3 | >>> debug: 'yes'",
      '   4 | >>> runtme: cuda',
    ]) {
      expect(r.output).toContain(line);
    }
  });
});

describe('docker buildx build --call=outline and --call=targets', () => {
  it('lists every build-arg aikit reads with the value it would take', async () => {
    const r = await call('outline', 'clean.yaml', { AIKIT_BASE_IMAGE: 'my/base:1' });
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toMatch(/^\n?TARGET: +\(default\)\nDESCRIPTION: +the model-serving image/);
    expect(r.stdout).toMatch(/\nBUILD ARG +VALUE +DESCRIPTION\n/);
    expect(r.stdout).toMatch(/\nAIKIT_BASE_IMAGE +my\/base:1 +base image of CPU/);
    expect(r.stdout).toMatch(/\nAIKIT_HF_ENDPOINT +https:\/\/huggingface\.co +Hugging Face Hub base URL/);
    const json = await call('outline,format=json', 'clean.yaml');
    const outline = JSON.parse(json.stdout) as { args: { name: string }[] };
    expect(outline.args.map((a) => a.name)).toEqual(BUILD_ARGS.map((a) => a.name));
  });

  it('lists the targets', async () => {
    const r = await call('targets', 'clean.yaml');
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toMatch(/^\n?TARGET +DESCRIPTION\n\(default\) +the model-serving image/);
  });
});
