// Public API of src/oci: content digests and image references, the vocabulary of OCI registries
// that the aikitfile, LLB and conversion layers share. It imports only src/util, so every layer
// may import it.

export {
  digestHex,
  digestOf,
  digestProblem,
  isDigest,
  parseDigest,
  WRITTEN_SHA256_RE,
  type Digest,
} from './digest.js';
export {
  formatImageRef,
  normalizeImageRef,
  parseImageRef,
  parseRegistryReference,
  validateDigest,
  type ImageRef,
  type Reference,
  type ReferenceProblem,
  type ReferenceResult,
  type RegistryReference,
} from './reference.js';
