import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { access, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fixtureBytes, localaiStandIn, sha256Hex } from '../fixtures/artifacts.js';
import { buildRuntimeStandIns, standInBuildArgs } from '../fixtures/runtime-images.js';
import { startFixtureServer, type FixtureServer } from '../fixtures/server.js';
import { buildx, run } from './harness.js';

// Decision D12 on a real engine: one layer per model file, templates and config in one small
// layer, runtime layers apart; and what that buys: after a template edit, pushing the rebuilt
// image to a registry uploads almost nothing and every model layer keeps its digest.

const env = { ...process.env, ...inject('engine') };
const MiB = 1024 * 1024;
// Random bytes: they do not compress, so re-pushing either would cost megabytes.
const modelA = fixtureBytes('layers-a.gguf', 3 * MiB);
const modelB = fixtureBytes('layers-b.gguf', 2 * MiB);

let server: FixtureServer;
let args: Record<string, string>;

beforeAll(async () => {
  await buildRuntimeStandIns(env);
  server = await startFixtureServer(
    new Map([
      ['/localai/local-ai-amd64', localaiStandIn('amd64')],
      ['/localai/local-ai-arm64', localaiStandIn('arm64')],
      ['/models/layers-a.gguf', modelA],
    ]),
  );
  args = standInBuildArgs(server.url);
});

afterAll(async () => {
  await server?.close();
});

function aikitfile(o: { runtime?: string; template?: string } = {}): string {
  return `#syntax=aikit:test
apiVersion: v1alpha1
debug: true
runtime: "${o.runtime ?? ''}"
models:
  - name: a
    source: ${server.url}/models/layers-a.gguf
    sha256: ${sha256Hex(modelA)}
    promptTemplates:
      - name: chat
        template: ${JSON.stringify(o.template ?? '{{.Input}}\n')}
  - name: b
    source: weights/layers-b.gguf
config: |
  - name: a
    backend: llama-cpp
    parameters:
      model: layers-a.gguf
    template:
      chat: chat
`;
}

async function context(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aikit-layers-'));
  await mkdir(join(dir, 'weights'));
  await writeFile(join(dir, 'weights/layers-b.gguf'), modelB);
  await writeFile(join(dir, 'aikitfile.yaml'), text);
  return dir;
}

interface Layer {
  digest: string;
  size: number;
  /** Regular files and symlinks of the layer (directories left out). */
  files: string[];
}

/** The layers of the one image in an OCI layout tarball, each with the files it holds. */
async function ociLayers(path: string): Promise<Layer[]> {
  const blobs = new Map<string, Buffer>();
  for (const e of await untar(await readFile(path))) {
    const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(e.name);
    if (m) blobs.set(`sha256:${m[1]}`, e.data);
    if (e.name === 'index.json') blobs.set('index', e.data);
  }
  let doc = JSON.parse(blobs.get('index')!.toString()) as {
    manifests?: { digest: string }[];
    layers?: { digest: string; size: number }[];
  };
  while (doc.manifests) doc = JSON.parse(blobs.get(doc.manifests[0]!.digest)!.toString()) as typeof doc;
  const out: Layer[] = [];
  for (const l of doc.layers ?? []) {
    const entries = await untar(gunzipSync(blobs.get(l.digest)!));
    const files = entries
      .filter((e) => e.type !== 'directory')
      .map((e) => e.name.replace(/^\.?\//, ''))
      .sort();
    out.push({ digest: l.digest, size: l.size, files });
  }
  return out;
}

async function untar(buf: Buffer): Promise<{ name: string; type: string; data: Buffer }[]> {
  const out: { name: string; type: string; data: Buffer }[] = [];
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (h, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        out.push({ name: h.name, type: h.type ?? 'file', data: Buffer.concat(chunks) });
        next();
      });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  Readable.from(buf).pipe(extract);
  await done;
  return out;
}

function table(title: string, layers: Layer[]): string {
  const rows = layers.map(
    (l, i) =>
      `  ${String(i + 1).padStart(2)}  ${l.digest.slice(7, 19)}  ${String(l.size).padStart(9)} B  ${
        l.files.length > 4
          ? `${l.files.slice(0, 3).join(' ')} … (${l.files.length} files)`
          : l.files.join(' ')
      }`,
  );
  return `${title}\n${rows.join('\n')}`;
}

describe('layers (D12)', () => {
  it.each([
    ['CPU', ''],
    ['CUDA', 'cuda'],
  ])(
    '%s: each model file, LocalAI, each backend and the templates+config are layers of their own',
    async (name, runtime) => {
      const dir = await context(aikitfile({ runtime }));
      const out = join(dir, 'image.tar');
      const r = await buildx(env, {
        file: join(dir, 'aikitfile.yaml'),
        context: dir,
        platforms: ['linux/amd64'],
        buildArgs: args,
        output: `type=oci,dest=${out}`,
      });
      expect(r.code, r.output).toBe(0);
      const layers = await ociLayers(out);
      console.log(table(`${name} image (linux/amd64, stand-in artifacts):`, layers));

      const only = (pred: (f: string) => boolean) =>
        layers.filter((l) => l.files.length > 0 && l.files.every(pred));
      expect(only((f) => f === 'models/layers-a.gguf')).toHaveLength(1);
      expect(only((f) => f === 'models/layers-b.gguf')).toHaveLength(1);
      expect(only((f) => f === 'usr/bin/local-ai')).toHaveLength(1);
      const backends = runtime === 'cuda' ? ['cuda12-llama-cpp', 'cpu-llama-cpp'] : ['cpu-llama-cpp'];
      for (const b of backends)
        expect(
          only((f) => f.startsWith(`backends/${b}/`)),
          b,
        ).toHaveLength(1);
      expect(layers.at(-1)!.files).toEqual(['config.yaml', 'models/chat.tmpl']);
      expect(layers.at(-1)!.size).toBeLessThan(4096);
      // base + 2 models + LocalAI + backends + templates/config: nothing else.
      expect(layers).toHaveLength(1 + 2 + 1 + backends.length + 1);
    },
  );

  it('after a template edit, a push uploads less than 1 MiB and every model layer keeps its digest', async () => {
    const registry = await startRegistry();
    try {
      const ref = `${registry.host}/aikit-e2e/layers:latest`;
      const push = async (template: string) => {
        const dir = await context(aikitfile({ template }));
        const r = await buildx(env, {
          file: join(dir, 'aikitfile.yaml'),
          context: dir,
          platforms: ['linux/amd64'],
          buildArgs: args,
          output: `type=image,name=${ref},push=true,registry.insecure=true`,
        });
        expect(r.code, r.output).toBe(0);
        return registry.layers('aikit-e2e/layers', 'latest');
      };

      const first = await push('{{.Input}}\n');
      const before = await registry.storedBytes();
      expect(before).toBeGreaterThan(5 * MiB); // both models went up once
      const second = await push('<|user|>{{.Input}}<|assistant|>\n');
      const uploaded = (await registry.storedBytes()) - before;
      console.log(
        `template-only change: ${uploaded} bytes uploaded; layers before ${first.map((l) => l.size).join(', ')}; after ${second.map((l) => l.size).join(', ')}`,
      );
      expect(uploaded).toBeGreaterThan(0);
      expect(uploaded).toBeLessThan(MiB);

      const models = first.filter((l) => l.size > MiB);
      expect(models).toHaveLength(2);
      for (const m of models) expect(second.map((l) => l.digest)).toContain(m.digest);
      // Only the small templates+config layer differs.
      expect(second.slice(0, -1)).toEqual(first.slice(0, -1));
      expect(second.at(-1)!.digest).not.toBe(first.at(-1)!.digest);
    } finally {
      await registry.stop();
    }
  });
});

// --- a loopback registry (Debian's docker-registry, the CNCF distribution registry) -----------

interface Registry {
  host: string;
  storedBytes(): Promise<number>;
  layers(repo: string, tag: string): Promise<{ digest: string; size: number }[]>;
  stop(): Promise<void>;
}

/** Fetches Debian sid's docker-registry once (apt-get download + dpkg -x, as engine.sh does). */
async function registryBinary(): Promise<string> {
  const home = process.env['AIKIT_ENGINE_HOME'] ?? '/var/lib/aikit-engine';
  let dir = join(home, 'pkgs', 'docker-registry');
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, 2);
  } catch {
    dir = join(tmpdir(), 'aikit-docker-registry');
  }
  const bin = join(dir, 'root/usr/bin/docker-registry');
  if (existsSync(bin)) return bin;
  await mkdir(join(dir, 'lists/partial'), { recursive: true });
  await mkdir(join(dir, 'apt-cache/archives/partial'), { recursive: true });
  await mkdir(join(dir, 'debs'), { recursive: true });
  const mirror = process.env['AIKIT_DEBIAN_MIRROR'] ?? 'http://deb.debian.org/debian';
  await writeFile(
    join(dir, 'sources.list'),
    `deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror} sid main\n`,
  );
  const apt = [
    '-q',
    '-o',
    `Dir::Etc::sourcelist=${join(dir, 'sources.list')}`,
    '-o',
    'Dir::Etc::sourceparts=-',
    '-o',
    `Dir::State::Lists=${join(dir, 'lists')}`,
    '-o',
    `Dir::Cache=${join(dir, 'apt-cache')}`,
    '-o',
    'Dir::Cache::pkgcache=',
    '-o',
    'Dir::Cache::srcpkgcache=',
    '-o',
    'APT::Sandbox::User=root',
  ];
  const update = await run('apt-get', [...apt, 'update']);
  if (update.code !== 0) throw new Error(`apt-get update for docker-registry failed:\n${update.output}`);
  const dl = await run('apt-get', [...apt, 'download', 'docker-registry'], { cwd: join(dir, 'debs') });
  if (dl.code !== 0) throw new Error(`apt-get download docker-registry failed:\n${dl.output}`);
  const [deb] = (await readdir(join(dir, 'debs'))).filter((f) => f.endsWith('.deb'));
  const x = await run('dpkg', ['-x', join(dir, 'debs', deb!), join(dir, 'root')]);
  if (x.code !== 0) throw new Error(`dpkg -x failed:\n${x.output}`);
  return bin;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startRegistry(): Promise<Registry> {
  const bin = await registryBinary();
  const dir = await mkdtemp(join(tmpdir(), 'aikit-registry-'));
  const root = join(dir, 'storage');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  await writeFile(
    join(dir, 'config.yml'),
    `version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: ${root}
http:
  addr: ${host}
`,
  );
  const child: ChildProcess = spawn(bin, ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`http://${host}/v2/`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('docker-registry did not start');
    await new Promise((r) => setTimeout(r, 200));
  }

  const storedBytes = async (p = root): Promise<number> => {
    let total = 0;
    for (const e of await readdir(p, { withFileTypes: true })) {
      const q = join(p, e.name);
      total += e.isDirectory() ? await storedBytes(q) : (await stat(q)).size;
    }
    return total;
  };
  const accept = [
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.docker.distribution.manifest.v2+json',
  ].join(', ');
  const manifest = async (repo: string, ref: string) => {
    const res = await fetch(`http://${host}/v2/${repo}/manifests/${ref}`, { headers: { accept } });
    if (!res.ok) throw new Error(`manifest ${repo}:${ref}: ${res.status}`);
    return (await res.json()) as {
      manifests?: { digest: string; platform?: { architecture: string } }[];
      layers?: { digest: string; size: number }[];
    };
  };
  return {
    host,
    storedBytes: () => storedBytes(),
    layers: async (repo, tag) => {
      let doc = await manifest(repo, tag);
      if (doc.manifests) {
        const m = doc.manifests.find((x) => x.platform?.architecture === 'amd64') ?? doc.manifests[0]!;
        doc = await manifest(repo, m.digest);
      }
      return (doc.layers ?? []).map((l) => ({ digest: l.digest, size: l.size }));
    },
    stop: async () => {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await gone;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
