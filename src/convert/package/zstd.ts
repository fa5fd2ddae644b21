import { Transform, type TransformCallback } from 'node:stream';

// A zstd frame (RFC 8878) made of raw blocks: valid zstd that every decoder reads, but not
// compressed. Node 20 has no zstd compressor and the packaging step runs in the frontend's own
// image, which carries nothing but node (decisions.md#d17); ModelPack recommends not
// compressing weights anyway, so `tar+zstd` is about the media type, not the size.

const MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
/** Frame header descriptor 0 (no content size, no checksum, no dictionary), then a window of 2^17 bytes. */
const FRAME_HEADER = Buffer.from([0x00, 0x38]);
/** A block may hold at most min(window, 128 KiB) bytes. */
export const ZSTD_BLOCK = 128 << 10;

function blockHeader(size: number, last: boolean): Buffer {
  const v = (size << 3) | (last ? 1 : 0); // block type 0: raw
  return Buffer.from([v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff]);
}

/** Frames its input as a zstd stream of raw blocks. */
export function zstdRawStream(): Transform {
  let pending = Buffer.alloc(0);
  let started = false;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      if (!started) {
        this.push(Buffer.concat([MAGIC, FRAME_HEADER]));
        started = true;
      }
      pending = Buffer.concat([pending, chunk]);
      // Keep the tail back: the last block must carry the last-block flag.
      while (pending.length > ZSTD_BLOCK) {
        this.push(Buffer.concat([blockHeader(ZSTD_BLOCK, false), pending.subarray(0, ZSTD_BLOCK)]));
        pending = pending.subarray(ZSTD_BLOCK);
      }
      done();
    },
    flush(done: TransformCallback) {
      if (!started) this.push(Buffer.concat([MAGIC, FRAME_HEADER]));
      this.push(Buffer.concat([blockHeader(pending.length, true), pending]));
      done();
    },
  });
}
