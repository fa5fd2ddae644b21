import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runFrontendOn, startFakeBridge, type FakeBridge } from '../../test/unit/fake-bridge.js';
import { formatLock, type Lock } from '../convert/index.js';
import { buildAikit } from '../frontend.js';
import { decodeDefinition, dumpDefinition, encodeDefinition, type Definition } from '../llb/index.js';

// The lock target and a locked build over the fake LLBBridge: which graphs go to the engine
// and what comes back, without an engine.

const MODEL = 'https://example.com/models/tiny.gguf';
const AIKITFILE = `#syntax=aikit:test
apiVersion: v1alpha1
models:
  - name: tiny
    source: ${MODEL}
`;
const ARGS = {
  'build-arg:AIKIT_BASE_IMAGE': 'base:1',
  'build-arg:AIKIT_LOCALAI_URL': 'https://mirror.example/local-ai-{arch}',
};
const FILE_SHA = `sha256:${'e'.repeat(64)}`;
// The fake bridge answers every ResolveImageConfig with this digest and the config `{}`.
const ENGINE_DIGEST = `sha256:${'b'.repeat(64)}`;
const CONFIG_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

let bridge: FakeBridge | undefined;
afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
});

async function run(files: Record<string, string>, opts: Record<string, string>) {
  bridge = await startFakeBridge({ files });
  await runFrontendOn(bridge, buildAikit, { filename: 'aikitfile.yaml', ...ARGS, ...opts });
  return bridge.calls;
}

const ops = (req: Record<string, unknown>) =>
  JSON.stringify(dumpDefinition(decodeDefinition(encodeDefinition(req['Definition'] as Definition))));

describe('--target lock', () => {
  it('hashes downloads in the frontend image, resolves images through the engine and returns the lock', async () => {
    const calls = await run(
      { 'aikitfile.yaml': AIKITFILE, '/sha256': `${FILE_SHA}\n` },
      { target: 'lock', 'build-arg:BUILDKIT_SYNTAX': 'aikit:test' },
    );
    expect(calls.returns[0], JSON.stringify(calls.returns[0])).toHaveProperty('result');
    const solved = calls.solves.map(ops);
    // One hashing step per URL, run in the frontend's image.
    const hashes = solved.filter((s) => s.includes('[aikit lock] sha256 of'));
    expect(hashes).toHaveLength(2);
    expect(hashes.join()).toContain(`docker-image://docker.io/library/aikit:test@${ENGINE_DIGEST}`);
    const written = solved.at(-1)!;
    expect(written).toContain('[aikit] write aikitfile.lock');
    const text = /"data":"((?:[^"\\]|\\.)*)"/.exec(written)?.[1];
    const lock = parse(JSON.parse(`"${text}"`) as string) as Lock;
    expect(lock).toEqual({
      version: 1,
      platforms: ['linux/amd64'],
      models: { tiny: { source: MODEL, sha256: FILE_SHA } },
      images: {
        'docker.io/library/base:1': { digest: ENGINE_DIGEST, platforms: { 'linux/amd64': CONFIG_DIGEST } },
        'quay.io/go-skynet/local-ai-backends:v4.7.1-cpu-llama-cpp': {
          digest: ENGINE_DIGEST,
          platforms: { 'linux/amd64': CONFIG_DIGEST },
        },
      },
      localai: { 'https://mirror.example/local-ai-amd64': FILE_SHA },
    });
  });

  it('names the frontend image it needs when the build does not say', async () => {
    const calls = await run({ 'aikitfile.yaml': AIKITFILE }, { target: 'lock' });
    expect((calls.returns[0] as { error: { message: string } }).error.message).toContain('BUILDKIT_SYNTAX');
  });
});

describe('a build with a lock beside its aikitfile', () => {
  const lock: Lock = {
    version: 1,
    platforms: ['linux/amd64'],
    models: { tiny: { source: MODEL, sha256: FILE_SHA } },
    images: {
      'docker.io/library/base:1': {
        digest: `sha256:${'1'.repeat(64)}`,
        platforms: { 'linux/amd64': CONFIG_DIGEST },
      },
    },
    localai: { 'https://mirror.example/local-ai-amd64': `sha256:${'2'.repeat(64)}` },
  };

  it('pins the graph to the lock, reads the lock with the aikitfile and resolves no pinned image', async () => {
    const calls = await run({ 'aikitfile.yaml': AIKITFILE, 'aikitfile.lock': formatLock(lock) }, {});
    expect(calls.returns[0]).toHaveProperty('result');
    // The aikitfile and its lock come in one transfer.
    expect(ops(calls.solves[0]!)).toContain('aikitfile.lock');
    expect(calls.solves).toHaveLength(2);
    expect(calls.resolves.map((r) => r['Ref'])).toEqual([]);
    const image = ops(calls.solves[1]!);
    expect(image).toContain(`docker-image://docker.io/library/base:1@sha256:${'1'.repeat(64)}`);
    expect(image).toContain(`"http.checksum":"${FILE_SHA}"`);
    expect(image).toContain(`"http.checksum":"sha256:${'2'.repeat(64)}"`);
    // The lock verifies the download: no UnverifiedDownload warning; the backend image is not in it.
    const shorts = calls.warnings.map((w) => String(w['short']));
    expect(shorts.join('\n')).not.toContain('download has no sha256');
    expect(shorts.join('\n')).toContain('is not in aikitfile.lock');
  });

  it('fails in strict mode at the line of what the lock does not pin', async () => {
    const extra = `${AIKITFILE}  - name: other\n    source: https://example.com/other.gguf\n`;
    const calls = await run(
      { 'aikitfile.yaml': extra, 'aikitfile.lock': formatLock(lock) },
      { 'build-arg:AIKIT_LOCKED': 'strict' },
    );
    const message = (calls.returns[0] as { error: { message: string } }).error.message;
    expect(message).toContain('aikitfile.yaml:7:13: models[1].source: model other is not in aikitfile.lock');
    expect(message).toContain('run `aikit lock`');
    expect(calls.solves).toHaveLength(1);
  });
});
