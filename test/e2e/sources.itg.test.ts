import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { fixtureBytes, sha256Hex } from '../fixtures/artifacts.js';
import { startRegistry } from '../fixtures/registry.js';
import { cpuBuildArgs } from '../fixtures/runtime-images.js';
import {
  buildx,
  freePort,
  makeContext,
  ociTarPath,
  ROOT,
  run,
  serveFixture,
  waitForPort,
} from './harness.js';
import { imageFile, readOciTar, type PlatformImage } from './oci.js';

const fixtureUrl = inject('fixtureUrl');
const env = { ...process.env, ...inject('engine') };
const artifactArgs = cpuBuildArgs(fixtureUrl);
// oci:// pulls run oras in a build step (Debian's, scripts/oras-image.sh), on the host network
// for loopback registries.
const ociArgs = { ...artifactArgs, AIKIT_ORAS_IMAGE: 'aikit-test/oras:sid' };
const ociAllow = ['network.host'];
const httpModel = fixtureBytes('tiny-http.gguf', 64 * 1024);

async function buildToOci(
  opts: Parameters<typeof buildx>[1],
): Promise<{ image: PlatformImage; tar: string; output: string }> {
  const tar = await ociTarPath('src');
  const r = await buildx(env, { ...opts, output: `type=oci,dest=${tar}` });
  expect(r.code, r.output).toBe(0);
  const [image] = await readOciTar(tar);
  return { image: image!, tar, output: r.output };
}

describe('model sources on a real engine', () => {
  it('--build-arg model= replaces models and config (decisions.md#build-args)', async () => {
    const ctx = await makeContext({});
    const { image } = await buildToOci({
      file: join(ROOT, 'test/aikitfile-args.yaml'),
      context: ctx,
      buildArgs: { ...artifactArgs, model: `${fixtureUrl}/models/tiny-http.gguf` },
    });
    expect(imageFile(image, 'models/tiny-http.gguf').data.equals(httpModel)).toBe(true);
    expect(imageFile(image, 'config.yaml').data.toString()).toBe(
      '\n- name: tiny-http.gguf\n  backend: llama\n  parameters:\n    model: tiny-http.gguf',
    );
  });

  it('builds from a remote aikitfile over HTTP', async () => {
    const url = await serveFixture(
      fixtureUrl,
      '/remote/aikitfile.yaml',
      `#syntax=aikit:test\napiVersion: v1alpha1\nmodels:\n  - name: remote\n    source: ${fixtureUrl}/models/tiny-http.gguf\n    sha256: ${sha256Hex(httpModel)}\n`,
    );
    const tar = await ociTarPath('remote');
    const r = await buildx(env, { context: url, buildArgs: artifactArgs, output: `type=oci,dest=${tar}` });
    expect(r.code, r.output).toBe(0);
    const [image] = await readOciTar(tar);
    expect(imageFile(image!, 'models/tiny-http.gguf').data.equals(httpModel)).toBe(true);
  });

  it('builds from a git context (git daemon on loopback), -f relative to #ref:subdir', async () => {
    const root = await mkdtemp(join(tmpdir(), 'aikit-git-'));
    const work = join(root, 'work');
    await mkdir(join(work, 'deploy'), { recursive: true });
    await writeFile(
      join(work, 'deploy/aikitfile.yaml'),
      `#syntax=aikit:test\napiVersion: v1alpha1\nmodels:\n  - name: from-git\n    source: ${fixtureUrl}/models/tiny-http.gguf\n    sha256: ${sha256Hex(httpModel)}\n`,
    );
    const g = (...args: string[]) => execFileSync('git', args, { cwd: work, stdio: 'pipe' });
    g('init', '-q', '-b', 'release');
    g('-c', 'user.name=t', '-c', 'user.email=t@t', 'add', '.');
    g('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'aikitfile');
    execFileSync('git', ['clone', '-q', '--bare', work, join(root, 'repo.git')]);
    const port = await freePort();
    const daemon = spawn(
      'git',
      [
        'daemon',
        '--reuseaddr',
        '--export-all',
        `--base-path=${root}`,
        '--listen=127.0.0.1',
        `--port=${port}`,
        root,
      ],
      { stdio: 'ignore' },
    );
    try {
      await waitForPort(port);
      const tar = join(root, 'image.tar');
      const r = await buildx(env, {
        file: 'aikitfile.yaml',
        context: `git://127.0.0.1:${port}/repo.git#release:deploy`,
        buildArgs: artifactArgs,
        output: `type=oci,dest=${tar}`,
      });
      expect(r.code, r.output).toBe(0);
      const [image] = await readOciTar(tar);
      expect(imageFile(image!, 'models/tiny-http.gguf').data.equals(httpModel)).toBe(true);
    } finally {
      daemon.kill();
    }
  });

  it('downloads from a Hugging Face-style hub with a token secret that leaves no trace', async () => {
    const canary = `hf_canary_${Date.now().toString(36)}`;
    const weights = fixtureBytes('hf-weights.gguf', 48 * 1024);
    const small = Buffer.from('{"architectures": ["LlamaForCausalLM"]}\n');
    const commit = 'a'.repeat(40);
    const bearer = `Bearer ${canary}`;
    await serveFixture(fixtureUrl, '/hf/acme/tiny-GGUF/resolve/main/tiny-Q4.gguf', weights, { auth: bearer });
    await serveFixture(
      fixtureUrl,
      '/hf/api/models/acme/whole/revision/main?blobs=true',
      JSON.stringify({
        id: 'acme/whole',
        sha: commit,
        siblings: [
          { rfilename: '.gitattributes', size: 10 },
          { rfilename: 'config.json', size: small.length },
          {
            rfilename: 'w/weights.gguf',
            size: weights.length,
            lfs: { sha256: sha256Hex(weights), size: weights.length },
          },
        ],
      }),
      { auth: bearer, contentType: 'application/json' },
    );
    await serveFixture(fixtureUrl, `/hf/acme/whole/resolve/${commit}/config.json`, small, { auth: bearer });
    await serveFixture(fixtureUrl, `/hf/acme/whole/resolve/${commit}/w/weights.gguf`, weights, {
      auth: bearer,
    });

    const aikitfile = `#syntax=aikit:test
apiVersion: v1alpha1
models:
  - name: hf-file
    source: huggingface://acme/tiny-GGUF/tiny-Q4.gguf
    sha256: ${sha256Hex(weights)}
  - name: hf-repo
    source: huggingface://acme/whole
`;
    const ctx = await makeContext({ 'aikitfile.yaml': aikitfile });
    const buildArgs = {
      ...artifactArgs,
      AIKIT_HF_ENDPOINT: `${fixtureUrl}/hf`,
      AIKIT_HF_TOKEN_SECRET: 'hf-token',
    };
    const tar = await ociTarPath('hf');
    const r = await buildx(
      { ...env, AIKIT_TEST_HF_AUTH: bearer },
      {
        file: join(ctx, 'aikitfile.yaml'),
        context: ctx,
        buildArgs,
        secrets: ['id=hf-token,env=AIKIT_TEST_HF_AUTH'],
        output: `type=oci,dest=${tar}`,
      },
    );
    expect(r.code, r.output).toBe(0);

    const [image] = await readOciTar(tar);
    expect(imageFile(image!, 'models/tiny-Q4.gguf').data.equals(weights)).toBe(true);
    expect(imageFile(image!, 'models/acme/whole/w/weights.gguf').data.equals(weights)).toBe(true);
    expect(imageFile(image!, 'models/acme/whole/config.json').data.equals(small)).toBe(true);
    expect(image!.files.has('models/acme/whole/.gitattributes')).toBe(false);

    // The token is nowhere: not in any blob of the image (layers, config, history), not in what
    // the user saw, not in the daemon's log, and not in the LLB for the same inputs.
    const tarBytes = await readFile(tar);
    expect(tarBytes.includes(canary)).toBe(false);
    expect(JSON.stringify(image!.config)).not.toContain(canary);
    // The layers are compressed in the tarball: look at every file of the unpacked image too.
    for (const [path, f] of image!.files) expect(f.data.includes(canary), path).toBe(false);
    expect(JSON.stringify(image!.config.history ?? [])).not.toContain(canary);
    expect(r.output).not.toContain(canary);
    const engineHome = process.env['AIKIT_ENGINE_HOME'] ?? '/var/lib/aikit-engine';
    const daemonLog = await readFile(join(engineHome, 'modern/dockerd.log'), 'utf8').catch(() => '');
    expect(daemonLog).not.toContain(canary);
    const llb = execFileSync(
      'npx',
      [
        'tsx',
        'src/cli/main.ts',
        'convert',
        join(ctx, 'aikitfile.yaml'),
        '--format',
        'json',
        ...Object.entries(buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
      ],
      { cwd: ROOT, env: { ...process.env, HF_TOKEN: canary } },
    );
    expect(llb.toString()).toContain('http.authheadersecret');
    expect(llb.toString()).not.toContain(canary);
  });

  it('without the token secret the hub answers 401 and the error names the model', async () => {
    const ctx = await makeContext({
      'aikitfile.yaml':
        '#syntax=aikit:test\napiVersion: v1alpha1\nmodels:\n  - name: private\n    source: huggingface://acme/whole\n',
    });
    const r = await buildx(env, {
      file: join(ctx, 'aikitfile.yaml'),
      context: ctx,
      buildArgs: { ...artifactArgs, AIKIT_HF_ENDPOINT: `${fixtureUrl}/hf` },
    });
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('aikitfile.yaml:5');
    expect(r.output).toMatch(/model private: cannot read the file list of acme\/whole@main/);
    expect(r.output).toMatch(/401/);
  });

  it('pulls an ollama-shaped model and a generic OCI artifact from a loopback registry by digest', async () => {
    const oras = await run('scripts/oras-image.sh', ['aikit-test/oras:sid'], { env });
    expect(oras.code, oras.output).toBe(0);
    const weights = fixtureBytes('ollama-model.gguf', 40 * 1024);
    const digest = `sha256:${sha256Hex(weights)}`;
    const registry = new URL(fixtureUrl).host;
    const manifest = (mediaType: string) =>
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        config: {
          mediaType: 'application/vnd.docker.container.image.v1+json',
          digest: `sha256:${'0'.repeat(64)}`,
          size: 2,
        },
        layers: [
          { mediaType: 'application/vnd.ollama.image.license', digest: `sha256:${'1'.repeat(64)}`, size: 10 },
          { mediaType, digest, size: weights.length },
        ],
      });
    await serveFixture(
      fixtureUrl,
      '/v2/library/tinyllama/manifests/1b',
      manifest('application/vnd.ollama.image.model'),
      {
        contentType: 'application/vnd.docker.distribution.manifest.v2+json',
      },
    );
    await serveFixture(fixtureUrl, `/v2/library/tinyllama/blobs/${digest}`, weights);
    // A generic artifact behind an index, as multi-platform pushes make it.
    const artifact = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.aikit.model',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: `sha256:${'4'.repeat(64)}`, size: 2 },
      layers: [
        {
          mediaType: 'application/octet-stream',
          digest,
          size: weights.length,
          annotations: { 'org.opencontainers.image.title': 'model.gguf' },
        },
      ],
    });
    const artifactDigest = `sha256:${sha256Hex(Buffer.from(artifact))}`;
    await serveFixture(fixtureUrl, `/v2/models/generic/manifests/${artifactDigest}`, artifact, {
      contentType: 'application/vnd.oci.image.manifest.v1+json',
    });
    await serveFixture(
      fixtureUrl,
      '/v2/models/generic/manifests/v1',
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: artifactDigest,
            size: artifact.length,
          },
        ],
      }),
      { contentType: 'application/vnd.oci.image.index.v1+json' },
    );
    await serveFixture(fixtureUrl, `/v2/models/generic/blobs/${digest}`, weights);

    const ctx = await makeContext({
      'aikitfile.yaml': `#syntax=aikit:test
apiVersion: v1alpha1
models:
  - name: ollama
    source: oci://${registry}/library/tinyllama:1b
  - name: generic
    source: oci://${registry}/models/generic:v1
`,
    });
    const { image } = await buildToOci({
      file: join(ctx, 'aikitfile.yaml'),
      context: ctx,
      buildArgs: ociArgs,
      allow: ociAllow,
    });
    expect(imageFile(image, 'models/tinyllama').data.equals(weights)).toBe(true);
    expect(imageFile(image, 'models/generic').data.equals(weights)).toBe(true);
  });

  it('pulls a generic OCI artifact pushed to a real loopback registry (Debian docker-registry)', async () => {
    const registry = await startRegistry();
    try {
      const weights = fixtureBytes('registry-model.gguf', 24 * 1024);
      const config = Buffer.from('{}');
      await registry.push(
        'models/pushed',
        'v1',
        [config, weights],
        {
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          artifactType: 'application/vnd.aikit.model.v1',
          config: {
            mediaType: 'application/vnd.oci.empty.v1+json',
            digest: `sha256:${sha256Hex(config)}`,
            size: 2,
          },
          layers: [
            {
              mediaType: 'application/octet-stream',
              digest: `sha256:${sha256Hex(weights)}`,
              size: weights.length,
              annotations: { 'org.opencontainers.image.title': 'pushed.gguf' },
            },
          ],
        },
        'application/vnd.oci.image.manifest.v1+json',
      );
      const ctx = await makeContext({
        'aikitfile.yaml': `#syntax=aikit:test\napiVersion: v1alpha1\nmodels:\n  - name: pushed\n    source: oci://${registry.host}/models/pushed:v1\n`,
      });
      const { image } = await buildToOci({
        file: join(ctx, 'aikitfile.yaml'),
        context: ctx,
        buildArgs: ociArgs,
        allow: ociAllow,
      });
      expect(imageFile(image, 'models/pushed').data.equals(weights)).toBe(true);
    } finally {
      await registry.stop();
    }
  });

  it('sends only the referenced local model, not a 32 MiB file beside it', async () => {
    const small = fixtureBytes('local-model.gguf', 58);
    const ctx = await makeContext({
      'aikitfile.yaml':
        '#syntax=aikit:test\napiVersion: v1alpha1\nmodels:\n  - name: local\n    source: models/nested/local-model.gguf\n',
      'models/nested/local-model.gguf': small,
      'models/nested/unselected-model.gguf': fixtureBytes('decoy', 32 * 1024 * 1024),
    });
    const tar = await ociTarPath('local');
    const r = await buildx(env, {
      file: join(ctx, 'aikitfile.yaml'),
      context: ctx,
      buildArgs: artifactArgs,
      output: `type=oci,dest=${tar}`,
      progress: 'rawjson',
    });
    expect(r.code, r.output.slice(-2000)).toBe(0);
    const transferred = contextTransferBytes(r.stderr, '[aikit] load model files from the build context');
    console.log(`context transfer for one 58-byte model beside a 32 MiB decoy: ${transferred} bytes`);
    expect(transferred).toBeGreaterThan(0);
    expect(transferred).toBeLessThan(1024 * 1024);
    const [image] = await readOciTar(tar);
    expect(imageFile(image!, 'models/local-model.gguf').data.equals(small)).toBe(true);
    expect([...image!.files.keys()].some((k) => k.includes('unselected'))).toBe(false);
  });
});

/** The largest "transferring" figure BuildKit reported for the named local source. */
function contextTransferBytes(rawjson: string, vertexName: string): number {
  const digests = new Set<string>();
  let max = 0;
  const statuses: { vertex: string; id: string; current?: number }[] = [];
  for (const line of rawjson.split('\n')) {
    if (!line.startsWith('{')) continue;
    const ev = JSON.parse(line) as {
      vertexes?: { digest: string; name?: string }[];
      statuses?: { vertex: string; id: string; current?: number }[];
    };
    for (const v of ev.vertexes ?? []) if (v.name === vertexName) digests.add(v.digest);
    statuses.push(...(ev.statuses ?? []));
  }
  for (const s of statuses)
    if (digests.has(s.vertex) && s.id.startsWith('transferring')) max = Math.max(max, s.current ?? 0);
  return max;
}
