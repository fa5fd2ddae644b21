import type { ImageResolver, MetadataFetcher, MetadataRequest } from '../convert/index.js';
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
  const fail = (req: MetadataRequest, message: string, hint: string, cause?: unknown): never => {
    const issue = locatedIssue(locate, {
      code: 'MODEL_METADATA_FAILED',
      message: `model ${req.model.name}: ${message}`,
      hint,
      path: ['models', req.model.index, 'source'],
    });
    throw new AikitError('MODEL_METADATA_FAILED', `cannot read ${req.description}`, {
      ...(cause ? { cause } : {}),
      file,
      issues: [issue],
    });
  };
  return async (req) => {
    const failed = (e: unknown): never => {
      if (!(e instanceof BuildkitError)) throw e;
      return fail(req, `cannot read ${req.description}: ${e.message}`, solveHint(e.message), e);
    };
    const read = (refId: string, path: string) =>
      ctx.client.readFile(refId, path).then((data) => ({ data }), failed);
    const refId = await ctx.client.solve(marshal(req.state, { caps: ctx.caps.llbCaps })).catch(failed);
    // The step's verdict and the document are read in one round trip, the verdict judged first: a
    // registry step records its failure instead of failing, so say it at the model's line.
    const docRead = read(refId, req.path);
    if (req.status) {
      const statusRead = read(refId, req.status.path);
      const [status] = await Promise.allSettled([statusRead, docRead]);
      if (status.status === 'rejected') throw status.reason;
      const problem = req.status.problem(status.value.data);
      if (problem) return fail(req, problem.message, problem.hint);
    }
    const doc = (await docRead).data;
    const unusable = req.status?.documentProblem(doc);
    if (unusable) return fail(req, unusable.message, unusable.hint);
    return doc;
  };
}

function solveHint(message: string): string {
  if (/network\.host/.test(message)) {
    return 'the registry step needs the host network: pass --allow network.host to buildx (the builder must allow the network.host entitlement), or set AIKIT_OCI_NETWORK=sandbox';
  }
  if (/\b(401|403)\b|unauthori[sz]ed|forbidden/i.test(message)) {
    return 'the server wants credentials: for OCI registries pass --secret id=docker-config,src=$HOME/.docker/config.json; for Hugging Face pass a token secret (see the docs on private repositories)';
  }
  return 'check the source name, tag or revision, any AIKIT_HF_ENDPOINT mirror, and that AIKIT_ORAS_IMAGE can be pulled';
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
