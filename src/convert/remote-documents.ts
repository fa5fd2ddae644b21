import { z } from 'zod';
import { modelFileName, type Model, type OciSource } from '../aikitfile/index.js';
import { isDigest } from '../oci/index.js';
import { AikitError } from '../util/errors.js';

// The documents models.ts reads about remote sources: Hugging Face Hub listings, OCI manifests
// and indexes. They come from servers aikit does not control: parsing keeps what conversion uses
// and drops entries it cannot use (an unnamed file, a layer without a sha256 digest), so a usable
// document never fails on fields aikit ignores; a document with nothing usable is a
// BAD_MODEL_METADATA error naming the model.

// Files a Hub repository carries that are not part of the model (the reference skips the same).
const HF_SKIP = new Set(['.gitattributes', 'README.md', 'LICENSE']);

/** An entry the parser could not use becomes undefined and is skipped. */
const lenient = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

/** `GET /api/models/<repo>/revision/<rev>?blobs=true` of the Hugging Face Hub. */
const HfListing = z.object({
  sha: z.string().regex(/^[a-f0-9]{40}$/),
  siblings: z.array(
    lenient(
      z.object({
        rfilename: z.string(),
        lfs: lenient(z.object({ sha256: lenient(z.string().refine((hex) => isDigest(`sha256:${hex}`))) })),
      }),
    ),
  ),
});

/** An OCI image index (or Docker manifest list): only whether it is one, and its manifests. */
const OciIndex = z.object({
  manifests: z.array(
    lenient(
      z.object({
        digest: z.string(),
        platform: lenient(z.object({ os: lenient(z.string()) })),
      }),
    ),
  ),
});

/** An OCI image manifest: the layers one of which is the model. */
const OciManifest = z.object({
  layers: z
    .array(
      lenient(
        z.object({
          mediaType: lenient(z.string()),
          digest: z.string().refine((d) => isDigest(d)),
          size: lenient(z.number()),
          annotations: lenient(z.record(z.string(), z.unknown())),
        }),
      ),
    )
    .catch([]),
});

/** A Hub repository at one commit: its files, with their sha256 where the Hub knows it. */
export interface HfFiles {
  commit: string;
  files: { path: string; sha256?: string }[];
}

/** The files of a Hub listing (`GET /api/models/<repo>/revision/<rev>?blobs=true`). */
export function hfFiles(doc: Uint8Array, model: Model): HfFiles {
  const listing = HfListing.safeParse(parseJson(doc, model, 'Hugging Face file list'));
  if (!listing.success) {
    throw new AikitError(
      'BAD_MODEL_METADATA',
      `model ${model.name}: the Hugging Face file list has no commit or files`,
      {
        hint: 'check the repository name and revision; AIKIT_HF_ENDPOINT must point at a Hub API',
      },
    );
  }
  const files = listing.data.siblings
    .flatMap((s) => (s && !HF_SKIP.has(s.rfilename) ? [s] : []))
    .map((s) => ({ path: s.rfilename, ...(s.lfs?.sha256 ? { sha256: `sha256:${s.lfs.sha256}` } : {}) }));
  for (const f of files) {
    // The Hub names files inside the repository; anything else would escape /models.
    if (f.path.startsWith('/') || f.path.split('/').includes('..')) {
      throw new AikitError(
        'BAD_MODEL_METADATA',
        `model ${model.name}: the repository lists an unsafe path ${JSON.stringify(f.path)}`,
      );
    }
  }
  return { commit: listing.data.sha, files };
}

/** For an index, the manifest to read next (the first that is not an attestation); else undefined. */
export function indexedManifest(doc: Uint8Array, model: Model): string | undefined {
  const index = OciIndex.safeParse(parseJson(doc, model, 'manifest'));
  if (!index.success) return undefined;
  const m = index.data.manifests.find((x) => x && x.platform?.os !== 'unknown');
  if (!m) {
    throw new AikitError('BAD_MODEL_METADATA', `model ${model.name}: the OCI index lists no manifest`);
  }
  return m.digest;
}

/**
 * The layer of a manifest that holds the model: ollama's model layer, else the only layer, else
 * the one whose title names the file, else the largest.
 */
export function modelLayer(
  doc: Uint8Array,
  model: Model,
  src: OciSource,
): { digest: string; size: number | undefined } {
  const manifest = OciManifest.safeParse(parseJson(doc, model, 'manifest'));
  const layers = (manifest.success ? manifest.data.layers : []).flatMap((l) => (l ? [l] : []));
  const file = modelFileName(model);
  const chosen =
    layers.find((l) => l.mediaType === 'application/vnd.ollama.image.model') ??
    (layers.length === 1 ? layers[0] : undefined) ??
    layers.find((l) => l.annotations?.['org.opencontainers.image.title'] === file) ??
    [...layers].sort((a, b) => (b.size ?? 0) - (a.size ?? 0))[0];
  if (!chosen) {
    throw new AikitError(
      'BAD_MODEL_METADATA',
      `model ${model.name}: oci://${src.ref} has no layer to use as the model`,
      {
        hint: 'push the model file as a layer of an OCI artifact (e.g. oras push) or use an ollama model',
      },
    );
  }
  return { digest: chosen.digest, size: chosen.size };
}

function parseJson(doc: Uint8Array, model: Model, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(doc).toString('utf8'));
  } catch {
    throw new AikitError('BAD_MODEL_METADATA', `model ${model.name}: the ${what} is not JSON`, {
      hint: 'the server did not answer with a registry or Hub API document; check the source and any mirror',
    });
  }
}
