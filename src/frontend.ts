import { convert, resolveArtifacts } from './convert/index.js';
import {
  BuildkitError,
  resultPayload,
  userErrorStatus,
  type BuildFunc,
  type FrontendContext,
  type PlatformResult,
  type ReturnPayload,
} from './gateway/index.js';
import {
  digestOf,
  formatPlatform,
  local,
  marshal,
  normalizeImageRef,
  parsePlatform,
  type Platform,
  type SourceInfo,
} from './llb/index.js';
import { loadAikitfile, type InferenceSpec, type LoadedSpec } from './spec/index.js';
import { AikitError, formatIssue } from './util/errors.js';
import { log } from './util/log.js';

/**
 * The frontend's build: read the aikitfile from the client, validate it, convert it once per
 * target platform, solve the graphs in parallel and return the images (dockerfile2llb's
 * builder/build.go in miniature).
 */
export const buildAikit: BuildFunc = async (ctx) => {
  const { opts } = ctx;
  if (opts.requestId) {
    throw new AikitError('UNSUPPORTED_REQUEST', `this frontend does not answer ${opts.requestId} requests`, {
      hint: 'drop --call/--check; aikit validate <file> checks an aikitfile without building it',
    });
  }
  const file = await readAikitfile(ctx);
  const source: SourceInfo = { filename: opts.filename, data: file.data, language: 'aikitfile' };

  let loaded: LoadedSpec;
  try {
    loaded = loadAikitfile(Buffer.from(file.data).toString('utf8'), opts.filename, {
      buildArgs: opts.buildArgs,
    });
  } catch (e) {
    if (e instanceof AikitError) return { kind: 'error', status: userErrorStatus(e, source) };
    throw e;
  }
  await sendWarnings(ctx, loaded, file.vertex, source);
  const spec = loaded.spec;
  if (spec.kind !== 'inference') {
    throw new AikitError('UNSUPPORTED_SPEC', 'fine-tune aikitfiles cannot be built yet', {
      hint: 'this release builds inference images; fine-tuning is planned',
    });
  }

  const { artifacts } = resolveArtifacts(opts.buildArgs);
  const platforms = targetPlatforms(ctx);
  const multi = platforms.length > 1;
  const results = await Promise.all(
    platforms.map((platform) => buildPlatform(ctx, spec, loaded, source, artifacts, platform, multi)),
  );
  return resultPayload(results, multi);
};

async function buildPlatform(
  ctx: FrontendContext,
  spec: InferenceSpec,
  loaded: LoadedSpec,
  source: SourceInfo,
  artifacts: ReturnType<typeof resolveArtifacts>['artifacts'],
  platform: Platform,
  multi: boolean,
): Promise<PlatformResult> {
  const { client, opts, caps } = ctx;
  let baseImageDigest: string | undefined;
  if (caps.frontendCaps.has('resolveimage')) {
    const ref = normalizeImageRef(artifacts.baseImage);
    const res = await client.resolveImageConfig(
      ref,
      platform,
      opts.imageResolveMode,
      `[internal] load metadata for ${ref} (${formatPlatform(platform)})`,
    );
    // Classic image stores answer local images with an empty digest; then the tag is all we have.
    if (res.digest) baseImageDigest = res.digest;
  }
  const { state, image } = convert(spec, {
    platform,
    artifacts,
    ...(baseImageDigest ? { baseImageDigest } : {}),
    imageResolveMode: opts.imageResolveMode,
    sessionId: opts.sessionFor(opts.contextLocal),
    contextLocal: opts.contextLocal,
    source,
    locate: (p) => loaded.locate(p),
    multiPlatform: multi,
    labels: opts.labels,
    llbCaps: caps.llbCaps,
  });
  const def = marshal(state, { caps: caps.llbCaps, ignoreCache: opts.noCache });
  const refId = await client.solve(def, { cacheImports: opts.cacheImports });
  log.debug({ platform: formatPlatform(platform), ops: def.def.length }, 'solved');
  return { platform, refId, imageConfig: image };
}

function targetPlatforms(ctx: FrontendContext): Platform[] {
  const { opts, caps, env } = ctx;
  if (opts.platforms.length === 0) {
    const native = caps.workerPlatforms[0] ??
      env.workerPlatforms[0] ?? { os: 'linux', architecture: 'amd64' };
    return [parsePlatform(formatPlatform(native))];
  }
  const seen = new Map<string, Platform>();
  for (const p of opts.platforms) {
    const parsed = parsePlatform(p);
    seen.set(formatPlatform(parsed), parsed);
  }
  return [...seen.values()];
}

/** Reads the aikitfile the way dockerui does: a local source limited to that one file. */
async function readAikitfile(ctx: FrontendContext): Promise<{ data: Uint8Array; vertex: string }> {
  const { client, opts, caps } = ctx;
  if (opts.remoteContext) {
    throw new AikitError(
      'UNSUPPORTED_CONTEXT',
      `building from a remote context (${opts.remoteContext}) is not supported yet`,
      {
        hint: 'download the aikitfile and build from a local directory',
      },
    );
  }
  const state = local(opts.dockerfileLocal, {
    sessionId: opts.sessionFor(opts.dockerfileLocal),
    followPaths: [opts.filename],
    sharedKeyHint: opts.dockerfileLocal,
    ...(caps.llbCaps.has('source.local.differ') ? { differ: 'none' as const } : {}),
    name: `[internal] load aikitfile ${opts.filename}`,
  });
  const def = marshal(state, { caps: caps.llbCaps });
  const refId = await client.solve(def);
  try {
    const data = await client.readFile(refId, opts.filename);
    return { data, vertex: digestOf(def.def[0]!) };
  } catch (e) {
    if (e instanceof BuildkitError && /no such file|not found/i.test(e.message)) {
      throw new AikitError('AIKITFILE_NOT_FOUND', `cannot read ${opts.filename} from the build`, {
        cause: e,
        hint: 'name the file with -f, e.g. docker buildx build -f aikitfile.yaml .',
      });
    }
    throw e;
  }
}

async function sendWarnings(ctx: FrontendContext, loaded: LoadedSpec, vertex: string, source: SourceInfo) {
  if (loaded.warnings.length === 0) return;
  for (const w of loaded.warnings) log.warn({ warning: formatIssue(w, source.filename) });
  // Warn exists from BuildKit v0.10; older engines only get the daemon log line above.
  if (!ctx.caps.frontendCaps.has('gateway.warnings')) return;
  for (const w of loaded.warnings) {
    await ctx.client.warn(
      vertex,
      formatIssue({ ...w, severity: 'error' }),
      w.hint ? [w.hint] : [],
      source,
      w.range,
    );
  }
}

export type { ReturnPayload };
