import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeDefinition, dumpDefinition } from '../llb/index.js';
import { runCliCaptured } from '../../test/fixtures/cli.js';

const cli = runCliCaptured;

const FILE = `#syntax=aikit:test
apiVersion: v1alpha1
baseModel: https://example.com/tiny.gguf
datasets:
  - source: https://example.com/chat.jsonl
    type: messages
    loader: {type: json, checksum: "sha256:${'a'.repeat(64)}"}
`;

function aikitfile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aikit-cli-'));
  writeFileSync(join(dir, 'finetune.yaml'), FILE);
  return join(dir, 'finetune.yaml');
}

const execArgs = (pb: Buffer) =>
  dumpDefinition(decodeDefinition(pb)).flatMap((e) => {
    const exec = e.Op['exec'] as { meta: { args: string[] } } | undefined;
    return exec ? [exec.meta.args[0]!] : [];
  });

describe('aikit convert of a fine-tune file', () => {
  it('writes the graph of the target: --target, else the file, else unsloth', async () => {
    const f = aikitfile();
    const cpu = await cli(['convert', f, '--target', 'llama-cpp']);
    expect(cpu.code).toBe(0);
    expect(execArgs(cpu.stdout)).toEqual(['/usr/bin/python3', '/app/llama-finetune']);
    const gpu = await cli(['convert', f]);
    expect(gpu.code).toBe(0);
    expect(execArgs(gpu.stdout)).toEqual(['/bin/sh', '/bin/sh', '/bin/sh', '/bin/sh']);
  });

  it('validates with the rules of the target given on the command line', async () => {
    const r = await cli(['validate', aikitfile(), '--target', 'llama-cpp']);
    expect(r.code).toBe(0);
    const bad = await cli(['validate', aikitfile(), '--target', 'llama.cpp']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      'target "llama.cpp" (from --target) is not supported (did you mean "llama-cpp"?)',
    );
  });
});
