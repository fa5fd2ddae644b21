import {
  convert,
  imageKey,
  isPackageTarget,
  readMetadata,
  resolveImages,
  runtimeImageRefs,
  type ConvertOptions,
  type ImageDigests,
} from './convert/index.js';
import { bomWanted, platformBom } from './frontend/bom.js';
import { checkBuild, checkPolicy, keptWarnings, warningsAsError } from './frontend/check.js';
import { engineImageResolver, engineMetadataFetcher, sendWarnings } from './frontend/engine.js';
import { buildFinetune } from './frontend/finetune.js';
import { buildLock, LOCK_TARGET, lockAlongside, lockAnswered, pinnedBuild } from './frontend/lock.js';
import { located } from './frontend/located.js';
import { buildPackage } from './frontend/package.js';
import { answerSubrequest } from './frontend/subrequests.js';
import {
  readBuildFile,
  resultPayload,
  type BuildFile,
  type BuildFunc,
  type FrontendContext,
  type PlatformResult,
} from './gateway/index.js';
import { formatPlatform, marshal, type Platform, type SourceInfo } from './llb/index.js';
import type { InferenceSpec } from './aikitfile/index.js';
import type { Issue } from './util/errors.js';
import { log } from './util/log.js';

/**
 * The frontend's build: read the aikitfile from the client, validate it, convert it once per
 * target platform, solve the graphs in parallel and return the images (dockerfile2llb's
 * builder/build.go in miniature). buildx's `--check` and `--call` ask a subrequest instead.
 */
export const buildAikit: BuildFunc = async (ctx) => {
  if (ctx.opts.requestId) return answerSubrequest(ctx, ctx.opts.requestId);
  // The packaging targets read no aikitfile: the build-args say what to package.
  if (isPackageTarget(ctx.opts.target)) return buildPackage(ctx, ctx.opts.target);
  const file = await readBuildFile(ctx, lockAlongside(ctx.opts.filename));
  // Every user error from here on can point into the aikitfile: one boundary attaches it.
  return located(file, (source) => buildFromAikitfile(ctx, file, source));
};

async function buildFromAikitfile(ctx: FrontendContext, file: BuildFile, source: SourceInfo) {
  const { opts } = ctx;
  const policy = checkPolicy(opts.buildArgs);
  const warned: Issue[] = [];
  const answered = lockAnswered(ctx, file);
  const checked = await checkBuild(ctx, file, async (found) => {
    const kept = keptWarnings(policy, answered(found));
    warned.push(...kept);
    await sendWarnings(ctx, kept, file.vertex, source);
  });
  if (policy.error && warned.length > 0) throw warningsAsError(warned, file.filename);
  if (checked.kind === 'finetune') return buildFinetune(ctx, checked.spec, checked.locate, file, source);
  if (opts.target === LOCK_TARGET) return buildLock(ctx, file, checked);
  // The lock beside the aikitfile (and the release's pins) rewrite sources to their pinned forms.
  const pinned = await pinnedBuild(ctx, file, checked, source, (found) => keptWarnings(policy, found));
  const { spec, artifacts } = pinned;
  const { locate, platforms, settings } = checked;
  const fetcher = engineMetadataFetcher(ctx, file.filename, locate);
  const metadata = await readMetadata(spec, settings, fetcher, pinned.metadata);
  const shared: SharedOptions = {
    artifacts,
    imageResolveMode: opts.imageResolveMode,
    sessionId: opts.sessionFor(opts.contextLocal),
    contextLocal: opts.contextLocal,
    source,
    locate,
    multiPlatform: platforms.length > 1,
    labels: opts.labels,
    llbCaps: ctx.caps.llbCaps,
    sources: { settings, metadata },
  };
  const results = await Promise.all(
    platforms.map((platform) => buildPlatform(ctx, spec, shared, platform, pinned.imageDigests(platform))),
  );
  return resultPayload(results, platforms.length > 1);
}

/** What every platform's conversion shares. */
type SharedOptions = Omit<ConvertOptions, 'platform' | 'imageDigests'>;

async function buildPlatform(
  ctx: FrontendContext,
  spec: InferenceSpec,
  shared: SharedOptions,
  platform: Platform,
  pinned: ImageDigests,
): Promise<PlatformResult> {
  const { client, opts, caps } = ctx;
  // The base this platform's image is built on (CPU, CUDA, Apple Silicon, Python, ...) is pinned
  // like a Dockerfile's FROM; the images layers are copied from keep their tags unless a lock pins them.
  const [base] = runtimeImageRefs(spec, shared.artifacts, platform);
  const resolved = pinned[imageKey(base!, shared.artifacts)]
    ? {}
    : await resolveImages([base!], platform, engineImageResolver(ctx), shared.artifacts);
  const imageDigests = { ...resolved, ...pinned };
  const { state, image } = convert(spec, { ...shared, platform, imageDigests });
  const def = marshal(state, { caps: caps.llbCaps, ignoreCache: opts.noCache });
  // The bill of materials is a separate state (the image's own graph is unchanged); its image
  // lookups and solve overlap the image's solve instead of adding to the build's latency.
  const { settings, metadata } = shared.sources ?? {};
  const [refId, attestations] = await Promise.all([
    client.solve(def, { cacheImports: opts.cacheImports }),
    bomWanted(ctx) && settings && metadata
      ? platformBom(ctx, spec, { artifacts: shared.artifacts, settings, metadata, imageDigests }, platform)
      : undefined,
  ]);
  log.debug({ platform: formatPlatform(platform), ops: def.def.length }, 'solved');
  return { platform, refId, imageConfig: image, ...(attestations ? { attestations } : {}) };
}
