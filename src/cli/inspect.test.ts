import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from './cli.js';
import {
  formatBytes,
  formatInspectReport,
  inspectImage,
  layersOf,
  partOf,
  readSavedArchive,
} from './inspect.js';
import { TarReader, type TarEntry } from './tar.js';

type Files = Record<string, string | Buffer>;

function tarOf(files: Files): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, data] of Object.entries(files)) pack.entry({ name, mode: 0o644 }, data);
  pack.finalize();
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    pack.on('data', (c: unknown) => out.push(c as Buffer));
    pack.on('end', () => resolve(Buffer.concat(out)));
    pack.on('error', reject);
  });
}

/** A `docker save` archive (OCI layout) of a llama-server image: base, model (gzip), config. */
async function savedImage(): Promise<Buffer> {
  const base = await tarOf({
    'etc/os-release': 'ID=ubuntu\n',
    'app/llama-server': Buffer.alloc(3000),
    'app/libllama.so': Buffer.alloc(5000),
    'etc/.wh.gone': '',
  });
  const model = gzipSync(await tarOf({ 'models/tiny.gguf': Buffer.alloc(20_000) }));
  const config = await tarOf({ 'models/presets.ini': '[tiny]\n', 'models/tiny.tmpl': '{{.Input}}' });
  const blobs = { 'blobs/sha256/aaa': base, 'blobs/sha256/bbb': model, 'blobs/sha256/ccc': config };
  const manifest = [
    {
      Config: 'blobs/sha256/cfg',
      RepoTags: ['tiny:test'],
      Layers: ['blobs/sha256/aaa', 'blobs/sha256/bbb', 'blobs/sha256/ccc'],
    },
  ];
  return tarOf({
    'blobs/sha256/cfg': JSON.stringify({ architecture: 'amd64', os: 'linux' }),
    ...blobs,
    'index.json': '{}',
    'manifest.json': JSON.stringify(manifest),
  });
}

const chunks = (b: Buffer, size: number) =>
  Readable.from(
    Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size)),
  );

describe('partOf', () => {
  it.each([
    ['models/llama.gguf', 'model'],
    ['models/sd/unet/diffusion.safetensors', 'model'],
    ['models/chatMsg.tmpl', 'templates and config'],
    ['models/aikit-config.yaml', 'templates and config'],
    ['models/presets.ini', 'templates and config'],
    ['config.yaml', 'templates and config'],
    ['configuration/settings.json', 'templates and config'],
    ['usr/bin/local-ai', 'runtime'],
    ['./app/llama-server', 'runtime'],
    ['backends/cpu-llama-cpp/llama-cpp', 'backend'],
    ['usr/lib/x86_64-linux-gnu/libc.so.6', 'base'],
  ])('%s is %s', (path, part) => {
    expect(partOf(path)).toBe(part);
  });
});

describe('TarReader', () => {
  it('reads pax long names and base-256 sizes, and skips bodies split across chunks', async () => {
    const long = `models/${'x'.repeat(150)}.gguf`;
    const archive = await tarOf({ [long]: Buffer.alloc(700, 1), 'b.txt': 'hi' });
    const seen: TarEntry[] = [];
    const bodies: number[] = [];
    const reader = new TarReader((e) => {
      seen.push(e);
      let n = 0;
      return { write: (b) => void (n += b.length), end: () => bodies.push(n) };
    });
    for await (const c of chunks(archive, 37)) reader.write(c as Buffer);
    expect(seen.map((e) => [e.path, e.size])).toEqual([
      [long, 700],
      ['b.txt', 2],
    ]);
    expect(bodies).toEqual([700, 2]);

    const plain = await tarOf({ 'big.bin': Buffer.alloc(1024) });
    plain[124] = 0x80; // base-256: eleven bytes of big-endian size
    plain.fill(0, 125, 136);
    plain.writeUInt16BE(1024, 134);
    const sizes: number[] = [];
    new TarReader((e) => void sizes.push(e.size)).write(plain);
    expect(sizes).toEqual([1024]);
  });
});

describe('readSavedArchive + layersOf', () => {
  it('scans each layer, gzip or plain, in manifest order, and says what it holds', async () => {
    const layers = layersOf(
      await readSavedArchive(chunks(await savedImage(), 1000) as AsyncIterable<Buffer>),
    );
    expect(layers.map((l) => [l.index, l.blob, l.parts, l.files])).toEqual([
      [1, 'blobs/sha256/aaa', ['base', 'runtime'], 3],
      [2, 'blobs/sha256/bbb', ['model'], 1],
      [3, 'blobs/sha256/ccc', ['templates and config'], 2],
    ]);
    expect(layers[0]!.content).toBe('2 other files; /app/llama-server');
    expect(layers[1]!.content).toBe('/models/tiny.gguf');
    expect(layers[2]!.content).toBe('/models/presets.ini, /models/tiny.tmpl');
    // Sizes are the uncompressed layer tars: at least the bytes of their files.
    expect(layers[1]!.size).toBeGreaterThanOrEqual(20_000);
    expect(layers[1]!.size % 512).toBe(0);
  });

  it('reads a large gzip layer given in one piece (the read waits for the decompression)', async () => {
    const big = gzipSync(await tarOf({ 'models/big.gguf': randomBytes(3 * 1024 * 1024) }));
    const archive = await tarOf({
      'blobs/sha256/big': big,
      'manifest.json': JSON.stringify([{ Config: 'c', Layers: ['blobs/sha256/big'] }]),
    });
    const [layer] = layersOf(await readSavedArchive(Readable.from([archive])));
    expect(layer).toMatchObject({ parts: ['model'], content: '/models/big.gguf', files: 1 });
    expect(layer!.size).toBeGreaterThan(3 * 1024 * 1024);
  });

  it('lists at most three names per part', async () => {
    const files: Files = {};
    for (let i = 0; i < 5; i++) files[`backends/b${i}/run.sh`] = 'x';
    const archive = await tarOf({
      'l.tar': await tarOf(files),
      'manifest.json': JSON.stringify([{ Config: 'c', Layers: ['l.tar'] }]),
    });
    const [layer] = layersOf(await readSavedArchive(chunks(archive, 4096) as AsyncIterable<Buffer>));
    expect(layer!.content).toBe('/backends/b0, /backends/b1, /backends/b2 and 2 more');
  });

  it('fails without a manifest', async () => {
    await expect(
      readSavedArchive(chunks(await tarOf({ 'x.json': '{}' }), 512) as AsyncIterable<Buffer>),
    ).rejects.toThrow(/no manifest.json/);
  });
});

describe('formatInspectReport', () => {
  it('aligns a table with a total', () => {
    const lines = formatInspectReport({
      image: 'tiny:test',
      platform: 'linux/amd64',
      labels: { 'ai.kaito.aikit.server': 'llama-server' },
      layers: [
        {
          index: 1,
          blob: 'a',
          size: 92 * 2 ** 20,
          files: 10,
          parts: ['base', 'runtime'],
          content: '9 other files; /app/llama-server',
        },
        { index: 2, blob: 'b', size: 1536, files: 1, parts: ['model'], content: '/models/tiny.gguf' },
      ],
    });
    expect(lines).toEqual([
      'tiny:test  linux/amd64  2 layers, 92.0 MiB  server: llama-server',
      '',
      '#      size  holds          content',
      '1  92.0 MiB  base, runtime  9 other files; /app/llama-server',
      '2   1.5 KiB  model          /models/tiny.gguf',
    ]);
  });

  it('formats bytes with binary units', () => {
    expect([formatBytes(0), formatBytes(1023), formatBytes(1024), formatBytes(5 * 2 ** 30)]).toEqual([
      '0 B',
      '1023 B',
      '1.0 KiB',
      '5.0 GiB',
    ]);
  });
});

// A fake `docker` on PATH: `image inspect` prints a config, `save` prints the fixture archive.
describe('inspectImage and aikit inspect, with a fake docker', () => {
  let dir: string;
  const env = () => ({ ...process.env, PATH: `${dir}:${process.env['PATH']}` });
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aikit-inspect-'));
    await writeFile(join(dir, 'saved.tar'), await savedImage());
    await writeFile(
      join(dir, 'docker'),
      `#!/bin/sh
case "$1 $2 $3" in
  "image inspect tiny:test") echo '[{"Os":"linux","Architecture":"arm64","Variant":"v8","Config":{"Labels":{"ai.kaito.aikit.server":"llama-server"}}}]' ;;
  "save tiny:test ") cat "${dir}/saved.tar" ;;
  *) echo "Error response from daemon: No such image: $3" >&2; exit 1 ;;
esac
`,
    );
    await chmod(join(dir, 'docker'), 0o755);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports the platform, labels and layers', async () => {
    const r = await inspectImage('tiny:test', env());
    expect(r.platform).toBe('linux/arm64/v8');
    expect(r.labels).toEqual({ 'ai.kaito.aikit.server': 'llama-server' });
    expect(r.layers.map((l) => l.parts[0])).toEqual(['base', 'model', 'templates and config']);
  });

  it('explains a missing image as an AikitError', async () => {
    await expect(inspectImage('missing:image', env())).rejects.toMatchObject({
      code: 'INSPECT_FAILED',
      message: expect.stringMatching(/cannot inspect missing:image: .*No such image/),
    });
  });

  it('prints the table from the command line', async () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    vi.stubEnv('PATH', `${dir}:${process.env['PATH']}`);
    expect(await runCli(['inspect', 'tiny:test'])).toBe(0);
    expect(out.join('')).toMatch(
      /^tiny:test {2}linux\/arm64\/v8 {2}3 layers, .*\n\n# +size +holds +content\n/,
    );
    expect(out.join('')).toContain('model                 /models/tiny.gguf');
  });
});
