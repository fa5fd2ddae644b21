import type { ImageResolver, MetadataFetcher } from '../convert/index.js';
import { BuildkitError, type FrontendContext } from '../gateway/index.js';
import { formatPlatform, marshal, type SourceInfo } from '../llb/index.js';
import { AikitError, formatIssue, locatedIssue, type Issue, type Locate } from '../util/errors.js';
import { log } from '../util/log.js';

// What conversion asks of the outside world, answered through the engine: the frontend itself
// has no network, so documents are solved as small http graphs and images resolved by BuildKit.

/**
 * Reads a Hub listing or OCI manifest by solving its one-source graph. A failure points at the
 * model that needed the document.
 */
export function engineMetadataFetcher(ctx: FrontendContext, file: string, locate: Locate): MetadataFetcher {
  return async (req) => {
    try {
      const refId = await ctx.client.solve(marshal(req.state, { caps: ctx.caps.llbCaps }));
      return await ctx.client.readFile(refId, req.path);
    } catch (e) {
      if (!(e instanceof BuildkitError)) throw e;
      const auth = /\b(401|403)\b|unauthori[sz]ed|forbidden/i.test(e.message);
      const issue = locatedIssue(locate, {
        code: 'MODEL_METADATA_FAILED',
        message: `model ${req.model.name}: cannot read ${req.description}: ${e.message}`,
        hint: auth
          ? 'the server wants credentials: aikit reads OCI registries anonymously; for Hugging Face pass a token secret (see the docs on private repositories)'
          : 'check the source name, tag or revision, and any AIKIT_HF_ENDPOINT mirror',
        path: ['models', req.model.index, 'source'],
      });
      throw new AikitError('MODEL_METADATA_FAILED', `cannot read ${req.description}`, {
        cause: e,
        file,
        issues: [issue],
      });
    }
  };
}

/**
 * Resolves images with the engine's ResolveImageConfig, or answers "no digest" when the engine
 * cannot (then the graph names images by tag, as before the capability existed).
 */
export function engineImageResolver(ctx: FrontendContext): ImageResolver {
  const { client, opts, caps } = ctx;
  if (!caps.frontendCaps.has('resolveimage')) return () => Promise.resolve({ digest: '' });
  return async (ref, platform) => {
    const res = await client.resolveImageConfig(
      ref,
      platform,
      opts.imageResolveMode,
      `[internal] load metadata for ${ref} (${formatPlatform(platform)})`,
    );
    return { digest: res.digest, ...(res.config ? { config: res.config } : {}) };
  };
}

/** Sends warnings to the client (buildx prints them with the aikitfile snippet) and the daemon log. */
export async function sendWarnings(
  ctx: FrontendContext,
  warnings: readonly Issue[],
  vertex: string,
  source: SourceInfo,
): Promise<void> {
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
