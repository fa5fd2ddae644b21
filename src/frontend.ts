import {
  ARTIFACT_ARGS,
  checkMatrix,
  convert,
  convertFinetune,
  FINETUNE_ARGS,
  metadataRequests,
  redactUrl,
  resolveArtifacts,
  runtimeImageRefs,
  SOURCE_ARGS,
  sourceSettings,
  type Metadata,
  type SourceSettings,
} from './convert/index.js';
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
  git,
  http,
  local,
  marshal,
  normalizeImageRef,
  parsePlatform,
  type Platform,
  type SourceInfo,
  type State,
} from './llb/index.js';
import { loadAikitfile, type FinetuneSpec, type InferenceSpec, type LoadedSpec } from './aikitfile/index.js';
import { AikitError, formatIssue, type Issue } from './util/errors.js';
import { log } from './util/log.js';

/** The largest aikitfile the frontend reads (1 MiB). */
const MAX_AIKITFILE_BYTES = 1 << 20;

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
  // Parsing costs about 1 s per MB; real aikitfiles are a few KB.
  if (file.data.length > MAX_AIKITFILE_BYTES) {
    throw new AikitError(
      'AIKITFILE_TOO_LARGE',
      `${file.filename} is ${file.data.length} bytes; an aikitfile may have at most ${MAX_AIKITFILE_BYTES}`,
      {
        hint: 'keep model weights and large configurations out of the aikitfile: name them as model sources',
      },
    );
  }
  const source: SourceInfo = { filename: file.filename, data: file.data, language: 'aikitfile' };
  // Every user error from here on can point into the aikitfile: one boundary attaches it.
  try {
    return await buildFromAikitfile(ctx, file, source);
  } catch (e) {
    if (e instanceof AikitError) return userError(e, source);
    throw e;
  }
};

async function buildFromAikitfile(
  ctx: FrontendContext,
  file: { vertex: string; filename: string },
  source: SourceInfo,
): Promise<ReturnPayload> {
  const { opts } = ctx;
  const loaded = loadAikitfile(Buffer.from(source.data).toString('utf8'), file.filename, {
    buildArgs: opts.buildArgs,
    target: opts.target,
  });
  await sendWarnings(ctx, [...loaded.warnings, ...unusedBuildArgs(opts.buildArgs)], file.vertex, source);
  const spec = loaded.spec;
  if (spec.kind === 'finetune') return buildFinetune(ctx, spec, loaded, file.vertex, source);
  const local = opts.remoteContext ? spec.models.find((x) => x.source.kind === 'local') : undefined;
  if (local) {
    throw new AikitError(
      'LOCAL_SOURCE_IN_REMOTE_BUILD',
      `model ${local.name} names a local file, but the build has no local context`,
      {
        file: file.filename,
        issues: [
          {
            severity: 'error',
            code: 'LOCAL_SOURCE_IN_REMOTE_BUILD',
            message: `model ${local.name}: a context path cannot be read when building from ${opts.remoteContext}`,
            hint: 'use an https://, huggingface:// or oci:// source, or build from a local directory',
            path: ['models', local.index, 'source'],
            ...rangeOf(loaded, ['models', local.index, 'source']),
          },
        ],
      },
    );
  }

  const { artifacts } = resolveArtifacts(opts.buildArgs);
  const platforms = targetPlatforms(ctx);
  // Forbidden platform × runtime × backend combinations fail here, at the runtime's line (D15);
  // allowed ones may warn (D8: runtime cuda on arm64 builds the CPU image).
  const matrixWarnings = checkMatrix(spec, platforms, {
    locate: (p) => loaded.locate(p),
    file: file.filename,
  });
  await sendWarnings(ctx, matrixWarnings, file.vertex, source);
  const settings = sourceSettings(opts.buildArgs);
  const metadata = await readMetadata(ctx, spec, settings, loaded, source);
  const multi = platforms.length > 1;
  const inputs: BuildInputs = { spec, loaded, source, artifacts, multi, sources: { settings, metadata } };
  const results = await Promise.all(platforms.map((platform) => buildPlatform(ctx, inputs, platform)));
  return resultPayload(results, multi);
}

/**
 * A fine-tune: one platform's graph whose result is the output directory (the model file or
 * adapter), meant for `--output type=local,dest=<dir>`. GPU steps get a CDI device where the
 * engine has the cap, else run insecure (convert/finetune/unsloth.ts).
 */
async function buildFinetune(
  ctx: FrontendContext,
  spec: FinetuneSpec,
  loaded: LoadedSpec,
  vertex: string,
  source: SourceInfo,
): Promise<ReturnPayload> {
  const { client, opts, caps } = ctx;
  const platforms = targetPlatforms(ctx);
  if (platforms.length > 1) {
    throw new AikitError('UNSUPPORTED_PLATFORMS', 'a fine-tune builds for one platform', {
      hint: 'drop --platform, or give one',
    });
  }
  const platform = platforms[0]!;
  const result = convertFinetune(spec, {
    platform,
    buildArgs: opts.buildArgs,
    imageResolveMode: opts.imageResolveMode,
    sessionId: opts.sessionFor(opts.contextLocal),
    contextLocal: opts.contextLocal,
    sources: { settings: sourceSettings(opts.buildArgs) },
    at: (path) => {
      const r = loaded.locate(path);
      return r ? { source, ranges: [{ start: { line: r.line }, end: { line: r.endLine } }] } : undefined;
    },
    cdiDevices: caps.llbCaps.has('exec.cdidevices'),
  });
  await sendWarnings(ctx, result.warnings, vertex, source);
  const def = marshal(result.state, { caps: caps.llbCaps, ignoreCache: opts.noCache });
  const refId = await client.solve(def, { cacheImports: opts.cacheImports });
  log.debug({ target: spec.target, file: result.file, ops: def.def.length }, 'solved fine-tune');
  const imageConfig = {
    architecture: platform.architecture,
    os: platform.os,
    config: {},
    rootfs: { type: 'layers', diff_ids: [] },
  };
  return resultPayload([{ platform, refId, imageConfig }], false);
}

/** What every platform's conversion shares. */
interface BuildInputs {
  spec: InferenceSpec;
  loaded: LoadedSpec;
  source: SourceInfo;
  artifacts: ReturnType<typeof resolveArtifacts>['artifacts'];
  multi: boolean;
  sources: { settings: SourceSettings; metadata: Metadata };
}

async function buildPlatform(
  ctx: FrontendContext,
  { spec, loaded, source, artifacts, multi, sources }: BuildInputs,
  platform: Platform,
): Promise<PlatformResult> {
  const { client, opts, caps } = ctx;
  const imageDigests: Record<string, string> = {};
  if (caps.frontendCaps.has('resolveimage')) {
    // The base this platform's image is built on (CPU, CUDA, Apple Silicon, Python, ...).
    const [baseRef] = runtimeImageRefs(spec, artifacts, platform);
    const ref = normalizeImageRef(baseRef!);
    const res = await client.resolveImageConfig(
      ref,
      platform,
      opts.imageResolveMode,
      `[internal] load metadata for ${ref} (${formatPlatform(platform)})`,
    );
    // Classic image stores answer local images with an empty digest; then the tag is all we have.
    if (res.digest) imageDigests[baseRef!] = res.digest;
  }
  const { state, image } = convert(spec, {
    platform,
    artifacts,
    imageDigests,
    imageResolveMode: opts.imageResolveMode,
    sessionId: opts.sessionFor(opts.contextLocal),
    contextLocal: opts.contextLocal,
    source,
    locate: (p) => loaded.locate(p),
    multiPlatform: multi,
    labels: opts.labels,
    llbCaps: caps.llbCaps,
    sources,
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
async function readAikitfile(
  ctx: FrontendContext,
): Promise<{ data: Uint8Array; vertex: string; filename: string }> {
  const { opts, caps } = ctx;
  if (opts.remoteContext) return readRemoteAikitfile(ctx, opts.remoteContext);
  const state = local(opts.dockerfileLocal, {
    sessionId: opts.sessionFor(opts.dockerfileLocal),
    followPaths: [opts.filename],
    sharedKeyHint: opts.dockerfileLocal,
    ...(caps.llbCaps.has('source.local.differ') ? { differ: 'none' as const } : {}),
    name: `[internal] load aikitfile ${opts.filename}`,
  });
  return readFromSource(ctx, state, opts.filename, {
    where: 'the build',
    hint: 'name the file with -f, e.g. docker buildx build -f aikitfile.yaml .',
  });
}

/**
 * Solves a one-source graph and reads the aikitfile from it; a missing file becomes a user
 * error that says where it was looked for.
 */
async function readFromSource(
  ctx: FrontendContext,
  state: State,
  filename: string,
  missing: { where: string; hint: string },
): Promise<{ data: Uint8Array; vertex: string; filename: string }> {
  const def = marshal(state, { caps: ctx.caps.llbCaps });
  const refId = await ctx.client.solve(def);
  try {
    const data = await ctx.client.readFile(refId, filename);
    return { data, vertex: digestOf(def.def[0]!), filename };
  } catch (e) {
    if (e instanceof BuildkitError && /no such file|not found/i.test(e.message)) {
      throw new AikitError('AIKITFILE_NOT_FOUND', `cannot read ${filename} from ${missing.where}`, {
        cause: e,
        hint: missing.hint,
      });
    }
    throw e;
  }
}

/**
 * `docker buildx build https://host/aikitfile.yaml`: like dockerui's DetectHTTPContext, the URL
 * is the aikitfile itself, downloaded by the engine (the frontend has no network).
 */
async function readRemoteAikitfile(ctx: FrontendContext, url: string) {
  const { client, caps } = ctx;
  if (isGitUrl(url)) return readGitAikitfile(ctx, url);
  const state = http(url, {
    filename: 'context',
    name: `[internal] load remote aikitfile ${redactUrl(url)}`,
  });
  const def = marshal(state, { caps: caps.llbCaps });
  const refId = await client.solve(def);
  const data = await client.readFile(refId, 'context');
  const filename = decodeURIComponent(new URL(url).pathname.split('/').pop() || 'aikitfile.yaml');
  return { data, vertex: digestOf(def.def[0]!), filename };
}

/** dockerui's rule (gitutil.IsGitURL): git schemes, scp-like remotes, `.git` paths, github.com. */
function isGitUrl(url: string): boolean {
  return /^(git:\/\/|git@|ssh:\/\/|github\.com\/)/.test(url) || /^https?:\/\/[^#]+\.git(#.*)?$/.test(url);
}

/**
 * `docker buildx build -f aikitfile.yaml https://host/repo.git#ref:subdir`: the engine checks
 * the repository out and the aikitfile is read from it, `-f` relative to the subdir.
 */
async function readGitAikitfile(ctx: FrontendContext, url: string) {
  const { opts } = ctx;
  const hash = url.indexOf('#');
  const remote = hash < 0 ? url : url.slice(0, hash);
  const [ref, subdir] = hash < 0 ? ['', ''] : url.slice(hash + 1).split(':', 2);
  const state = git(remote, {
    ...(ref ? { ref } : {}),
    ...(subdir ? { subdir } : {}),
    name: `[internal] load git source ${redactUrl(remote)}${ref ? `#${ref}` : ''}`,
  });
  return readFromSource(ctx, state, opts.filename, {
    where: redactUrl(remote),
    hint: 'name the aikitfile inside the repository with -f (relative to the #ref:subdir)',
  });
}

/**
 * Reads, through the engine, what conversion needs to know about remote sources: Hub file
 * lists and OCI manifests. Each failure points at the model that needed it.
 */
async function readMetadata(
  ctx: FrontendContext,
  spec: InferenceSpec,
  settings: SourceSettings,
  loaded: LoadedSpec,
  source: SourceInfo,
): Promise<Metadata> {
  const metadata = new Map<string, Uint8Array>();
  // An OCI index needs a second round for the manifest it points at; nothing needs more.
  for (let round = 0; round < 3; round++) {
    const requests = metadataRequests(spec, settings, metadata);
    if (requests.length === 0) return metadata;
    await Promise.all(
      requests.map(async (req) => {
        try {
          const def = marshal(req.state, { caps: ctx.caps.llbCaps });
          const refId = await ctx.client.solve(def);
          metadata.set(req.key, await ctx.client.readFile(refId, req.path));
        } catch (e) {
          if (!(e instanceof BuildkitError)) throw e;
          const auth = /\b(401|403)\b|unauthori[sz]ed|forbidden/i.test(e.message);
          throw new AikitError('MODEL_METADATA_FAILED', `cannot read ${req.description}`, {
            cause: e,
            file: source.filename,
            issues: [
              {
                severity: 'error',
                code: 'MODEL_METADATA_FAILED',
                message: `model ${req.model.name}: cannot read ${req.description}: ${e.message}`,
                hint: auth
                  ? 'the server wants credentials: aikit reads OCI registries anonymously; for Hugging Face pass a token secret (see the docs on private repositories)'
                  : 'check the source name, tag or revision, and any AIKIT_HF_ENDPOINT mirror',
                path: ['models', req.model.index, 'source'],
                ...rangeOf(loaded, ['models', req.model.index, 'source']),
              },
            ],
          });
        }
      }),
    );
  }
  return metadata;
}

async function sendWarnings(ctx: FrontendContext, warnings: Issue[], vertex: string, source: SourceInfo) {
  if (warnings.length === 0) return;
  for (const w of warnings) log.warn({ warning: formatIssue(w, source.filename) });
  // Warn exists from BuildKit v0.10; older engines only get the daemon log line above.
  if (!ctx.caps.frontendCaps.has('gateway.warnings')) return;
  for (const w of warnings) {
    await ctx.client.warn(
      vertex,
      formatIssue({ ...w, severity: 'error' }),
      w.hint ? [w.hint] : [],
      source,
      w.range,
    );
  }
}

// Build-args the frontend reads itself; spec reads `model` and `runtime`.
const KNOWN_ARGS = new Set<string>([
  ...ARTIFACT_ARGS.map((a) => a.name),
  ...SOURCE_ARGS.map((a) => a.name),
  ...FINETUNE_ARGS.map((a) => a.name),
  'model',
  'runtime',
]);

/**
 * A build-arg nothing reads is almost always a typo (AIKIT_LOCALAI_URl) that would silently
 * build the default. BuildKit's own BUILDKIT_* and the SOURCE_DATE_EPOCH convention are fine.
 */
function unusedBuildArgs(buildArgs: Record<string, string>): Issue[] {
  return Object.keys(buildArgs)
    .filter((k) => !KNOWN_ARGS.has(k) && !k.startsWith('BUILDKIT_') && k !== 'SOURCE_DATE_EPOCH')
    .sort()
    .map((k) => ({
      severity: 'warning' as const,
      code: 'UNUSED_BUILD_ARG',
      message: `build-arg ${k} is not used by aikit`,
      hint: `aikit reads ${[...KNOWN_ARGS].sort().join(', ')}`,
    }));
}

function rangeOf(loaded: LoadedSpec, path: (string | number)[]) {
  const range = loaded.locate(path);
  return range ? { range } : {};
}

function userError(e: AikitError, source: SourceInfo): ReturnPayload {
  return { kind: 'error', status: userErrorStatus(e, source) };
}

export type { ReturnPayload };
