import { posix } from 'node:path';
import type { Platform } from '../../llb/index.js';
import { modelDestination, type InferenceSpec, type Model, type OciSource } from '../../aikitfile/index.js';
import { digestOf, parseImageRef } from '../../oci/index.js';
import { redactUrl } from '../../util/url.js';
import { localaiSha256For, localaiUrlFor, type Artifacts } from '../artifacts.js';
import { hfResolveUrl, metadataRequests, modelFiles, type Metadata, type SourceSettings } from '../models.js';
import { isLoopbackRegistry } from '../oci-pull.js';
import { modelLayer } from '../remote-documents.js';
import { imageKey, MAX_METADATA_ROUNDS, type ImageDigests } from '../resolve.js';
import { runtimeImageRefs } from '../servers/index.js';
import { planLocalAI } from '../servers/localai/plan.js';

// What went into one platform's image, as a bill of materials lists it: every model file with
// where it came from and what is known of its bytes, the runtime binary, and every image. Read
// from the same inputs conversion used (the spec, the documents the frontend read, the resolved
// digests), so the list is the image's own and needs no scan.

/** A file a model put into the image. */
export interface ModelFileEntry {
  /** The aikitfile's name of the model. */
  model: string;
  /** Where the file is in the image. */
  path: string;
  /** Where the bytes were fetched from (credentials and query strings removed), or the context path. */
  downloadLocation: string | undefined;
  /** The source as the aikitfile wrote it, e.g. `huggingface://org/repo`. */
  source: string;
  /** The resolved revision: a Hub commit, an OCI manifest digest; else the revision as written. */
  revision: string | undefined;
  /** Whether `revision` was resolved (a commit or digest) rather than copied from the aikitfile. */
  resolved: boolean;
  /** `sha256:<hex>` when the build knows it (a Hub listing, an OCI layer, a pin in the aikitfile). */
  sha256: string | undefined;
  size: number | undefined;
  /** The license as the Hub's model card gives it (e.g. `apache-2.0`). */
  license: string | undefined;
  /** A package URL of the model, when it has a registry of its own (the Hub, an OCI registry). */
  purl: string | undefined;
}

/** The server binary the image runs, when aikit downloads it (LocalAI). */
export interface RuntimeEntry {
  name: string;
  version: string;
  path: string;
  downloadLocation: string;
  sha256: string | undefined;
}

/** An image the build read. */
export interface ImageEntry {
  /** Normalised reference, e.g. `docker.io/library/ubuntu:22.04`. */
  ref: string;
  /** Manifest digest for this platform, when the engine resolved one. */
  digest: string | undefined;
  /** `base`: the image is built on it; `content`: files are copied from it; `tool`: a build step ran in it. */
  role: 'base' | 'content' | 'tool';
}

export interface Inventory {
  platform: Platform;
  files: ModelFileEntry[];
  runtime: RuntimeEntry | undefined;
  images: ImageEntry[];
}

export interface InventoryOptions {
  platform: Platform;
  artifacts: Artifacts;
  settings: SourceSettings;
  metadata: Metadata;
  /** Manifest digests by normalised reference, for every image `imageRefs` names. */
  imageDigests: ImageDigests;
  /** The images the build step of `oci://` sources ran in (the oras image), when any. */
  toolImages?: readonly string[];
}

/** The inventory of one platform's image. */
export function inventory(spec: InferenceSpec, opts: InventoryOptions): Inventory {
  const documents = documentsByModel(spec, opts.settings, opts.metadata);
  const files = modelFiles(spec, {
    locate: () => undefined,
    settings: opts.settings,
    metadata: opts.metadata,
  }).map((f) => fileEntry(f.model, f.dest, opts.settings, documents.get(f.model.index) ?? []));
  const digest = (ref: string) => opts.imageDigests[imageKey(ref, opts.artifacts)];
  const refs = runtimeImageRefs(spec, opts.artifacts, opts.platform);
  const images: ImageEntry[] = [
    ...refs.map((ref, i) => ({
      ref: imageKey(ref, opts.artifacts),
      digest: digest(ref),
      role: i === 0 ? ('base' as const) : ('content' as const),
    })),
    ...(opts.toolImages ?? []).map((ref) => ({
      ref: imageKey(ref, opts.artifacts),
      digest: digest(ref),
      role: 'tool' as const,
    })),
  ];
  return { platform: opts.platform, files, runtime: runtimeEntry(spec, opts), images: dedupe(images) };
}

/** The images a BOM lists beyond the runtime's: the oras image of `oci://` sources. */
export function toolImageRefs(spec: InferenceSpec, settings: SourceSettings): string[] {
  const oras = settings.oci?.orasImage;
  return oras && spec.models.some((m) => m.source.kind === 'oci') ? [oras] : [];
}

function dedupe(images: ImageEntry[]): ImageEntry[] {
  const seen = new Set<string>();
  return images.filter((i) => !seen.has(`${i.role} ${i.ref}`) && seen.add(`${i.role} ${i.ref}`));
}

function runtimeEntry(spec: InferenceSpec, opts: InventoryOptions): RuntimeEntry | undefined {
  // llama-server images take the server from their base image, which the images list names.
  if (spec.server !== 'localai') return undefined;
  const plan = planLocalAI(spec, opts.platform);
  const url = localaiUrlFor(opts.artifacts, plan.arch, plan.localai);
  return {
    name: 'local-ai',
    version: plan.localai,
    path: '/usr/bin/local-ai',
    downloadLocation: redactUrl(url),
    sha256: localaiSha256For(opts.artifacts, plan.arch, plan.localai),
  };
}

/** A document conversion read for a model, in the order it read them. */
interface ReadDocument {
  kind: 'hf-listing' | 'oci-manifest';
  doc: Uint8Array;
}

/**
 * Which documents belong to which model: the rounds of readMetadata replayed over what was read,
 * so the keys stay models.ts's business.
 */
function documentsByModel(
  spec: InferenceSpec,
  settings: SourceSettings,
  metadata: Metadata,
): Map<number, ReadDocument[]> {
  const replayed = new Map<string, Uint8Array>();
  const out = new Map<number, ReadDocument[]>();
  for (let round = 0; round < MAX_METADATA_ROUNDS; round++) {
    const requests = metadataRequests(spec, settings, replayed).filter((r) => metadata.has(r.key));
    if (requests.length === 0) break;
    for (const r of requests) {
      const doc = metadata.get(r.key)!;
      replayed.set(r.key, doc);
      const list = out.get(r.model.index) ?? [];
      list.push({ kind: r.kind, doc });
      out.set(r.model.index, list);
    }
  }
  return out;
}

function fileEntry(
  model: Model,
  dest: string,
  settings: SourceSettings,
  documents: readonly ReadDocument[],
): ModelFileEntry {
  const src = model.source;
  const base = {
    model: model.name,
    path: dest,
    license: undefined,
    purl: undefined,
    size: undefined,
    sha256: model.sha256,
    resolved: false,
  };
  switch (src.kind) {
    case 'http':
      return {
        ...base,
        source: redactUrl(src.url),
        downloadLocation: redactUrl(src.url),
        revision: undefined,
      };
    case 'local':
      return { ...base, source: src.path, downloadLocation: undefined, revision: undefined };
    case 'huggingface': {
      const source = `huggingface://${src.repo}${src.file !== undefined ? `/${src.file}` : ''}`;
      const listing = documents.find((d) => d.kind === 'hf-listing');
      const hub = listing ? readHubListing(listing.doc) : undefined;
      const file = src.file ?? posix.relative(modelDestination(model), dest);
      const sibling = hub?.files.get(file);
      const revision = hub?.commit ?? src.revision;
      return {
        ...base,
        source,
        downloadLocation: redactUrl(hfResolveUrl(settings, src.repo, revision, file)),
        revision,
        resolved: hub !== undefined,
        sha256: sibling?.sha256 ?? model.sha256,
        size: sibling?.size,
        license: hub?.license,
        purl: `pkg:huggingface/${src.repo}@${encodeURIComponent(revision.toLowerCase())}`,
      };
    }
    case 'oci':
      return ociEntry(base, model, src, documents);
  }
}

function ociEntry(
  base: Omit<ModelFileEntry, 'source' | 'downloadLocation' | 'revision'>,
  model: Model,
  src: OciSource,
  documents: readonly ReadDocument[],
): ModelFileEntry {
  const manifests = documents.filter((d) => d.kind === 'oci-manifest');
  // The first document is what the tag (or digest) named: its digest is the resolved revision.
  const revision = src.digest ?? (manifests[0] ? digestOf(manifests[0].doc) : undefined);
  const layer =
    manifests.length > 0 ? modelLayer(manifests[manifests.length - 1]!.doc, model, src) : undefined;
  const repo = `${src.registry}/${src.repository}`;
  const scheme = isLoopbackRegistry(src.registry) ? 'http' : 'https';
  const name = src.repository.split('/').pop()!;
  return {
    ...base,
    source: `oci://${src.ref}`,
    downloadLocation: layer
      ? `${scheme}://${src.registry}/v2/${src.repository}/blobs/${layer.digest}`
      : undefined,
    revision,
    resolved: revision !== undefined,
    sha256: layer?.digest ?? base.sha256,
    size: layer?.size,
    purl: revision
      ? `pkg:oci/${name}@${encodeURIComponent(revision)}?repository_url=${encodeURIComponent(repo)}${
          src.tag ? `&tag=${encodeURIComponent(src.tag)}` : ''
        }`
      : undefined,
  };
}

/** What a Hub listing says beyond what conversion reads: sizes and the model card's license. */
interface HubListing {
  commit: string;
  files: Map<string, { sha256: string | undefined; size: number | undefined }>;
  license: string | undefined;
}

function readHubListing(doc: Uint8Array): HubListing | undefined {
  const json = parseObject(doc);
  if (!json || typeof json['sha'] !== 'string') return undefined;
  const files = new Map<string, { sha256: string | undefined; size: number | undefined }>();
  for (const s of Array.isArray(json['siblings']) ? (json['siblings'] as unknown[]) : []) {
    if (!isObject(s) || typeof s['rfilename'] !== 'string') continue;
    const lfs = isObject(s['lfs']) ? s['lfs'] : {};
    const sha =
      typeof lfs['sha256'] === 'string' && /^[a-f0-9]{64}$/.test(lfs['sha256']) ? lfs['sha256'] : '';
    const size = typeof lfs['size'] === 'number' ? lfs['size'] : s['size'];
    files.set(s['rfilename'], {
      sha256: sha ? `sha256:${sha}` : undefined,
      size: typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 ? size : undefined,
    });
  }
  return { commit: json['sha'], files, license: hubLicense(json) };
}

/** The model card's `license:`, else the Hub's `license:<id>` tag. */
function hubLicense(json: Record<string, unknown>): string | undefined {
  const card = isObject(json['cardData']) ? json['cardData'] : {};
  const declared = card['license'];
  if (typeof declared === 'string' && declared) return declared;
  if (Array.isArray(declared) && declared.every((l) => typeof l === 'string') && declared.length > 0) {
    return declared.join(' OR ');
  }
  const tags = Array.isArray(json['tags']) ? (json['tags'] as unknown[]) : [];
  const tag = tags.find((t): t is string => typeof t === 'string' && t.startsWith('license:'));
  return tag?.slice('license:'.length) || undefined;
}

function parseObject(doc: Uint8Array): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(doc).toString('utf8'));
    return isObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `docker.io/library/ubuntu:22.04` → repository and tag, for package URLs. */
export function imageParts(ref: string): { repository: string; tag: string | undefined } {
  const parsed = parseImageRef(ref);
  return { repository: parsed.name, tag: parsed.tag };
}
