import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { runCliCaptured } from '../fixtures/cli.js';
import { fixtureBytes, sha256Hex } from '../fixtures/artifacts.js';
import { startRegistry, type Registry } from '../fixtures/registry.js';
import { cpuBuildArgs } from '../fixtures/runtime-images.js';
import { startTokenServer, type TokenServer } from '../fixtures/token-server.js';
import { buildx, engineEnv, makeContext, ociTarPath, run, serveFixture } from './harness.js';
import { imageFile, readOciTar, untar } from './oci.js';

// oci:// from a registry doing distribution's token authentication, as ghcr.io and Docker Hub do:
// Debian's docker-registry with `auth: token:`, our token server issuing signed JWTs, and a front
// that serves blobs through a redirect to another loopback host. The pulls run in build steps
// with Debian's oras (scripts/oras-image.sh) on the host network (loopback registry).
const fixtureUrl = inject('fixtureUrl');
const env = { ...process.env, ...inject('engine') };
const ORAS = 'aikit-test/oras:sid';
const canary = `pw-canary-${Date.now().toString(36)}`;
const buildArgs = { ...cpuBuildArgs(fixtureUrl), AIKIT_ORAS_IMAGE: ORAS };
const allow = ['network.host'];

const weights = fixtureBytes('registry-token-model.gguf', 32 * 1024);
const digest = `sha256:${sha256Hex(weights)}`;
const json = (doc: object) => Buffer.from(JSON.stringify(doc));
const sha = (b: Buffer) => `sha256:${sha256Hex(b)}`;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

let token: TokenServer;
let registry: Registry;

/** An ollama-shaped manifest (Docker media types, a license layer and the model layer). */
async function pushOllama(repo: string): Promise<void> {
  const config = json({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } });
  const license = Buffer.from('MIT license text\n');
  await registry.push(
    repo,
    '1b',
    [config, license, weights],
    {
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: {
        mediaType: 'application/vnd.docker.container.image.v1+json',
        digest: sha(config),
        size: config.length,
      },
      layers: [
        { mediaType: 'application/vnd.ollama.image.license', digest: sha(license), size: license.length },
        { mediaType: 'application/vnd.ollama.image.model', digest, size: weights.length },
      ],
    },
    'application/vnd.docker.distribution.manifest.v2+json',
  );
}

/** A generic artifact behind an OCI index, as multi-platform pushes wrap it. */
async function pushGenericIndexed(repo: string): Promise<void> {
  const empty = Buffer.from('{}');
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: 'application/vnd.aikit.model.v1',
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha(empty), size: 2 },
    layers: [
      {
        mediaType: 'application/octet-stream',
        digest,
        size: weights.length,
        annotations: { 'org.opencontainers.image.title': 'model.gguf' },
      },
    ],
  };
  const manifestDigest = await registry.push(repo, 'inner', [empty, weights], manifest, OCI_MANIFEST);
  await registry.push(
    repo,
    'v1',
    [],
    {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: OCI_MANIFEST, digest: manifestDigest, size: json(manifest).length }],
    },
    'application/vnd.oci.image.index.v1+json',
  );
}

/** A docker config file with `user:password` for the registry, beside the context. */
async function dockerConfig(ctx: string, user: string, password: string): Promise<string> {
  const config = join(ctx, '..', `docker-config-${user}-${Date.now().toString(36)}.json`);
  const auth = Buffer.from(`${user}:${password}`).toString('base64');
  await writeFile(config, JSON.stringify({ auths: { [registry.host]: { auth } } }));
  return config;
}

const aikitfile = (models: [string, string][]) =>
  `#syntax=aikit:test\napiVersion: v1alpha1\nmodels:\n${models.map(([n, s]) => `  - name: ${n}\n    source: ${s}\n`).join('')}`;

beforeAll(async () => {
  const img = await run('scripts/oras-image.sh', [ORAS], { env });
  if (img.code !== 0) throw new Error(`scripts/oras-image.sh failed:\n${img.output}`);
  token = await startTokenServer({
    publicPrefixes: ['public/'],
    users: { alice: canary, bob: 'pw-bob', carol: 'pw-carol' },
    limited: { bob: 'empty-access', carol: 'forbidden' },
  });
  registry = await startRegistry({ token, redirectBlobs: true });
  await pushOllama('public/library/tinyllama');
  await pushGenericIndexed('public/models/generic');
  await pushGenericIndexed('private/models/generic');
}, 600_000);

afterAll(async () => {
  await registry?.stop();
  await token?.stop();
});

describe('oci:// from a registry with token authentication', () => {
  it('pulls public ollama-shaped and index-wrapped artifacts anonymously, blobs through a redirect', async () => {
    const ctx = await makeContext({
      'aikitfile.yaml': aikitfile([
        ['ollama', `oci://${registry.host}/public/library/tinyllama:1b`],
        ['generic', `oci://${registry.host}/public/models/generic:v1`],
      ]),
    });
    const tar = await ociTarPath('token-public');
    const before = token.requests.length;
    const r = await buildx(env, {
      file: join(ctx, 'aikitfile.yaml'),
      context: ctx,
      buildArgs,
      allow,
      output: `type=oci,dest=${tar}`,
    });
    expect(r.code, r.output).toBe(0);
    const [image] = await readOciTar(tar);
    expect(imageFile(image!, 'models/tinyllama').data.equals(weights)).toBe(true);
    expect(imageFile(image!, 'models/generic').data.equals(weights)).toBe(true);
    const asked = token.requests.slice(before);
    // The token flow ran, anonymously, for pulls of the public repositories.
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((q) => q.account === undefined && !q.refused)).toBe(true);
    expect(asked.flatMap((q) => q.scopes)).toContain('repository:public/library/tinyllama:pull');
    // Blobs came from the other host, and no Authorization header followed the redirect.
    expect(registry.redirected.length).toBeGreaterThan(0);
    expect(registry.redirected.every((x) => !x.authorization)).toBe(true);
  });

  it('refuses a private repository without credentials, at the source line with the fix', async () => {
    const ctx = await makeContext({
      'aikitfile.yaml': aikitfile([['secret', `oci://${registry.host}/private/models/generic:v1`]]),
    });
    const r = await buildx(env, { file: join(ctx, 'aikitfile.yaml'), context: ctx, buildArgs, allow });
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('aikitfile.yaml:5');
    expect(r.output).toMatch(/wants credentials to pull private\/models\/generic \(401\)/);
    expect(r.output).toMatch(/--secret id=docker-config,src=/);
  });

  it('refuses a wrong password at the token server, at the source line', async () => {
    const ctx = await makeContext({
      'aikitfile.yaml': aikitfile([['secret', `oci://${registry.host}/private/models/generic:v1`]]),
    });
    const config = await dockerConfig(ctx, 'alice', 'not-the-password');
    const before = token.requests.length;
    const r = await buildx(env, {
      file: join(ctx, 'aikitfile.yaml'),
      context: ctx,
      buildArgs,
      allow,
      secrets: [`id=docker-config,src=${config}`],
    });
    expect(r.code).not.toBe(0);
    expect(token.requests.slice(before).some((q) => q.account === 'alice' && q.refused)).toBe(true);
    expect(r.output).toContain('aikitfile.yaml:5');
    expect(r.output).toMatch(/wants credentials to pull private\/models\/generic \(401\)/);
  });

  // Two ways a registry says "you may not": distribution's own (the token leaves the scope out,
  // the registry answers 401 insufficient_scope) and a token service's 403.
  for (const [user, status] of [
    ['bob', '401'],
    ['carol', '403'],
  ] as const) {
    it(`refuses an account without pull access (${user}: ${status}), at the source line`, async () => {
      const ctx = await makeContext({
        'aikitfile.yaml': aikitfile([['secret', `oci://${registry.host}/private/models/generic:v1`]]),
      });
      const config = await dockerConfig(ctx, user, `pw-${user}`);
      const before = token.requests.length;
      const r = await buildx(env, {
        file: join(ctx, 'aikitfile.yaml'),
        context: ctx,
        buildArgs,
        allow,
        secrets: [`id=docker-config,src=${config}`],
      });
      expect(r.code).not.toBe(0);
      console.log(
        `[registries] ${user}: ${r.output
          .split('\n')
          .filter((l) => /aikitfile\.yaml:5|hint|status code/.test(l))
          .join(' | ')}`,
      );
      const asked = token.requests.slice(before).filter((q) => q.account === user);
      expect(asked.length).toBeGreaterThan(0);
      expect(asked.every((q) => q.status === (status === '403' ? 403 : 200))).toBe(true);
      expect(r.output).toContain('aikitfile.yaml:5');
      expect(r.output).toMatch(
        status === '403'
          ? /denied pulling private\/models\/generic \(403\)/
          : /wants credentials to pull private\/models\/generic \(401\)/,
      );
      // Credentials were passed and accepted: the hint must not only say to log in.
      expect(r.output).toMatch(/lacks? pull access to private\/models\/generic/);
    });
  }

  it('says a missing tag is not found (404), at the source line', async () => {
    const ctx = await makeContext({
      'aikitfile.yaml': aikitfile([['gone', `oci://${registry.host}/public/models/generic:nope`]]),
    });
    const r = await buildx(env, { file: join(ctx, 'aikitfile.yaml'), context: ctx, buildArgs, allow });
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('aikitfile.yaml:5');
    expect(r.output).toMatch(/was not found \(404\)/);
  });

  it('refuses a manifest of an unknown media type, at the source line', async () => {
    const schema1 = 'application/vnd.docker.distribution.manifest.v1+prettyjws';
    await serveFixture(
      fixtureUrl,
      '/v2/legacy/model/manifests/v1',
      JSON.stringify({ schemaVersion: 1, mediaType: schema1 }),
      {
        contentType: schema1,
      },
    );
    const ctx = await makeContext({
      'aikitfile.yaml': aikitfile([['legacy', `oci://${new URL(fixtureUrl).host}/legacy/model:v1`]]),
    });
    const r = await buildx(env, { file: join(ctx, 'aikitfile.yaml'), context: ctx, buildArgs, allow });
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('aikitfile.yaml:5');
    expect(r.output).toMatch(/unknown media type/);
  });

  it('pulls a private repository with docker-config credentials that leave no trace', async () => {
    const ctx = await makeContext({
      'aikitfile.yaml': aikitfile([['secret', `oci://${registry.host}/private/models/generic:v1`]]),
    });
    const config = await dockerConfig(ctx, 'alice', canary);
    const tar = await ociTarPath('token-private');
    const before = token.requests.length;
    const r = await buildx(env, {
      file: join(ctx, 'aikitfile.yaml'),
      context: ctx,
      buildArgs,
      allow,
      secrets: [`id=docker-config,src=${config}`],
      output: `type=oci,dest=${tar}`,
    });
    expect(r.code, r.output).toBe(0);
    const [image] = await readOciTar(tar);
    expect(imageFile(image!, 'models/generic').data.equals(weights)).toBe(true);
    expect(token.requests.slice(before).some((q) => q.account === 'alice' && !q.refused)).toBe(true);

    // The password is nowhere: not in the image tarball, its config or history, any file of the
    // unpacked image, what the user saw, or the daemon's log. (The LLB names the secret's id only.)
    const tarBytes = await readFile(tar);
    const encoded = Buffer.from(`alice:${canary}`).toString('base64');
    for (const needle of [canary, encoded]) {
      expect(tarBytes.includes(needle)).toBe(false);
      expect(JSON.stringify(image!.config)).not.toContain(needle);
      for (const [path, f] of image!.files) expect(f.data.includes(needle), path).toBe(false);
      expect(r.output).not.toContain(needle);
    }
    const engineHome = process.env['AIKIT_ENGINE_HOME'] ?? '/var/lib/aikit-engine';
    const daemonLog = await readFile(join(engineHome, 'modern/dockerd.log'), 'utf8').catch(() => '');
    expect(daemonLog).not.toContain(canary);
    expect(daemonLog).not.toContain(encoded);
  });
});

describe('aikit convert reads manifests through the token flow', () => {
  const convert = async (source: string, dockerConfigDir: string) => {
    const ctx = await makeContext({ 'aikitfile.yaml': aikitfile([['m', source]]) });
    vi.stubEnv('DOCKER_CONFIG', dockerConfigDir);
    try {
      return await runCliCaptured(['convert', join(ctx, 'aikitfile.yaml'), '--format', 'json']);
    } finally {
      vi.unstubAllEnvs();
    }
  };

  it('anonymously for a public index-wrapped artifact, with credentials for a private one', async () => {
    const none = await mkdtemp(join(tmpdir(), 'aikit-docker-config-'));
    const pub = await convert(`oci://${registry.host}/public/models/generic:v1`, none);
    expect(pub.code, pub.stderr).toBe(0);
    expect(pub.stdout.toString()).toContain(digest);

    const denied = await convert(`oci://${registry.host}/private/models/generic:v1`, none);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/wants credentials to pull private\/models\/generic \(401/);
    expect(denied.stderr).toContain(`docker login ${registry.host}`);

    const alice = await mkdtemp(join(tmpdir(), 'aikit-docker-config-'));
    await writeFile(
      join(alice, 'config.json'),
      JSON.stringify({
        auths: { [registry.host]: { auth: Buffer.from(`alice:${canary}`).toString('base64') } },
      }),
    );
    const before = token.requests.length;
    const priv = await convert(`oci://${registry.host}/private/models/generic:v1`, alice);
    expect(priv.code, priv.stderr).toBe(0);
    expect(priv.stdout.toString()).toContain(digest);
    expect(priv.stdout.toString()).not.toContain(canary);
    expect(token.requests.slice(before).some((q) => q.account === 'alice' && !q.refused)).toBe(true);
  });
});

// The oras steps on the older engines of decisions.md#three-engines: stable (Docker 26.1, buildx,
// classic store, so a tar export rather than OCI) and legacy (Docker 20.10, no buildx: `docker
// build`, whose `--network host` is how its builds get the network.host entitlement). Each
// engine needs the frontend and oras images of its own (about 40 s for both, engines included).
describe('oci:// on the older engines', () => {
  for (const engine of ['stable', 'legacy'] as const) {
    it(`${engine}: pulls the public artifacts anonymously through the token flow`, async () => {
      let t = Date.now();
      const up = await run('scripts/engine.sh', ['up'], { env: { ...process.env, ENGINE: engine } });
      expect(up.code, up.output).toBe(0);
      const engineEnvironment = await engineEnv(engine);
      for (const [script, tag] of [
        ['scripts/frontend-image.sh', 'aikit:test'],
        ['scripts/oras-image.sh', ORAS],
      ] as const) {
        const made = await run(script, [tag], { env: engineEnvironment });
        expect(made.code, made.output).toBe(0);
      }
      const setupMs = Date.now() - t;
      const ctx = await makeContext({
        'aikitfile.yaml': aikitfile([
          ['ollama', `oci://${registry.host}/public/library/tinyllama:1b`],
          ['generic', `oci://${registry.host}/public/models/generic:v1`],
        ]),
      });
      const out = join(ctx, 'image.tar');
      const args =
        engine === 'legacy'
          ? ['build', '--progress=plain', '--network', 'host']
          : ['buildx', 'build', '--progress=plain', '--allow', 'network.host'];
      for (const [k, v] of Object.entries(buildArgs)) args.push('--build-arg', `${k}=${v}`);
      args.push('-f', join(ctx, 'aikitfile.yaml'), '--platform', 'linux/amd64');
      args.push('--output', `type=tar,dest=${out}`, ctx);
      const before = token.requests.length;
      t = Date.now();
      const r = await run('docker', args, { env: engineEnvironment });
      expect(r.code, r.output).toBe(0);
      const buildMs = Date.now() - t;
      const files = new Map(
        (await untar(await readFile(out))).map((e) => [e.name.replace(/^\.?\//, ''), e.data]),
      );
      expect(files.get('models/tinyllama')?.equals(weights)).toBe(true);
      expect(files.get('models/generic')?.equals(weights)).toBe(true);
      expect(token.requests.slice(before).every((q) => q.account === undefined && !q.refused)).toBe(true);
      console.log(
        `[registries] ${engine}: engine, frontend and oras images ${setupMs} ms, build ${buildMs} ms`,
      );
    });
  }
});
