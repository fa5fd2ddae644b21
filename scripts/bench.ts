// `npm run bench`: the figures of issues 7 and 15, measured in one run on one engine, printed and
// written to bench/results.md, with the figures as bench/results.json and charts of them as
// bench/*.svg (scripts/bench-charts.ts). Starts the engine, builds aikit:test and the stand-ins.
//
//   npm run bench                      everything (about 40 min on 2 loaded CPUs, 4 GiB included)
//   npm run bench -- --quick           a smoke run: 64 MiB model, one run each, sizes 16,64 MiB
//   npm run bench -- --only cold,multi --model-mib 512 --cold-runs 3
//   npm run bench -- --only growth --sizes 16,256,1024 --model-counts 1,10
//
// Options (each also read from the environment variable in brackets):
//   --runs N            runs per cached/rebuild figure (AIKIT_BENCH_RUNS, default 7)
//   --cold-runs N       runs per cold build figure (AIKIT_BENCH_COLD_RUNS, default 3)
//   --model-mib N       model size of the cold and multi-platform sections (AIKIT_BENCH_MODEL_MIB, 1024)
//   --sizes LIST        model sizes in MiB of the growth section (AIKIT_BENCH_SIZES, 16,64,256,1024,4096)
//   --model-counts LIST model counts of the growth section (AIKIT_BENCH_MODEL_COUNTS, 1,10,100)
//   --exports LIST      exports of the cold section: default,uncompressed (both by default)
//   --only LIST / --skip LIST   sections: cached,cold,nocache,rebuild,frontend,convert,multi,growth
//                       (AIKIT_BENCH_SKIP for --skip)
//   --dockerfile-frontend IMAGE  BuildKit's official Dockerfile frontend, for the cached rebuild's
//                       `#syntax` peer (AIKIT_BENCH_DOCKERFILE_FRONTEND)
//   --reuse-frontend    do not rebuild aikit:test (AIKIT_BENCH_REUSE_FRONTEND=1)
//   --frontend TAG      the frontend image to build and measure (default aikit:test)
//   --zstd              also measure zstd level 1 exports (AIKIT_BENCH_ZSTD=1; leaves zstd blobs
//                       on shared layers)
//
// Every cold build gets model bytes of its own (the last 16 bytes are a fresh nonce, so a fresh
// sha256): neither builder can take the download from the cache of an earlier one, and `--no-cache`
// is not needed (it does not make the Dockerfile download again, see section 2).
import { parseArgs } from 'node:util';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convert, resolveArtifacts } from '../src/convert/index.js';
import { marshal } from '../src/llb/index.js';
import { loadAikitfile, type InferenceSpec } from '../src/aikitfile/index.js';
import { defaultFixtures, fixtureBytes, sha256Hex } from '../test/fixtures/artifacts.js';
import { buildRuntimeStandIns, STAND_IN_IMAGES } from '../test/fixtures/runtime-images.js';
import { startFixtureServer } from '../test/fixtures/server.js';
import { engineEnv, ROOT, run, type RunResult } from '../test/e2e/harness.js';
import { renderBenchCharts, type BenchFigures } from './bench-charts.js';
import { frontendFigures } from './bench/frontend-figures.js';
import { median } from './bench/stats.js';
import { peerDockerfile } from './bench/peer-dockerfile.js';
import { targetLines, type Parts, type TargetFigures } from './bench/targets.js';
import { breakdownLines, medianOf, medianStart, parseRawJson, type Phase } from './bench/timeline.js';

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'dockerfile-frontend': { type: 'string' },
    runs: { type: 'string' },
    'cold-runs': { type: 'string' },
    'model-mib': { type: 'string' },
    sizes: { type: 'string' },
    'model-counts': { type: 'string' },
    only: { type: 'string' },
    skip: { type: 'string' },
    'reuse-frontend': { type: 'boolean', default: false },
    zstd: { type: 'boolean', default: false },
    frontend: { type: 'string' },
    exports: { type: 'string' },
  },
});
const E = process.env;
const list = (s: string) => s.split(',').filter(Boolean);
const numbers = (s: string) => list(s).map(Number);
const RUNS = Number(opt.runs ?? E['AIKIT_BENCH_RUNS'] ?? (opt.quick ? 1 : 7));
const COLD_RUNS = Number(opt['cold-runs'] ?? E['AIKIT_BENCH_COLD_RUNS'] ?? (opt.quick ? 1 : 3));
const MODEL_MIB = Number(opt['model-mib'] ?? E['AIKIT_BENCH_MODEL_MIB'] ?? (opt.quick ? 64 : 1024));
const SIZES = numbers(opt.sizes ?? E['AIKIT_BENCH_SIZES'] ?? (opt.quick ? '16,64' : '16,64,256,1024,4096'));
const MODEL_COUNTS = numbers(
  opt['model-counts'] ?? E['AIKIT_BENCH_MODEL_COUNTS'] ?? (opt.quick ? '1,10' : '1,10,100'),
);
const SECTIONS = ['cached', 'cold', 'nocache', 'rebuild', 'frontend', 'convert', 'multi', 'growth'];
const SKIP = new Set(list(opt.skip ?? E['AIKIT_BENCH_SKIP'] ?? ''));
if (opt.only) for (const s of SECTIONS) if (!list(opt.only).includes(s)) SKIP.add(s);
const EXPORT_NAMES = list(opt.exports ?? 'default,uncompressed').map((e) => {
  if (e !== 'default' && e !== 'uncompressed')
    throw new Error(`--exports: default or uncompressed, not ${e}`);
  return e;
});
const FRONTEND = opt.frontend ?? 'aikit:test';
const REUSE_FRONTEND = opt['reuse-frontend'] || E['AIKIT_BENCH_REUSE_FRONTEND'] === '1';
const ZSTD = opt.zstd || E['AIKIT_BENCH_ZSTD'] === '1';
// An image of BuildKit's official Dockerfile frontend: the cached rebuild is then also measured
// as the same Dockerfile through `#syntax`, the fixed cost any `#syntax` frontend pays.
const DOCKERFILE_FRONTEND = opt['dockerfile-frontend'] ?? E['AIKIT_BENCH_DOCKERFILE_FRONTEND'];

const ms = (x: number) => `${Math.round(x)} ms`;
const sec = (x: number) => `${(x / 1000).toFixed(2)} s`;
const ratio = (a: number, b: number) => (a / b).toFixed(2);
const mark = (ok: boolean) => (ok ? 'met' : 'missed');
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

const lines: string[] = [];
function say(line = ''): void {
  console.log(line);
  lines.push(line);
}
function progress(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

const started = performance.now();
const env = await (async () => {
  const up = await run('scripts/engine.sh', ['up']);
  if (up.code !== 0) throw new Error(`scripts/engine.sh up failed:\n${up.output}`);
  return engineEnv();
})();

async function must(r: Promise<RunResult>, what: string): Promise<RunResult> {
  const res = await r;
  if (res.code !== 0) throw new Error(`${what} failed (exit ${res.code}):\n${res.output.slice(-4000)}`);
  return res;
}

/**
 * Wall-clock time of one `docker buildx build`, client start to exit, and BuildKit's own timing of
 * each vertex (from `--progress=rawjson`, which the client prints as fast as `plain`).
 */
async function timedBuild(
  args: string[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ ms: number; r: RunResult; phases: Phase[] }> {
  const wall0 = Date.now();
  const t0 = performance.now();
  const r = await run('docker', ['buildx', 'build', '--progress=rawjson', '--provenance=false', ...args], {
    env: { ...env, ...extraEnv },
  });
  const t = performance.now() - t0;
  if (r.code !== 0)
    throw new Error(`docker buildx build ${args.join(' ')} failed:\n${r.output.slice(-4000)}`);
  return { ms: t, r, phases: parseRawJson(r.stderr, wall0) };
}

// ---------------------------------------------------------------------------------------------
// Set-up: engine, frontend image, stand-ins, fixture server, the generated model and its server.
// ---------------------------------------------------------------------------------------------
const { version: dockerVersion } = await run('docker', ['version', '--format', '{{.Server.Version}}'], {
  env,
}).then((r) => ({ version: r.stdout.trim() }));
const buildx = (await run('docker', ['buildx', 'version'], { env })).stdout.trim();

let frontendBuildMs = 0;
if (!REUSE_FRONTEND) {
  progress(`building ${FRONTEND}`);
  const t0 = performance.now();
  await must(run('scripts/frontend-image.sh', [FRONTEND], { env }), 'scripts/frontend-image.sh');
  frontendBuildMs = performance.now() - t0;
}
progress('building the runtime stand-ins');
await buildRuntimeStandIns(env);
const fixtures = await startFixtureServer(defaultFixtures());
const baseArgs = {
  AIKIT_BASE_IMAGE: STAND_IN_IMAGES.base,
  AIKIT_LOCALAI_URL: `${fixtures.url}/localai/local-ai-{arch}`,
  AIKIT_BACKEND_IMAGE_LLAMA_CPP: STAND_IN_IMAGES.backends['cpu-llama-cpp'],
};
const buildArgFlags = (args: Record<string, string>) =>
  Object.entries(args).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);

const work = await mkdtemp(join(tmpdir(), 'aikit-bench-'));
const models = await startModelServer();

/** A deterministic, incompressible model file (AES-CTR keystream), made once and streamed. */
async function generateModel(mib: number): Promise<{ path: string; bytes: number }> {
  const dir = join(tmpdir(), 'aikit-bench-cache');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `model-${mib}m.gguf`);
  const bytes = mib * 1024 * 1024;
  const done = `${path}.done`;
  if ((await stat(done).catch(() => undefined)) && (await stat(path).catch(() => undefined))?.size === bytes)
    return { path, bytes };
  progress(`generating a ${mib} MiB model at ${path}`);
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16, 0));
  const out = createWriteStream(path);
  const zero = Buffer.alloc(4 * 1024 * 1024);
  // "GGUF" magic first, so it looks like what it stands in for.
  for (let written = 0; written < bytes; written += zero.length) {
    const chunk = cipher.update(zero.subarray(0, Math.min(zero.length, bytes - written)));
    if (written === 0) chunk.write('GGUF', 0, 'latin1');
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r, j) => out.end((e?: Error | null) => (e ? j(e) : r())));
  await writeFile(done, '');
  return { path, bytes };
}

/** One model file as a build sees it: where to get it and its sha256. */
interface Served {
  url: string;
  sha256: string;
  bytes: number;
}

const NONCE = 16;
// Every name the builds give these files contains this, so their cache records can be pruned.
const MARK = 'aikit-bench';

/**
 * Serves the generated models on loopback, each request for fresh bytes: `/aikit-bench/big/<MiB>/
 * <nonce>/model.gguf` is the generated file with its last 16 bytes replaced by the nonce, and
 * `/aikit-bench/small/<nonce>/<i>/model-<i>.gguf` 64 KiB of their own. The sha256 of a variant comes
 * from the hash of the common prefix (computed once per size) and the nonce. Counts bytes sent.
 */
async function startModelServer() {
  let bytesSent = 0;
  let requests = 0;
  const files = new Map<number, { path: string; bytes: number; prefix: ReturnType<typeof createHash> }>();
  const small = (nonce: string, i: number) =>
    createCipheriv(
      'aes-128-ctr',
      createHash('md5').update(`${nonce}/${i}`).digest(),
      Buffer.alloc(16, 0),
    ).update(Buffer.alloc(64 * 1024));
  const server = http.createServer((req, res) => {
    const big = /^\/aikit-bench\/big\/(\d+)\/([0-9a-f]{32})\/model\.gguf$/.exec(req.url ?? '');
    const sm = /^\/aikit-bench\/small\/([0-9a-f]{32})\/(\d+)\/model-\d+\.gguf$/.exec(req.url ?? '');
    const file = big ? files.get(Number(big[1])) : undefined;
    if (!file && !sm) return void res.writeHead(404).end();
    const size = file ? file.bytes : 64 * 1024;
    const head = { 'content-length': size, 'content-type': 'application/octet-stream' };
    if (req.method === 'HEAD') return void res.writeHead(200, head).end();
    requests++;
    res.writeHead(200, { ...head, 'last-modified': 'Thu, 01 Jan 2026 00:00:00 GMT' });
    if (sm) {
      bytesSent += size;
      return void res.end(small(sm[1]!, Number(sm[2])));
    }
    const s = createReadStream(file!.path, { end: size - NONCE - 1, highWaterMark: 1024 * 1024 });
    s.on('data', (c) => (bytesSent += c.length));
    s.on('end', () => {
      bytesSent += NONCE;
      res.end(Buffer.from(big![2]!, 'hex'));
    });
    s.pipe(res, { end: false });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    /** The generated file of `mib` MiB (made and hashed on first use). */
    async file(mib: number): Promise<{ path: string; bytes: number }> {
      let f = files.get(mib);
      if (!f) {
        const g = await generateModel(mib);
        const prefix = createHash('sha256');
        for await (const c of createReadStream(g.path, { end: g.bytes - NONCE - 1 }))
          prefix.update(c as Buffer);
        f = { ...g, prefix };
        files.set(mib, f);
      }
      return { path: f.path, bytes: f.bytes };
    },
    /** Bytes of the `mib` MiB model no build has seen yet. */
    async fresh(mib: number): Promise<Served> {
      await this.file(mib);
      const f = files.get(mib)!;
      const nonce = randomBytes(NONCE);
      return {
        url: `${url}/${MARK}/big/${mib}/${nonce.toString('hex')}/model.gguf`,
        sha256: f.prefix.copy().update(nonce).digest('hex'),
        bytes: f.bytes,
      };
    },
    /** `n` small models no build has seen yet. */
    freshSmall(n: number): Served[] {
      const nonce = randomBytes(NONCE).toString('hex');
      return Array.from({ length: n }, (_, i) => ({
        url: `${url}/${MARK}/small/${nonce}/${i}/model-${i}.gguf`,
        sha256: sha256Hex(small(nonce, i)),
        bytes: 64 * 1024,
      }));
    },
    counts: () => ({ requests, bytesSent }),
    reset: () => ((requests = 0), (bytesSent = 0)),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * Drops the build cache records of the bench's model files (downloads, copies, layers). The
 * description filter alone leaves most of them: a record stays while a record that does not match
 * (the merge, the export) holds it. So the cache is then cut to 1 GiB, least recently used first;
 * a 1 GiB model leaves 2 GiB of records per build, and 3 cold builds of 4 GiB would fill a disk.
 */
/**
 * Empties the build cache: the records behind removed images stay until a full prune (on Docker
 * 28.5.2's image store a run of this bench left 40 GB that the filters above never reached).
 */
async function pruneAll(): Promise<void> {
  await run('docker', ['buildx', 'prune', '-af'], { env });
  await run('sync', []);
}

async function pruneModels(): Promise<void> {
  await run('docker', ['image', 'prune', '-f'], { env });
  await run('docker', ['buildx', 'prune', '-f', '--filter', `description~=${MARK}`], { env });
  await run('docker', ['buildx', 'prune', '-f', '--max-used-space', '1gb'], { env });
  await run('sync', []);
}

// ---------------------------------------------------------------------------------------------
// The aikitfile and the Dockerfile that produces the same image.
// ---------------------------------------------------------------------------------------------
const CONFIG = (modelFile: string, extra = '') =>
  `- name: bench\n  backend: llama-cpp\n  parameters:\n    model: ${modelFile}\n${extra}`;

/** The model lines of an aikitfile; the names carry the mark, so the cache records can be pruned. */
const modelEntries = (files: readonly Served[]) =>
  files.map((f, i) => `  - name: ${MARK}-${i}\n    source: ${f.url}\n    sha256: ${f.sha256}\n`).join('');
const fileName = (f: Served) => f.url.slice(f.url.lastIndexOf('/') + 1);

function aikitfile(files: readonly Served[], frontend = FRONTEND, configExtra = ''): string {
  const config = CONFIG(fileName(files[0]!), configExtra)
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');
  return `#syntax=${frontend}\napiVersion: v1alpha1\nmodels:\n${modelEntries(files)}config: |\n${config}`;
}

/** What the aikitfile builds, written as a Dockerfile for the engine's built-in frontend. */
function dockerfile(files: readonly Served[]): string {
  return peerDockerfile(
    fixtures.url,
    files.map((f) => ({ url: f.url, sha256: f.sha256, name: fileName(f) })),
  );
}

async function contextFor(name: string, files: readonly Served[], configExtra = '') {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'aikitfile.yaml'), aikitfile(files, FRONTEND, configExtra));
  await writeFile(join(dir, 'Dockerfile'), dockerfile(files));
  await writeFile(join(dir, 'config.yaml'), CONFIG(fileName(files[0]!), configExtra));
  return dir;
}

const aikitArgs = (dir: string) => ['-f', join(dir, 'aikitfile.yaml'), ...buildArgFlags(baseArgs), dir];
const dockerArgs = (dir: string) => ['-f', join(dir, 'Dockerfile'), dir];

type Builder = 'aikit' | 'dockerfile';
type Export = (name: string) => string[];
const EXPORTS: Record<'default' | 'uncompressed', { label: string; out: Export }> = {
  default: { label: 'default (`-t`, gzip)', out: (n) => ['-t', n] },
  uncompressed: {
    label: 'uncompressed',
    out: (n) => ['--output', `type=image,name=${n},compression=uncompressed,force-compression=true`],
  },
};

/**
 * One cold build: fresh model bytes (nothing in the cache can stand in for them), built, timed,
 * the image removed. Returns the time and the model bytes the build fetched.
 */
async function coldBuild(
  builder: Builder,
  files: readonly Served[],
  out: Export,
  extra: string[] = [],
): Promise<{ ms: number; served: number; phases: Phase[] }> {
  const dir = await contextFor(`cold-${builder}-${files[0]!.sha256.slice(0, 12)}`, files);
  const name = `aikit-bench/cold-${builder}:latest`;
  models.reset();
  const { ms: t, phases } = await timedBuild([
    ...extra,
    ...out(name),
    ...(builder === 'aikit' ? aikitArgs(dir) : dockerArgs(dir)),
  ]);
  const served = models.counts().bytesSent;
  await run('docker', ['image', 'rm', '-f', name], { env });
  await rm(dir, { recursive: true, force: true });
  // What this build left in the page cache is written back now, not during the next build.
  await run('sync', []);
  return { ms: t, served, phases };
}

/** Where a builder's cold builds spent their time, from BuildKit's vertex timings. */
function parts(runs: Phase[][], download: RegExp, copy?: RegExp): Parts {
  return {
    beforeDownload: medianStart(runs, download),
    download: medianOf(runs, download),
    copy: copy ? medianOf(runs, copy) : 0,
    exportLayers: medianOf(runs, /^exporting to image › exporting layers$/),
    unpack: medianOf(runs, /^exporting to image › unpacking to /),
    export: medianOf(runs, /^exporting to image$/),
  };
}

/** Least squares of y = a + b·x. */
function fit(points: readonly [number, number][]): { a: number; b: number } {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const sxx = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  const b = sxx ? points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0) / sxx : 0;
  return { a: my - b * mx, b };
}

/** Verifying the bytes, then writing them once: the floor no builder can beat (page cache warm). */
async function floorMs(path: string): Promise<{ floor: number; dd: number; cp: number; sha: number }> {
  const dest = join(work, 'floor.bin');
  const timed = async (f: () => Promise<unknown>) => {
    const t0 = performance.now();
    await f();
    const t = performance.now() - t0;
    await rm(dest, { force: true });
    return t;
  };
  // The page cache warm, as it is for the server.
  await must(run('dd', [`if=${path}`, 'of=/dev/null', 'bs=4M']), 'dd');
  const floor = await timed(async () => {
    await must(run('sha256sum', [path]), 'sha256sum');
    await must(run('cp', [path, dest]), 'cp');
    await must(run('sync', [dest]), 'sync');
  });
  const cp = await timed(async () => {
    await must(run('cp', [path, dest]), 'cp');
    await must(run('sync', [dest]), 'sync');
  });
  const dd = await timed(() => must(run('dd', [`if=${path}`, `of=${dest}`, 'bs=4M', 'conv=fsync']), 'dd'));
  const sha = await timed(() => must(run('sha256sum', [path]), 'sha256sum'));
  return { floor, dd, cp, sha };
}

// ---------------------------------------------------------------------------------------------
say('# aikit benchmarks');
say();
say(
  `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: Docker ${dockerVersion}, ${buildx},`,
);
say(
  `${(await import('node:os')).cpus().length} CPUs, Node ${process.version}. Medians of ${RUNS} runs (cold builds: ${COLD_RUNS}; the machine may be loaded by other work); times are the wall clock of the \`docker buildx build\` client.`,
);
say();

const headerEnd = lines.length;
const targets: TargetFigures = { cold: [] };
const results: Record<string, number> = {};
const figures: BenchFigures = {
  engine: `Docker ${dockerVersion}`,
  date: new Date().toISOString().slice(0, 10),
  cached: [],
  cold: [],
  conversion: [],
};

// Leftovers of an earlier run would only take disk the 4 GiB builds need.
await pruneAll();

// 1. Frontend overhead: fully cached rebuilds. ------------------------------------------------
if (!SKIP.has('cached')) {
  progress('1. fully cached rebuilds');
  const tiny = fixtureBytes('tiny-http.gguf', 64 * 1024);
  const dir = await contextFor('cached', [
    { url: `${fixtures.url}/models/tiny-http.gguf`, sha256: sha256Hex(tiny), bytes: tiny.length },
  ]);
  const variants = {
    'cache only': [] as string[],
    'export to the image store (type=image)': ['--output', 'type=image,name=aikit-bench/cached:latest'],
  };
  say('## 1. Frontend overhead: a fully cached rebuild');
  say();
  say('| output | aikitfile | Dockerfile | ratio | target ≤ 1.3 |');
  say('| --- | --- | --- | --- | --- |');
  for (const [label, extra] of Object.entries(variants)) {
    await timedBuild([...extra, ...aikitArgs(dir)]);
    await timedBuild([...extra, ...dockerArgs(dir)]);
    const a: number[] = [];
    const d: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      a.push((await timedBuild([...extra, ...aikitArgs(dir)])).ms);
      d.push((await timedBuild([...extra, ...dockerArgs(dir)])).ms);
    }
    const [ma, md] = [median(a), median(d)];
    if (!results['cachedAikit']) [results['cachedAikit'], results['cachedDocker']] = [ma, md];
    figures.cached.push({ engine: figures.engine, output: label, aikitfile: ma, dockerfile: md });
    say(`| ${label} | ${ms(ma)} | ${ms(md)} | ${ratio(ma, md)} | ${mark(ma / md <= 1.3)} |`);
  }
  say();
}

// 2. Cold builds. -----------------------------------------------------------------------------
if (!SKIP.has('cold')) {
  progress(`2. cold builds with a ${MODEL_MIB} MiB model`);
  say(`## 2. Cold build with a ${MODEL_MIB} MiB model served on loopback`);
  say();
  const file = await models.file(MODEL_MIB);
  const floors = [];
  for (let i = 0; i < COLD_RUNS; i++) floors.push(await floorMs(file.path));
  const fl = median(floors.map((f) => f.floor));
  results['floor'] = fl;
  const exports = EXPORT_NAMES.map((e) => EXPORTS[e]);
  // Opt-in: BuildKit then reuses the zstd blobs of shared layers (the LocalAI download is cached
  // by content) in later exports without force-compression, which readers without zstd cannot open.
  if (ZSTD)
    exports.splice(1, 0, {
      label: 'zstd level 1',
      out: (n) => [
        '--output',
        `type=image,name=${n},compression=zstd,compression-level=1,force-compression=true`,
      ],
    });
  say(
    'Each build fetches model bytes no build has seen (a fresh sha256), so neither builder has them cached.',
  );
  say();
  say(`Floor (\`sha256sum\` then \`cp\` + \`sync\` of the same bytes, page cache warm): ${sec(fl)}.`);
  say();
  say(`The disk alone (\`dd conv=fsync\` of the same bytes): ${sec(median(floors.map((f) => f.dd)))}.`);
  targets.sha256sum = median(floors.map((f) => f.sha));
  targets.dd = median(floors.map((f) => f.dd));
  say();
  say(
    '| export | aikitfile | Dockerfile (`ADD --checksum`) | aikit / Dockerfile (≤ 1.0) | aikit / floor (≤ 2.0 uncompressed) | model bytes fetched per build (aikit / Dockerfile) |',
  );
  say('| --- | --- | --- | --- | --- | --- |');
  const breakdowns: { label: string; aikit: Phase[][]; dockerfile: Phase[][] }[] = [];
  for (const { label, out } of exports) {
    const a: number[] = [];
    const d: number[] = [];
    const served = { aikit: 0, dockerfile: 0 };
    const bd = { label, aikit: [] as Phase[][], dockerfile: [] as Phase[][] };
    breakdowns.push(bd);
    for (let i = 0; i < COLD_RUNS; i++) {
      // Alternate which builder goes first, so neither always meets the other's writeback.
      const order: Builder[] = i % 2 ? ['dockerfile', 'aikit'] : ['aikit', 'dockerfile'];
      for (const kind of order) {
        const r = await coldBuild(kind, [await models.fresh(MODEL_MIB)], out);
        (kind === 'aikit' ? a : d).push(r.ms);
        bd[kind].push(r.phases);
        served[kind] = Math.max(served[kind], r.served);
        progress(`  ${label} ${kind} run ${i + 1}: ${sec(r.ms)}`);
      }
      await pruneModels();
    }
    const [ma, md] = [median(a), median(d)];
    results[`cold ${label}`] = ma;
    results[`cold dockerfile ${label}`] = md;
    figures.cold.push({
      modelMiB: MODEL_MIB,
      export: label.replace(/`/g, ''),
      aikitfile: ma / 1000,
      dockerfile: md / 1000,
      floor: fl / 1000,
    });
    targets.cold.push({
      label,
      modelMiB: MODEL_MIB,
      aikit: ma,
      dockerfile: md,
      floor: fl,
      aikitParts: parts(bd.aikit, /\] download aikit-bench-/, /\] add model aikit-bench-/),
      dockerfileParts: parts(bd.dockerfile, /ADD .*aikit-bench\/big\//),
    });
    const floorTarget = label === 'uncompressed' ? ` (${mark(ma / fl <= 2)})` : '';
    say(
      `| ${label} | ${sec(ma)} | ${sec(md)} | ${ratio(ma, md)} (${mark(ma / md <= 1)}) | ${ratio(ma, fl)}${floorTarget} | ${mib(served.aikit)} / ${mib(served.dockerfile)} |`,
    );
  }
  say();
  for (const b of breakdowns) {
    say(
      `### Where the time of a cold build goes: ${b.label} export (BuildKit's vertex timings, medians of ${COLD_RUNS})`,
    );
    say();
    for (const l of breakdownLines({ aikitfile: b.aikit, Dockerfile: b.dockerfile }, 50)) say(l);
  }
}

// 2a. The old method. ---------------------------------------------------------------------------
if (!SKIP.has('nocache')) {
  // Why an earlier bench said 1.28–1.37×: it rebuilt the same bytes with `--no-cache`, which makes
  // the aikitfile download again (the frontend marks every op ignore-cache) but not the Dockerfile
  // (dockerfile2llb marks its steps, not the http source of an ADD), so only one builder downloaded.
  progress('2a. the same bytes again with --no-cache');
  say(
    `## 2a. The same ${MODEL_MIB} MiB rebuilt with \`--no-cache\` (how the figures of 2026-11-26 were taken)`,
  );
  say();
  say('| builder | time | model bytes fetched |');
  say('| --- | --- | --- |');
  const same = [await models.fresh(MODEL_MIB)];
  for (const kind of ['aikit', 'dockerfile'] as const) await coldBuild(kind, same, EXPORTS.default.out);
  for (const kind of ['aikit', 'dockerfile'] as const) {
    const xs: number[] = [];
    let served = 0;
    for (let i = 0; i < COLD_RUNS; i++) {
      const r = await coldBuild(kind, same, EXPORTS.default.out, ['--no-cache']);
      xs.push(r.ms);
      served = Math.max(served, r.served);
    }
    say(`| ${kind === 'aikit' ? 'aikitfile' : 'Dockerfile'} | ${sec(median(xs))} | ${mib(served)} |`);
  }
  await pruneModels();
  say();
}

// 3. Config-only rebuild. ----------------------------------------------------------------------
if (!SKIP.has('rebuild')) {
  progress('3. config-only rebuilds');
  const files = [await models.fresh(MODEL_MIB)];
  const dir = await contextFor('rebuild', files);
  await timedBuild(aikitArgs(dir)); // warm: the model is in the cache
  models.reset();
  const t: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await writeFile(
      join(dir, 'aikitfile.yaml'),
      aikitfile(files, FRONTEND, `  # change ${Date.now()}-${i}\n`),
    );
    t.push((await timedBuild(aikitArgs(dir))).ms);
  }
  const { requests, bytesSent } = models.counts();
  const mt = median(t);
  await pruneModels();
  say(`## 3. Config-only rebuild (the ${MODEL_MIB} MiB model in the cache, the config changed each run)`);
  say();
  say(
    `- model requests: ${requests}, model bytes downloaded again: ${bytesSent} (target 0: ${mark(bytesSent === 0)})`,
  );
  if (results['cachedAikit'])
    say(
      `- time: ${ms(mt)}, ${ratio(mt, results['cachedAikit'])}× the fully cached rebuild of (1) (target ≤ 1.2: ${mark(mt / results['cachedAikit'] <= 1.2)})`,
    );
  else say(`- time: ${ms(mt)}`);
  say();
}

// 4. The frontend image: the published image against aikit:test, size and start-up, and the
// fully cached rebuild vertex by vertex (scripts/bench/frontend-figures.ts).
if (!SKIP.has('frontend')) {
  progress('4. the frontend image: size, start-up, the cached rebuild vertex by vertex');
  const f = await frontendFigures({
    env,
    runs: RUNS,
    work,
    fixtureUrl: fixtures.url,
    frontend: FRONTEND,
    ...(DOCKERFILE_FRONTEND ? { dockerfileFrontend: DOCKERFILE_FRONTEND } : {}),
  });
  if (frontendBuildMs)
    f.lines.splice(3, 0, `Building ${FRONTEND} (bundle + import): ${sec(frontendBuildMs)}.`, '');
  for (const l of f.lines) say(l);
  targets.size = f.sizes;
  targets.start = f.starts;
  targets.cachedWalls = f.cachedWalls;
}

// 5. Conversion. ------------------------------------------------------------------------------
if (!SKIP.has('convert')) {
  progress('5. conversion');
  const big50 = conversionAikitfile(50, 100);
  const none = conversionAikitfile(50, 0);
  const once = convertOnce;
  const first = once(big50);
  const times: number[] = [];
  const parts: [number[], number[], number[]] = [[], [], []];
  for (let i = 0; i < 30; i++) {
    const r = once(big50);
    times.push(r.ms);
    r.parts.forEach((p, j) => parts[j]!.push(p));
  }
  const withT = once(big50).ops;
  const withoutT = once(none).ops;
  const mt = median(times);
  // For the chart only: how conversion grows with the number of models (two templates each).
  for (const n of [1, 10, 25, 50, 100]) {
    const text = conversionAikitfile(n, 2 * n);
    once(text);
    const xs: number[] = [];
    for (let i = 0; i < 15; i++) xs.push(once(text).ms);
    figures.conversion.push({ models: n, ms: Number(median(xs).toFixed(2)) });
  }
  say('## 5. Conversion (parse, validate, convert, marshal; in process)');
  say();
  say(
    `- 50 models + 100 templates: median ${mt.toFixed(1)} ms, first call ${first.ms.toFixed(1)} ms (target ≤ 20 ms: ${mark(mt <= 20)})`,
  );
  const [load, conv, marsh] = parts.map((p) => median(p).toFixed(1));
  say(
    `- of which reading and validating the YAML (the \`yaml\` parser with its line counter, then ajv) ${load} ms, conversion ${conv} ms, marshalling the LLB ${marsh} ms`,
  );
  say(
    `- ops with 100 templates: ${withT}; without templates: ${withoutT} (templates add ${withT - withoutT} ops; target: no more than the one file op that holds them)`,
  );
  say();
}

/** Parse, validate, convert and marshal one aikitfile, in process. */
function convertOnce(text: string): { ms: number; ops: number; parts: [number, number, number] } {
  const t0 = performance.now();
  const loaded = loadAikitfile(text, 'aikitfile.yaml');
  const t1 = performance.now();
  const { state } = convert(loaded.spec as InferenceSpec, {
    platform: { os: 'linux', architecture: 'amd64' },
    artifacts: resolveArtifacts({}).artifacts,
  });
  const t2 = performance.now();
  const def = marshal(state);
  const t3 = performance.now();
  return { ms: t3 - t0, ops: def.def.length - 1, parts: [t1 - t0, t2 - t1, t3 - t2] };
}

// 6. Multi-platform, cold. -----------------------------------------------------------------------
if (!SKIP.has('multi')) {
  progress(`6. cold builds for one and two platforms with a ${MODEL_MIB} MiB model`);
  const platforms = { one: 'linux/amd64', two: 'linux/amd64,linux/arm64' };
  const t = { one: [] as number[], two: [] as number[] };
  const served = { one: 0, two: 0 };
  for (let i = 0; i < COLD_RUNS; i++) {
    for (const n of i % 2 ? (['two', 'one'] as const) : (['one', 'two'] as const)) {
      const r = await coldBuild('aikit', [await models.fresh(MODEL_MIB)], EXPORTS.default.out, [
        '--platform',
        platforms[n],
      ]);
      t[n].push(r.ms);
      served[n] = Math.max(served[n], r.served);
      progress(`  ${platforms[n]} run ${i + 1}: ${sec(r.ms)}`);
    }
    await pruneModels();
  }
  const [m1, m2] = [median(t.one), median(t.two)];
  say(`## 6. Multi-platform cold build (${MODEL_MIB} MiB model, default export)`);
  say();
  say('| platforms | time | model bytes fetched |');
  say('| --- | --- | --- |');
  say(`| ${platforms.one} | ${sec(m1)} | ${mib(served.one)} |`);
  say(`| ${platforms.two} | ${sec(m2)} | ${mib(served.two)} |`);
  say();
  say(
    `- two platforms / one: ${ratio(m2, m1)} (target ≤ 1.2: ${mark(m2 / m1 <= 1.2)}); the model fetched once for both: ${mark(served.two <= served.one)}`,
  );
  targets.multi = { one: m1, two: m2, fetchedOnce: served.two <= served.one };
  say();
}

// 7. Growth. ------------------------------------------------------------------------------------
if (!SKIP.has('growth')) {
  progress('7. growth with the number of models and the model size');
  say('## 7. How cost grows');
  say();
  say(
    `### 7a. Number of models (64 KiB each, fresh bytes, default export; cold build medians of ${COLD_RUNS})`,
  );
  say();
  say('| models | LLB ops | conversion (in process) | cold build |');
  say('| --- | --- | --- | --- |');
  const counts: [number, number][] = [];
  for (const n of MODEL_COUNTS) {
    const text = conversionAikitfile(n, 0);
    convertOnce(text);
    const cs: number[] = [];
    for (let i = 0; i < 15; i++) cs.push(convertOnce(text).ms);
    const b: number[] = [];
    for (let i = 0; i < COLD_RUNS; i++)
      b.push((await coldBuild('aikit', models.freshSmall(n), EXPORTS.default.out)).ms);
    await pruneModels();
    counts.push([n, median(b)]);
    (figures.growthModels ??= []).push({ models: n, convertMs: median(cs), buildS: median(b) / 1000 });
    say(`| ${n} | ${convertOnce(text).ops} | ${median(cs).toFixed(1)} ms | ${sec(median(b))} |`);
    progress(`  ${n} models: ${sec(median(b))}`);
  }
  if (counts.length > 1) {
    const f = fit(counts);
    say();
    say(`- fit: ${sec(f.a)} + ${ms(f.b)} per model`);
    (targets.growth ??= []).push(
      `Growth with the number of models (${MODEL_COUNTS.join(', ')}): cold build ${sec(f.a)} + ${ms(f.b)} per model (section 7a).`,
    );
  }
  say();
  // Sizes: skip what the disk cannot hold (the file, the download, its copy, the blob, the unpacked image).
  await pruneAll();
  const free = Number((await run('df', ['-B1', '--output=avail', tmpdir()])).stdout.split('\n')[1]?.trim());
  const sizes = SIZES.filter((m) => m * 2 ** 20 * 8 < free);
  const skipped = SIZES.filter((m) => !sizes.includes(m));
  say(`### 7b. Model size (one model, fresh bytes, uncompressed export; medians of ${COLD_RUNS})`);
  say();
  if (skipped.length) {
    say(`Skipped for lack of disk (${mib(free)} free): ${skipped.join(', ')} MiB.`);
    say();
  }
  say('| model | aikitfile | Dockerfile | floor (`sha256sum`, `cp`, `sync`) | disk (`dd conv=fsync`) |');
  say('| --- | --- | --- | --- | --- |');
  const pts = {
    aikit: [] as [number, number][],
    dockerfile: [] as [number, number][],
    dd: [] as [number, number][],
  };
  for (const m of sizes) {
    const file = await models.file(m);
    const fl = await floorMs(file.path);
    const t = { aikit: [] as number[], dockerfile: [] as number[] };
    for (let i = 0; i < COLD_RUNS; i++) {
      for (const kind of i % 2 ? (['dockerfile', 'aikit'] as const) : (['aikit', 'dockerfile'] as const))
        t[kind].push((await coldBuild(kind, [await models.fresh(m)], EXPORTS.uncompressed.out)).ms);
      await pruneModels();
    }
    const [ma, md] = [median(t.aikit), median(t.dockerfile)];
    pts.aikit.push([m, ma]);
    pts.dockerfile.push([m, md]);
    pts.dd.push([m, fl.dd]);
    figures.cold.push({
      modelMiB: m,
      export: 'uncompressed (growth)',
      aikitfile: ma / 1000,
      dockerfile: md / 1000,
      floor: fl.floor / 1000,
    });
    say(`| ${m} MiB | ${sec(ma)} | ${sec(md)} | ${sec(fl.floor)} | ${sec(fl.dd)} |`);
    progress(`  ${m} MiB: aikit ${sec(ma)}, Dockerfile ${sec(md)}`);
  }
  if (sizes.length > 1) {
    say();
    const per = (xs: [number, number][]) => {
      const f = fit(xs);
      // Below the noise of a loaded machine the slope can come out ≤ 0: say so instead.
      return f.b > 0
        ? `${sec(f.a)} + MiB ÷ ${(1000 / f.b).toFixed(0)} MiB/s`
        : `no growth above the noise (${sec(f.a)} flat); measure larger sizes`;
    };
    say(`- aikitfile: ${per(pts.aikit)}`);
    say(`- Dockerfile: ${per(pts.dockerfile)}`);
    say(`- the disk itself (\`dd conv=fsync\` of the same bytes): ${per(pts.dd)}`);
    (targets.growth ??= []).push(
      `Growth with the model size (${sizes.join(', ')} MiB, uncompressed): aikitfile ${per(pts.aikit)}; Dockerfile ${per(pts.dockerfile)}; the disk ${per(pts.dd)} (section 7b).`,
    );
  }
  say();
}

function conversionAikitfile(models: number, templates: number): string {
  let out = 'apiVersion: v1alpha1\nmodels:\n';
  for (let i = 0; i < models; i++) {
    out += `  - name: model-${i}\n    source: https://example.com/models/model-${i}.gguf\n    sha256: ${sha256Hex(Buffer.from(String(i)))}\n`;
    const here = Math.floor(templates / models) + (i < templates % models ? 1 : 0);
    if (here) out += '    promptTemplates:\n';
    for (let j = 0; j < here; j++)
      out += `      - name: t-${i}-${j}\n        template: "{{.Input}} ${i}/${j} \\"$HOME\\""\n`;
  }
  out += 'config: |\n';
  for (let i = 0; i < models; i++)
    out += `  - name: model-${i}\n    parameters:\n      model: model-${i}.gguf\n`;
  return out;
}

if (results['cachedAikit'] && results['cachedDocker'])
  targets.cached = { aikit: results['cachedAikit'], dockerfile: results['cachedDocker'] };
lines.splice(headerEnd, 0, ...targetLines(targets));

// ---------------------------------------------------------------------------------------------
say(`Total bench time: ${sec(performance.now() - started)}.`);
await writeFile(join(ROOT, 'bench/results.md'), `${lines.join('\n')}\n`);
await writeFile(join(ROOT, 'bench/results.json'), `${JSON.stringify(figures, null, 2)}\n`);
for (const chart of await renderBenchCharts(figures)) progress(`wrote ${chart}`);
await models.close();
await fixtures.close();
await rm(work, { recursive: true, force: true });
progress('wrote bench/results.md');
