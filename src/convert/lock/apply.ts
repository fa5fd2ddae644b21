import type { InferenceSpec, Model } from '../../aikitfile/index.js';
import { formatPlatform, type Platform } from '../../llb/index.js';
import { parseDigest } from '../../oci/index.js';
import { AikitError, locatedIssue, type Issue, type Locate } from '../../util/errors.js';
import { localaiArch, type Artifacts } from '../artifacts.js';
import { LOCKED_ARG } from '../build-args.js';
import { metadataRequests, type SourceSettings } from '../models.js';
import type { ImageDigests } from '../resolve.js';
import type { Lock, ModelLock, RuntimePins } from './format.js';
import { lockPlan } from './plan.js';

// A build with a lock (or the project's pins) beside it: the same aikitfile, with every source
// rewritten to its immutable form before conversion, which then emits image@sha256, http sources
// with a checksum and Hugging Face URLs at a commit. Conversion itself knows nothing of locks.

/** How strictly a build holds to its lock (`AIKIT_LOCKED`). */
export type LockMode = 'use' | 'strict' | 'off';

export { LOCKED_ARG };

/** Reads AIKIT_LOCKED: empty uses a lock when there is one, strict demands it, off ignores it. */
export function lockMode(buildArgs: Readonly<Record<string, string>>): LockMode {
  const v = (buildArgs[LOCKED_ARG] ?? '').trim().toLowerCase();
  if (v === '' || v === 'true' || v === '1') return 'use';
  if (v === 'strict') return 'strict';
  if (v === 'off' || v === 'false' || v === '0') return 'off';
  throw new AikitError('BAD_BUILD_ARG', `${LOCKED_ARG} must be strict or off, got ${JSON.stringify(v)}`, {
    hint: `--build-arg ${LOCKED_ARG}=strict fails the build on anything not in the lock; off ignores the lock`,
  });
}

export interface PinOptions {
  /** The lock beside the aikitfile, when there is one (and the mode is not off). */
  lock: Lock | undefined;
  /** The project's release pins of the catalog's defaults. */
  pins: RuntimePins;
  mode: LockMode;
  artifacts: Artifacts;
  settings: SourceSettings;
  platforms: readonly Platform[];
  locate: Locate;
  /** The aikitfile and its lock, as messages name them. */
  file: string;
  lockFile: string;
}

export interface Pinned {
  spec: InferenceSpec;
  artifacts: Artifacts;
  /** Hub listings the lock already holds, by metadata key: no request at build time. */
  metadata: Map<string, Uint8Array>;
  /** The pinned manifest digests of one platform's images, by normalised reference. */
  imageDigests: (platform: Platform) => ImageDigests;
  /** Where the build and the lock disagree: warnings when using the lock (strict throws instead). */
  problems: Issue[];
  /** Runtime artifacts nothing pins (no lock, no release pin, no build-arg), for the one warning. */
  unpinned: string[];
}

const HINT = 'run `aikit lock` to update the lock, with the same --build-arg and --platform as the build';

/**
 * Rewrites the spec and artifacts to what the lock and the project's pins say. In strict mode,
 * anything fetched that the lock does not pin, or pins differently, fails at its aikitfile line.
 */
export function pinBuild(spec: InferenceSpec, opts: PinOptions): Pinned {
  const lock = opts.mode === 'off' ? undefined : opts.lock;
  const problems: Issue[] = [];
  const problem = (path: (string | number)[], message: string) =>
    problems.push(locatedIssue(opts.locate, { code: 'LOCK_MISMATCH', message, hint: HINT, path }, 'warning'));
  if (opts.mode === 'strict' && !lock) {
    throw new AikitError(
      'NOT_LOCKED',
      `${LOCKED_ARG}=strict, but there is no ${opts.lockFile} beside ${opts.file}`,
      {
        file: opts.file,
        hint: `run \`aikit lock ${opts.file}\` and commit ${opts.lockFile}`,
      },
    );
  }

  const plan = lockPlan(spec, opts.artifacts, opts.platforms);
  const metadata = new Map<string, Uint8Array>();
  const models = spec.models.map((model): Model => {
    const item = plan.models.find((m) => m.model === model);
    if (!item || !lock) return model;
    const entry = lock.models[model.name];
    const at = ['models', model.index, 'source'];
    if (!entry) {
      problem(at, `model ${model.name} is not in ${opts.lockFile}`);
      return model;
    }
    if (entry.source !== item.source) {
      problem(at, `model ${model.name}: the source is ${item.source}, the lock has ${entry.source}`);
      return model;
    }
    const pinned = pinModel(model, entry);
    if (!pinned) {
      problem(at, `model ${model.name}: ${opts.lockFile} has an incomplete entry for it`);
      return model;
    }
    if (model.sha256 && pinned.sha256 !== model.sha256) {
      problem(
        ['models', model.index, 'sha256'],
        `model ${model.name}: sha256 ${model.sha256} differs from the lock's ${pinned.sha256}`,
      );
      return model;
    }
    const listing = repoListing(pinned, entry);
    if (listing) {
      for (const req of metadataRequests({ ...spec, models: [pinned] }, opts.settings, new Map())) {
        metadata.set(req.key, listing);
      }
    }
    return pinned;
  });

  // Runtime artifacts come from the file's runtime (and build-args): its line, else the file's top.
  const runtimeAt = opts.locate(['runtime']) ? ['runtime'] : [];
  const unpinned: string[] = [];
  const digests = new Map<string, Record<string, string>>();
  for (const item of plan.images) {
    const at = runtimeAt;
    const entry = lock?.images[item.key];
    const pin = opts.pins.images[item.key];
    const platformDigests = digests.get(item.platformKey) ?? {};
    digests.set(item.platformKey, platformDigests);
    if (item.ref.includes('@')) continue;
    if (entry && entry.platforms[item.platformKey]) {
      platformDigests[item.key] = entry.digest;
      continue;
    }
    if (lock) problem(at, `image ${item.key} (${item.platformKey}) is not in ${opts.lockFile}`);
    if (pin && pin.platforms[item.platformKey]) platformDigests[item.key] = pin.digest;
    else unpinned.push(`image ${item.key}`);
  }

  const byArch: Partial<Record<'amd64' | 'arm64', string>> = { ...opts.artifacts.localaiSha256ByArch };
  for (const item of plan.localai) {
    const arch = localaiArch(item.platform.architecture);
    const locked = lock?.localai[item.url];
    if (locked) {
      if (item.pinned && item.pinned !== locked) {
        problem(
          runtimeAt,
          `the LocalAI binary ${item.url}: sha256 ${item.pinned} differs from the lock's ${locked}`,
        );
      } else byArch[arch] = locked;
      continue;
    }
    if (lock) problem(runtimeAt, `the LocalAI binary ${item.url} is not in ${opts.lockFile}`);
    const pin = opts.pins.localai[item.url];
    if (item.pinned) continue;
    if (pin) byArch[arch] = pin;
    else unpinned.push(`the LocalAI binary for ${formatPlatform(item.platform)}`);
  }

  if (opts.mode === 'strict' && problems.length > 0) {
    const n = problems.length;
    throw new AikitError(
      'LOCK_MISMATCH',
      `${n} thing${n === 1 ? '' : 's'} the build fetches ${n === 1 ? 'is' : 'are'} not pinned by ${opts.lockFile} (${LOCKED_ARG}=strict)`,
      { file: opts.file, issues: problems.map((p) => ({ ...p, severity: 'error' as const })), hint: HINT },
    );
  }
  return {
    spec: { ...spec, models },
    artifacts: { ...opts.artifacts, localaiSha256ByArch: byArch },
    metadata,
    imageDigests: (platform) => digests.get(formatPlatform(platform)) ?? {},
    problems,
    unpinned: [...new Set(unpinned)],
  };
}

/** The model with its source at the locked commit or digest and its sha256; undefined if the entry lacks one. */
function pinModel(model: Model, entry: ModelLock): Model | undefined {
  const src = model.source;
  const sha = entry.sha256 ? parseDigest(entry.sha256) : undefined;
  switch (src.kind) {
    case 'http':
      return sha ? { ...model, sha256: sha } : undefined;
    case 'huggingface':
      if (!entry.commit) return undefined;
      if (src.file !== undefined) {
        return sha ? { ...model, sha256: sha, source: { ...src, revision: entry.commit } } : undefined;
      }
      return entry.files ? { ...model, source: { ...src, revision: entry.commit } } : undefined;
    case 'oci': {
      const digest = entry.digest ? parseDigest(entry.digest) : undefined;
      return digest ? { ...model, source: { ...src, digest } } : undefined;
    }
    case 'local':
      return model;
  }
}

/** A whole repository's Hub listing, made from the lock: the commit and every file's sha256. */
function repoListing(model: Model, entry: ModelLock): Uint8Array | undefined {
  if (model.source.kind !== 'huggingface' || model.source.file !== undefined || !entry.files)
    return undefined;
  const siblings = Object.entries(entry.files).map(([rfilename, sha]) => ({
    rfilename,
    lfs: { sha256: sha.replace(/^sha256:/, '') },
  }));
  return Buffer.from(JSON.stringify({ sha: entry.commit, siblings }));
}
