import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';

export interface FileEntry {
  type: 'file' | 'directory' | 'symlink' | 'other';
  mode: number;
  uid: number;
  gid: number;
  data: Buffer;
  linkname?: string;
}

export interface PlatformImage {
  platform: string;
  manifestDigest: string;
  config: {
    architecture: string;
    os: string;
    variant?: string;
    config: Record<string, unknown>;
    history?: { created_by?: string; comment?: string; empty_layer?: boolean }[];
    rootfs: { diff_ids: string[] };
  };
  layers: { digest: string; size: number; mediaType: string }[];
  /** The merged filesystem, paths without a leading slash. */
  files: Map<string, FileEntry>;
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

/** Every entry of a tarball, in order, with its header and content. */
export async function untar(buf: Buffer): Promise<{ name: string; header: tar.Header; data: Buffer }[]> {
  const out: { name: string; header: tar.Header; data: Buffer }[] = [];
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        out.push({ name: header.name, header, data: Buffer.concat(chunks) });
        next();
      });
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  Readable.from(buf).pipe(extract);
  await done;
  return out;
}

/** Reads an OCI layout tarball (`--output type=oci,dest=x.tar`) into per-platform images. */
export async function readOciTar(path: string): Promise<PlatformImage[]> {
  const entries = await untar(await readFile(path));
  const blobs = new Map<string, Buffer>();
  for (const e of entries) {
    const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(e.name);
    if (m) blobs.set(`sha256:${m[1]}`, e.data);
  }
  const indexEntry = entries.find((e) => e.name === 'index.json');
  if (!indexEntry) throw new Error(`${path}: no index.json`);
  const blob = (d: string) => {
    const b = blobs.get(d);
    if (!b) throw new Error(`${path}: missing blob ${d}`);
    return b;
  };

  const images: PlatformImage[] = [];
  const visit = async (desc: Descriptor): Promise<void> => {
    const doc = JSON.parse(blob(desc.digest).toString()) as {
      manifests?: Descriptor[];
      config?: Descriptor;
      layers?: Descriptor[];
    };
    if (doc.manifests) {
      for (const m of doc.manifests) await visit(m);
      return;
    }
    if (!doc.config || !doc.layers) return;
    // Attestation manifests ride along as unknown/unknown; they are not images.
    if (desc.platform?.os === 'unknown') return;
    const config = JSON.parse(blob(doc.config.digest).toString()) as PlatformImage['config'];
    const files = new Map<string, FileEntry>();
    for (const layer of doc.layers) {
      let data = blob(layer.digest);
      if (layer.mediaType.endsWith('gzip')) data = gunzipSync(data);
      // BuildKit reuses a layer's existing blob whatever its compression (without
      // force-compression), so a zstd export on the shared engine leaves zstd layers behind.
      else if (layer.mediaType.endsWith('zstd'))
        data = execFileSync('zstd', ['-d', '-c', '-q'], { input: data, maxBuffer: 1 << 30 });
      for (const e of await untar(data)) applyEntry(files, e.header, e.data);
    }
    const platform = [config.os, config.architecture, config.variant].filter(Boolean).join('/');
    images.push({ platform, manifestDigest: desc.digest, config, layers: doc.layers, files });
  };
  const index = JSON.parse(indexEntry.data.toString()) as { manifests: Descriptor[] };
  for (const m of index.manifests) await visit(m);
  return images;
}

function applyEntry(files: Map<string, FileEntry>, h: tar.Header, data: Buffer): void {
  const name = h.name.replace(/^\.?\//, '').replace(/\/$/, '');
  const base = name.split('/').pop() ?? '';
  const dir = name.slice(0, name.length - base.length);
  if (base === '.wh..wh..opq') {
    for (const k of [...files.keys()]) if (k.startsWith(dir) && k !== dir.replace(/\/$/, '')) files.delete(k);
    return;
  }
  if (base.startsWith('.wh.')) {
    const target = dir + base.slice(4);
    for (const k of [...files.keys()]) if (k === target || k.startsWith(`${target}/`)) files.delete(k);
    return;
  }
  const type =
    h.type === 'file'
      ? 'file'
      : h.type === 'directory'
        ? 'directory'
        : h.type === 'symlink'
          ? 'symlink'
          : 'other';
  files.set(name, {
    type,
    mode: (h.mode ?? 0) & 0o7777,
    uid: h.uid ?? 0,
    gid: h.gid ?? 0,
    data,
    ...(h.linkname ? { linkname: h.linkname } : {}),
  });
}

/** One file of an image's merged filesystem; fails naming the files there are. */
export function imageFile(img: PlatformImage, path: string): FileEntry {
  const f = img.files.get(path);
  if (!f) throw new Error(`${img.platform}: ${path} missing; have ${[...img.files.keys()].join(', ')}`);
  return f;
}
