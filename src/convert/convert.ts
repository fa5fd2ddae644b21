import {
  copy,
  http,
  image,
  mkdir,
  type FileAction,
  type LocationRange,
  type Platform,
  type SourceInfo,
  type SourceLocation,
  type State,
} from '../llb/index.js';
import type { InferenceSpec } from '../spec/index.js';
import type { SourceRange } from '../util/errors.js';
import { type Artifacts, localaiUrlFor } from './artifacts.js';
import { imageConfig, type ImageConfig } from './image-config.js';
import { modelFiles, type Metadata, type SourceSettings } from './models.js';
import { redactUrl } from './naming.js';

export interface ConvertOptions {
  platform: Platform;
  artifacts: Artifacts;
  /** Manifest digest of the base image for this platform, when the engine resolved one. */
  baseImageDigest?: string;
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
  /** Mirrors and auth for remote model sources, and the manifests/listings already read. */
  sources?: { settings?: SourceSettings; metadata?: Metadata };
}

export interface ConvertResult {
  state: State;
  image: ImageConfig;
}

/**
 * Converts an inference aikitfile into the LLB of one platform's image. Pure: the caller does
 * all I/O (resolving the base image, solving), which keeps this testable without an engine.
 *
 * Order matters for the cache: model files first, then the server, then the small template and
 * config layer, so that editing config or templates re-runs only the last step.
 */
export function convert(spec: InferenceSpec, opts: ConvertOptions): ConvertResult {
  const tag = opts.multiPlatform ? `[aikit ${opts.platform.os}/${opts.platform.architecture}]` : '[aikit]';
  const at = (path: readonly (string | number)[]) => location(opts, path);

  let state = image(opts.artifacts.baseImage, {
    platform: opts.platform,
    ...(opts.baseImageDigest ? { digest: opts.baseImageDigest } : {}),
    ...(opts.imageResolveMode && opts.imageResolveMode !== 'default'
      ? { resolveMode: opts.imageResolveMode }
      : {}),
    name: `${tag} base image ${opts.artifacts.baseImage}`,
  });

  const files = modelFiles(spec, {
    ...(opts.sessionId ? { sessionId: opts.sessionId } : {}),
    ...(opts.contextLocal ? { contextLocal: opts.contextLocal } : {}),
    locate: at,
    ...(opts.sources?.settings ? { settings: opts.sources.settings } : {}),
    ...(opts.sources?.metadata ? { metadata: opts.sources.metadata } : {}),
  });
  for (const f of files) {
    state = state.file(copy(f.source, f.srcPath, f.dest, { mode: 0o444, createDestPath: true }), {
      name: `[aikit] add model ${f.model.name} to ${f.dest}`,
      ...optionalLocation(f.location),
    });
  }

  const localaiUrl = localaiUrlFor(opts.artifacts, opts.platform.architecture);
  const localai = http(localaiUrl, {
    filename: 'local-ai',
    perm: 0o755,
    ...(opts.artifacts.localaiSha256 ? { checksum: opts.artifacts.localaiSha256 } : {}),
    name: `${tag} download LocalAI ${redactUrl(localaiUrl)}`,
  });
  state = state.file(copy(localai, '/local-ai', '/usr/bin/local-ai', { createDestPath: true }), {
    name: `${tag} add LocalAI to /usr/bin/local-ai`,
  });

  const small = templateAndConfigFiles(spec);
  if (small) {
    state = state.file(small, {
      name: '[aikit] write prompt templates and config',
      ...optionalLocation(at([])),
    });
  }
  return { state, image: imageConfig(spec, opts.platform, opts.labels ?? {}) };
}

/** One file op holds every template and the config, so templates never add ops. */
function templateAndConfigFiles(spec: InferenceSpec): FileAction | undefined {
  const templates = spec.models.flatMap((m) => m.promptTemplates);
  if (templates.length === 0 && !spec.config) return undefined;
  let action: FileAction | undefined;
  const chain = (next: (a: FileAction | undefined) => FileAction) => (action = next(action));
  if (templates.length > 0) {
    chain(() => mkdir('/models', 0o755, { makeParents: true }));
    for (const t of templates) chain((a) => a!.mkfile(`/models/${t.name}.tmpl`, 0o644, t.template));
  }
  if (spec.config) {
    // The reference creates /configuration next to the config; LocalAI watches it for
    // dynamic configuration, so keep it.
    chain((a) =>
      a
        ? a.mkdir('/configuration', 0o755, { makeParents: true })
        : mkdir('/configuration', 0o755, { makeParents: true }),
    );
    chain((a) => a!.mkfile('/config.yaml', 0o644, spec.config!));
  }
  return action;
}

function location(opts: ConvertOptions, path: readonly (string | number)[]): SourceLocation | undefined {
  if (!opts.source || !opts.locate) return undefined;
  const r = opts.locate(path);
  if (!r) return undefined;
  const range: LocationRange = { start: { line: r.line }, end: { line: r.endLine } };
  return { source: opts.source, ranges: [range] };
}

function optionalLocation(loc: SourceLocation | undefined): { location?: SourceLocation } {
  return loc ? { location: loc } : {};
}
