import { afterEach, describe, expect, it } from 'vitest';
import {
  runFrontendOn,
  startFakeBridge,
  type FakeBridge,
  type FakeBridgeOptions,
} from '../test/unit/fake-bridge.js';
import { buildAikit } from './frontend.js';
import { decodeDefinition, dumpDefinition, encodeDefinition, type Definition } from './llb/index.js';

const SHA = 'c'.repeat(64);
const AIKITFILE = `#syntax=aikit:test
apiVersion: v1alpha1
debug: true
models:
  - name: tiny
    source: https://example.com/models/tiny.gguf
    sha256: ${SHA}
config: |
  - name: tiny
`;

let bridge: FakeBridge | undefined;
afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
});

async function runWith(opts: FakeBridgeOptions, frontendOpts: Record<string, string>) {
  bridge = await startFakeBridge(opts);
  const code = await runFrontendOn(bridge, buildAikit, frontendOpts);
  return { code, calls: bridge.calls };
}

/** What the frontend sent in Solve, decoded back from the wire into readable ops. */
function solvedOps(req: Record<string, unknown>): unknown[] {
  return dumpDefinition(decodeDefinition(encodeDefinition(req['Definition'] as Definition)));
}

describe('the frontend over a fake LLBBridge', () => {
  it('reads the aikitfile, solves one graph per platform and returns both with refs.platforms', async () => {
    const { code, calls } = await runWith(
      { files: { 'aikitfile.yaml': AIKITFILE } },
      {
        filename: 'aikitfile.yaml',
        platform: 'linux/amd64,linux/arm64',
        'build-arg:AIKIT_BASE_IMAGE': 'base:1',
      },
    );
    expect(code).toBe(0);
    expect(calls.returns).toHaveLength(1);
    const ret = calls.returns[0]! as {
      result: { refs: { refs: Record<string, { id: string }> }; metadata: Record<string, Buffer> };
    };
    expect(Object.keys(ret.result.refs.refs).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    const md = ret.result.metadata;
    expect(JSON.parse(md['refs.platforms']!.toString())).toEqual({
      Platforms: [
        { ID: 'linux/amd64', Platform: { architecture: 'amd64', os: 'linux' } },
        { ID: 'linux/arm64', Platform: { architecture: 'arm64', os: 'linux' } },
      ],
    });
    const arm = JSON.parse(md['containerimage.config/linux/arm64']!.toString()) as {
      architecture: string;
      config: { Cmd: string[] };
    };
    expect(arm.architecture).toBe('arm64');
    expect(arm.config.Cmd).toEqual(['--log-level=debug', '--config-file=/config.yaml']);
    // The aikitfile read is one solve, then one per platform; the base image is pinned by digest.
    expect(calls.solves).toHaveLength(3);
    expect(calls.resolves.map((r) => r['Ref'])).toEqual([
      'docker.io/library/base:1',
      'docker.io/library/base:1',
    ]);
    const ops = JSON.stringify(solvedOps(calls.solves[1]!));
    expect(ops).toContain(`docker-image://docker.io/library/base:1@sha256:${'b'.repeat(64)}`);
    expect(ops).toContain(`sha256:${SHA}`);
  });

  it('returns a single ref with containerimage.config for one platform', async () => {
    const { calls } = await runWith(
      { files: { 'aikitfile.yaml': AIKITFILE } },
      { filename: 'aikitfile.yaml' },
    );
    const ret = calls.returns[0]! as { result: { ref: { id: string }; metadata: Record<string, Buffer> } };
    expect(ret.result.ref.id).toMatch(/^ref-/);
    expect(Object.keys(ret.result.metadata).sort()).toEqual(['containerimage.config', 'refs.platforms']);
  });

  it('returns a user error with a source snippet for each located problem', async () => {
    const bad = '#syntax=aikit:test\napiVersion: v9\nmodels:\n  - name: x\n    source: 12\n';
    const { code, calls } = await runWith(
      { files: { 'aikitfile.yaml': bad } },
      { filename: 'aikitfile.yaml' },
    );
    expect(code).toBe(0);
    const ret = calls.returns[0]! as {
      error: { code: number; message: string; details: { type_url: string; value: Buffer }[] };
    };
    expect(ret.error.code).toBe(2);
    expect(ret.error.message).toContain('aikitfile.yaml:2');
    expect(ret.error.details.length).toBeGreaterThanOrEqual(1);
    const detail = JSON.parse(ret.error.details[0]!.value.toString()) as {
      info: { filename: string; data: string };
      ranges: { start: { line: number } }[];
    };
    expect(ret.error.details[0]!.type_url).toBe('github.com/moby/buildkit/errdefs.Source+json');
    expect(detail.info.filename).toBe('aikitfile.yaml');
    expect(Buffer.from(detail.info.data, 'base64').toString()).toBe(bad);
    expect(detail.ranges[0]!.start.line).toBe(2);
  });

  it("forwards BuildKit's own error status with its details unchanged", async () => {
    const vertex = {
      type_url: 'github.com/moby/buildkit/errdefs.Vertex+json',
      value: Buffer.from('{"digest":"sha256:x"}'),
    };
    const { calls } = await runWith(
      {
        files: { 'aikitfile.yaml': AIKITFILE },
        solveError: { match: /docker-image/, code: 2, message: 'base:1: not found', details: [vertex] },
      },
      { filename: 'aikitfile.yaml', 'build-arg:AIKIT_BASE_IMAGE': 'base:1' },
    );
    const ret = calls.returns[0]! as {
      error: { code: number; message: string; details: { type_url: string; value: Buffer }[] };
    };
    expect(ret.error.message).toBe('base:1: not found');
    expect(ret.error.details.map((d) => [d.type_url, d.value.toString()])).toEqual([
      [vertex.type_url, vertex.value.toString()],
    ]);
  });

  it('declares only the caps the engine lists and fails clearly when one is missing', async () => {
    const { calls } = await runWith(
      {
        files: { 'aikitfile.yaml': AIKITFILE },
        llbCaps: [
          'source.local',
          'source.local.sessionid',
          'source.local.followpaths',
          'source.local.sharedkeyhint',
          'constraints',
          'platform',
          'meta.description',
        ],
      },
      { filename: 'aikitfile.yaml' },
    );
    const ret = calls.returns[0]! as { error: { message: string } };
    expect(ret.error.message).toMatch(/capability "source\.(image|http)/);
  });

  it('sets ignore_cache on every op for --no-cache', async () => {
    const { calls } = await runWith(
      { files: { 'aikitfile.yaml': AIKITFILE } },
      { filename: 'aikitfile.yaml', 'no-cache': '' },
    );
    const md = (calls.solves[1]!['Definition'] as { metadata: Record<string, { ignore_cache?: boolean }> })
      .metadata;
    const values = Object.values(md);
    expect(values.length).toBeGreaterThan(2);
    expect(values.filter((m) => m.ignore_cache).length).toBe(values.length - 1);
  });

  it('names a missing aikitfile and how to point at it', async () => {
    const { calls } = await runWith({ files: {} }, { filename: 'nope.yaml' });
    const ret = calls.returns[0]! as { error: { message: string } };
    expect(ret.error.message).toContain('cannot read nope.yaml');
    expect(ret.error.message).toContain('-f');
  });

  it('warns about a build-arg nothing reads, through the gateway', async () => {
    const { calls } = await runWith(
      { files: { 'aikitfile.yaml': AIKITFILE } },
      { filename: 'aikitfile.yaml', 'build-arg:AIKIT_LOCALAI_URl': 'https://x' },
    );
    const shorts = calls.warnings.map((w) => String(w['short']).split('\n')[0]);
    // Then, once, that nothing pins the runtime (no lock beside the file).
    expect(shorts).toEqual([
      'build-arg AIKIT_LOCALAI_URl is not used by aikit',
      expect.stringMatching(/^the runtime is not pinned: /),
    ]);
    expect(String(calls.warnings[0]!['short'])).toContain('AIKIT_LOCALAI_URL, ');
    expect(calls.returns[0]).toHaveProperty('result');
  });

  it('points a failed Hub listing at the model source that needed it', async () => {
    const hub =
      '#syntax=aikit:test\napiVersion: v1alpha1\nmodels:\n  - name: repo\n    source: huggingface://acme/private\n';
    const { calls } = await runWith(
      {
        files: { 'aikitfile.yaml': hub },
        solveError: { match: /listing\.json/, code: 2, message: 'invalid response status 403' },
      },
      { filename: 'aikitfile.yaml' },
    );
    const ret = calls.returns[0]! as { error: { message: string; details: { value: Buffer }[] } };
    expect(ret.error.message).toContain('aikitfile.yaml:5');
    expect(ret.error.message).toContain('model repo: cannot read the file list of acme/private@main');
    expect(ret.error.message).toContain('the server wants credentials');
    const detail = JSON.parse(ret.error.details[0]!.value.toString()) as {
      ranges: { start: { line: number } }[];
    };
    expect(detail.ranges[0]!.start.line).toBe(5);
  });

  it('reads an aikitfile named by an https context and refuses local model files there', async () => {
    const withLocal = AIKITFILE.replace('https://example.com/models/tiny.gguf', 'tiny.gguf');
    const { calls } = await runWith(
      { files: { context: withLocal } },
      { context: 'https://example.com/dir/aikitfile.yaml' },
    );
    expect(JSON.stringify(solvedOps(calls.solves[0]!))).toContain('https://example.com/dir/aikitfile.yaml');
    const ret = calls.returns[0]! as { error: { message: string } };
    expect(ret.error.message).toContain('aikitfile.yaml:6');
    expect(ret.error.message).toContain(
      'a context path cannot be read when building from https://example.com/dir/aikitfile.yaml',
    );
  });
});
