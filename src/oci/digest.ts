import { createHash } from 'node:crypto';

// Content digests as go-digest (github.com/opencontainers/go-digest) defines them. Every layer
// reads and writes digests through this file, so `sha256:<hex>` has one spelling everywhere.

declare const digestBrand: unique symbol;

/** A sha256 content digest in its one canonical spelling: `sha256:<64 lowercase hex>`. */
export type Digest = `sha256:${string}` & { readonly [digestBrand]: true };

/**
 * The spellings an aikitfile accepts for a sha256: 64 hex digits of either case, optionally
 * prefixed `sha256:`. The committed JSON Schema carries this pattern, so its source must not change.
 */
export const WRITTEN_SHA256_RE = /^(?:sha256:)?[0-9a-fA-F]{64}$/;

// go-digest's registered algorithms and the length of their hex encoding.
const HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };
const LOWER_HEX_RE = /^[a-f0-9]+$/;

/**
 * Why `algo:hex` is not a digest go-digest accepts (known algorithm, lowercase hex of the
 * algorithm's length), or undefined when it is one. Image references may pin any of them.
 */
export function digestProblem(d: string): string | undefined {
  const colon = d.indexOf(':');
  if (colon <= 0 || colon === d.length - 1) return 'invalid digest format';
  const algo = d.slice(0, colon);
  const hex = d.slice(colon + 1);
  const len = HEX_LENGTH[algo];
  if (len === undefined) return `unsupported digest algorithm ${JSON.stringify(algo)}`;
  if (hex.length !== len || !LOWER_HEX_RE.test(hex)) return `malformed ${algo} digest`;
  return undefined;
}

/** True for a canonical `sha256:<64 lowercase hex>` digest. */
export function isDigest(v: unknown): v is Digest {
  return typeof v === 'string' && v.startsWith('sha256:') && digestProblem(v) === undefined;
}

/**
 * Reads a sha256 as people write it: bare hex or `sha256:`-prefixed, in any case. Undefined when
 * it is not one; callers that take user input decide how to say so.
 */
export function parseDigest(text: string): Digest | undefined {
  const lower = text.toLowerCase();
  const d = lower.startsWith('sha256:') ? lower : `sha256:${lower}`;
  return isDigest(d) ? d : undefined;
}

/** The 64 hex digits of a digest, for places that show it without the algorithm. */
export function digestHex(d: Digest): string {
  return d.slice('sha256:'.length);
}

/** `sha256:<hex>` of the bytes, the digest BuildKit keys ops and metadata by. */
export function digestOf(bytes: Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;
}
