import { execFileSync, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fixtureBytes, sha256Hex } from '../fixtures/artifacts.js';
import { cpuBuildArgs } from '../fixtures/runtime-images.js';
import { buildx, buildxArgs, makeContext, ociTarPath, ROOT, run, serveFixture } from './harness.js';
import { readOciTar } from './oci.js';

// Issue 7: load, cancellation and reproducibility on a real engine.
const fixtureUrl = inject('fixtureUrl');
const env = { ...process.env, ...inject('engine') };
const artifactArgs = cpuBuildArgs(fixtureUrl);

const aikitfile = (name: string, url: string, sha: string, extra = '') =>
  `#syntax=aikit:test\napiVersion: v1alpha1\nmodels:\n  - name: ${name}\n    source: ${url}\n    sha256: ${sha}\nconfig: |\n  - name: ${name}\n    parameters:\n      model: ${name}.gguf\n${extra}`;

describe('under load', () => {
  it('8 concurrent builds of different aikitfiles all succeed with the right outputs', async () => {
    const runId = Date.now().toString(36);
    const jobs = Array.from({ length: 8 }, async (_, i) => {
      const body = fixtureBytes(`load-${runId}-${i}`, 32 * 1024 + i);
      const url = await serveFixture(fixtureUrl, `/load/${runId}/m${i}.gguf`, body);
      const text = aikitfile(`m${i}`, url, sha256Hex(body), `  # build ${i}\n`);
      const ctx = await makeContext({ 'aikitfile.yaml': text });
      const tar = await ociTarPath('load');
      const r = await buildx(env, {
        file: join(ctx, 'aikitfile.yaml'),
        context: ctx,
        buildArgs: artifactArgs,
        output: `type=oci,dest=${tar}`,
      });
      return { i, body, r, tar };
    });
    const results = await Promise.all(jobs);
    for (const { i, body, r, tar } of results) {
      expect(r.code, `build ${i}: ${r.output.slice(-2000)}`).toBe(0);
      const [image] = await readOciTar(tar);
      expect(image!.files.get(`models/m${i}.gguf`)?.data.equals(body)).toBe(true);
      expect(image!.files.get('config.yaml')?.data.toString()).toContain(`# build ${i}`);
      // No other build's model leaked into this image.
      expect([...image!.files.keys()].filter((k) => k.startsWith('models/'))).toEqual([`models/m${i}.gguf`]);
    }
  });
});

describe('a build cancelled mid-download', () => {
  const size = 48 * 1024 * 1024;
  // Unique per run: the engine caches downloads by checksum.
  const body = fixtureBytes(`slow-model-${Date.now()}`, size);
  let server: http.Server;
  let url = '';
  let sent = 0;
  let slow = true;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
      if (req.method === 'HEAD') return void res.end();
      if (!slow) return void res.end(body);
      // About 1 MiB/s: the download is still running when the client is killed.
      let at = 0;
      const tick = setInterval(() => {
        if (at >= size || res.destroyed) return void (clearInterval(tick), res.end());
        const chunk = body.subarray(at, at + 64 * 1024);
        at += chunk.length;
        sent += chunk.length;
        res.write(chunk);
      }, 60);
      res.on('close', () => clearInterval(tick));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow.gguf`;
  });
  afterAll(() => server.close());

  it('leaves no image, and the next build succeeds', async () => {
    const tag = `aikit-e2e/cancelled:${Date.now().toString(36)}`;
    const ctx = await makeContext({ 'aikitfile.yaml': aikitfile('slow', url, sha256Hex(body)) });
    const args = buildxArgs({
      file: join(ctx, 'aikitfile.yaml'),
      context: ctx,
      buildArgs: artifactArgs,
      tag,
      load: true,
    });
    const child = spawn('docker', args, { env, stdio: 'ignore' });
    const deadline = Date.now() + 120_000;
    let exited = false;
    child.on('exit', () => (exited = true));
    while (sent < 2 * 1024 * 1024 && !exited && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(sent, 'the download started').toBeGreaterThan(0);
    expect(sent).toBeLessThan(size);
    const closed = new Promise((r) => child.on('close', r));
    child.kill('SIGKILL');
    await closed;
    await new Promise((r) => setTimeout(r, 2000));
    expect((await run('docker', ['image', 'inspect', tag], { env })).code).not.toBe(0);

    slow = false;
    const tar = await ociTarPath('cancel');
    const again = await buildx(env, {
      file: join(ctx, 'aikitfile.yaml'),
      context: ctx,
      buildArgs: artifactArgs,
      output: `type=oci,dest=${tar}`,
    });
    expect(again.code, again.output.slice(-2000)).toBe(0);
    const [image] = await readOciTar(tar);
    expect(image!.files.get('models/slow.gguf')?.data.equals(body)).toBe(true);
  });
});

describe('reproducibility', () => {
  it('the same aikitfile with SOURCE_DATE_EPOCH gives the same manifest digest per platform twice', async () => {
    const body = fixtureBytes('tiny-http.gguf', 64 * 1024);
    const ctx = await makeContext({
      'aikitfile.yaml': aikitfile('repro', `${fixtureUrl}/models/tiny-http.gguf`, sha256Hex(body)),
    });
    const digests: string[][] = [];
    for (let i = 0; i < 2; i++) {
      const tar = await ociTarPath('repro');
      const r = await buildx(env, {
        file: join(ctx, 'aikitfile.yaml'),
        context: ctx,
        platforms: ['linux/amd64', 'linux/arm64'],
        buildArgs: { ...artifactArgs, SOURCE_DATE_EPOCH: '1767225600' },
        // Forced gzip: without it BuildKit reuses whatever blob a cached layer already has.
        output: `type=oci,dest=${tar},rewrite-timestamp=true,compression=gzip,force-compression=true`,
        noCache: true,
      });
      expect(r.code, r.output.slice(-2000)).toBe(0);
      const images = await readOciTar(tar);
      digests.push(images.map((img) => `${img.platform} ${img.manifestDigest}`).sort());
    }
    console.log(`reproducible manifests: ${digests[0]!.join(', ')}`);
    expect(digests[0]).toHaveLength(2);
    expect(digests[1]).toEqual(digests[0]);
  });

  it('the LLB bytes are identical across runs', () => {
    const convertOnce = () =>
      execFileSync(
        'npx',
        [
          'tsx',
          'src/cli/main.ts',
          'convert',
          'test/aikitfile-llama.yaml',
          ...Object.entries(artifactArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
        ],
        { cwd: ROOT },
      );
    const a = convertOnce();
    const b = convertOnce();
    expect(a.length).toBeGreaterThan(100);
    expect(sha256Hex(b)).toBe(sha256Hex(a));
  });
});
