import { placeholderMetadata, type MetadataFetcher } from '../convert/index.js';
import { AikitError } from '../util/errors.js';

/**
 * Reads Hub listings and OCI manifests directly, as the engine would during a build, so the
 * LLB printed is the LLB a build sends. `hfToken` (HF_TOKEN), when set, authorises Hugging Face
 * requests.
 */
export function networkFetcher(hfToken: string | undefined): MetadataFetcher {
  return async (req) => {
    const headers = {
      ...req.headers,
      ...(req.kind === 'hf-listing' && hfToken ? { authorization: `Bearer ${hfToken}` } : {}),
    };
    let res: Response;
    try {
      res = await fetch(req.url, { headers });
    } catch (e) {
      throw new AikitError(
        'MODEL_METADATA_FAILED',
        `model ${req.model.name}: cannot read ${req.description}: ${(e as Error).message}`,
        {
          hint: 'aikit convert reads manifests and file lists over the network; aikit validate works offline',
        },
      );
    }
    if (!res.ok) {
      throw new AikitError(
        'MODEL_METADATA_FAILED',
        `model ${req.model.name}: cannot read ${req.description}: HTTP ${res.status}`,
        {
          hint:
            res.status === 401 || res.status === 403
              ? 'set HF_TOKEN for private Hugging Face repositories'
              : 'check the source',
        },
      );
    }
    return new Uint8Array(await res.arrayBuffer());
  };
}

/** Offline: remote listings and manifests are stood in for, so everything else still converts. */
export const placeholderFetcher: MetadataFetcher = (req) => Promise.resolve(placeholderMetadata(req));
