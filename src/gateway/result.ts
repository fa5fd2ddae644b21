import { formatPlatform, type Platform } from '../llb/index.js';
import type { ResultAttestation, ReturnPayload } from './client.js';

export interface PlatformResult {
  platform: Platform;
  refId: string;
  /** The OCI image config JSON for this platform. */
  imageConfig: unknown;
  /** In-toto attestations the exporter attaches to this platform's image (an SBOM). */
  attestations?: ResultAttestation[];
}

/**
 * Builds the Return payload the exporters expect (frontend/dockerui/build.go): per-platform refs,
 * `containerimage.config[/<id>]` and `refs.platforms`, which the dockerfile frontend sets even for
 * one platform and which a multi-ref result cannot do without.
 */
export function resultPayload(results: PlatformResult[], multi: boolean): ReturnPayload {
  const metadata: Record<string, Uint8Array> = {};
  const platforms = results.map((r) => ({
    ID: formatPlatform(r.platform),
    Platform: ociPlatform(r.platform),
  }));
  const single = !multi && results.length === 1;
  for (const r of results) {
    const key = single ? 'containerimage.config' : `containerimage.config/${formatPlatform(r.platform)}`;
    metadata[key] = Buffer.from(JSON.stringify(r.imageConfig));
  }
  metadata['refs.platforms'] = Buffer.from(JSON.stringify({ Platforms: platforms }));
  // Keyed by the platform ids of refs.platforms, even for one ref: the exporters look them up so.
  const attested = results.filter((r) => r.attestations?.length);
  return {
    kind: 'result',
    multi: !single,
    refs: results.map((r) => ({ platformId: formatPlatform(r.platform), refId: r.refId })),
    metadata,
    ...(attested.length > 0
      ? {
          attestations: Object.fromEntries(
            attested.map((r) => [formatPlatform(r.platform), r.attestations!]),
          ),
        }
      : {}),
  };
}

function ociPlatform(p: Platform): Record<string, string> {
  return { architecture: p.architecture, os: p.os, ...(p.variant ? { variant: p.variant } : {}) };
}
