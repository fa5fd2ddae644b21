import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { decompress } from '@bokuweb/zstd-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZSTD_FRAME_INPUT, zstdStream } from './zstd.js';

const hasZstd = (() => {
  try {
    execFileSync('zstd', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Text-like bytes that compress well but not trivially: hashed counters in a small alphabet. */
function compressible(n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0, k = 0; i < n; k++) {
    const word = createHash('sha256')
      .update(String(k % 997))
      .digest('hex')
      .slice(0, 6 + (k % 9));
    i += out.write(`${word} `, i);
  }
  return out;
}

/** Feeds `data` through the compressor in pieces of the given sizes (cycled). */
function compressIn(data: Buffer, pieces: number[], frameInput?: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = pieces[i % pieces.length]!;
    chunks.push(data.subarray(at, at + n));
    at += n;
  }
  return buffer(Readable.from(chunks).pipe(zstdStream(frameInput)));
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aikit-zstd-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const zstdCli = async (name: string, bytes: Buffer, args: string[]) => {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return execFileSync('zstd', [...args, path], { maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'ignore'] });
};

describe('zstdStream', () => {
  const data = compressible(2 * ZSTD_FRAME_INPUT + 123_457);

  it.runIf(hasZstd)('writes a stream the zstd tool reads back, one frame per piece, smaller', async () => {
    const z = await compressIn(data, [65_536]);
    expect(z.length).toBeLessThan(data.length / 2);
    expect((await zstdCli('a.zst', z, ['-dc'])).equals(data)).toBe(true);
    const listing = (await zstdCli('a.zst', z, ['-lv'])).toString();
    expect(listing).toMatch(/# Zstandard Frames: 3\b/);
  });

  it('cuts frames at fixed input offsets, so the bytes do not depend on how reads arrive', async () => {
    const a = await compressIn(data, [65_536], 1 << 20);
    const b = await compressIn(data, [1, 999_999, 7, 3_000_000], 1 << 20);
    expect(a.equals(b)).toBe(true);
    // A different cut is a different stream: the test above would notice a frame size drift.
    expect(a.equals(await compressIn(data, [65_536], 1 << 19))).toBe(false);
  });

  it('a single piece is one frame the library decodes too', async () => {
    const small = data.subarray(0, 100_000);
    const z = await compressIn(small, [4096]);
    expect(Buffer.from(decompress(z)).equals(small)).toBe(true);
  });

  it.runIf(hasZstd)('empty input is an empty frame, not zero bytes', async () => {
    const z = await buffer(Readable.from([]).pipe(zstdStream()));
    expect(z.length).toBeGreaterThan(0);
    expect((await zstdCli('empty.zst', z, ['-dc'])).length).toBe(0);
  });

  it.runIf(hasZstd)('input of whole pieces ends without an empty trailing frame', async () => {
    const exact = data.subarray(0, 2 * 65_536);
    const z = await compressIn(exact, [10_000], 65_536);
    expect((await zstdCli('b.zst', z, ['-lv'])).toString()).toMatch(/# Zstandard Frames: 2\b/);
    expect((await zstdCli('b.zst', z, ['-dc'])).equals(exact)).toBe(true);
  });
});
