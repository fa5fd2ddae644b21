import { image, type Platform, type SourceLocation, type State } from '../../llb/index.js';
import type { InferenceSpec } from '../../aikitfile/index.js';
import type { Artifacts } from '../artifacts.js';
import type { ImageConfig } from '../image-config.js';
import type { Layer } from '../layers.js';
import type { PlanOptions, TargetPlan } from '../matrix.js';

// The contract between convert() and a model server (`server:` in the aikitfile). convert()
// plans each platform with the server the file names, puts the model files (the same for every
// server) on the server's base and the server's layers above them, and takes its image config.

/** What a server needs to build one platform's parts. */
export interface PartsOptions {
  platform: Platform;
  artifacts: Artifacts;
  /** Step name prefix, e.g. `[aikit]`. */
  tag: string;
  /** The digest the frontend resolved for an image reference, if any. */
  imageDigest?: (ref: string) => string | undefined;
  imageResolveMode?: 'default' | 'pull' | 'local';
  /** Extra image labels (`--label`). */
  labels: Record<string, string>;
  /** Where a key path of the aikitfile is, so that a failing step points at its line. */
  at: (path: readonly (string | number)[]) => SourceLocation | undefined;
}

/** A server's half of one platform's image. */
export interface ServerParts {
  /** The image the model files and the layers go on. */
  base: State;
  /** The server's layers above the model files, bottom first. */
  layers: Layer[];
  image: ImageConfig;
}

/** One model server; `P` is its plan: the matrix's answer and the artifacts it chose. */
export interface Server<P extends TargetPlan = TargetPlan> {
  /** Checks the matrix for one platform and picks the artifacts; throws a located AikitError. */
  plan(spec: InferenceSpec, platform: Platform, opts?: PlanOptions): P;
  /** The images a plan's build reads, the base first, found without building anything. */
  imageRefs(plan: P, artifacts: Artifacts): string[];
  /** The base, the layers and the image config of a plan (one this server made). */
  parts(spec: InferenceSpec, plan: P, opts: PartsOptions): ServerParts;
}

/** An image source for the platform, pinned to its resolved digest when the frontend has one. */
export function imageSource(ref: string, name: string, opts: PartsOptions): State {
  const digest = opts.imageDigest?.(ref);
  return image(ref, {
    platform: opts.platform,
    ...(digest ? { digest } : {}),
    ...(opts.imageResolveMode && opts.imageResolveMode !== 'default'
      ? { resolveMode: opts.imageResolveMode }
      : {}),
    name,
  });
}
