import { Transform, type TransformCallback } from 'node:stream';
import { compress, init } from '@bokuweb/zstd-wasm';

// zstd for `tar+zstd` layers. Node 20 has no zstd compressor, and the packaging step runs in the
// frontend's own image, which carries nothing but node (decisions.md#d17), so the compressor is
// zstd itself built to WebAssembly (@bokuweb/zstd-wasm; scripts/bundle.mjs puts zstd.wasm next
// to the bundle). That build exports only one-shot ZSTD_compress, no streaming API, so the
// stream is cut into fixed-size pieces, each compressed as its own frame: concatenated frames
// are one valid zstd stream (RFC 8878 section 3), every decoder reads them back as one, and
// memory stays bounded however large the weights are. Pieces are cut at fixed input offsets,
// never where the reads happen to end, so a rebuild gives the same bytes.

/**
 * Input bytes per frame. The wasm heap holds the piece and its compressBound (about 2 x 4 MiB)
 * plus level 3's tables; a frame cannot refer back across its start, and 4 MiB is already twice
 * level 3's 2 MiB window, so bigger pieces would buy little.
 */
export const ZSTD_FRAME_INPUT = 4 << 20;
/** zstd's own default level: fast, and what `zstd` without options writes. */
const ZSTD_LEVEL = 3;

let loaded: Promise<void> | undefined;
/** Instantiates the wasm once per process, on first use (most builds never compress). */
const ready = (): Promise<void> => (loaded ??= init());

/** Compresses its input as a zstd stream of independent frames of ZSTD_FRAME_INPUT bytes each. */
export function zstdStream(frameInput = ZSTD_FRAME_INPUT, level = ZSTD_LEVEL): Transform {
  const piece = Buffer.allocUnsafe(frameInput);
  let filled = 0;
  let frames = 0;
  const frame = (bytes: Buffer): Buffer => {
    frames++;
    const out = compress(bytes, level);
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  };
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      ready().then(() => {
        let at = 0;
        while (at < chunk.length) {
          const n = chunk.copy(piece, filled, at, Math.min(chunk.length, at + frameInput - filled));
          filled += n;
          at += n;
          if (filled === frameInput) {
            this.push(frame(piece));
            filled = 0;
          }
        }
        done();
      }, done);
    },
    flush(done: TransformCallback) {
      ready().then(() => {
        // Empty input still becomes one (empty) frame: zero bytes are not a zstd stream.
        if (filled > 0 || frames === 0) this.push(frame(piece.subarray(0, filled)));
        done();
      }, done);
    },
  });
}
