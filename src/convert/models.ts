import { http, local, type SourceLocation, type State } from '../llb/index.js';
import {
  modelDestination,
  modelFileName,
  type HuggingFaceSource,
  type InferenceSpec,
  type Model,
  type OciSource,
} from '../aikitfile/index.js';
import { isDigest } from '../oci/index.js';
import { AikitError } from '../util/errors.js';
import { redactUrl } from './naming.js';

/** One file a model contributes to the image, before it is placed into a layer. */
export interface ModelFile {
  model: Model;
  /** Absolute destination path in the image, e.g. `/models/tiny.gguf`. */
  dest: string;
  /** The state holding the file, and its path there. */
  source: State;
  srcPath: string;
  location: SourceLocation | undefined;
}

/** Where remote model sources live, from `AIKIT_*` build-args (mirrors, private repos). */
export interface SourceSettings {
  /** Hugging Face Hub (or a mirror) base URL, no trailing slash. */
  hfEndpoint: string;
  /**
   * BuildKit secret whose value (`Bearer <token>`) is the Authorization header of Hugging Face
   * requests. Unset, BuildKit ≥ v0.23 still sends a `HTTP_AUTH_TOKEN_<host>` secret by itself.
   */
  hfAuthSecret: string | undefined;
}

export const SOURCE_ARGS = [
  {
    name: 'AIKIT_HF_ENDPOINT',
    description: 'Hugging Face Hub base URL (a mirror)',
    default: 'https://huggingface.co',
  },
  {
    name: 'AIKIT_HF_TOKEN_SECRET',
    description: 'id of a --secret holding "Bearer <token>" for private Hugging Face repositories',
    default: '',
  },
] as const;

export function sourceSettings(buildArgs: Readonly<Record<string, string>>): SourceSettings {
  const endpoint = (buildArgs['AIKIT_HF_ENDPOINT'] || 'https://huggingface.co').replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]/.test(endpoint)) {
    throw new AikitError(
      'BAD_BUILD_ARG',
      `AIKIT_HF_ENDPOINT must be an http(s) URL, got ${JSON.stringify(endpoint)}`,
      {
        hint: 'e.g. --build-arg AIKIT_HF_ENDPOINT=https://hf-mirror.internal',
      },
    );
  }
  return { hfEndpoint: endpoint, hfAuthSecret: buildArgs['AIKIT_HF_TOKEN_SECRET'] || undefined };
}

/** A document the frontend must read through the engine before it can convert (manifests, listings). */
export interface MetadataRequest {
  key: string;
  kind: 'hf-listing' | 'oci-manifest';
  state: State;
  /** The same document as a plain request, for tools that fetch it themselves (the CLI). */
  url: string;
  headers: Record<string, string>;
  /** Path of the document inside `state`. */
  path: string;
  /** For messages: what is being read and for which model. */
  description: string;
  model: Model;
}

/** Documents read so far, by request key. */
export type Metadata = ReadonlyMap<string, Uint8Array>;

export interface ModelSourceOptions {
  /** Session and local name of the build context, for local model files. */
  sessionId?: string;
  contextLocal?: string;
  locate: (path: readonly (string | number)[]) => SourceLocation | undefined;
  settings?: SourceSettings;
  metadata?: Metadata;
}

const DEFAULT_SETTINGS: SourceSettings = { hfEndpoint: 'https://huggingface.co', hfAuthSecret: undefined };

const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

// Files a Hub repository carries that are not part of the model (the reference skips the same).
const HF_SKIP = new Set(['.gitattributes', 'README.md', 'LICENSE']);

/**
 * What still has to be read before `modelFiles` can run: Hub listings of whole repositories and
 * OCI manifests (an index first, then the manifest it points at). Call until it returns nothing.
 */
export function metadataRequests(
  spec: InferenceSpec,
  settings: SourceSettings,
  metadata: Metadata,
): MetadataRequest[] {
  const out = new Map<string, MetadataRequest>();
  for (const model of spec.models) {
    const src = model.source;
    if (src.kind === 'huggingface' && src.file === undefined) {
      const key = hfListingKey(src);
      if (!metadata.has(key)) {
        const url = `${settings.hfEndpoint}/api/models/${src.repo}/revision/${encodeURIComponent(src.revision)}?blobs=true`;
        out.set(key, {
          key,
          kind: 'hf-listing',
          url,
          headers: {},
          model,
          path: '/listing.json',
          description: `the file list of ${src.repo}@${src.revision}`,
          state: http(url, {
            filename: 'listing.json',
            ...(settings.hfAuthSecret ? { authHeaderSecret: settings.hfAuthSecret } : {}),
            name: `[aikit] list files of ${src.repo}@${src.revision}`,
          }),
        });
      }
    } else if (src.kind === 'oci') {
      const top = ociKey(src, src.digest ?? src.tag ?? 'latest');
      const doc = metadata.get(top);
      if (!doc) {
        out.set(top, ociManifestRequest(model, src, src.digest ?? src.tag ?? 'latest', top));
        continue;
      }
      const child = pickManifest(parseJson(doc, model, 'manifest'), model);
      if (child && !metadata.has(ociKey(src, child))) {
        out.set(ociKey(src, child), ociManifestRequest(model, src, child, ociKey(src, child)));
      }
    }
  }
  return [...out.values()];
}

/**
 * Where every model file comes from: one LLB source per file, pinned by its sha256 where known,
 * so a download is cached by content and verified by BuildKit.
 */
export function modelFiles(spec: InferenceSpec, opts: ModelSourceOptions): ModelFile[] {
  const settings = opts.settings ?? DEFAULT_SETTINGS;
  const metadata = opts.metadata ?? new Map<string, Uint8Array>();
  const localPaths = spec.models.flatMap((m) => (m.source.kind === 'local' ? [m.source.path] : []));
  const contextName = opts.contextLocal ?? 'context';
  const context =
    localPaths.length > 0
      ? local(contextName, {
          ...(opts.sessionId ? { sessionId: opts.sessionId } : {}),
          sharedKeyHint: contextName,
          // Only the files the aikitfile names cross the wire, not the whole context (D5).
          followPaths: [...new Set(localPaths)].sort(),
          name: '[aikit] load model files from the build context',
        })
      : undefined;

  return spec.models.flatMap((model): ModelFile[] => {
    const location = opts.locate(['models', model.index]);
    const dest = modelDestination(model);
    const file = modelFileName(model);
    const at = location ? { location } : {};
    const src = model.source;
    const download = (url: string, filename: string, sha256: string | undefined, extra: object = {}): State =>
      http(url, {
        filename,
        ...(sha256 ? { checksum: sha256 } : {}),
        name: `[aikit] download ${model.name}${filename === file ? '' : ` ${filename}`} from ${redactUrl(url)}`,
        ...extra,
        ...at,
      });
    switch (src.kind) {
      case 'http':
        return [
          { model, dest, source: download(src.url, file, model.sha256), srcPath: `/${file}`, location },
        ];
      case 'local':
        return [{ model, dest, source: context!, srcPath: `/${src.path}`, location }];
      case 'huggingface': {
        const auth = settings.hfAuthSecret ? { authHeaderSecret: settings.hfAuthSecret } : {};
        if (src.file !== undefined) {
          const url = hfResolveUrl(settings, src.repo, src.revision, src.file);
          return [
            { model, dest, source: download(url, file, model.sha256, auth), srcPath: `/${file}`, location },
          ];
        }
        const listing = hfListing(metadata.get(hfListingKey(src)), model);
        return listing.files.map((f) => ({
          model,
          dest: `${dest}/${f.path}`,
          // The commit, not the branch, so every file comes from one snapshot of the repository.
          source: download(hfResolveUrl(settings, src.repo, listing.commit, f.path), 'file', f.sha256, auth),
          srcPath: '/file',
          location,
        }));
      }
      case 'oci': {
        const blob = ociModelBlob(src, metadata, model);
        return [
          {
            model,
            dest,
            source: http(`${registryBase(src.registry)}/v2/${src.repository}/blobs/${blob.digest}`, {
              filename: file,
              // Blobs are content-addressed: the digest is the checksum, so the download is verified.
              checksum: blob.digest,
              name: `[aikit] download ${model.name} from oci://${src.ref}`,
              ...at,
            }),
            srcPath: `/${file}`,
            location,
          },
        ];
      }
    }
  });
}

function hfResolveUrl(settings: SourceSettings, repo: string, revision: string, file: string): string {
  const path = file.split('/').map(encodeURIComponent).join('/');
  return `${settings.hfEndpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${path}`;
}

const hfListingKey = (src: HuggingFaceSource) => `hf:${src.repo}@${src.revision}`;

function hfListing(
  doc: Uint8Array | undefined,
  model: Model,
): { commit: string; files: { path: string; sha256?: string }[] } {
  if (!doc) throw new Error(`internal: no listing was read for model ${model.name}`);
  const json = parseJson(doc, model, 'Hugging Face file list') as {
    sha?: unknown;
    siblings?: { rfilename?: unknown; lfs?: { sha256?: unknown } }[];
  };
  if (typeof json.sha !== 'string' || !/^[a-f0-9]{40}$/.test(json.sha) || !Array.isArray(json.siblings)) {
    throw new AikitError(
      'BAD_MODEL_METADATA',
      `model ${model.name}: the Hugging Face file list has no commit or files`,
      {
        hint: 'check the repository name and revision; AIKIT_HF_ENDPOINT must point at a Hub API',
      },
    );
  }
  const files = json.siblings
    .filter((s): s is { rfilename: string; lfs?: { sha256?: unknown } } => typeof s.rfilename === 'string')
    .filter((s) => !HF_SKIP.has(s.rfilename))
    .map((s) => {
      const sha = s.lfs?.sha256;
      return {
        path: s.rfilename,
        ...(typeof sha === 'string' && isDigest(`sha256:${sha}`) ? { sha256: `sha256:${sha}` } : {}),
      };
    });
  for (const f of files) {
    // The Hub names files inside the repository; anything else would escape /models.
    if (f.path.startsWith('/') || f.path.split('/').includes('..')) {
      throw new AikitError(
        'BAD_MODEL_METADATA',
        `model ${model.name}: the repository lists an unsafe path ${JSON.stringify(f.path)}`,
      );
    }
  }
  return { commit: json.sha, files };
}

function registryBase(registry: string): string {
  // Docker's rule: loopback registries speak plain HTTP, everything else HTTPS.
  const host = registry.replace(/:\d+$/, '');
  const insecure = host === 'localhost' || host === '[::1]' || /^127\./.test(host);
  const name = registry === 'docker.io' ? 'registry-1.docker.io' : registry;
  return `${insecure ? 'http' : 'https'}://${name}`;
}

const ociKey = (src: OciSource, reference: string) => `oci:${src.registry}/${src.repository}@${reference}`;

function ociManifestRequest(model: Model, src: OciSource, reference: string, key: string): MetadataRequest {
  const pinned = reference.startsWith('sha256:');
  const url = `${registryBase(src.registry)}/v2/${src.repository}/manifests/${reference}`;
  return {
    key,
    kind: 'oci-manifest',
    url,
    headers: { accept: MANIFEST_ACCEPT },
    model,
    path: '/manifest.json',
    description: `the manifest of oci://${src.registry}/${src.repository}${pinned ? '@' : ':'}${reference}`,
    state: http(url, {
      filename: 'manifest.json',
      headers: { accept: MANIFEST_ACCEPT },
      ...(pinned ? { checksum: reference } : {}),
      name: `[aikit] resolve oci://${src.registry}/${src.repository}${pinned ? '@' : ':'}${reference}`,
    }),
  };
}

interface OciDescriptor {
  mediaType?: string;
  digest?: string;
  size?: number;
  platform?: { os?: string; architecture?: string };
  annotations?: Record<string, string>;
}

/** For an index, the manifest to read next (the first that is not an attestation); else undefined. */
function pickManifest(doc: unknown, model: Model): string | undefined {
  const d = doc as { manifests?: OciDescriptor[] };
  if (!Array.isArray(d.manifests)) return undefined;
  const m = d.manifests.find((x) => x.platform?.os !== 'unknown' && typeof x.digest === 'string');
  if (!m?.digest) {
    throw new AikitError('BAD_MODEL_METADATA', `model ${model.name}: the OCI index lists no manifest`);
  }
  return m.digest;
}

/**
 * The layer that holds the model: ollama's model layer, else the only layer, else the one whose
 * title names the file, else the largest.
 */
function ociModelBlob(src: OciSource, metadata: Metadata, model: Model): { digest: string } {
  const topDoc = metadata.get(ociKey(src, src.digest ?? src.tag ?? 'latest'));
  if (!topDoc) throw new Error(`internal: no manifest was read for model ${model.name}`);
  const child = pickManifest(parseJson(topDoc, model, 'manifest'), model);
  const manifestDoc = child ? metadata.get(ociKey(src, child)) : topDoc;
  if (!manifestDoc) throw new Error(`internal: no manifest ${child} was read for model ${model.name}`);
  const manifest = parseJson(manifestDoc, model, 'manifest') as { layers?: OciDescriptor[] };
  const layers = (manifest.layers ?? []).filter((l) => isDigest(l.digest));
  const file = modelFileName(model);
  const chosen =
    layers.find((l) => l.mediaType === 'application/vnd.ollama.image.model') ??
    (layers.length === 1 ? layers[0] : undefined) ??
    layers.find((l) => l.annotations?.['org.opencontainers.image.title'] === file) ??
    [...layers].sort((a, b) => (b.size ?? 0) - (a.size ?? 0))[0];
  if (!chosen?.digest) {
    throw new AikitError(
      'BAD_MODEL_METADATA',
      `model ${model.name}: oci://${src.ref} has no layer to use as the model`,
      {
        hint: 'push the model file as a layer of an OCI artifact (e.g. oras push) or use an ollama model',
      },
    );
  }
  return { digest: chosen.digest };
}

/**
 * A stand-in document that lets conversion run without reading the real one (offline
 * validation): an empty repository, or a manifest with one empty layer.
 */
export function placeholderMetadata(req: Pick<MetadataRequest, 'kind'>): Uint8Array {
  const doc =
    req.kind === 'hf-listing'
      ? { sha: '0'.repeat(40), siblings: [] }
      : {
          schemaVersion: 2,
          layers: [{ mediaType: 'application/octet-stream', digest: `sha256:${'0'.repeat(64)}`, size: 0 }],
        };
  return Buffer.from(JSON.stringify(doc));
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
