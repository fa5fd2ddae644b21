import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { createGzip } from 'node:zlib';
import { posix } from 'node:path';
import { AikitError } from '../../util/errors.js';
import {
  CATEGORIES,
  categoryOf,
  genericLayerType,
  modelpackLayerType,
  type FileCategory,
  type LayerPackaging,
} from './media-types.js';
import {
  artifactManifest,
  configMediaType,
  EMPTY_CONFIG_BYTES,
  jsonBytes,
  layoutIndex,
  modelpackConfig,
  OCI_LAYOUT_FILE,
  type Descriptor,
  type LayerRecord,
} from './modelpack.js';
import { TAR_END, tarFileHeader, tarPadding } from './tar.js';
import { zstdStream } from './zstd.js';
import { excludes } from './exclude.js';

// The packaging step itself: runs inside the build (the frontend image started as a tool, see
// graph.ts), reads the source tree, writes an OCI image layout. Everything is streamed: weights
// are gigabytes, and each byte is read once to hash, archive, compress and store it.

/** What the packaging step is told; graph.ts writes it, `aikit package` (main.ts) reads it. */
export interface PackageJob {
  kind: 'modelpack' | 'generic';
  name: string;
  packaging: LayerPackaging;
  /** Glob patterns of paths (relative to the source) to leave out. */
  exclude: string[];
  /** A file or a directory. */
  input: string;
  /** The layout goes to `<output>/layout`. */
  output: string;
  /** SOURCE_DATE_EPOCH: the mtime of every tar entry and the config's createdAt. */
  epoch?: number;
  sourceURL?: string;
  revision?: string;
}

/** A file to package: its path in the artifact and on disk. */
interface SourceFile {
  path: string;
  abs: string;
  size: number;
}

/** Writes the layout and returns the manifest's descriptor. */
export async function writeLayout(job: PackageJob): Promise<{ manifest: Descriptor; config: unknown }> {
  const files = await listFiles(job.input, job.exclude);
  if (files.length === 0) {
    throw new AikitError('PACKAGE_EMPTY', `no files to package in ${job.input}`, {
      hint: 'check --build-arg source= and exclude=',
    });
  }
  const dir = posix.join(job.output, 'layout');
  const blobs = posix.join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const mtime = job.epoch ?? 0;
  const layers: LayerRecord[] = [];
  for (const group of layerGroups(job, files)) {
    layers.push(await writeLayer(blobs, group, job.packaging, mtime));
  }
  let configBytes: Buffer;
  let config: unknown = {};
  if (job.kind === 'modelpack') {
    config = modelpackConfig(
      {
        name: job.name,
        ...(job.epoch !== undefined ? { createdAt: new Date(job.epoch * 1000).toISOString() } : {}),
        ...(job.sourceURL ? { sourceURL: job.sourceURL } : {}),
        ...(job.revision ? { revision: job.revision } : {}),
        ...formatOf(files),
      },
      layers,
    );
    configBytes = jsonBytes(config);
  } else {
    configBytes = EMPTY_CONFIG_BYTES;
  }
  const configDesc = await writeBlob(blobs, configMediaType(job.kind), configBytes);
  const annotations: Record<string, string> = { 'org.opencontainers.image.title': job.name };
  if (job.epoch !== undefined) {
    annotations['org.opencontainers.image.created'] = new Date(job.epoch * 1000).toISOString();
  }
  const manifest = artifactManifest(job.kind, configDesc, layers, annotations);
  const manifestDesc = await writeBlob(blobs, manifest.mediaType, jsonBytes(manifest));
  await writeFile(posix.join(dir, 'index.json'), jsonBytes(layoutIndex(manifestDesc, job.name)));
  await writeFile(posix.join(dir, 'oci-layout'), jsonBytes(OCI_LAYOUT_FILE));
  return { manifest: manifestDesc, config };
}

/** The files of a file or directory, sorted by path bytes, without excluded ones. */
export async function listFiles(input: string, exclude: readonly string[]): Promise<SourceFile[]> {
  const st = await stat(input).catch(() => {
    throw new AikitError(
      'PACKAGE_SOURCE_MISSING',
      `${input.replace(/^\/in\/?/, '') || 'the build context'} is not in the build context`,
      {
        hint: 'a context source needs a context: end the command with `-f- .` (the Dockerfile from stdin, the context from .), not `-`',
      },
    );
  });
  if (st.isFile()) return [{ path: posix.basename(input), abs: input, size: st.size }];
  const skip = excludes(exclude);
  const out: SourceFile[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(posix.join(input, rel));
    for (const name of entries) {
      const path = rel ? `${rel}/${name}` : name;
      const abs = posix.join(input, path);
      // Symlinks are followed (a Hugging Face cache is made of them); loops are the user's.
      const l = await lstat(abs);
      const s = l.isSymbolicLink() ? await stat(abs) : l;
      if (s.isDirectory()) {
        if (!skip(`${path}/`)) await walk(path);
      } else if (s.isFile() && !skip(path)) {
        out.push({ path, abs, size: s.size });
      }
    }
  };
  await walk('');
  return out.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}

interface LayerGroup {
  files: SourceFile[];
  mediaType: string;
  /** The title a puller names the layer by (oras pull writes the file under it). */
  title: string;
  category?: FileCategory;
}

/**
 * ModelPack: raw is one layer per file; archives are one layer per weight file and one per other
 * class. Generic: raw is one layer per file, archives one layer of everything.
 */
export function layerGroups(
  job: Pick<PackageJob, 'kind' | 'packaging'>,
  files: readonly SourceFile[],
): LayerGroup[] {
  const { kind, packaging } = job;
  if (kind === 'generic') {
    if (packaging === 'raw') {
      return files.map((f) => ({ files: [f], mediaType: genericLayerType('raw'), title: f.path }));
    }
    return [{ files: [...files], mediaType: genericLayerType(packaging), title: 'files.tar' }];
  }
  const groups: LayerGroup[] = [];
  for (const category of CATEGORIES) {
    const members = files.filter((f) => categoryOf(f.path, f.size) === category);
    const mediaType = modelpackLayerType(category, packaging);
    if (packaging === 'raw' || category === 'weight') {
      for (const f of members) groups.push({ files: [f], mediaType, title: f.path, category });
    } else if (members.length > 0) {
      groups.push({ files: members, mediaType, title: `${category}.tar`, category });
    }
  }
  return groups;
}

async function writeLayer(
  blobs: string,
  group: LayerGroup,
  packaging: LayerPackaging,
  mtime: number,
): Promise<LayerRecord> {
  const tmp = posix.join(blobs, `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const diff = createHash('sha256');
  const blob = createHash('sha256');
  const size = { n: 0 };
  const content =
    packaging === 'raw'
      ? createReadStream(group.files[0]!.abs)
      : Readable.from(tarStream(group.files, mtime));
  const stages: NodeJS.ReadWriteStream[] = [hashing(diff)];
  if (packaging === 'tar+gzip') stages.push(createGzip({ level: 6 }));
  if (packaging === 'tar+zstd') stages.push(zstdStream());
  stages.push(hashing(blob, size));
  await pipeline([content, ...stages, createWriteStream(tmp)]);
  const digest = `sha256:${blob.digest('hex')}`;
  await rename(tmp, posix.join(blobs, digest.slice(7)));
  const annotations: Record<string, string> = { 'org.opencontainers.image.title': group.title };
  if (group.files.length === 1) {
    const f = group.files[0]!;
    annotations['org.cncf.model.filepath'] = f.path;
    annotations['org.cncf.model.file.metadata+json'] = JSON.stringify({
      name: f.path,
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: f.size,
      mtime: new Date(mtime * 1000).toISOString(),
      typeflag: 48,
    });
  }
  // The class comes from names and sizes, not from reading the files: say so, as the spec asks.
  if (group.category) annotations['org.cncf.model.file.mediatype.untested'] = 'true';
  return {
    descriptor: { mediaType: group.mediaType, digest, size: size.n, annotations },
    diffId: `sha256:${diff.digest('hex')}`,
  };
}

/** A tar of the files, in the order given, with fixed metadata. */
async function* tarStream(files: readonly SourceFile[], mtime: number): AsyncGenerator<Buffer> {
  for (const f of files) {
    yield tarFileHeader(f.path, f.size, mtime);
    let seen = 0;
    for await (const chunk of createReadStream(f.abs)) {
      seen += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    if (seen !== f.size) {
      throw new AikitError('PACKAGE_FILE_CHANGED', `${f.path} changed size while it was packaged`);
    }
    yield tarPadding(f.size);
  }
  yield TAR_END;
}

/** A pass-through that hashes (and counts) what flows by. */
function hashing(hash: Hash, size?: { n: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      hash.update(chunk);
      if (size) size.n += chunk.length;
      done(null, chunk);
    },
  });
}

async function writeBlob(blobs: string, mediaType: string, bytes: Buffer): Promise<Descriptor> {
  const hex = createHash('sha256').update(bytes).digest('hex');
  await writeFile(posix.join(blobs, hex), bytes);
  return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
}

/** The weights' format when they share one: gguf, safetensors, onnx or pytorch. */
function formatOf(files: readonly SourceFile[]): { format?: string } {
  const formats = new Set(
    files
      .filter((f) => categoryOf(f.path, f.size) === 'weight')
      .map((f) => {
        const ext = posix.extname(f.path).toLowerCase();
        return ext === '.gguf'
          ? 'gguf'
          : ext === '.safetensors'
            ? 'safetensors'
            : ext === '.onnx'
              ? 'onnx'
              : ext === '.pt' || ext === '.pth' || ext === '.bin'
                ? 'pytorch'
                : '';
      }),
  );
  const [only] = formats;
  return formats.size === 1 && only ? { format: only } : {};
}
