import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, inject, it } from 'vitest';
import type { Lock } from '../../src/convert/index.js';
import { fixtureBytes, sha256Hex } from '../fixtures/artifacts.js';
import { cpuBuildArgs } from '../fixtures/runtime-images.js';
import { startRegistry } from '../fixtures/registry.js';
import { startTokenServer } from '../fixtures/token-server.js';
import { buildx, makeContext, ociTarPath, ROOT, run, serveFixture } from './harness.js';
import { imageFile, readOciTar } from './oci.js';

// `aikit lock` and locked builds on a real engine: a fixture hub whose branch moves after the
// lock, a model the lock does not know under AIKIT_LOCKED=strict, and a download whose bytes
// change under the same URL.

const fixtureUrl = inject('fixtureUrl');
const env = { ...process.env, ...inject('engine') };
const hub = `${fixtureUrl}/hub`;
const buildArgs = { ...cpuBuildArgs(fixtureUrl), AIKIT_HF_ENDPOINT: hub };
// Every run gets its own bytes: the engine's cache must not answer for a file a test changes.
const run_ = Date.now().toString(36);

/** Serves a Hub repository's listing at `main` and its files at `commit`. */
async function publish(repo: string, commit: string, files: Record<string, Buffer>, lfs: string[]) {
  await serveFixture(
    fixtureUrl,
    `/hub/api/models/${repo}/revision/main?blobs=true`,
    JSON.stringify({
      sha: commit,
      siblings: Object.entries(files).map(([rfilename, body]) => ({
        rfilename,
        size: body.length,
        ...(lfs.includes(rfilename) ? { lfs: { sha256: sha256Hex(body), size: body.length } } : {}),
      })),
    }),
    { contentType: 'application/json' },
  );
  for (const [path, body] of Object.entries(files)) {
    await serveFixture(fixtureUrl, `/hub/${repo}/resolve/${commit}/${path}`, body);
  }
}

/** `aikit lock` from the CLI, as a user runs it; returns the lock, the output and the time taken. */
async function lock(file: string, extra: { buildArgs?: Record<string, string>; flags?: string[] } = {}) {
  const started = performance.now();
  const r = await run(
    'npx',
    [
      'tsx',
      'src/cli/main.ts',
      'lock',
      file,
      ...Object.entries({ ...buildArgs, ...extra.buildArgs }).flatMap(([k, v]) => [
        '--build-arg',
        `${k}=${v}`,
      ]),
      ...(extra.flags ?? []),
    ],
    { env, cwd: ROOT },
  );
  const seconds = (performance.now() - started) / 1000;
  expect(r.code, r.output).toBe(0);
  // The CLI's own line, with the time the lock build took; the figure the docs quote.
  process.stderr.write(`${r.stdout.trim()} (${seconds.toFixed(1)} s with the CLI's start)\n`);
  const text = await readFile(file.replace(/\.yaml$/, '.lock'), 'utf8');
  return { text, lock: parse(text) as Lock, output: r.output, seconds };
}

describe('aikit lock and locked builds on a real engine', () => {
  it('pins a Hugging Face branch: after the branch moves the locked build still gets the old bytes', async () => {
    const repo = `acme/locked-${run_}`;
    const [commitA, commitB] = ['a1'.repeat(20), 'b2'.repeat(20)];
    const oldWeights = fixtureBytes(`lock-weights-old-${run_}`, 40 * 1024);
    const newWeights = fixtureBytes(`lock-weights-new-${run_}`, 40 * 1024);
    const config = Buffer.from(`{"run": "${run_}"}\n`);
    await publish(repo, commitA, { 'model.gguf': oldWeights, 'config.json': config }, ['model.gguf']);
    const web = fixtureBytes(`lock-web-${run_}`, 16 * 1024);
    const webUrl = await serveFixture(fixtureUrl, `/lock/${run_}/web.gguf`, web);

    const ctx = await makeContext({
      'aikitfile.yaml': `#syntax=aikit:test
apiVersion: v1alpha1
models:
  - name: hub
    source: huggingface://${repo}
  - name: web
    source: ${webUrl}
`,
    });
    const file = join(ctx, 'aikitfile.yaml');
    const locked = await lock(file);
    process.stderr.write(`aikit lock took ${locked.seconds.toFixed(1)} s\n${locked.text}\n`);
    expect(locked.output).toMatch(
      /wrote .*aikitfile.lock: 2 models, 2 images, 1 LocalAI download for linux\/amd64/,
    );
    expect(locked.lock.models['hub']).toEqual({
      source: `huggingface://${repo}@main`,
      commit: commitA,
      // The Hub gives the LFS file's sha256; the small file was downloaded and hashed in the engine.
      files: {
        'config.json': `sha256:${sha256Hex(config)}`,
        'model.gguf': `sha256:${sha256Hex(oldWeights)}`,
      },
    });
    expect(locked.lock.models['web']).toEqual({ source: webUrl, sha256: `sha256:${sha256Hex(web)}` });
    expect(Object.keys(locked.lock.images).sort()).toEqual([
      'docker.io/aikit-test/backend:cpu-llama-cpp',
      'docker.io/aikit-test/base:latest',
    ]);
    for (const image of Object.values(locked.lock.images)) {
      expect(image.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(Object.keys(image.platforms)).toEqual(['linux/amd64']);
    }
    expect(Object.keys(locked.lock.localai)).toEqual([`${fixtureUrl}/localai/local-ai-amd64`]);
    // Locking again with nothing changed gives the same bytes.
    expect((await lock(file)).text).toBe(locked.text);

    // The branch moves to a commit with other weights.
    await publish(repo, commitB, { 'model.gguf': newWeights, 'config.json': config }, ['model.gguf']);
    const tar = await ociTarPath('locked');
    const r = await buildx(env, { file, context: ctx, buildArgs, output: `type=oci,dest=${tar}` });
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toContain('the runtime is not pinned');
    const [image] = await readOciTar(tar);
    expect(imageFile(image!, `models/${repo}/model.gguf`).data.equals(oldWeights)).toBe(true);
    expect(r.output).toContain(`/resolve/${commitA}/model.gguf`);
    expect(r.output).not.toContain(`/resolve/${commitB}/`);

    // Without the lock the same build follows the branch (and says its runtime is unpinned).
    const unlockedTar = await ociTarPath('unlocked');
    const u = await buildx(env, {
      file,
      context: ctx,
      buildArgs: { ...buildArgs, AIKIT_LOCKED: 'off' },
      output: `type=oci,dest=${unlockedTar}`,
    });
    expect(u.code, u.output).toBe(0);
    expect(u.output).toContain('the runtime is not pinned');
    const [unlocked] = await readOciTar(unlockedTar);
    expect(imageFile(unlocked!, `models/${repo}/model.gguf`).data.equals(newWeights)).toBe(true);
  });

  it('strict mode stops a model the lock does not know at its line, and a changed download is caught', async () => {
    const first = fixtureBytes(`lock-first-${run_}`, 16 * 1024);
    const url = await serveFixture(fixtureUrl, `/lock/${run_}/changing.gguf`, first);
    const ctx = await makeContext({
      'aikitfile.yaml': `#syntax=aikit:test
apiVersion: v1alpha1
models:
  - name: changing
    source: ${url}
`,
    });
    const file = join(ctx, 'aikitfile.yaml');
    await lock(file);

    // A model added after locking: strict mode fails at its source line, with the fix.
    const extra = await serveFixture(fixtureUrl, `/lock/${run_}/extra.gguf`, fixtureBytes(`x-${run_}`, 1024));
    await writeFile(file, `${await readFile(file, 'utf8')}  - name: extra\n    source: ${extra}\n`);
    const strict = await buildx(env, {
      file,
      context: ctx,
      buildArgs: { ...buildArgs, AIKIT_LOCKED: 'strict' },
    });
    process.stderr.write(`strict mode:\n${strict.output.split('\n').slice(-12).join('\n')}\n`);
    expect(strict.code).not.toBe(0);
    expect(strict.output).toContain('aikitfile.yaml:7');
    expect(strict.output).toContain('models[1].source: model extra is not in aikitfile.lock');
    expect(strict.output).toContain('run `aikit lock`');
    expect(strict.output).toMatch(/>>>\s+source: http/);

    // The locked download's bytes change under the same URL: the build fails at the model's line.
    await lock(file);
    await serveFixture(
      fixtureUrl,
      `/lock/${run_}/changing.gguf`,
      fixtureBytes(`lock-second-${run_}`, 16 * 1024),
    );
    const changed = await buildx(env, { file, context: ctx, buildArgs, noCache: true });
    process.stderr.write(`changed download:\n${changed.output.split('\n').slice(-12).join('\n')}\n`);
    expect(changed.code).not.toBe(0);
    expect(changed.output).toContain(`digest mismatch`);
    expect(changed.output).toContain(`sha256:${sha256Hex(first)}`);
    expect(changed.output).toMatch(/aikitfile\.yaml:4\n/);
  });

  it('locks an oci:// tag in a registry that wants the token flow; the locked build ignores a moved tag', async () => {
    const ORAS = 'aikit-test/oras:sid';
    const img = await run('scripts/oras-image.sh', [ORAS], { env });
    expect(img.code, img.output).toBe(0);
    const password = `lock-pw-${run_}`;
    const token = await startTokenServer({ publicPrefixes: [], users: { alice: password } });
    const registry = await startRegistry({ token });
    try {
      const push = async (weights: Buffer) => {
        const empty = Buffer.from('{}');
        const manifest = {
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: {
            mediaType: 'application/vnd.oci.empty.v1+json',
            digest: `sha256:${sha256Hex(empty)}`,
            size: 2,
          },
          layers: [
            {
              mediaType: 'application/octet-stream',
              digest: `sha256:${sha256Hex(weights)}`,
              size: weights.length,
            },
          ],
        };
        return registry.push('private/locked', 'v1', [empty, weights], manifest, manifest.mediaType);
      };
      const oldWeights = fixtureBytes(`lock-oci-old-${run_}`, 8 * 1024);
      const pushed = await push(oldWeights);
      const ctx = await makeContext({
        'aikitfile.yaml': `#syntax=aikit:test\napiVersion: v1alpha1\nmodels:\n  - name: private\n    source: oci://${registry.host}/private/locked:v1\n`,
      });
      const config = join(ctx, '..', `docker-config-lock-${run_}.json`);
      await writeFile(
        config,
        JSON.stringify({
          auths: { [registry.host]: { auth: Buffer.from(`alice:${password}`).toString('base64') } },
        }),
      );
      const file = join(ctx, 'aikitfile.yaml');
      const extra = {
        buildArgs: { AIKIT_ORAS_IMAGE: ORAS },
        flags: ['--secret', `id=docker-config,src=${config}`, '--allow', 'network.host'],
      };
      const locked = await lock(file, extra);
      expect(locked.lock.models['private']).toEqual({
        source: `oci://${registry.host}/private/locked:v1`,
        digest: pushed,
      });
      expect(token.requests.some((q) => q.account === 'alice' && !q.refused)).toBe(true);

      // The tag moves; the locked build reads the manifest it locked.
      await push(fixtureBytes(`lock-oci-new-${run_}`, 8 * 1024));
      const tar = await ociTarPath('locked-oci');
      const r = await buildx(env, {
        file,
        context: ctx,
        buildArgs: { ...buildArgs, AIKIT_ORAS_IMAGE: ORAS, AIKIT_LOCKED: 'strict' },
        secrets: [`id=docker-config,src=${config}`],
        allow: ['network.host'],
        output: `type=oci,dest=${tar}`,
      });
      expect(r.code, r.output).toBe(0);
      expect(r.output).toContain(`private/locked@${pushed}`);
      const [image] = await readOciTar(tar);
      expect(imageFile(image!, 'models/locked').data.equals(oldWeights)).toBe(true);
    } finally {
      await registry.stop();
      await token.stop();
    }
  });
});
