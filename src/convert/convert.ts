import { posix } from 'node:path';
import {
  mkdir,
  type LocationRange,
  type Platform,
  type SourceInfo,
  type SourceLocation,
  type State,
} from '../llb/index.js';
import type { InferenceSpec } from '../aikitfile/index.js';
import type { Issue, SourceRange } from '../util/errors.js';
import type { Artifacts } from './artifacts.js';
import type { ImageConfig } from './image-config.js';
import { stackingFor, stackLayers, type Layer } from './layers.js';
import { modelFiles, type Metadata, type SourceSettings } from './models.js';
import { imageKey, type ImageDigests } from './resolve.js';
import { serverFor } from './servers/index.js';

export interface ConvertOptions {
  platform: Platform;
  artifacts: Artifacts;
  /** Manifest digests by normalised image reference (resolve.ts, resolveImages), when resolved. */
  imageDigests?: ImageDigests;
  imageResolveMode?: 'default' | 'pull' | 'local';
  /** Session and local name of the build context, for local model files. */
  sessionId?: string;
  contextLocal?: string;
  /** The aikitfile itself, so that a failing step points at its line. */
  source?: SourceInfo;
  locate?: (path: readonly (string | number)[]) => SourceRange | undefined;
  /** Tags step names with the platform when a build makes more than one. */
  multiPlatform?: boolean;
  /** Extra image labels (`--label`). */
  labels?: Record<string, string>;
  /** LLB caps the engine enabled; absent means a modern engine (CLI conversions). */
  llbCaps?: ReadonlySet<string>;
  /** Where remote model sources live and what was read about them (models.ts). */
  sources?: { settings?: SourceSettings; metadata?: Metadata };
}

export interface ConvertResult {
  state: State;
  image: ImageConfig;
  /** Things the user should know about this platform's image (e.g. cuda on arm64, decisions.md#d8). */
  warnings: Issue[];
}

/**
 * Converts an inference aikitfile into the LLB of one platform's image. Pure: the caller does
 * all I/O (resolving the base image, solving), which keeps this testable without an engine.
 *
 * Layers (decisions.md#d12), bottom to top: the server's base image, one layer per model file, then the
 * server's own layers (servers/: for LocalAI its binary, one layer per backend, then templates
 * and config in one small layer). They are merged where the engine allows and chained otherwise
 * (layers.ts); in a chain this order keeps the large model layers below everything that changes
 * more often.
 */
export function convert(spec: InferenceSpec, opts: ConvertOptions): ConvertResult {
  const server = serverFor(spec);
  const plan = server.plan(spec, opts.platform, { locate: opts.locate, file: opts.source?.filename });
  const tag = stepTag(opts);
  const parts = server.parts(spec, plan, {
    platform: opts.platform,
    artifacts: opts.artifacts,
    tag,
    imageDigest: imageDigestOf(opts),
    ...(opts.imageResolveMode ? { imageResolveMode: opts.imageResolveMode } : {}),
    labels: opts.labels ?? {},
    at: (path) => location(opts, path),
  });
  const layers: Layer[] = [...modelLayers(spec, opts), ...parts.layers];
  const state = stackLayers(
    parts.base,
    layers,
    stackingFor(opts.llbCaps),
    `${tag} stack ${layers.length} layers`,
  );
  return { state, image: parts.image, warnings: plan.warnings };
}

/** The resolved digest of an image the graph uses, looked up by its normalised reference. */
function imageDigestOf(opts: ConvertOptions): (ref: string) => string | undefined {
  const digests = opts.imageDigests;
  return (ref) => (digests ? digests[imageKey(ref, opts.artifacts)] : undefined);
}

function stepTag(opts: ConvertOptions): string {
  return opts.multiPlatform ? `[aikit ${opts.platform.os}/${opts.platform.architecture}]` : '[aikit]';
}

/** One layer per model file, whichever server the image runs. */
function modelLayers(spec: InferenceSpec, opts: ConvertOptions): Layer[] {
  const at = (path: readonly (string | number)[]) => location(opts, path);
  return modelFiles(spec, {
    ...(opts.sessionId ? { sessionId: opts.sessionId } : {}),
    ...(opts.contextLocal ? { contextLocal: opts.contextLocal } : {}),
    ...(opts.sources?.settings ? { settings: opts.sources.settings } : {}),
    ...(opts.sources?.metadata ? { metadata: opts.sources.metadata } : {}),
    locate: at,
  }).map((f) => ({
    // The directory first: BuildKit v0.25 gives directories that createDestPath makes the
    // copy's mode (0444, so not traversable), older engines give them 0755.
    action: mkdir(posix.dirname(f.dest), 0o755, { makeParents: true }).copy(f.source, f.srcPath, f.dest, {
      mode: 0o444,
      createDestPath: true,
    }),
    name: `[aikit] add model ${f.model.name} to ${f.dest}`,
    location: f.location,
    ...(f.layer ? { ready: f.layer } : {}),
  }));
}

function location(opts: ConvertOptions, path: readonly (string | number)[]): SourceLocation | undefined {
  if (!opts.source || !opts.locate) return undefined;
  const r = opts.locate(path);
  if (!r) return undefined;
  const range: LocationRange = { start: { line: r.line }, end: { line: r.endLine } };
  return { source: opts.source, ranges: [range] };
}
