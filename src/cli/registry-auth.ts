import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

// Registry reads for `aikit convert`, which fetches manifests itself (a build reads them through
// an oras step instead). ghcr.io, Docker Hub, Quay and nvcr.io answer every request, public ones
// included, with 401 and a Bearer challenge; distribution's token flow (docs/spec/auth/token.md)
// turns that into a token: GET <realm>?service=…&scope=repository:<name>:pull, with Basic
// credentials from docker login when there are some, then the request again with the token.

/** `docker login` credentials for one registry. */
export interface Credentials {
  username: string;
  password: string;
}

/** A registry read that did not give the document, in terms a hint can be chosen by. */
export interface RegistryRefusal {
  status: number;
  /** The registry's or token server's own words. */
  reason: string;
  /** Who asked: the account of the credentials sent, if any. */
  account?: string;
  /** The token server, not the registry, refused (bad credentials, or 403 for the scope). */
  byTokenServer: boolean;
}

type RegistryResult = { ok: true; res: Response } | ({ ok: false } & RegistryRefusal);

export interface RegistryClientOptions {
  /** The folder of config.json: DOCKER_CONFIG, else ~/.docker. */
  dockerConfig?: string;
}

const MAX_REDIRECTS = 5;

/** Docker Hub's names for itself, as `auths` keys and as the host requests go to. */
const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** The `auths` key form of a host: no scheme or path, Docker Hub under one name. */
function authKey(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  return DOCKER_HUB.has(host) ? 'docker.io' : host;
}

/**
 * The credentials config.json holds for a registry host: `auths.<host>.auth` (base64 of
 * `user:password`, what docker login writes without a helper) or its username and password.
 * Credential helpers (credsStore, credHelpers) are not run.
 */
export async function dockerCredentials(host: string, configDir?: string): Promise<Credentials | undefined> {
  const dir = configDir ?? process.env['DOCKER_CONFIG'] ?? join(homedir(), '.docker');
  let config: { auths?: Record<string, { auth?: string; username?: string; password?: string }> };
  try {
    config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as typeof config;
  } catch {
    return undefined;
  }
  const want = authKey(host);
  const entry = Object.entries(config.auths ?? {}).find(([k]) => authKey(k) === want)?.[1];
  if (!entry) return undefined;
  if (entry.auth) {
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon > 0) return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  return undefined;
}

/** A `WWW-Authenticate` challenge: its scheme and parameters (quoted values may hold commas). */
export function parseChallenge(
  header: string,
): { scheme: string; params: Record<string, string> } | undefined {
  const m = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?\s*/gy;
  const rest = m[2]!;
  re.lastIndex = 0;
  for (let p = re.exec(rest); p; p = re.exec(rest)) {
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
    if (re.lastIndex >= rest.length) break;
  }
  return { scheme: m[1]!.toLowerCase(), params };
}

/** Credentials go over https, or to this machine; never in clear text across a network. */
function safeForSecrets(url: URL): boolean {
  return url.protocol === 'https:' || ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/**
 * GETs registry documents through the token flow. Tokens are kept per realm, service and scope
 * for the client's life (one `aikit convert`: an index, then its manifest). Redirects are
 * followed here, not by fetch, so an Authorization header never goes to another host.
 */
export function registryClient(opts: RegistryClientOptions = {}) {
  const tokens = new Map<string, string>();
  // Read once per host for the client's life, not again on every 401 (the index, then its manifest).
  const credentials = new Map<string, ReturnType<typeof dockerCredentials>>();
  const credentialsFor = (host: string) => {
    if (!credentials.has(host)) credentials.set(host, dockerCredentials(host, opts.dockerConfig));
    return credentials.get(host)!;
  };

  /** GET, following redirects; the authorization is sent to the first host only. */
  async function get(url: string, headers: Record<string, string>, authorization?: string) {
    const origin = new URL(url).host;
    let at = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const sameHost = new URL(at).host === origin;
      const res = await fetch(at, {
        headers: { ...headers, ...(authorization && sameHost ? { authorization } : {}) },
        redirect: 'manual',
      });
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel();
        at = new URL(location, at).toString();
        continue;
      }
      return res;
    }
    throw new Error(`more than ${MAX_REDIRECTS} redirects from ${url}`);
  }

  /** Asks the realm for a token for the scopes; a refusal comes back as one. */
  async function token(
    params: Record<string, string>,
    url: URL,
    creds: Credentials | undefined,
  ): Promise<{ token: string } | RegistryRefusal> {
    const realm = new URL(params['realm'] ?? '');
    if (params['service']) realm.searchParams.set('service', params['service']);
    // No scope in the challenge (some registries leave it out): the repository of the request.
    const repo = /^\/v2\/(.+)\/(?:manifests|blobs)\/[^/]+$/.exec(url.pathname)?.[1];
    const scopes = params['scope']
      ? params['scope'].split(' ').filter(Boolean)
      : repo
        ? [`repository:${repo}:pull`]
        : [];
    for (const s of scopes) realm.searchParams.append('scope', s);
    const send = creds && safeForSecrets(realm) ? creds : undefined;
    if (send) realm.searchParams.set('account', send.username);
    const key = realm.toString();
    const known = tokens.get(key);
    if (known) return { token: known };
    const basic = send ? `Basic ${Buffer.from(`${send.username}:${send.password}`).toString('base64')}` : '';
    const res = await fetch(realm, { headers: basic ? { authorization: basic } : {}, redirect: 'follow' });
    const text = await res.text();
    if (!res.ok) {
      return {
        status: res.status,
        reason: errorText(text) || res.statusText,
        ...(send ? { account: send.username } : {}),
        byTokenServer: true,
      };
    }
    let body: { token?: unknown; access_token?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = {};
    }
    const value = typeof body.token === 'string' && body.token ? body.token : body.access_token;
    if (typeof value !== 'string' || !value) {
      return { status: 401, reason: 'the token server answered without a token', byTokenServer: true };
    }
    tokens.set(key, value);
    return { token: value };
  }

  /** Reads `url`: anonymously first, then through the challenge the registry answers with. */
  return async function registryGet(url: string, headers: Record<string, string>): Promise<RegistryResult> {
    const target = new URL(url);
    const first = await get(url, headers);
    if (first.status !== 401) return settle(first, undefined);
    const challenge = parseChallenge(first.headers.get('www-authenticate') ?? '');
    const creds = await credentialsFor(target.host);
    if (challenge?.scheme === 'bearer' && challenge.params['realm']) {
      await first.body?.cancel();
      const got = await token(challenge.params, target, creds);
      if (!('token' in got)) return { ok: false, ...got };
      return settle(await get(url, headers, `Bearer ${got.token}`), creds);
    }
    if (challenge?.scheme === 'basic' && creds && safeForSecrets(target)) {
      await first.body?.cancel();
      const basic = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      return settle(await get(url, headers, basic), creds);
    }
    return settle(first, undefined, challenge?.params['error']);
  };

  /** The answer to the read: the document, or the registry's refusal in its own words. */
  async function settle(
    res: Response,
    creds: Credentials | undefined,
    challengeError?: string,
  ): Promise<RegistryResult> {
    if (res.ok) return { ok: true, res };
    const text = await res.text().catch(() => '');
    const error =
      challengeError ?? parseChallenge(res.headers.get('www-authenticate') ?? '')?.params['error'];
    const reason = [errorText(text) || res.statusText, error].filter(Boolean).join('; ');
    return {
      ok: false,
      status: res.status,
      reason,
      ...(creds ? { account: creds.username } : {}),
      byTokenServer: false,
    };
  }
}

/** The message of a registry error body (`{"errors":[{"code","message"}]}`), or its text. */
function errorText(text: string): string {
  try {
    const doc = JSON.parse(text) as { errors?: { code?: string; message?: string }[]; details?: string };
    const first = doc.errors?.[0];
    if (first) return [first.code, first.message].filter(Boolean).join(': ');
    if (typeof doc.details === 'string') return doc.details;
  } catch {
    // not JSON
  }
  return text.trim().split('\n')[0]?.slice(0, 200) ?? '';
}
