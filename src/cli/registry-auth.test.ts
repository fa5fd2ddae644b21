import { createPublicKey, createVerify, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTokenServer, type TokenServer } from '../../test/fixtures/token-server.js';
import type { MetadataRequest } from '../convert/index.js';
import { AikitError } from '../util/errors.js';
import { networkFetcher } from './metadata.js';
import { dockerCredentials, parseChallenge } from './registry-auth.js';

// The token flow against the project's token server (real RS256 JWTs) and a stand-in registry
// that checks them as distribution does: signature against the issuer's certificate, audience,
// and the pull action in `access`. Debian's docker-registry runs the same flow in the e2e.

const MANIFEST = '{"schemaVersion":2,"layers":[]}';
let token: TokenServer;
let registry: Server;
let other: Server;
let host: string;
let dir: string;
/** Authorization headers the redirect target (another host) received. */
const redirected: (string | undefined)[] = [];

function verifies(jwt: string, repo: string, certPem: Buffer): boolean {
  const [h, c, s] = jwt.split('.');
  const key = createPublicKey(new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'pem' }));
  if (!createVerify('RSA-SHA256').update(`${h}.${c}`).verify(key, Buffer.from(s!, 'base64url'))) return false;
  const claims = JSON.parse(Buffer.from(c!, 'base64url').toString()) as {
    aud: string;
    access: { name: string; actions: string[] }[];
  };
  return (
    claims.aud === token.service && claims.access.some((a) => a.name === repo && a.actions.includes('pull'))
  );
}

beforeAll(async () => {
  token = await startTokenServer({
    publicPrefixes: ['public/'],
    users: { alice: 'pw-alice', bob: 'pw-bob', carol: 'pw-carol' },
    limited: { bob: 'empty-access', carol: 'forbidden' },
  });
  const cert = await readFile(token.certPath);
  other = createServer((req, res) => {
    redirected.push(req.headers.authorization);
    res.writeHead(200).end(MANIFEST);
  });
  await new Promise<void>((done) => other.listen(0, '127.0.0.2', done));
  const otherPort = (other.address() as AddressInfo).port;
  registry = createServer((req, res) => {
    const m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(req.url ?? '');
    if (!m) return void res.writeHead(404).end();
    const repo = m[1]!;
    const challenge = `Bearer realm="${token.realm}",service="${token.service}",scope="repository:${repo}:pull"`;
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer) {
      res.writeHead(401, { 'www-authenticate': challenge, 'content-type': 'application/json' });
      return void res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    }
    if (!verifies(bearer, repo, cert)) {
      res.writeHead(401, { 'www-authenticate': `${challenge},error="insufficient_scope"` });
      return void res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    }
    if (m[2] === 'moved') {
      return void res.writeHead(307, { location: `http://127.0.0.2:${otherPort}/elsewhere` }).end();
    }
    res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(MANIFEST);
  });
  await new Promise<void>((done) => registry.listen(0, '127.0.0.1', done));
  host = `127.0.0.1:${(registry.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'aikit-registry-auth-'));
});

afterAll(async () => {
  await new Promise((done) => registry?.close(done));
  await new Promise((done) => other?.close(done));
  await token?.stop();
  await rm(dir, { recursive: true, force: true });
});

const request = (repo: string, ref = 'v1') =>
  ({
    key: 'k',
    kind: 'oci-manifest',
    url: `http://${host}/v2/${repo}/manifests/${ref}`,
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    path: '/manifest.json',
    description: `the manifest of oci://${host}/${repo}:${ref}`,
    model: { name: 'm' },
  }) as unknown as MetadataRequest;

/** A docker config folder with `user:password` for the registry, under an auths key form. */
async function configFor(user: string | undefined, password = `pw-${user}`, key = host): Promise<string> {
  const d = await mkdtemp(join(dir, 'cfg-'));
  const auths = user ? { [key]: { auth: Buffer.from(`${user}:${password}`).toString('base64') } } : {};
  await writeFile(join(d, 'config.json'), JSON.stringify({ auths }));
  return d;
}

const failure = async (fetcher: ReturnType<typeof networkFetcher>, req: MetadataRequest) => {
  const err = await fetcher(req).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AikitError);
  return err as AikitError;
};

describe('registry token flow (aikit convert)', () => {
  it('reads a public manifest anonymously, one token for repeated reads', async () => {
    const before = token.requests.length;
    const fetcher = networkFetcher(undefined, { dockerConfig: await configFor(undefined) });
    expect(Buffer.from(await fetcher(request('public/m'))).toString()).toBe(MANIFEST);
    expect(Buffer.from(await fetcher(request('public/m'))).toString()).toBe(MANIFEST);
    expect(token.requests.slice(before)).toEqual([
      { scopes: ['repository:public/m:pull'], account: undefined, refused: false, status: 200 },
    ]);
  });

  it('sends docker login credentials to the token server for a private repository', async () => {
    const before = token.requests.length;
    // docker login writes some keys with a scheme and path: they name the same host.
    const cfg = await configFor('alice', 'pw-alice', `https://${host}/v1/`);
    expect(
      Buffer.from(await networkFetcher(undefined, { dockerConfig: cfg })(request('private/m'))).toString(),
    ).toBe(MANIFEST);
    expect(token.requests.slice(before)).toEqual([
      { scopes: ['repository:private/m:pull'], account: 'alice', refused: false, status: 200 },
    ]);
  });

  it('reads DOCKER_CONFIG when no folder is given', async () => {
    vi.stubEnv('DOCKER_CONFIG', await configFor('alice'));
    expect(Buffer.from(await networkFetcher(undefined)(request('private/m'))).toString()).toBe(MANIFEST);
  });

  it('without credentials, a private repository is a 401 that says to log in', async () => {
    const err = await failure(networkFetcher(undefined, { dockerConfig: dir }), request('private/m'));
    expect(err.message).toBe(
      `model m: cannot read the manifest of oci://${host}/private/m:v1: ${host} wants credentials to pull private/m (401: UNAUTHORIZED: authentication required; insufficient_scope)`,
    );
    expect(err.hint).toContain(`docker login ${host}`);
  });

  it('a wrong password is refused by the token server, and said so', async () => {
    const err = await failure(
      networkFetcher(undefined, { dockerConfig: await configFor('alice', 'wrong') }),
      request('private/m'),
    );
    expect(err.message).toContain(
      `${host} refused the credentials of alice (401: UNAUTHORIZED: bad credentials)`,
    );
    expect(err.hint).toMatch(/^log in again/);
  });

  it('an account without pull access: a token without the scope, then 401 insufficient_scope', async () => {
    const err = await failure(
      networkFetcher(undefined, { dockerConfig: await configFor('bob') }),
      request('private/m'),
    );
    expect(err.message).toContain(`${host} denied the account bob pulling private/m (401:`);
    expect(err.message).toContain('insufficient_scope');
    expect(err.hint).toContain('the account bob has no pull access to private/m');
  });

  it('an account the token server forbids the scope: 403', async () => {
    const err = await failure(
      networkFetcher(undefined, { dockerConfig: await configFor('carol') }),
      request('private/m'),
    );
    expect(err.message).toContain(
      `${host} denied the account carol pulling private/m (403: DENIED: requested access to the resource is denied)`,
    );
    expect(err.hint).toContain('has no pull access');
  });

  it('follows a redirect to another host without the Authorization header', async () => {
    const cfg = await configFor('alice');
    redirected.length = 0;
    expect(
      Buffer.from(
        await networkFetcher(undefined, { dockerConfig: cfg })(request('private/m', 'moved')),
      ).toString(),
    ).toBe(MANIFEST);
    expect(redirected).toEqual([undefined]);
  });
});

describe('parseChallenge', () => {
  it('reads quoted values with commas and spaces, and bare ones', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://auth.example/token",service=registry.example,scope="repository:a/b:pull,push repository:c:pull",error="insufficient_scope"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.example/token',
        service: 'registry.example',
        scope: 'repository:a/b:pull,push repository:c:pull',
        error: 'insufficient_scope',
      },
    });
    expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({
      scheme: 'basic',
      params: { realm: 'Registry Realm' },
    });
  });
});

describe('dockerCredentials', () => {
  it('finds Docker Hub under any of its names, and username/password entries', async () => {
    const d = await mkdtemp(join(dir, 'hub-'));
    await writeFile(
      join(d, 'config.json'),
      JSON.stringify({
        auths: {
          'https://index.docker.io/v1/': { auth: Buffer.from('hubuser:a:b').toString('base64') },
          'quay.io': { username: 'q', password: 'p' },
          'ghcr.io': {},
        },
        credsStore: 'desktop',
      }),
    );
    expect(await dockerCredentials('registry-1.docker.io', d)).toEqual({
      username: 'hubuser',
      password: 'a:b',
    });
    expect(await dockerCredentials('quay.io', d)).toEqual({ username: 'q', password: 'p' });
    expect(await dockerCredentials('ghcr.io', d)).toBeUndefined();
    expect(await dockerCredentials('ghcr.io', join(d, 'missing'))).toBeUndefined();
  });
});
