import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { excludes, parseExclude } from './exclude.js';
import { tarFileHeader } from './tar.js';
import { writeLayout, type PackageJob } from './writer.js';

interface Desc {
  digest: string;
  mediaType: string;
  annotations: Record<string, string>;
}
interface Index {
  manifests: Desc[];
}
interface Manifest {
  config: Desc;
  layers: Desc[];
}
interface Config {
  config: Record<string, string>;
  modelfs: { diffIds: string[] };
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const has = (cmd: string) => {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aikit-writer-'));
  await mkdir(join(dir, 'in', 'original'), { recursive: true });
  await writeFile(join(dir, 'in', 'model.gguf'), Buffer.from('GGUF'.repeat(100000)));
  await writeFile(join(dir, 'in', 'original', 'skip.bin'), 'x');
  await writeFile(join(dir, 'in', 'tokenizer.json'), '{}');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function pack(job: Partial<PackageJob> & { output: string }) {
  await writeLayout({
    kind: 'modelpack',
    name: 'm',
    packaging: 'raw',
    exclude: [],
    input: join(dir, 'in'),
    ...job,
  });
  const layout = join(job.output, 'layout');
  const blob = (d: string) => readFile(join(layout, 'blobs', 'sha256', d.slice(7)));
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as Index;
  const manifest = JSON.parse((await blob(index.manifests[0]!.digest)).toString()) as Manifest;
  const config = JSON.parse((await blob(manifest.config.digest)).toString()) as Config;
  return { index, manifest, config, blob, layout };
}

describe('writeLayout', () => {
  it('is reproducible: the same files give the same manifest digest', async () => {
    const a = await pack({ output: join(dir, 'r1'), packaging: 'tar+gzip', epoch: 1 });
    const b = await pack({ output: join(dir, 'r2'), packaging: 'tar+gzip', epoch: 1 });
    expect(a.index).toEqual(b.index);
    const c = await pack({ output: join(dir, 'r3'), packaging: 'tar+gzip', epoch: 2 });
    expect(c.index.manifests[0]!.digest).not.toBe(a.index.manifests[0]!.digest);
  });

  it('raw layers are the files, their diffIds their digests', async () => {
    const { manifest, config, blob } = await pack({ output: join(dir, 'raw'), exclude: ['original/**'] });
    const gguf = await readFile(join(dir, 'in', 'model.gguf'));
    expect(manifest.layers.map((l) => l.annotations['org.cncf.model.filepath'])).toEqual([
      'model.gguf',
      'tokenizer.json',
    ]);
    expect(manifest.layers[0]!.digest).toBe(sha(gguf));
    expect((await blob(manifest.layers[0]!.digest)).equals(gguf)).toBe(true);
    expect(config.modelfs.diffIds).toEqual(manifest.layers.map((l) => l.digest));
    expect(config.config).toEqual({ format: 'gguf' });
  });

  it('gzip layers: diffId is the digest of the tar inside', async () => {
    const { manifest, config, blob } = await pack({
      output: join(dir, 'gz'),
      packaging: 'tar+gzip',
      exclude: ['original/'],
    });
    const layer = await blob(manifest.layers[0]!.digest);
    expect(sha(layer)).toBe(manifest.layers[0]!.digest);
    expect(config.modelfs.diffIds[0]).toBe(sha(gunzipSync(layer)));
  });

  it.runIf(has('zstd') && has('tar'))('zstd and tar layers read back with the system tools', async () => {
    const { manifest, config, layout } = await pack({
      output: join(dir, 'zst'),
      packaging: 'tar+zstd',
      epoch: 1700000000,
    });
    const path = join(layout, 'blobs', 'sha256', manifest.layers[0]!.digest.slice(7));
    const tar = execFileSync('zstd', ['-dc', path]);
    expect(sha(tar)).toBe(config.modelfs.diffIds[0]);
    const listing = execFileSync('tar', ['-tvf', '-', '--numeric-owner'], { input: tar }).toString();
    expect(listing).toMatch(/^-rw-r--r-- 0\/0 +400000 2023-11-14 \d\d:\d\d model\.gguf$/m);
    const out = execFileSync('tar', ['-xOf', '-', 'model.gguf'], { input: tar, maxBuffer: 1 << 24 });
    expect(out.equals(await readFile(join(dir, 'in', 'model.gguf')))).toBe(true);
  });
});

describe('tar headers', () => {
  it.runIf(has('tar'))('long paths round-trip through a PAX record', () => {
    const path = `${'d'.repeat(120)}/${'f'.repeat(120)}.bin`;
    const tar = Buffer.concat([
      tarFileHeader(path, 3, 0),
      Buffer.from('abc'),
      Buffer.alloc(509),
      Buffer.alloc(1024),
    ]);
    expect(execFileSync('tar', ['-tf', '-'], { input: tar }).toString().trim()).toBe(path);
  });
});

describe('exclude', () => {
  it('reads the reference quoting and matches globs', () => {
    expect(parseExclude(`'original/**' 'metal/*' *.md`)).toEqual(['original/**', 'metal/*', '*.md']);
    const skip = excludes(parseExclude(`'original/**' 'metal/*' *.md`));
    expect(skip('original/')).toBe(true);
    expect(skip('original/a/b.bin')).toBe(true);
    expect(skip('metal/x.bin')).toBe(true);
    expect(skip('metal/a/x.bin')).toBe(false);
    expect(skip('README.md')).toBe(true);
    expect(skip('docs/README.md')).toBe(false);
    expect(skip('model.gguf')).toBe(false);
  });
});
