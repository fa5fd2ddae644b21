import { spawn } from 'node:child_process';
import { createGunzip } from 'node:zlib';
import { AikitError } from '../util/errors.js';
import { looksLikeTar, TarReader, type TarEntry, type TarSink } from './tar.js';

/**
 * `aikit inspect <image>`: the layers of a local image, oldest first, with their sizes and what
 * each holds. The image's history is no help here (BuildKit describes a file-op layer by the op,
 * not its files), so the layers are read from `docker save`, headers only, and their files
 * sorted into the parts of an aikit image (decision D12: one layer per model file, runtime,
 * backend, and templates with config).
 */

export type Part = 'model' | 'runtime' | 'backend' | 'templates and config' | 'base';
const PARTS: readonly Part[] = ['model', 'runtime', 'backend', 'templates and config', 'base'];

/** Where the aikit frontend puts things (src/convert: models, LocalAI, backends, the server image). */
const RUNTIME_FILES = new Set(['usr/bin/local-ai', 'app/llama-server']);
const CONFIG_FILE = /\.(tmpl|ya?ml|ini|jinja|json)$/;

/** Which part of an image a file (a path inside a layer, without a leading slash) belongs to. */
export function partOf(path: string): Part {
  const p = path.replace(/^\.?\//, '');
  if (p.startsWith('backends/')) return 'backend';
  if (p.startsWith('models/')) return CONFIG_FILE.test(p) ? 'templates and config' : 'model';
  if (p === 'config.yaml' || p.startsWith('configuration/')) return 'templates and config';
  if (RUNTIME_FILES.has(p)) return 'runtime';
  return 'base';
}

export interface LayerReport {
  /** 1-based, bottom layer first. */
  index: number;
  /** The blob's path in the `docker save` archive, e.g. `blobs/sha256/<hex>`. */
  blob: string;
  /** Bytes of the (uncompressed) layer tar. */
  size: number;
  files: number;
  /** Parts the layer holds, the largest first. */
  parts: Part[];
  /** What to show beside the parts: model files, backend folders, the runtime binary, counts. */
  content: string;
}

export interface ImageReport {
  image: string;
  platform: string;
  labels: Record<string, string>;
  layers: LayerReport[];
}

/** Tallies the files of one layer as its tar streams by. */
export class LayerScan {
  size = 0;
  files = 0;
  private readonly bytes = new Map<Part, number>();
  private readonly counts = new Map<Part, number>();
  private readonly named = new Map<Part, string[]>();

  add(e: TarEntry): void {
    if (e.type !== '0' && e.type !== '\0' && e.type !== '7') return;
    const path = e.path.replace(/^\.?\//, '');
    // Whiteouts mark deletions; they hold nothing.
    if (/(^|\/)\.wh\./.test(path)) return;
    this.files++;
    const part = partOf(path);
    this.bytes.set(part, (this.bytes.get(part) ?? 0) + e.size);
    this.counts.set(part, (this.counts.get(part) ?? 0) + 1);
    if (part !== 'base') {
      const names = this.named.get(part) ?? [];
      const shown = part === 'backend' ? path.split('/').slice(0, 2).join('/') : path;
      if (!names.includes(shown)) names.push(shown);
      this.named.set(part, names);
    }
  }

  /** The part counts as held when it has a file; sorted by bytes, ties in PARTS order. */
  report(index: number, blob: string): LayerReport {
    const parts = PARTS.filter((p) => this.bytes.has(p)).sort(
      (a, b) => (this.bytes.get(b) ?? 0) - (this.bytes.get(a) ?? 0) || PARTS.indexOf(a) - PARTS.indexOf(b),
    );
    const content = parts
      .map((p) => {
        if (p === 'base') {
          const n = this.counts.get('base') ?? 0;
          return `${n} other file${n === 1 ? '' : 's'}`;
        }
        const names = (this.named.get(p) ?? []).sort();
        const head = names.slice(0, 3).map((n) => `/${n}`);
        return names.length > 3 ? `${head.join(', ')} and ${names.length - 3} more` : head.join(', ');
      })
      .join('; ');
    return { index, blob, size: this.size, files: this.files, parts, content: content || 'empty' };
  }
}

/** `docker save` output: layer blobs (tar or gzip-compressed tar) scanned, plus manifest.json. */
export interface SavedArchive {
  manifest: { Config: string; Layers: string[]; RepoTags?: string[] | null }[];
  scans: Map<string, LayerScan>;
}

/** A sink that finds out what a blob is from its first block, then scans it if it is a layer. */
function blobSink(
  scan: LayerScan,
  done: (p: Promise<void>) => void,
  slow: (p: Promise<void>) => void,
): TarSink {
  let head: Buffer[] = [];
  let headLength = 0;
  let inner: { write(b: Buffer): void; end(): void } | undefined;
  let decided = false;
  const decide = () => {
    decided = true;
    const first = Buffer.concat(head);
    head = [];
    const reader = new TarReader((e) => {
      scan.add(e);
      return undefined;
    });
    if (first[0] === 0x1f && first[1] === 0x8b) {
      const gunzip = createGunzip();
      gunzip.on('data', (c: Buffer) => {
        scan.size += c.length;
        reader.write(c);
      });
      done(
        new Promise((resolve, reject) => {
          gunzip.on('end', () => resolve());
          gunzip.on('error', reject);
        }),
      );
      inner = {
        // Decompression runs beside the read: hold the read back when it falls behind.
        write: (b) => {
          // No 'drain' comes once the blob has ended: 'finish' then says the writes are done.
          if (!gunzip.write(b))
            slow(
              new Promise((resolve) => {
                const go = () => {
                  for (const e of ['drain', 'finish', 'error']) gunzip.off(e, go);
                  resolve();
                };
                for (const e of ['drain', 'finish', 'error']) gunzip.on(e, go);
              }),
            );
        },
        end: () => gunzip.end(),
      };
    } else if (looksLikeTar(first)) {
      inner = {
        write: (b) => {
          scan.size += b.length;
          reader.write(b);
        },
        end: () => reader.end(),
      };
    } else {
      inner = { write: () => {}, end: () => {} }; // a config or an index: not a layer
    }
    inner.write(first);
  };
  return {
    write(b) {
      if (decided) return inner!.write(b);
      head.push(Buffer.from(b));
      headLength += b.length;
      if (headLength >= 512) decide();
    },
    end() {
      if (!decided) decide();
      inner!.end();
    },
  };
}

/** Reads a `docker save` stream (OCI layout or the older docker-archive), headers only. */
export async function readSavedArchive(stream: AsyncIterable<Buffer>): Promise<SavedArchive> {
  const scans = new Map<string, LayerScan>();
  const waits: Promise<void>[] = [];
  let pressure: Promise<void> | undefined;
  let manifest: Buffer[] | undefined;
  const outer = new TarReader((e) => {
    if (e.type !== '0' && e.type !== '\0') return undefined;
    if (e.path === 'manifest.json') {
      manifest = [];
      return { write: (b) => manifest!.push(Buffer.from(b)), end: () => {} };
    }
    const scan = new LayerScan();
    scans.set(e.path, scan);
    return blobSink(
      scan,
      (p) => waits.push(p),
      (p) => {
        pressure ??= p;
      },
    );
  });
  for await (const chunk of stream) {
    outer.write(chunk);
    if (pressure) await pressure;
    pressure = undefined;
  }
  outer.end();
  await Promise.all(waits);
  if (!manifest) throw new AikitError('INSPECT_FAILED', 'docker save wrote no manifest.json');
  return {
    manifest: JSON.parse(Buffer.concat(manifest).toString('utf8')) as SavedArchive['manifest'],
    scans,
  };
}

/** The layers of the first image of an archive, in manifest order. */
export function layersOf(archive: SavedArchive): LayerReport[] {
  const m = archive.manifest[0];
  if (!m) throw new AikitError('INSPECT_FAILED', 'docker save wrote an empty manifest.json');
  return m.Layers.map((blob, i) => (archive.scans.get(blob) ?? new LayerScan()).report(i + 1, blob));
}

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** The report as an aligned table, one row per layer, and a total. */
export function formatInspectReport(r: ImageReport): string[] {
  const total = r.layers.reduce((s, l) => s + l.size, 0);
  const rows = [
    ['#', 'size', 'holds', 'content'],
    ...r.layers.map((l) => [String(l.index), formatBytes(l.size), l.parts.join(', ') || '-', l.content]),
  ];
  const width = [0, 1, 2].map((c) => Math.max(...rows.map((row) => row[c]!.length)));
  const line = (row: string[]) =>
    [row[0]!.padStart(width[0]!), row[1]!.padStart(width[1]!), row[2]!.padEnd(width[2]!), row[3]!]
      .join('  ')
      .trimEnd();
  const server = r.labels['ai.kaito.aikit.server'];
  return [
    `${r.image}  ${r.platform}  ${r.layers.length} layers, ${formatBytes(total)}${server ? `  server: ${server}` : ''}`,
    '',
    ...rows.map(line),
  ];
}

interface ImageInspect {
  Architecture?: string;
  Os?: string;
  Variant?: string;
  Config?: { Labels?: Record<string, string> | null };
}

function dockerJson(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(out).toString('utf8'))
        : reject(new Error(Buffer.concat(err).toString('utf8').trim() || `exit code ${code}`)),
    );
  });
}

/** Asks the local engine (the docker CLI) about `image` and reads its layers. */
export async function inspectImage(
  image: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ImageReport> {
  let info: ImageInspect;
  try {
    info = (JSON.parse(await dockerJson(['image', 'inspect', image], env)) as ImageInspect[])[0] ?? {};
  } catch (e) {
    throw new AikitError('INSPECT_FAILED', `cannot inspect ${image}: ${(e as Error).message}`, {
      hint: 'build it with --load (or docker pull it) so the local engine has it',
    });
  }
  const child = spawn('docker', ['save', image], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const err: Buffer[] = [];
  child.stderr.on('data', (c: Buffer) => err.push(c));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  let archive: SavedArchive;
  try {
    archive = await readSavedArchive(child.stdout);
  } catch (e) {
    child.kill();
    await exited.catch(() => null);
    throw new AikitError('INSPECT_FAILED', `cannot read docker save ${image}: ${(e as Error).message}`);
  }
  const code = await exited;
  if (code !== 0) {
    throw new AikitError(
      'INSPECT_FAILED',
      `docker save ${image} failed: ${Buffer.concat(err).toString().trim() || `exit code ${code}`}`,
    );
  }
  const platform = [info.Os ?? '?', info.Architecture ?? '?', ...(info.Variant ? [info.Variant] : [])].join(
    '/',
  );
  return { image, platform, labels: info.Config?.Labels ?? {}, layers: layersOf(archive) };
}
