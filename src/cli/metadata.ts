import { placeholderMetadata, type MetadataFetcher, type MetadataRequest } from '../convert/index.js';
import { AikitError } from '../util/errors.js';
import { registryClient, type RegistryClientOptions, type RegistryRefusal } from './registry-auth.js';

const OFFLINE_HINT =
  'aikit convert reads manifests and file lists over the network; aikit validate works offline';
const CONFIG = '$DOCKER_CONFIG/config.json or ~/.docker/config.json';

/**
 * Reads Hub listings and OCI manifests directly, as the engine would during a build, so the
 * LLB printed is the LLB a build sends. `hfToken` (HF_TOKEN), when set, authorises Hugging Face
 * requests; registries get `docker login` credentials through their token flow.
 */
export function networkFetcher(
  hfToken: string | undefined,
  registry: RegistryClientOptions = {},
): MetadataFetcher {
  const registryGet = registryClient(registry);
  const failed = (req: MetadataRequest, what: string, hint: string, cause?: unknown): never => {
    throw new AikitError(
      'MODEL_METADATA_FAILED',
      `model ${req.model.name}: cannot read ${req.description}: ${what}`,
      {
        hint,
        ...(cause ? { cause } : {}),
      },
    );
  };
  return async (req) => {
    let res: Response;
    try {
      if (req.kind === 'oci-manifest') {
        const got = await registryGet(req.url, req.headers);
        if (!got.ok) return failed(req, ...registryProblem(req.url, got));
        res = got.res;
      } else {
        const headers = { ...req.headers, ...(hfToken ? { authorization: `Bearer ${hfToken}` } : {}) };
        res = await fetch(req.url, { headers });
      }
    } catch (e) {
      if (e instanceof AikitError) throw e;
      return failed(req, (e as Error).message, OFFLINE_HINT, e);
    }
    if (!res.ok) {
      return failed(
        req,
        `HTTP ${res.status}`,
        res.status === 401 || res.status === 403
          ? 'set HF_TOKEN for private Hugging Face repositories'
          : 'check the source',
      );
    }
    return new Uint8Array(await res.arrayBuffer());
  };
}

/** A registry's refusal in the user's terms, with the fix: the message tail and the hint. */
function registryProblem(url: string, r: RegistryRefusal): [string, string] {
  const { host, pathname } = new URL(url);
  const repo = /^\/v2\/(.+)\/manifests\//.exec(pathname)?.[1] ?? pathname;
  const why = r.reason ? ` (${r.status}: ${r.reason})` : ` (${r.status})`;
  const login = `log in with docker login ${host}; aikit convert reads the credentials from ${CONFIG} (not from a credsStore helper)`;
  if (r.status === 401 && r.account && r.byTokenServer) {
    return [`${host} refused the credentials of ${r.account}${why}`, `log in again: ${login}`];
  }
  if (r.status === 401 && !r.account) {
    return [`${host} wants credentials to pull ${repo}${why}`, login];
  }
  if (r.status === 401 || r.status === 403) {
    const who = r.account ? `the account ${r.account}` : 'an anonymous client';
    return [
      `${host} denied ${who} pulling ${repo}${why}`,
      `${who} has no pull access to ${repo}: ask its owner for access, or ${login} as an account that has it`,
    ];
  }
  if (r.status === 404) {
    return [
      `not found${why}`,
      'check the registry, repository and tag; a private repository may also answer 404 without credentials',
    ];
  }
  return [`HTTP ${r.status}${r.reason ? `: ${r.reason}` : ''}`, 'check the source'];
}

/** Offline: remote listings and manifests are stood in for, so everything else still converts. */
export const placeholderFetcher: MetadataFetcher = (req) => Promise.resolve(placeholderMetadata(req));
