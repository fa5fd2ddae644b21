import {
  imageKey,
  inventory,
  resolveImages,
  SBOM_ARG,
  runtimeImageRefs,
  serializeSpdx,
  SPDX_PREDICATE_TYPE,
  spdxDocument,
  spdxTime,
  toolImageRefs,
  type Artifacts,
  type ImageDigests,
  type ImageResolver,
  type Metadata,
  type SourceSettings,
} from '../convert/index.js';
import type { FrontendContext, ResultAttestation } from '../gateway/index.js';
import { formatPlatform, marshal, mkfile, scratch, type Platform } from '../llb/index.js';
import type { InferenceSpec } from '../aikitfile/index.js';
import { log } from '../util/log.js';
import { engineImageResolver } from './engine.js';

// Every inference image carries its bill of materials (website/docs/supply-chain.md): an SPDX
// document written by a file op into a scratch state of its own, which the result's attestation
// points at, so the image's layers and the LLB of the image itself stay as they were.

/** Where the document is in its state; also the statement's name in `--output type=local|tar`. */
export const BOM_PATH = '/aikit.spdx.json';

/**
 * Whether this build attaches a BOM: always, unless `AIKIT_SBOM=false`, an `attest:sbom` with
 * `disabled=true`, or an engine that cannot take attestations (cap `reference.attestations`,
 * BuildKit ≥ v0.11; older engines would drop the field anyway).
 */
export function bomWanted(ctx: Pick<FrontendContext, 'caps' | 'opts' | 'env'>): boolean {
  if (!ctx.caps.frontendCaps.has('reference.attestations')) return false;
  if (/^(false|0|no|off)$/i.test(ctx.opts.buildArgs[SBOM_ARG]?.trim() ?? '')) return false;
  const attest = ctx.env.opts['attest:sbom'];
  return !(attest !== undefined && /(^|,)"?disabled=true"?(,|$)/i.test(attest));
}

/** What the BOM of one platform's image is made from: the inputs its conversion had. */
export interface BomInputs {
  artifacts: Artifacts;
  settings: SourceSettings;
  metadata: Metadata;
  /** The digests conversion pinned; the BOM resolves the other images it lists. */
  imageDigests: ImageDigests;
}

/** Writes one platform's BOM into a state of its own and returns the attestation that points at it. */
export async function platformBom(
  ctx: FrontendContext,
  spec: InferenceSpec,
  inputs: BomInputs,
  platform: Platform,
): Promise<ResultAttestation[]> {
  const { artifacts, settings } = inputs;
  const tools = toolImageRefs(spec, settings);
  const unresolved = [...runtimeImageRefs(spec, artifacts, platform), ...tools].filter(
    (ref) => !(imageKey(ref, artifacts) in inputs.imageDigests),
  );
  const digests = {
    ...(await resolveImages(unresolved, platform, lenient(engineImageResolver(ctx)), artifacts)),
    ...inputs.imageDigests,
  };
  const inv = inventory(spec, {
    platform,
    artifacts,
    settings,
    metadata: inputs.metadata,
    imageDigests: digests,
    toolImages: tools,
  });
  const doc = spdxDocument(inv, { created: spdxTime(sourceDateEpoch(ctx.opts.buildArgs)) });
  const state = scratch().file(mkfile(BOM_PATH, 0o444, serializeSpdx(doc)), {
    name: `[aikit] write the bill of materials (${formatPlatform(platform)})`,
  });
  const refId = await ctx.client.solve(marshal(state, { caps: ctx.caps.llbCaps }));
  log.debug({ platform: formatPlatform(platform), packages: doc.packages.length }, 'bill of materials');
  return [
    {
      refId,
      path: BOM_PATH,
      predicateType: SPDX_PREDICATE_TYPE,
      // Not inline-only: BuildKit's OCI and docker tarballs of one platform drop those (exporter
      // writer.go); so a local or tar output gets the statement as a file, as with --sbom.
      metadata: { reason: Buffer.from('sbom') },
    },
  ];
}

/** An image the BOM cannot resolve is listed without a digest; it never fails the build. */
function lenient(resolve: ImageResolver): ImageResolver {
  return async (ref, platform) => {
    try {
      return await resolve(ref, platform);
    } catch (e) {
      log.debug({ ref, err: e }, 'bill of materials: no digest');
      return { digest: '' };
    }
  };
}

function sourceDateEpoch(buildArgs: Readonly<Record<string, string>>): number | undefined {
  const v = buildArgs['SOURCE_DATE_EPOCH']?.trim();
  return v && /^\d+$/.test(v) ? Number(v) : undefined;
}
