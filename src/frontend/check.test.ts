import { afterEach, describe, expect, it } from 'vitest';
import { runFrontendOn, startFakeBridge, type FakeBridge } from '../../test/unit/fake-bridge.js';
import { buildAikit } from '../frontend.js';

// A file with errors still has warnings; `--check` and the build report both, not just the errors.

const BAD = `#syntax=aikit:test
apiVersion: v1alpha2
runtme: cuda
models:
  - name: tiny
    source: https://example.com/models/tiny.gguf
`;

let bridge: FakeBridge | undefined;
afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
});

async function frontend(opts: Record<string, string>) {
  bridge = await startFakeBridge({ files: { 'aikitfile.yaml': BAD } });
  expect(await runFrontendOn(bridge, buildAikit, { filename: 'aikitfile.yaml', ...opts })).toBe(0);
  return bridge.calls;
}

interface Lint {
  warnings: { ruleName: string; location: { sourceIndex: number; ranges?: { start: { line: number } }[] } }[];
  buildError?: { message: string };
}

describe('checks of a file with errors', () => {
  it('--check lists the warnings found before the errors, and the errors, and fails', async () => {
    const calls = await frontend({ requestid: 'frontend.lint', 'build-arg:AIKIT_NOPE': '1' });
    const ret = calls.returns[0] as { result: { metadata: Record<string, Buffer> } };
    const meta = ret.result.metadata;
    expect(meta['result.statuscode']!.toString()).toBe('1');
    const lint = JSON.parse(meta['result.json']!.toString()) as Lint;
    expect(lint.warnings.map((w) => w.ruleName)).toEqual(['UnverifiedDownload', 'UnusedBuildArg']);
    expect(lint.warnings[0]!.location.ranges?.[0]?.start.line).toBe(6);
    const errors = lint.buildError!.message.split('\n').filter((l) => l.startsWith('aikitfile.yaml:'));
    expect(errors.map((l) => /\[(\w+)\]$/.exec(l)?.[1])).toEqual(['UnsupportedApiVersion', 'UnknownKey']);
  });

  it('the build sends the same warnings to the client before it fails', async () => {
    const calls = await frontend({});
    expect(calls.warnings.length).toBe(1);
    expect(calls.returns[0]).toMatchObject({ error: { message: expect.stringContaining('runtme') } });
  });
});
