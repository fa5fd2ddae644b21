import type { Platform } from '../llb/index.js';
import { normalizeImageRef } from '../oci/index.js';
import type { InferenceSpec } from '../aikitfile/index.js';
import type { Artifacts } from './artifacts.js';
import { metadataRequests, type Metadata, type MetadataRequest, type SourceSettings } from './models.js';

// Conversion is pure; what it needs from the network comes through injected resolvers, as
// dockerfile2llb takes a MetaResolver. The frontend resolves through the engine, the CLI over
// fetch() or with placeholders; the loops that drive them live here, once.

/** Reads one document conversion needs (a Hub listing, an OCI manifest or index). */
export type MetadataFetcher = (req: MetadataRequest) => Promise<Uint8Array>;

// An OCI index needs a second round for the manifest it points at; nothing needs more.
export const MAX_METADATA_ROUNDS = 3;

/**
 * Reads every document `modelFiles` will need, in rounds until nothing is left to read: what a
 * round reads can ask for more (an index names its manifest). `known` documents are not read
 * again (a lock holds the listings of the repositories it pins).
 */
export async function readMetadata(
  spec: InferenceSpec,
  settings: SourceSettings,
  fetch: MetadataFetcher,
  known?: Metadata,
): Promise<Metadata> {
  const metadata = new Map<string, Uint8Array>(known ?? []);
  for (let round = 0; round < MAX_METADATA_ROUNDS; round++) {
    const requests = metadataRequests(spec, settings, metadata);
    if (requests.length === 0) break;
    const docs = await Promise.all(requests.map(fetch));
    requests.forEach((req, i) => metadata.set(req.key, docs[i]!));
  }
  return metadata;
}

/** What the engine knows about an image for one platform (BuildKit's ResolveImageConfig). */
export interface ResolvedImage {
  /** The manifest digest; empty when the image store has none (a classic store's local image). */
  digest: string;
  config?: Uint8Array;
}

/** Resolves a normalised image reference for a platform. */
export type ImageResolver = (ref: string, platform: Platform) => Promise<ResolvedImage>;

/** Manifest digests by normalised image reference: what `ConvertOptions.imageDigests` takes. */
export type ImageDigests = Readonly<Record<string, string>>;

/**
 * Resolves the images one platform's graph uses and returns their digests, so conversion pins
 * them. An image without a digest is left out: then its tag is all there is.
 */
export async function resolveImages(
  refs: readonly string[],
  platform: Platform,
  resolve: ImageResolver,
  artifacts?: Artifacts,
): Promise<ImageDigests> {
  const normalised = [...new Set(refs.map((ref) => imageKey(ref, artifacts)))];
  const resolved = await Promise.all(normalised.map((ref) => resolve(ref, platform)));
  return Object.fromEntries(
    normalised.flatMap((ref, i) => (resolved[i]!.digest ? [[ref, resolved[i]!.digest]] : [])),
  );
}

/**
 * The key of an image in {@link ImageDigests}: its normalised reference, as resolveArtifacts
 * already computed it for a build-arg's image, else from a parse.
 */
export function imageKey(ref: string, artifacts?: Artifacts): string {
  return artifacts?.normalisedImages?.get(ref) ?? normalizeImageRef(ref);
}
