import type { FinetuneSpec } from '../aikitfile/index.js';
import { convertFinetune, sourceSettings } from '../convert/index.js';
import {
  resultPayload,
  targetPlatforms,
  type BuildFile,
  type FrontendContext,
  type ReturnPayload,
} from '../gateway/index.js';
import { marshal, type SourceInfo } from '../llb/index.js';
import { AikitError, type Locate } from '../util/errors.js';
import { log } from '../util/log.js';
import { sendWarnings } from './engine.js';

/**
 * A fine-tune: one platform's graph whose result is the output directory (the model file or
 * adapter), for `--output type=local,dest=<dir>`. GPU steps get a CDI device where the engine
 * has the cap, and run insecure otherwise (convert/finetune/unsloth.ts).
 */
export async function buildFinetune(
  ctx: FrontendContext,
  spec: FinetuneSpec,
  locate: Locate,
  file: BuildFile,
  source: SourceInfo,
): Promise<ReturnPayload> {
  const { client, opts, caps } = ctx;
  const platforms = targetPlatforms(ctx);
  if (platforms.length > 1) {
    throw new AikitError('UNSUPPORTED_PLATFORMS', 'a fine-tune builds for one platform', {
      hint: 'drop --platform, or give one platform',
    });
  }
  const platform = platforms[0]!;
  const result = convertFinetune(spec, {
    platform,
    buildArgs: opts.buildArgs,
    imageResolveMode: opts.imageResolveMode,
    sessionId: opts.sessionFor(opts.contextLocal),
    contextLocal: opts.contextLocal,
    sources: { settings: sourceSettings(opts.buildArgs, caps.llbCaps) },
    at: (path) => {
      const r = locate(path);
      return r ? { source, ranges: [{ start: { line: r.line }, end: { line: r.endLine } }] } : undefined;
    },
    cdiDevices: caps.llbCaps.has('exec.cdidevices'),
  });
  await sendWarnings(ctx, result.warnings, file.vertex, source);
  const def = marshal(result.state, { caps: caps.llbCaps, ignoreCache: opts.noCache });
  const refId = await client.solve(def, { cacheImports: opts.cacheImports });
  log.debug({ target: spec.target, output: result.file, ops: def.def.length }, 'solved fine-tune');
  // The result is a directory, not an image; the config only satisfies the exporters' format.
  const imageConfig = {
    architecture: platform.architecture,
    os: platform.os,
    config: {},
    rootfs: { type: 'layers', diff_ids: [] },
  };
  return resultPayload([{ platform, refId, imageConfig }], false);
}
