import { afterEach, describe, expect, it } from 'vitest';
import {
  MODERN_LLB_CAPS,
  runFrontendOn,
  startFakeBridge,
  type FakeBridge,
  type FakeBridgeOptions,
} from '../../test/unit/fake-bridge.js';
import { buildAikit } from '../frontend.js';
import { decodeDefinition, dumpDefinition, encodeDefinition, type Definition } from '../llb/index.js';

// The frontend's fine-tune path over a fake LLBBridge: the target comes from --target, else the
// file; the GPU route follows the engine's caps.

const FILE = `#syntax=aikit:test
apiVersion: v1alpha1
baseModel: https://example.com/tiny.gguf
datasets:
  - source: https://example.com/chat.jsonl
    type: messages
    loader: {type: json, checksum: "sha256:${'a'.repeat(64)}"}
`;

// An engine with what the fine-tune steps use (network none, CDI, security mode).
const CAPS = [
  ...MODERN_LLB_CAPS,
  'exec.meta.network',
  'exec.meta.security',
  'exec.cdidevices',
  'exec.mount.cache',
  'exec.mount.cache.sharing',
  'exec.mount.selector',
  'file.base',
  'source.http',
  'source.http.checksum',
];

let bridge: FakeBridge | undefined;
afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
});

async function build(opts: FakeBridgeOptions, frontendOpts: Record<string, string>) {
  bridge = await startFakeBridge(opts);
  const code = await runFrontendOn(bridge, buildAikit, frontendOpts);
  const execs = bridge.calls.solves.slice(1).flatMap((s) =>
    dumpDefinition(decodeDefinition(encodeDefinition(s['Definition'] as Definition)))
      .map(
        (e) =>
          e.Op['exec'] as { meta: { args: string[] }; cdiDevices?: unknown; security?: string } | undefined,
      )
      .filter((e) => e !== undefined),
  );
  return { code, calls: bridge.calls, execs };
}

describe('fine-tune builds', () => {
  it('trains with llama.cpp when --target says llama-cpp, in one solve with one result ref', async () => {
    const { code, calls, execs } = await build(
      { files: { 'aikitfile.yaml': FILE }, llbCaps: CAPS },
      { filename: 'aikitfile.yaml', target: 'llama-cpp' },
    );
    expect(code).toBe(0);
    expect(calls.solves).toHaveLength(2);
    expect(execs.map((e) => e.meta.args[0])).toEqual(['/usr/bin/python3', '/app/llama-finetune']);
    const ret = calls.returns[0]! as { result: { ref: { id: string } } };
    expect(ret.result.ref.id).toMatch(/^ref-/);
  });

  it('gives Unsloth steps a CDI device on engines with the cap, and the insecure route otherwise', async () => {
    const cdi = await build(
      { files: { 'aikitfile.yaml': FILE }, llbCaps: CAPS },
      { filename: 'aikitfile.yaml' },
    );
    const withCdi = cdi.execs.filter((e) => e.cdiDevices);
    expect(withCdi).toHaveLength(2);
    await bridge?.close();
    const old = await build(
      { files: { 'aikitfile.yaml': FILE }, llbCaps: CAPS.filter((c) => c !== 'exec.cdidevices') },
      { filename: 'aikitfile.yaml' },
    );
    expect(old.execs.filter((e) => e.security === 'INSECURE')).toHaveLength(2);
    expect(old.execs.filter((e) => e.cdiDevices)).toHaveLength(0);
    expect(old.calls.warnings.map((w) => String(w['short'])).join('\n')).toContain('security mode insecure');
  });
});
