import type { InferenceSpec, Model, ModelSource } from '../../aikitfile/index.js';
import { formatPlatform, type Platform } from '../../llb/index.js';
import { localaiSha256For, localaiUrlFor, type Artifacts } from '../artifacts.js';
import { imageKey } from '../resolve.js';
import { runtimeImageRefs } from '../servers/index.js';
import { planLocalAI } from '../servers/localai/plan.js';

// What a lock covers, found without building anything: the lock target resolves these items and
// a locked build looks the same items up, so the two can never disagree about what is pinned.

/** A runtime image one platform's build reads. */
export interface LockedImageItem {
  /** The reference as the build names it, and its normalised form (the lock's key). */
  ref: string;
  key: string;
  platform: Platform;
  /** `os/arch[/variant]`, the key of the image's per-platform entry. */
  platformKey: string;
}

/** The LocalAI download of one platform. */
export interface LocalAIItem {
  url: string;
  platform: Platform;
  /** A checksum the build already has (a build-arg, the catalog), if any. */
  pinned: string | undefined;
}

export interface LockPlan {
  /** Models fetched from outside the context, with their canonical source text. */
  models: { model: Model; source: string }[];
  images: LockedImageItem[];
  localai: LocalAIItem[];
}

/** The canonical text of a source: what the lock records, so an edited source no longer matches. */
export function sourceText(src: ModelSource): string {
  switch (src.kind) {
    case 'http':
      return src.url;
    case 'local':
      return src.path;
    case 'huggingface':
      return `huggingface://${src.repo}@${src.revision}${src.file === undefined ? '' : `/${src.file}`}`;
    case 'oci':
      return `oci://${src.ref}`;
  }
}

/** Everything a build of `spec` for `platforms` fetches that a lock pins. */
export function lockPlan(
  spec: InferenceSpec,
  artifacts: Artifacts,
  platforms: readonly Platform[],
): LockPlan {
  const models = spec.models
    .filter((m) => m.source.kind !== 'local')
    .map((model) => ({ model, source: sourceText(model.source) }));
  const images: LockedImageItem[] = [];
  const localai: LocalAIItem[] = [];
  for (const platform of platforms) {
    const platformKey = formatPlatform(platform);
    for (const ref of new Set(runtimeImageRefs(spec, artifacts, platform))) {
      images.push({ ref, key: imageKey(ref, artifacts), platform, platformKey });
    }
    if (spec.server === 'localai') {
      const plan = planLocalAI(spec, platform);
      localai.push({
        url: localaiUrlFor(artifacts, plan.arch, plan.localai),
        platform,
        pinned: localaiSha256For(artifacts, plan.arch, plan.localai),
      });
    }
  }
  return { models, images, localai };
}
