import { createHash } from 'node:crypto';

/** `sha256:<hex>` of the bytes, the digest BuildKit keys ops and metadata by. */
export function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}
