import {
  huggingFaceSpec,
  modelFiles,
  packageArgs,
  packageGraph,
  PACKAGER_IMAGE_ARG,
  readMetadata,
  sourceSettings,
  writeLayout,
  type PackageJob,
  type PackageTarget,
  type PackageTool,
} from '../convert/index.js';
import { resultPayload, targetPlatforms, userErrorStatus, type FrontendContext } from '../gateway/index.js';
import type { ReturnPayload } from '../gateway/index.js';
import { formatPlatform, marshal } from '../llb/index.js';
import { AikitError } from '../util/errors.js';
import { log } from '../util/log.js';
import { engineImageResolver, engineMetadataFetcher } from './engine.js';

// The packaging targets' build flow (`--target packager/modelpack|generic`): no aikitfile is
// read (the reference's command sends an empty Dockerfile on stdin); the build-args say what to
// package, and the result is a directory for `--output`: `layout/`, an OCI image layout.

/** Builds a packaging target; user mistakes come back as errors, without a file to point into. */
export async function buildPackage(ctx: FrontendContext, target: PackageTarget): Promise<ReturnPayload> {
  try {
    return await packageBuild(ctx, target);
  } catch (e) {
    if (e instanceof AikitError) return { kind: 'error', status: userErrorStatus(e) };
    throw e;
  }
}

async function packageBuild(ctx: FrontendContext, target: PackageTarget): Promise<ReturnPayload> {
  const { opts, caps, client, env } = ctx;
  const args = packageArgs(target, opts.buildArgs);
  // The step runs where the build runs: the worker's own platform, whatever --platform says.
  const platform = env.workerPlatforms[0] ?? targetPlatforms(ctx)[0]!;
  const tool = args.filesOutput ? undefined : await packagerTool(ctx, args.toolImage, platform);
  const settings = sourceSettings(opts.buildArgs);
  let hfFiles;
  if (args.source.kind === 'huggingface') {
    const spec = huggingFaceSpec(args.source.repo, args.source.revision);
    const fetcher = engineMetadataFetcher(ctx, 'source', () => undefined);
    const metadata = await readMetadata(spec, settings, fetcher).catch((e: unknown) => {
      throw sourceError(e, args.sourceText);
    });
    hfFiles = modelFiles(spec, { locate: () => undefined, settings, metadata });
  }
  const state = packageGraph({
    target,
    args,
    tool: tool ?? { image: 'scratch', command: [] },
    contextLocal: opts.contextLocal,
    sessionId: opts.sessionFor(opts.contextLocal),
    ...(hfFiles ? { hfFiles } : {}),
    platform,
  });
  const def = marshal(state, { caps: caps.llbCaps, ignoreCache: opts.noCache });
  const refId = await client.solve(def, { cacheImports: opts.cacheImports });
  log.debug({ target, platform: formatPlatform(platform), ops: def.def.length }, 'packaged');
  const imageConfig = {
    architecture: platform.architecture,
    os: platform.os,
    rootfs: { type: 'layers', diff_ids: [] },
  };
  return resultPayload([{ platform, refId, imageConfig }], false);
}

/**
 * A Hub listing that could not be read, said of the `source` build-arg: the one-model aikitfile
 * the flow reads it through is not the user's, so its line and key path would mislead.
 */
function sourceError(e: unknown, source: string): unknown {
  if (!(e instanceof AikitError) || e.code !== 'MODEL_METADATA_FAILED') return e;
  const what = (e.issues[0]?.message ?? e.message).replace(/^model [^:]+: /, '');
  const refused = /\b40[13]\b|unauthori[sz]ed|forbidden/i.test(what);
  return new AikitError('MODEL_METADATA_FAILED', `--build-arg source=${source}: ${what}`, {
    cause: e,
    hint: refused
      ? 'a private repository needs a token: --secret id=hf-token,env=HF_AUTH --build-arg AIKIT_HF_TOKEN_SECRET=hf-token, with HF_AUTH="Bearer $HF_TOKEN" (the token reaches no graph, layout or log)'
      : (e.issues[0]?.hint ?? e.hint ?? 'check the repository, its revision and AIKIT_HF_ENDPOINT'),
  });
}

/**
 * The packaging step runs this very frontend from its own image: BuildKit names that image in
 * the `source` option (from `#syntax=` or BUILDKIT_SYNTAX), and the image's node and bundle are
 * where this process runs from. AIKIT_PACKAGER_IMAGE names another image of the same build.
 */
async function packagerTool(
  ctx: FrontendContext,
  override: string | undefined,
  platform: ReturnType<typeof targetPlatforms>[number],
): Promise<PackageTool> {
  const ref = override ?? (ctx.env.opts['source'] || ctx.opts.buildArgs['BUILDKIT_SYNTAX'] || '');
  if (!ref) {
    throw new AikitError('NO_PACKAGER_IMAGE', 'the packaging step does not know which image to run in', {
      hint: `build with --build-arg BUILDKIT_SYNTAX=<aikit image> or set --build-arg ${PACKAGER_IMAGE_ARG}=<aikit image>`,
    });
  }
  const { digest } = await engineImageResolver(ctx)(ref, platform);
  return {
    image: ref,
    ...(digest ? { digest } : {}),
    command: [process.execPath, process.argv[1] ?? '/aikit/main.cjs'],
  };
}

/** `main.cjs package <job JSON>`: the packaging step inside the build. Returns the exit code. */
export async function runPackageTool(argv: readonly string[]): Promise<number> {
  const [json] = argv;
  if (!json || argv.length !== 1) {
    process.stderr.write('usage: package <job JSON>\n');
    return 2;
  }
  try {
    const job = JSON.parse(json) as PackageJob;
    const { manifest, config } = await writeLayout(job);
    process.stderr.write(`packaged ${job.name}: manifest ${manifest.digest} (${manifest.size} bytes)\n`);
    if (job.kind === 'modelpack') process.stderr.write(`config ${JSON.stringify(config)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof AikitError) {
      process.stderr.write(`error: ${e.message}${e.hint ? `\nhint: ${e.hint}` : ''}\n`);
      return 1;
    }
    throw e;
  }
}
