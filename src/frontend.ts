import {
  checkMatrix,
  convert,
  isPackageTarget,
  readMetadata,
  resolveArtifacts,
  resolveImages,
  runtimeImageRefs,
  sourceSettings,
  unusedBuildArgs,
  type ConvertOptions,
} from './convert/index.js';
import { engineImageResolver, engineMetadataFetcher, sendWarnings } from './frontend/engine.js';
import { buildPackage } from './frontend/package.js';
import {
  readBuildFile,
  resultPayload,
  targetPlatforms,
  userErrorStatus,
  type BuildFile,
  type BuildFunc,
  type FrontendContext,
  type PlatformResult,
} from './gateway/index.js';
import { formatPlatform, marshal, type Platform, type SourceInfo } from './llb/index.js';
import { loadAikitfile, type InferenceSpec } from './aikitfile/index.js';
import { AikitError, locatedIssue, type Locate } from './util/errors.js';
import { log } from './util/log.js';

/**
 * The frontend's build: read the aikitfile from the client, validate it, convert it once per
 * target platform, solve the graphs in parallel and return the images (dockerfile2llb's
 * builder/build.go in miniature).
 */
export const buildAikit: BuildFunc = async (ctx) => {
  if (ctx.opts.requestId) {
    throw new AikitError(
      'UNSUPPORTED_REQUEST',
      `this frontend does not answer ${ctx.opts.requestId} requests`,
      {
        hint: 'drop --call/--check; aikit validate <file> checks an aikitfile without building it',
      },
    );
  }
  // The packaging targets read no aikitfile: the build-args say what to package.
  if (isPackageTarget(ctx.opts.target)) return buildPackage(ctx, ctx.opts.target);
  const file = await readBuildFile(ctx);
  const source: SourceInfo = { filename: file.filename, data: file.data, language: 'aikitfile' };
  // Every user error from here on can point into the aikitfile: one boundary attaches it.
  try {
    return await buildFromAikitfile(ctx, file, source);
  } catch (e) {
    if (e instanceof AikitError) return { kind: 'error', status: userErrorStatus(e, source) };
    throw e;
  }
};

async function buildFromAikitfile(ctx: FrontendContext, file: BuildFile, source: SourceInfo) {
  const { opts } = ctx;
  const loaded = loadAikitfile(Buffer.from(file.data).toString('utf8'), file.filename, {
    buildArgs: opts.buildArgs,
  });
  await sendWarnings(ctx, [...loaded.warnings, ...unusedBuildArgs(opts.buildArgs)], file.vertex, source);
  const spec = loaded.spec;
  if (spec.kind !== 'inference') {
    throw new AikitError('UNSUPPORTED_SPEC', 'fine-tune aikitfiles cannot be built yet', {
      hint: 'this release builds inference images; fine-tuning is planned',
    });
  }
  const locate: Locate = (path) => loaded.locate(path);
  if (opts.remoteContext) refuseLocalSources(spec, locate, opts.remoteContext, file.filename);

  const { artifacts } = resolveArtifacts(opts.buildArgs);
  const platforms = targetPlatforms(ctx);
  // Forbidden platform × runtime × backend combinations fail here, at the runtime's line (D15);
  // allowed ones may warn (D8: runtime cuda on arm64 builds the CPU image).
  const matrix = checkMatrix(spec, platforms, { locate, file: file.filename });
  await sendWarnings(ctx, matrix, file.vertex, source);
  const settings = sourceSettings(opts.buildArgs);
  const fetcher = engineMetadataFetcher(ctx, file.filename, locate);
  const metadata = await readMetadata(spec, settings, fetcher);
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
  const results = await Promise.all(platforms.map((platform) => buildPlatform(ctx, spec, shared, platform)));
  return resultPayload(results, platforms.length > 1);
}

/** A remote build has no local context, so a model file named by a context path cannot be read. */
function refuseLocalSources(spec: InferenceSpec, locate: Locate, remoteContext: string, file: string) {
  const local = spec.models.find((x) => x.source.kind === 'local');
  if (!local) return;
  const issue = locatedIssue(locate, {
    code: 'LOCAL_SOURCE_IN_REMOTE_BUILD',
    message: `model ${local.name}: a context path cannot be read when building from ${remoteContext}`,
    hint: 'use an https://, huggingface:// or oci:// source, or build from a local directory',
    path: ['models', local.index, 'source'],
  });
  const message = `model ${local.name} names a local file, but the build has no local context`;
  throw new AikitError(issue.code, message, { file, issues: [issue] });
}

/** What every platform's conversion shares. */
type SharedOptions = Omit<ConvertOptions, 'platform' | 'imageDigests'>;

async function buildPlatform(
  ctx: FrontendContext,
  spec: InferenceSpec,
  shared: SharedOptions,
  platform: Platform,
): Promise<PlatformResult> {
  const { client, opts, caps } = ctx;
  // The base this platform's image is built on (CPU, CUDA, Apple Silicon, Python, ...) is pinned
  // like a Dockerfile's FROM; the images layers are copied from keep their tags.
  const [base] = runtimeImageRefs(spec, shared.artifacts, platform);
  const imageDigests = await resolveImages([base!], platform, engineImageResolver(ctx), shared.artifacts);
  const { state, image } = convert(spec, { ...shared, platform, imageDigests });
  const def = marshal(state, { caps: caps.llbCaps, ignoreCache: opts.noCache });
  const refId = await client.solve(def, { cacheImports: opts.cacheImports });
  log.debug({ platform: formatPlatform(platform), ops: def.def.length }, 'solved');
  return { platform, refId, imageConfig: image };
}
