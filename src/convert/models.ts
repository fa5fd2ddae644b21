import { Caps, http, local, type SourceLocation, type State } from '../llb/index.js';
import {
  modelDestination,
  modelFileName,
  type HuggingFaceSource,
  type InferenceSpec,
  type Model,
  type OciSource,
} from '../aikitfile/index.js';
import { AikitError } from '../util/errors.js';
import { buildArgsReadBy, type BuildArgInfo } from './build-args.js';
import { redactUrl } from '../util/url.js';
import { hfFiles, indexedManifest, modelLayer, type HfFiles } from './remote-documents.js';
import {
  blobSource,
  DEFAULT_OCI_PULL,
  isLoopbackRegistry,
  MANIFEST_TYPES,
  manifestProblem,
  manifestStep,
  ociNetwork,
  PULL_MANIFEST,
  PULL_STATUS,
  pullProblem,
  ORAS_IMAGE,
  REGISTRY_SECRET,
  type OciPullSettings,
  type PullProblem,
} from './oci-pull.js';

/** One file a model contributes to the image, before it is placed into a layer. */
export interface ModelFile {
  model: Model;
  /** Absolute destination path in the image, e.g. `/models/tiny.gguf`. */
  dest: string;
  /** The state holding the file, and its path there. */
  source: State;
  srcPath: string;
  location: SourceLocation | undefined;
  /** A state holding nothing but the file at `dest` (mode 0444): the model's layer as it is. */
  layer?: State;
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
  /** How `oci://` sources are pulled; absent: the defaults, blobs through oras. */
  oci?: OciPullSettings;
}

/** Where remote model sources live: the register's rows read here. */
export const SOURCE_ARGS: readonly BuildArgInfo[] = buildArgsReadBy('sources');

/**
 * The settings the build-args give; `llbCaps` (the engine's) decides whether registry blobs come
 * from the daemon (`source.imageblob`).
 */
export function sourceSettings(
  buildArgs: Readonly<Record<string, string>>,
  llbCaps?: ReadonlySet<string>,
): SourceSettings {
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
  return {
    hfEndpoint: endpoint,
    hfAuthSecret: buildArgs['AIKIT_HF_TOKEN_SECRET'] || undefined,
    oci: {
      orasImage: buildArgs['AIKIT_ORAS_IMAGE'] || ORAS_IMAGE,
      registrySecret: buildArgs['AIKIT_REGISTRY_SECRET'] || REGISTRY_SECRET,
      network: ociNetwork(buildArgs['AIKIT_OCI_NETWORK']),
      daemonBlobs: llbCaps?.has(Caps.SourceImageBlob) ?? false,
    },
  };
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
  /**
   * A step's verdict to read before the document: a registry step records its failure instead of
   * failing, and `problem` says what it means (undefined: the document is there).
   */
  status?: {
    path: string;
    problem: (status: Uint8Array) => PullProblem | undefined;
    /** What is wrong with the document itself, read after a good status. */
    documentProblem: (doc: Uint8Array) => PullProblem | undefined;
  };
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

const MANIFEST_ACCEPT = MANIFEST_TYPES.join(', ');

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
        out.set(top, ociManifestRequest(model, src, src.digest ?? src.tag ?? 'latest', top, settings));
        continue;
      }
      const child = indexedManifest(doc, model);
      if (child && !metadata.has(ociKey(src, child))) {
        out.set(ociKey(src, child), ociManifestRequest(model, src, child, ociKey(src, child), settings));
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
          // Only the files the aikitfile names cross the wire, not the whole context (decisions.md#d5).
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
        const name = `[aikit] pull ${model.name} from oci://${src.ref}`;
        const oci = settings.oci ?? DEFAULT_OCI_PULL;
        if (oci.daemonBlobs) {
          const source = blobSource(src, blob.digest, file, oci, { name, ...at });
          return [{ model, dest, source, srcPath: `/${file}`, location }];
        }
        // The registry step writes the file where the image wants it: its output is the layer.
        const layer = blobSource(src, blob.digest, dest.slice(1), oci, { name, ...at });
        return [{ model, dest, source: layer, srcPath: dest, location, layer }];
      }
    }
  });
}

export function hfResolveUrl(settings: SourceSettings, repo: string, revision: string, file: string): string {
  const path = file.split('/').map(encodeURIComponent).join('/');
  return `${settings.hfEndpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${path}`;
}

const hfListingKey = (src: HuggingFaceSource) => `hf:${src.repo}@${src.revision}`;

function hfListing(doc: Uint8Array | undefined, model: Model): HfFiles {
  if (!doc) throw new Error(`internal: no listing was read for model ${model.name}`);
  return hfFiles(doc, model);
}

function registryBase(registry: string): string {
  const name = registry === 'docker.io' ? 'registry-1.docker.io' : registry;
  return `${isLoopbackRegistry(registry) ? 'http' : 'https'}://${name}`;
}

const ociKey = (src: OciSource, reference: string) => `oci:${src.registry}/${src.repository}@${reference}`;

function ociManifestRequest(
  model: Model,
  src: OciSource,
  reference: string,
  key: string,
  settings: SourceSettings,
): MetadataRequest {
  const pinned = reference.startsWith('sha256:');
  const oci = settings.oci ?? DEFAULT_OCI_PULL;
  const shown = `oci://${src.registry}/${src.repository}${pinned ? '@' : ':'}${reference}`;
  return {
    key,
    kind: 'oci-manifest',
    // The plain request, for the CLI's anonymous reads; builds read through the registry step.
    url: `${registryBase(src.registry)}/v2/${src.repository}/manifests/${reference}`,
    headers: { accept: MANIFEST_ACCEPT },
    model,
    path: PULL_MANIFEST,
    description: `the manifest of ${shown}`,
    state: manifestStep(src, reference, oci, `[aikit] resolve ${shown}`),
    status: {
      path: PULL_STATUS,
      problem: (doc) => pullProblem(doc, src, oci),
      documentProblem: (doc) => manifestProblem(doc, src),
    },
  };
}

/** The layer that holds the model, from the manifest (through the index, when there is one). */
function ociModelBlob(src: OciSource, metadata: Metadata, model: Model): { digest: string } {
  const topDoc = metadata.get(ociKey(src, src.digest ?? src.tag ?? 'latest'));
  if (!topDoc) throw new Error(`internal: no manifest was read for model ${model.name}`);
  const child = indexedManifest(topDoc, model);
  const manifestDoc = child ? metadata.get(ociKey(src, child)) : topDoc;
  if (!manifestDoc) throw new Error(`internal: no manifest ${child} was read for model ${model.name}`);
  return modelLayer(manifestDoc, model, src);
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
