import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fixtureBytes, localaiStandIn, sha256Hex } from '../fixtures/artifacts.js';
import { startRegistry, type Registry } from '../fixtures/registry.js';
import { cpuBuildArgs } from '../fixtures/runtime-images.js';
import { buildxArgs, makeContext, ociTarPath, run, serveFixture, type BuildOptions } from './harness.js';
import { imageFile, readOciTar, untar } from './oci.js';

// The bill of materials on the real engine: the SPDX attestation the frontend returns, where
// users look for it (an OCI layout, `docker buildx imagetools inspect --format '{{json .SBOM}}'`
// after a push), then signed and verified with scripts/sign.sh, the release's own commands,
// with Debian's cosign, a test key and no transparency log.
const fixtureUrl = inject('fixtureUrl');
const env = { ...process.env, ...inject('engine') };
const PLATFORMS = ['linux/amd64', 'linux/arm64'];

const weights = fixtureBytes('bom-weights.gguf', 96 * 1024);
const config = Buffer.from('{"architectures": ["LlamaForCausalLM"]}\n');
const httpModel = fixtureBytes('tiny-http.gguf', 64 * 1024);
const commit = 'c0ffee'.padEnd(40, '0');

const AIKITFILE = `#syntax=aikit:test
apiVersion: v1alpha1
models:
  - name: bom-repo
    source: huggingface://acme/bom
  - name: tiny
    source: ${fixtureUrl}/models/tiny-http.gguf
    sha256: ${sha256Hex(httpModel)}
`;
const cpu = cpuBuildArgs(fixtureUrl);
const buildArgs = {
  ...cpu,
  AIKIT_HF_ENDPOINT: `${fixtureUrl}/hf-bom`,
  AIKIT_LOCALAI_SHA256_AMD64: sha256Hex(localaiStandIn('amd64')),
  AIKIT_LOCALAI_SHA256_ARM64: sha256Hex(localaiStandIn('arm64')),
};

interface Descriptor {
  mediaType?: string;
  digest: string;
  platform?: { os: string; architecture: string };
  annotations?: Record<string, string>;
}
interface Statement {
  _type: string;
  predicateType: string;
  subject: { name: string; digest: Record<string, string> }[];
  predicate: SpdxDocument;
}
interface SpdxDocument {
  spdxVersion: string;
  name: string;
  packages: {
    SPDXID: string;
    name: string;
    versionInfo?: string;
    packageFileName?: string;
    licenseDeclared: string;
    checksums?: { algorithm: string; checksumValue: string }[];
    comment?: string;
  }[];
}

let ctx: string;

beforeAll(async () => {
  await serveFixture(
    fixtureUrl,
    '/hf-bom/api/models/acme/bom/revision/main?blobs=true',
    JSON.stringify({
      id: 'acme/bom',
      sha: commit,
      cardData: { license: 'apache-2.0' },
      siblings: [
        { rfilename: 'config.json', size: config.length },
        {
          rfilename: 'bom.gguf',
          size: weights.length,
          lfs: { sha256: sha256Hex(weights), size: weights.length },
        },
      ],
    }),
    { contentType: 'application/json' },
  );
  await serveFixture(fixtureUrl, `/hf-bom/acme/bom/resolve/${commit}/config.json`, config);
  await serveFixture(fixtureUrl, `/hf-bom/acme/bom/resolve/${commit}/bom.gguf`, weights);
  ctx = await makeContext({ 'aikitfile.yaml': AIKITFILE });
});

/** A build of the test aikitfile; `extra` flags go before the context. */
function build(o: Partial<BuildOptions>, extra: string[] = []) {
  const args = buildxArgs({ file: join(ctx, 'aikitfile.yaml'), context: ctx, buildArgs, ...o });
  args.splice(args.length - 1, 0, ...extra);
  return run('docker', args, { env });
}

/** Every in-toto statement of an OCI layout tarball, with the manifest each one is about. */
async function statements(tar: string): Promise<{ about: string; statement: Statement }[]> {
  const blobs = new Map<string, Buffer>();
  let index: { manifests?: Descriptor[] } | undefined;
  for (const e of await untar(await readFile(tar))) {
    const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(e.name);
    if (m) blobs.set(`sha256:${m[1]}`, e.data);
    if (e.name === 'index.json') index = JSON.parse(e.data.toString()) as typeof index;
  }
  const json = <T>(digest: string) => JSON.parse(blobs.get(digest)!.toString()) as T;
  let top = index!;
  // `--output type=oci` wraps the image index in the layout's own index.
  while (top.manifests?.length === 1 && top.manifests[0]!.mediaType?.endsWith('index.v1+json')) {
    top = json(top.manifests[0]!.digest);
  }
  const out: { about: string; statement: Statement }[] = [];
  for (const m of top.manifests ?? []) {
    if (m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest') continue;
    const manifest = json<{ layers: Descriptor[] }>(m.digest);
    for (const layer of manifest.layers) {
      out.push({
        about: m.annotations['vnd.docker.reference.digest']!,
        statement: json<Statement>(layer.digest),
      });
    }
  }
  return out;
}

const modelPackage = (doc: SpdxDocument, path: string) => {
  const p = doc.packages.find((x) => x.packageFileName === path);
  if (!p) throw new Error(`${doc.name}: no package for ${path}`);
  return p;
};

describe('the bill of materials', () => {
  it('is an SPDX attestation per platform in the OCI layout, with the model bytes it lists', async () => {
    const tar = await ociTarPath('bom');
    const started = performance.now();
    const r = await build({ platforms: PLATFORMS, output: `type=oci,dest=${tar}` });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    expect(r.code, r.output.slice(-3000)).toBe(0);
    const images = await readOciTar(tar);
    const spdx = (await statements(tar)).filter(
      (s) => s.statement.predicateType === 'https://spdx.dev/Document',
    );
    // The harness passes --provenance=false: the BOM does not ride on buildx's attestations.
    expect(spdx).toHaveLength(PLATFORMS.length);
    for (const image of images) {
      const { statement } = spdx.find((s) => s.about === image.manifestDigest)!;
      expect(statement._type).toMatch(/^https:\/\/in-toto\.io\/Statement\//);
      const doc = statement.predicate;
      expect(doc.spdxVersion).toBe('SPDX-2.3');
      expect(doc.name).toBe(`aikit-${image.platform.replace('/', '-')}`);

      // The model file as the image holds it: same sha256, same size, the Hub's commit and license.
      const file = imageFile(image, 'models/acme/bom/bom.gguf').data;
      const hub = modelPackage(doc, '/models/acme/bom/bom.gguf');
      expect(hub.checksums).toEqual([{ algorithm: 'SHA256', checksumValue: sha256Hex(file) }]);
      expect(hub.comment).toContain(`size ${file.length} bytes`);
      expect(hub.versionInfo).toBe(commit);
      expect(hub.licenseDeclared).toBe('Apache-2.0');
      const http = modelPackage(doc, '/models/tiny-http.gguf');
      expect(http.checksums?.[0]?.checksumValue).toBe(
        sha256Hex(imageFile(image, 'models/tiny-http.gguf').data),
      );

      const arch = image.platform.split('/')[1]!;
      const runtime = modelPackage(doc, '/usr/bin/local-ai');
      expect(runtime.checksums?.[0]?.checksumValue).toBe(
        sha256Hex(imageFile(image, 'usr/bin/local-ai').data),
      );
      expect(runtime.checksums?.[0]?.checksumValue).toBe(sha256Hex(localaiStandIn(arch)));
      const sourceImages = doc.packages.filter((p) => p.SPDXID.startsWith('SPDXRef-SourceImage-'));
      expect(sourceImages.map((p) => p.name)).toEqual([
        `docker.io/${cpu['AIKIT_BASE_IMAGE']}`,
        `docker.io/${cpu['AIKIT_BACKEND_IMAGE_LLAMA_CPP']}`,
      ]);
      for (const p of sourceImages) expect(p.versionInfo).toMatch(/^sha256:[a-f0-9]{64}$/);
    }
    const amd64 = spdx.find(
      (s) => s.about === images.find((i) => i.platform === 'linux/amd64')!.manifestDigest,
    )!;
    const shown = {
      ...amd64.statement,
      predicate: { ...amd64.statement.predicate, packages: amd64.statement.predicate.packages.slice(0, 4) },
    };
    console.log(
      `bill of materials (${seconds} s build, 2 platforms), trimmed:\n${JSON.stringify(shown, null, 2)}`,
    );
  });

  it('is on for one platform too, left out with AIKIT_SBOM=false, and kept with --sbom=false', async () => {
    const on = await ociTarPath('bom-one');
    const r = await build({ output: `type=oci,dest=${on}` });
    expect(r.code, r.output.slice(-3000)).toBe(0);
    expect((await statements(on)).map((s) => s.statement.predicateType)).toEqual([
      'https://spdx.dev/Document',
    ]);

    const off = await ociTarPath('bom-off');
    const o = await build({
      output: `type=oci,dest=${off}`,
      buildArgs: { ...buildArgs, AIKIT_SBOM: 'false' },
    });
    expect(o.code, o.output.slice(-3000)).toBe(0);
    expect(await statements(off)).toEqual([]);

    // buildx drops a disabled attestation instead of passing it on: the frontend never sees it.
    const flag = await ociTarPath('bom-flag');
    const f = await build({ output: `type=oci,dest=${flag}` }, ['--sbom=false']);
    expect(f.code, f.output.slice(-3000)).toBe(0);
    expect(await statements(flag)).toHaveLength(1);
  });

  describe('pushed to a registry', () => {
    let registry: Registry;
    let keys: string;
    let image: string;

    beforeAll(async () => {
      registry = await startRegistry();
      keys = await mkdtemp(join(tmpdir(), 'aikit-cosign-'));
      const metadata = join(keys, 'metadata.json');
      const ref = `${registry.host}/aikit-e2e/bom:latest`;
      const r = await build(
        { platforms: PLATFORMS, output: `type=image,name=${ref},push=true,registry.insecure=true` },
        ['--metadata-file', metadata],
      );
      expect(r.code, r.output.slice(-3000)).toBe(0);
      const digest = (JSON.parse(await readFile(metadata, 'utf8')) as Record<string, string>)[
        'containerimage.digest'
      ];
      image = `${registry.host}/aikit-e2e/bom@${digest}`;
    });
    afterAll(async () => {
      await registry?.stop();
    });

    it('shows in docker buildx imagetools inspect as .SBOM, per platform', async () => {
      const r = await run(
        'docker',
        ['buildx', 'imagetools', 'inspect', image, '--format', '{{json .SBOM}}'],
        {
          env,
        },
      );
      expect(r.code, r.output).toBe(0);
      const sbom = JSON.parse(r.stdout) as Record<string, { SPDX: SpdxDocument }>;
      expect(Object.keys(sbom).sort()).toEqual(PLATFORMS);
      for (const p of PLATFORMS) {
        const hub = modelPackage(sbom[p]!.SPDX, '/models/acme/bom/bom.gguf');
        expect(hub.checksums?.[0]?.checksumValue).toBe(sha256Hex(weights));
      }
      const doc = sbom['linux/amd64']!.SPDX;
      console.log(
        `imagetools .SBOM (linux/amd64), model package:\n${JSON.stringify(modelPackage(doc, '/models/acme/bom/bom.gguf'), null, 2)}`,
      );
    });

    it('is signed and verified by scripts/sign.sh, and fails verification with another key', async () => {
      const signEnv = {
        ...env,
        COSIGN_PASSWORD: 'aikit-test',
        // Not the developer's own key or registry login, whatever the environment holds.
        COSIGN_KEY: '',
        COSIGN_PUBLIC_KEY: '',
        AIKIT_SIGN_OFFLINE: '1',
        AIKIT_SIGN_PLAIN_HTTP: '1',
      };
      for (const name of ['release', 'other']) {
        const k = await run('bash', ['scripts/sign.sh', 'keygen', join(keys, name)], { env: signEnv });
        expect(k.code, k.output).toBe(0);
      }
      const timed = async (args: string[], extra: NodeJS.ProcessEnv) => {
        const started = performance.now();
        const r = await run('bash', ['scripts/sign.sh', ...args], { env: { ...signEnv, ...extra } });
        return { ...r, seconds: ((performance.now() - started) / 1000).toFixed(1) };
      };
      const signed = await timed(['sign', image], { COSIGN_KEY: join(keys, 'release.key') });
      expect(signed.code, signed.output).toBe(0);
      const verified = await timed(['verify', image], { COSIGN_PUBLIC_KEY: join(keys, 'release.pub') });
      expect(verified.code, verified.output).toBe(0);
      for (const p of PLATFORMS)
        expect(verified.stderr).toMatch(new RegExp(`SBOM attestation of ${p} .* verified`));
      const wrong = await timed(['verify', image], { COSIGN_PUBLIC_KEY: join(keys, 'other.pub') });
      expect(wrong.code).not.toBe(0);
      expect(wrong.output).toMatch(/failed to verify signature|no matching signatures/i);
      console.log(
        `scripts/sign.sh: sign ${signed.seconds} s, verify ${verified.seconds} s, wrong key refused in ${wrong.seconds} s\n${verified.stderr
          .split('\n')
          .filter((l) => /verified|checks were performed/.test(l))
          .join('\n')}`,
      );
    });
  });
});
