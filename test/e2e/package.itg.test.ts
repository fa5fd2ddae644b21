import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { writeTinyLlamaGguf } from '../fixtures/gguf.js';
import { configProblems, manifestProblems, type Json } from '../fixtures/modelpack-rules.js';
import { orasBinary } from '../fixtures/oras.js';
import { startRegistry, type Registry } from '../fixtures/registry.js';
import { buildx, makeContext, run, serveFixture } from './harness.js';
import { untar } from './oci.js';

// The packaging targets on the real engine: the reference's own command (an empty Dockerfile
// on stdin, build-args only) writes an OCI image layout; Debian's oras pushes it to a loopback
// registry; an aikitfile with oci:// of that artifact builds a llama-server image that serves the
// same bytes.

const env = { ...process.env, ...inject('engine') };
const fixtureUrl = inject('fixtureUrl');
const SERVER_IMAGE = 'aikit-test/llama-server:sid';
const TAG = 'aikit-e2e/package-roundtrip:test';
const ORAS_IMAGE = 'aikit-test/oras:sid';
const gguf = writeTinyLlamaGguf({ seed: 'package', name: 'package' });
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

let context: string;
let registry: Registry;
let oras: string;

beforeAll(async () => {
  context = await makeContext({
    'models/tiny.gguf': gguf,
    'models/config.json': '{"architectures":["LlamaForCausalLM"]}\n',
    'models/README.md': '# tiny\n',
    'models/original/consolidated.bin': 'left out',
  });
  [registry, oras] = await Promise.all([startRegistry(), orasBinary()]);
  const img = await run('scripts/llama-server-image.sh', [SERVER_IMAGE], { env });
  if (img.code !== 0) throw new Error(`scripts/llama-server-image.sh failed:\n${img.output}`);
  const orasImg = await run('scripts/oras-image.sh', [ORAS_IMAGE], { env });
  if (orasImg.code !== 0) throw new Error(`scripts/oras-image.sh failed:\n${orasImg.output}`);
});

afterAll(async () => {
  await registry?.stop();
  await run('docker', ['image', 'rm', '-f', TAG], { env });
});

/** `docker buildx build --target packager/… --build-arg … --output=<dir> -f- <context>`, timed. */
async function packageBuild(
  target: string,
  buildArgs: Record<string, string>,
  ctx = context,
  noCache = false,
  more: { secrets?: string[]; env?: NodeJS.ProcessEnv; fails?: boolean } = {},
) {
  const out = await mkdtemp(join(tmpdir(), 'aikit-package-'));
  const started = Date.now();
  const r = await run(
    'docker',
    [
      'buildx',
      'build',
      '--progress=plain',
      '--build-arg',
      'BUILDKIT_SYNTAX=aikit:test',
      '--target',
      target,
      ...Object.entries(buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
      ...(noCache ? ['--no-cache'] : []),
      ...(more.secrets ?? []).flatMap((x) => ['--secret', x]),
      `--output=${out}`,
      // stdin is empty: the reference's `-<<<""`; a context source also needs the context.
      ...(ctx ? ['-f-', ctx] : ['-']),
    ],
    { env: { ...env, ...more.env } },
  );
  if (more.fails) expect(r.code, r.output).not.toBe(0);
  else expect(r.code, r.output).toBe(0);
  return { out, ms: Date.now() - started, output: r.output };
}

/** Every file under a folder, with its bytes. */
async function filesUnder(dir: string): Promise<[string, Buffer][]> {
  const out: [string, Buffer][] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push([join(e.parentPath, e.name), await readFile(join(e.parentPath, e.name))]);
  }
  return out;
}

async function readLayout(out: string) {
  const layout = join(out, 'layout');
  const blob = (d: string) => readFile(join(layout, 'blobs', 'sha256', d.slice(7)));
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Json[] };
  const manifest = JSON.parse((await blob(index.manifests[0]!['digest'] as string)).toString()) as Json & {
    layers: { digest: string; mediaType: string; size: number; annotations: Record<string, string> }[];
    config: { digest: string };
  };
  const config = JSON.parse((await blob(manifest.config.digest)).toString()) as unknown;
  return { layout, index, manifest, config, blob };
}

let layoutDir: string;

describe('packager/modelpack', () => {
  it('writes a valid ModelPack layout tagged with the name, the same bytes every time', async () => {
    const first = await packageBuild('packager/modelpack', {
      source: 'models/',
      name: 'tiny',
      exclude: "'original/**'",
    });
    layoutDir = first.out;
    const { index, manifest, config, blob } = await readLayout(first.out);
    expect((index.manifests[0]!['annotations'] as Json)['org.opencontainers.image.ref.name']).toBe('tiny');
    expect(manifestProblems(manifest)).toEqual([]);
    expect(configProblems(config)).toEqual([]);
    console.log(`[package] ModelPack config: ${JSON.stringify(config)}`);
    const files = manifest.layers.map((l) => l.annotations['org.cncf.model.filepath']);
    expect(files).toEqual(['tiny.gguf', 'config.json', 'README.md']);
    const weight = manifest.layers[0]!;
    expect(weight.mediaType).toBe('application/vnd.cncf.model.weight.v1.raw');
    expect(weight.digest).toBe(sha(gguf));
    expect((await blob(weight.digest)).equals(gguf)).toBe(true);

    const again = await packageBuild(
      'packager/modelpack',
      { source: 'models/', name: 'tiny', exclude: "'original/**'" },
      context,
      true,
    );
    const second = await readLayout(again.out);
    expect(second.index).toEqual(index);
    console.log(
      `[package] layout of ${gguf.length} B of weights: ${first.ms} ms, again without cache ${again.ms} ms`,
    );
  });

  it('tar+zstd layers hold reproducible tars whose digests are the diffIds', async () => {
    const args = {
      source: 'models/tiny.gguf',
      name: 'tiny-zstd',
      layer_packaging: 'tar+zstd',
      SOURCE_DATE_EPOCH: '1700000000',
    };
    const { out } = await packageBuild('packager/modelpack', args);
    const { manifest, config, layout } = await readLayout(out);
    expect(configProblems(config)).toEqual([]);
    expect(manifest.layers.map((l) => l.mediaType)).toEqual([
      'application/vnd.cncf.model.weight.v1.tar+zstd',
    ]);
    const path = join(layout, 'blobs', 'sha256', manifest.layers[0]!.digest.slice(7));
    const tar = await run('bash', ['-c', 'zstd -dc "$1" | sha256sum', 'x', path]);
    expect(tar.code, tar.output).toBe(0);
    expect(`sha256:${tar.stdout.split(' ')[0]}`).toBe(
      (config as { modelfs: { diffIds: string[] } }).modelfs.diffIds[0],
    );
    expect((config as { descriptor: Json }).descriptor['createdAt']).toBe('2023-11-14T22:13:20.000Z');
  });

  it('tar+zstd really compresses, in frames any zstd reads, the same bytes on a rebuild', async () => {
    // Three 4 MiB compression frames' worth of weights that compress (repeated records with
    // varying numbers), next to the tiny GGUF, which barely does.
    const records = Array.from({ length: 1_000_000 }, (_, i) => `w${i % 4099} ${(i * 7919) % 100_003}\n`);
    const weights = Buffer.from(records.join('')).subarray(0, 9 * 1024 * 1024 + 77);
    const ctx = await makeContext({ 'models/model.safetensors': weights, 'models/tiny.gguf': gguf });
    const args = { source: 'models/', name: 'zstd', layer_packaging: 'tar+zstd', SOURCE_DATE_EPOCH: '1' };
    const first = await packageBuild('packager/modelpack', args, ctx);
    const { manifest, config, layout, index } = await readLayout(first.out);
    expect(configProblems(config)).toEqual([]);
    const diffIds = (config as { modelfs: { diffIds: string[] } }).modelfs.diffIds;
    const sizes: string[] = [];
    for (const [i, layer] of manifest.layers.entries()) {
      const path = join(layout, 'blobs', 'sha256', layer.digest.slice(7));
      const tar = await run('bash', ['-c', 'zstd -dc "$1" | sha256sum; zstd -lv "$1" 2>&1', 'x', path]);
      expect(tar.code, tar.output).toBe(0);
      expect(`sha256:${tar.stdout.split(' ')[0]}`).toBe(diffIds[i]);
      const file = layer.annotations['org.cncf.model.filepath'];
      const raw = file === 'tiny.gguf' ? gguf.length : weights.length;
      sizes.push(
        `${file} ${raw} B -> ${layer.size} B (${/# Zstandard Frames: (\d+)/.exec(tar.stdout)?.[1]} frames)`,
      );
      if (file === 'model.safetensors') {
        expect(layer.size).toBeLessThan(weights.length / 2);
        expect(tar.stdout).toMatch(/# Zstandard Frames: 3\b/);
      }
    }
    const again = await packageBuild('packager/modelpack', args, ctx, true);
    expect((await readLayout(again.out)).index).toEqual(index);
    console.log(
      `[package] tar+zstd layers: ${sizes.join('; ')}; ${first.ms} ms, again without cache ${again.ms} ms`,
    );
  });
});

describe('packager/modelpack from huggingface://', () => {
  it('packages every listed file at the listed commit, with no context (a Hub mirror stands in)', async () => {
    const commit = 'b'.repeat(40);
    const config = Buffer.from('{"architectures":["Qwen3ForCausalLM"]}\n');
    await serveFixture(
      fixtureUrl,
      '/pkg-hf/api/models/acme/qwen-tiny/revision/main?blobs=true',
      JSON.stringify({
        sha: commit,
        siblings: [
          { rfilename: 'config.json' },
          { rfilename: 'model.gguf', lfs: { sha256: sha(gguf).slice(7), size: gguf.length } },
          { rfilename: 'original/skip.pth' },
        ],
      }),
      { contentType: 'application/json' },
    );
    await serveFixture(fixtureUrl, `/pkg-hf/acme/qwen-tiny/resolve/${commit}/config.json`, config);
    await serveFixture(fixtureUrl, `/pkg-hf/acme/qwen-tiny/resolve/${commit}/model.gguf`, gguf);
    const { out } = await packageBuild(
      'packager/modelpack',
      {
        source: 'huggingface://acme/qwen-tiny',
        name: 'qwen3',
        exclude: "'original/**'",
        AIKIT_HF_ENDPOINT: `${fixtureUrl}/pkg-hf`,
      },
      '',
    );
    const { manifest, config: doc } = await readLayout(out);
    expect(configProblems(doc)).toEqual([]);
    expect(manifest.layers.map((l) => [l.annotations['org.cncf.model.filepath'], l.digest])).toEqual([
      ['model.gguf', sha(gguf)],
      ['config.json', sha(config)],
    ]);
    expect((doc as { descriptor: Json }).descriptor).toEqual({
      name: 'qwen3',
      sourceURL: 'huggingface://acme/qwen-tiny',
      revision: 'main',
    });
  });
});

describe('packager/modelpack from a private huggingface:// repository', () => {
  const canary = `hf_canary_${Date.now().toString(36)}`;
  const bearer = `Bearer ${canary}`;
  const commit = 'c'.repeat(40);
  const args = {
    source: 'huggingface://acme/private-tiny',
    name: 'private',
    AIKIT_HF_ENDPOINT: `${fixtureUrl}/pkg-hf-private`,
  };

  beforeAll(async () => {
    await serveFixture(
      fixtureUrl,
      '/pkg-hf-private/api/models/acme/private-tiny/revision/main?blobs=true',
      JSON.stringify({
        sha: commit,
        siblings: [{ rfilename: 'model.gguf', lfs: { sha256: sha(gguf).slice(7), size: gguf.length } }],
      }),
      { contentType: 'application/json', auth: bearer },
    );
    await serveFixture(fixtureUrl, `/pkg-hf-private/acme/private-tiny/resolve/${commit}/model.gguf`, gguf, {
      auth: bearer,
    });
  });

  it('without the token: 401 naming the repository, with the fix', async () => {
    const { output } = await packageBuild('packager/modelpack', args, '', false, { fails: true });
    console.log(
      `[package] private hf without a token: ${output
        .split('\n')
        .filter((l) => /ERROR|hint/.test(l))
        .join(' | ')}`,
    );
    // Said of the build-arg (there is no aikitfile), with the packaging command's own fix.
    expect(output).toContain(
      '--build-arg source=huggingface://acme/private-tiny: cannot read the file list of acme/private-tiny@main',
    );
    expect(output).not.toContain('models[0]');
    expect(output).toMatch(/\b401\b/);
    expect(output).toMatch(
      /hint:.*--secret id=hf-token,env=HF_AUTH --build-arg AIKIT_HF_TOKEN_SECRET=hf-token/,
    );
  });

  it('with the token secret: the artifact, and the token in no file of the layout or the log', async () => {
    const { out, output } = await packageBuild(
      'packager/modelpack',
      { ...args, AIKIT_HF_TOKEN_SECRET: 'hf-token' },
      '',
      false,
      { secrets: ['id=hf-token,env=AIKIT_TEST_HF_AUTH'], env: { AIKIT_TEST_HF_AUTH: bearer } },
    );
    const { manifest, config } = await readLayout(out);
    expect(configProblems(config)).toEqual([]);
    expect(manifest.layers.map((l) => [l.annotations['org.cncf.model.filepath'], l.digest])).toEqual([
      ['model.gguf', sha(gguf)],
    ]);
    const files = await filesUnder(out);
    expect(files.length).toBeGreaterThan(3);
    for (const [path, data] of files) expect(data.includes(canary), path).toBe(false);
    expect(output).not.toContain(canary);
    const engineHome = process.env['AIKIT_ENGINE_HOME'] ?? '/var/lib/aikit-engine';
    const daemonLog = await readFile(join(engineHome, 'modern/dockerd.log'), 'utf8').catch(() => '');
    expect(daemonLog).not.toContain(canary);
  });
});

describe('packager/generic', () => {
  it('the reference command with no context packages an http file', async () => {
    const url = await serveFixture(fixtureUrl, '/package/tiny.gguf', gguf);
    const { out } = await packageBuild(
      'packager/generic',
      { source: url, name: 'example', layer_packaging: 'raw' },
      '',
    );
    const { manifest, index } = await readLayout(out);
    expect((index.manifests[0]!['annotations'] as Json)['org.opencontainers.image.ref.name']).toBe('example');
    expect(manifest['artifactType']).toBe('application/vnd.kaito-project.aikit.generic.v1');
    expect(manifest.layers).toEqual([
      expect.objectContaining({
        mediaType: 'application/octet-stream',
        digest: sha(gguf),
        size: gguf.length,
      }),
    ]);
  });

  it('generic_output_mode=files exports the files themselves', async () => {
    const { out } = await packageBuild('packager/generic', {
      source: 'models/',
      generic_output_mode: 'files',
    });
    expect((await readFile(join(out, 'models', 'tiny.gguf'))).equals(gguf)).toBe(true);
  });
});

describe('round trip: layout -> oras cp -> registry -> oci:// -> llama-server', () => {
  it('serves the same bytes it packaged', async () => {
    const ref = `${registry.host}/models/tiny:1`;
    let t = Date.now();
    const cp = await run(oras, [
      'cp',
      '--from-oci-layout',
      `${join(layoutDir, 'layout')}:tiny`,
      ref,
      '--to-plain-http',
    ]);
    expect(cp.code, cp.output).toBe(0);
    const pushMs = Date.now() - t;
    expect((await registry.layers('models/tiny', '1'))[0]).toEqual({ digest: sha(gguf), size: gguf.length });

    const ctx = await makeContext({
      'aikitfile.yaml': `#syntax=aikit:test
apiVersion: v1alpha1
server: llama-server
models:
  - name: tiny
    source: oci://${ref}
    contextSize: 256
`,
    });
    t = Date.now();
    const b = await buildx(env, {
      file: join(ctx, 'aikitfile.yaml'),
      context: ctx,
      platforms: ['linux/amd64'],
      // oci:// models are pulled by an oras build step, on the host network for a loopback registry.
      buildArgs: { AIKIT_LLAMA_SERVER_IMAGE: SERVER_IMAGE, AIKIT_ORAS_IMAGE: ORAS_IMAGE },
      allow: ['network.host'],
      tag: TAG,
      load: true,
    });
    expect(b.code, b.output).toBe(0);
    const buildMs = Date.now() - t;

    const id = (await run('docker', ['create', TAG], { env })).stdout.trim();
    const copied = await run('bash', ['-c', 'docker cp "$1:/models/" - | base64 -w0', 'x', id], { env });
    await run('docker', ['rm', id], { env });
    const entries = await untar(Buffer.from(copied.stdout, 'base64'));
    // The model file is named after the model (`/models/tiny`); presets.ini sits beside it.
    const model = entries.find((e) => e.name === 'models/tiny');
    expect(model, entries.map((e) => e.name).join(', ')).toBeDefined();
    expect(sha(model!.data)).toBe(sha(gguf));

    t = Date.now();
    const cid = (await run('docker', ['run', '-d', '-p', '127.0.0.1::8080', TAG], { env })).stdout.trim();
    try {
      const port = /:(\d+)\s*$/m.exec((await run('docker', ['port', cid, '8080/tcp'], { env })).stdout)![1];
      let answer: { status: number; body: { choices?: unknown[] } } | undefined;
      for (let i = 0; i < 120 && !answer; i++) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', connection: 'close' },
            body: JSON.stringify({
              model: 'tiny',
              messages: [{ role: 'user', content: 'hi' }],
              max_tokens: 4,
            }),
            signal: AbortSignal.timeout(30_000),
          });
          if (res.status !== 503)
            answer = { status: res.status, body: (await res.json()) as { choices?: unknown[] } };
        } catch {
          // not up yet
        }
        if (!answer) await new Promise((r) => setTimeout(r, 500));
      }
      expect(answer?.status, JSON.stringify(answer?.body)).toBe(200);
      expect(answer!.body.choices).toHaveLength(1);
    } finally {
      await run('docker', ['rm', '-f', cid], { env });
    }
    console.log(
      `[package] round trip of ${gguf.length} B: oras cp ${pushMs} ms, oci:// image build ${buildMs} ms, first answer after ${Date.now() - t} ms; registry holds ${await registry.storedBytes()} B`,
    );
  });
});
