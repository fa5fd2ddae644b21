import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeDefinition, dumpDefinition } from '../llb/index.js';
import { runCliCaptured } from '../../test/fixtures/cli.js';

const cli = runCliCaptured;

function file(name: string, body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'aikit-cli-'));
  writeFileSync(join(dir, name), body);
  return join(dir, name);
}

const GOOD = `#syntax=aikit:test
apiVersion: v1alpha1
models:
  - name: tiny
    source: https://example.com/tiny.gguf
    sha256: ${'d'.repeat(64)}
`;

describe('aikit validate', () => {
  it('prints five located messages for five mistakes and exits 1', async () => {
    const f = file(
      'five.yaml',
      'apiVersion: v2\ndebug: sometimes\nruntme: cuda\nmodels:\n  - name: a\n    source: /abs/model.gguf\n    sha256: xyz\n',
    );
    const r = await cli(['validate', f]);
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith(f));
    expect(lines).toHaveLength(5);
    for (const l of lines)
      expect(l).toMatch(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));
    expect(r.stderr).toContain('did you mean "runtime"');
  });

  it('accepts a good file for two platforms without a build context', async () => {
    const r = await cli(['validate', file('good.yaml', GOOD), '--platform', 'linux/amd64,linux/arm64']);
    expect(r.stderr).toContain('ok (inference, linux/amd64, linux/arm64)');
    expect(r.code).toBe(0);
  });

  it('validates remote sources offline', async () => {
    const f = file(
      'remote.yaml',
      'apiVersion: v1alpha1\nmodels:\n  - name: repo\n    source: huggingface://acme/whole\n  - name: o\n    source: oci://registry.ollama.ai/library/llama3.2:1b\n',
    );
    const r = await cli(['validate', f]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('names a missing file', async () => {
    const r = await cli(['validate', '/nonexistent/aikitfile.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot read /nonexistent/aikitfile.yaml');
  });
});

describe('aikit convert', () => {
  it('writes a Definition that decodes to the model download', async () => {
    const r = await cli(['convert', file('good.yaml', GOOD)]);
    expect(r.code, r.stderr).toBe(0);
    const ops = JSON.stringify(dumpDefinition(decodeDefinition(new Uint8Array(r.stdout))));
    expect(ops).toContain('https://example.com/tiny.gguf');
    expect(ops).toContain(`sha256:${'d'.repeat(64)}`);
  });

  it('writes the same graph twice, byte for byte', async () => {
    const f = file('good.yaml', GOOD);
    const a = await cli(['convert', f, '--platform', 'linux/arm64']);
    const b = await cli(['convert', f, '--platform', 'linux/arm64']);
    expect(a.stdout.equals(b.stdout)).toBe(true);
  });

  it('dumps readable JSON with --format json', async () => {
    const r = await cli(['convert', file('good.yaml', GOOD), '--format', 'json']);
    const dump = JSON.parse(r.stdout.toString()) as { Digest: string }[];
    expect(dump.length).toBeGreaterThan(2);
    for (const op of dump) expect(op.Digest).toMatch(/^sha256:[a-f0-9]{64}$/);
  });

  it.each([
    [['convert'], 'convert takes exactly one file'],
    [['convert', 'a.yaml', '--platform', 'linux/amd64,linux/arm64'], 'one platform at a time'],
    [['convert', 'a.yaml', '--format', 'xml'], 'unknown --format xml'],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['validate', 'a.yaml', '--nope'], "Unknown option '--nope'"],
  ])('usage error %j exits 2', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});

describe('aikit schema and artifacts', () => {
  it('prints the JSON Schema', async () => {
    const r = await cli(['schema']);
    const schema = JSON.parse(r.stdout.toString()) as { $schema?: string };
    expect(r.code).toBe(0);
    expect(schema.$schema).toMatch(/json-schema/);
  });

  it('lists every AIKIT_* override with its default', async () => {
    const r = await cli(['artifacts']);
    expect(r.stdout.toString()).toContain('AIKIT_LOCALAI_URL');
    expect(r.stdout.toString()).toContain('AIKIT_HF_ENDPOINT');
  });
});
