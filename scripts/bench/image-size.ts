// The frontend image's size as a registry holds it (issue 15, target 5): every layer gzip-compressed
// at level 6, as `docker push` writes it (a layer the store already keeps as gzip counts as it is).
import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip, createGunzip } from 'node:zlib';
import { run } from '../../test/e2e/harness.js';

export interface ImageSize {
  tag: string;
  /** Sum of the layers gzip-compressed (bytes). */
  compressed: number;
  /** Sum of the layers unpacked (tar bytes). */
  raw: number;
  layers: { digest: string; compressed: number; raw: number }[];
}

/** Counts the bytes a stream gives. */
function count(s: NodeJS.ReadableStream): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    s.on('data', (c: Buffer) => (n += c.length));
    s.on('end', () => resolve(n));
    s.on('error', reject);
  });
}

export async function imageSize(tag: string, env: NodeJS.ProcessEnv): Promise<ImageSize> {
  const dir = await mkdtemp(join(tmpdir(), 'aikit-image-size-'));
  try {
    const tar = join(dir, 'image.tar');
    const saved = await run('docker', ['save', '-o', tar, tag], { env });
    if (saved.code !== 0) throw new Error(`docker save ${tag} failed:\n${saved.output}`);
    const x = await run('tar', ['-x', '-C', dir, '-f', tar]);
    if (x.code !== 0) throw new Error(`tar -x failed:\n${x.output}`);
    await rm(tar);
    const blob = (d: string) => join(dir, 'blobs', ...d.split(':'));
    // docker save writes an OCI layout (index → manifest → layers) or, before Docker 25, manifest.json.
    let layers: string[];
    try {
      const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as {
        manifests: { digest: string }[];
      };
      let manifest = JSON.parse(await readFile(blob(index.manifests[0]!.digest), 'utf8')) as {
        manifests?: { digest: string }[];
        layers?: { digest: string }[];
      };
      if (manifest.manifests)
        manifest = JSON.parse(await readFile(blob(manifest.manifests[0]!.digest), 'utf8'));
      layers = (manifest.layers ?? []).map((l) => blob(l.digest));
    } catch {
      const legacy = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { Layers: string[] }[];
      layers = legacy[0]!.Layers.map((l) => join(dir, l));
    }
    const out: ImageSize = { tag, compressed: 0, raw: 0, layers: [] };
    for (const path of layers) {
      const head = Buffer.alloc(2);
      const fh = await open(path, 'r');
      await fh.read(head, 0, 2, 0);
      await fh.close();
      const size = (await stat(path)).size;
      const gz = head[0] === 0x1f && head[1] === 0x8b;
      const layer = gz
        ? { compressed: size, raw: await count(createReadStream(path).pipe(createGunzip())) }
        : { compressed: await count(createReadStream(path).pipe(createGzip({ level: 6 }))), raw: size };
      out.layers.push({ digest: path.split('/').pop()!, ...layer });
      out.compressed += layer.compressed;
      out.raw += layer.raw;
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** One line for bench/results.md; in the published image the last layer is the frontend's own (/aikit). */
export function sizeLine(s: ImageSize, target = 50e6): string {
  const own = s.layers[s.layers.length - 1];
  return (
    `- ${s.tag}: ${mb(s.compressed)} compressed (gzip, as a registry stores it; ${mb(s.raw)} unpacked; ` +
    `${s.layers.length} layer${s.layers.length === 1 ? '' : 's'}, the last ${own ? mb(own.compressed) : '?'}) ` +
    `(target ≤ ${mb(target)}: ${s.compressed <= target ? 'met' : 'missed'})`
  );
}
