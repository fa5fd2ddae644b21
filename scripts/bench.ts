// `npm run bench`: the figures of issue 7, measured in one run on one engine, printed and written
// to bench/results.md, with the figures as bench/results.json and charts of them as bench/*.svg
// (scripts/bench-charts.ts). Starts the engine, builds aikit:test and the stand-ins itself.
//
//   AIKIT_BENCH_RUNS        runs per cached/rebuild figure (default 7)
//   AIKIT_BENCH_COLD_RUNS   runs per cold 1 GiB build (default 3)
//   AIKIT_BENCH_MODEL_MIB   size of the generated model (default 1024)
//   AIKIT_BENCH_SKIP        comma list of sections to skip: cached,cold,rebuild,frontend,convert
//   AIKIT_BENCH_REUSE_FRONTEND=1  do not rebuild aikit:test
//   AIKIT_BENCH_ZSTD=1      also measure zstd level 1 exports (leaves zstd blobs on shared layers)
import { createCipheriv, createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { convert } from '../src/convert/index.js';
import { marshal } from '../src/llb/index.js';
import { loadAikitfile, type InferenceSpec } from '../src/aikitfile/index.js';
import { defaultFixtures, fixtureBytes, sha256Hex } from '../test/fixtures/artifacts.js';
import { buildRuntimeStandIns, STAND_IN_IMAGES } from '../test/fixtures/runtime-images.js';
import { startFixtureServer } from '../test/fixtures/server.js';
import { engineEnv, ROOT, run, type RunResult } from '../test/e2e/harness.js';
import { renderBenchCharts, type BenchFigures } from './bench-charts.js';

const RUNS = Number(process.env['AIKIT_BENCH_RUNS'] ?? 7);
const COLD_RUNS = Number(process.env['AIKIT_BENCH_COLD_RUNS'] ?? 3);
const MODEL_MIB = Number(process.env['AIKIT_BENCH_MODEL_MIB'] ?? 1024);
const SKIP = new Set((process.env['AIKIT_BENCH_SKIP'] ?? '').split(',').filter(Boolean));
const FRONTEND = 'aikit:test';
const DEBUG_FRONTEND = 'aikit-bench/frontend-debug:latest';
const ENGINE_HOME = process.env['AIKIT_ENGINE_HOME'] ?? '/var/lib/aikit-engine';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ms = (x: number) => `${Math.round(x)} ms`;
const sec = (x: number) => `${(x / 1000).toFixed(2)} s`;
const ratio = (a: number, b: number) => (a / b).toFixed(2);
const mark = (ok: boolean) => (ok ? 'met' : 'missed');

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

/** Wall-clock time of one `docker buildx build`, client start to exit. */
async function timedBuild(
  args: string[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ ms: number; r: RunResult }> {
  const t0 = performance.now();
  const r = await run('docker', ['buildx', 'build', '--progress=plain', '--provenance=false', ...args], {
    env: { ...env, ...extraEnv },
  });
  const t = performance.now() - t0;
  if (r.code !== 0)
    throw new Error(`docker buildx build ${args.join(' ')} failed:\n${r.output.slice(-4000)}`);
  return { ms: t, r };
}

// ---------------------------------------------------------------------------------------------
// Set-up: engine, frontend image, stand-ins, fixture server, the generated model and its server.
// ---------------------------------------------------------------------------------------------
const { version: dockerVersion } = await run('docker', ['version', '--format', '{{.Server.Version}}'], {
  env,
}).then((r) => ({ version: r.stdout.trim() }));
const buildx = (await run('docker', ['buildx', 'version'], { env })).stdout.trim();

let frontendBuildMs = 0;
if (process.env['AIKIT_BENCH_REUSE_FRONTEND'] !== '1') {
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
const model = await generateModel(MODEL_MIB);
const big = await serveFile(model.path);
const modelUrl = `${big.url}/big/model.gguf`;

/** A deterministic, incompressible model file (AES-CTR keystream), made once and streamed. */
async function generateModel(mib: number): Promise<{ path: string; sha256: string; bytes: number }> {
  const dir = join(tmpdir(), 'aikit-bench-cache');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `model-${mib}m.gguf`);
  const bytes = mib * 1024 * 1024;
  const sidecar = `${path}.sha256`;
  const known = await readFile(sidecar, 'utf8').catch(() => '');
  if (known && (await stat(path).catch(() => undefined))?.size === bytes)
    return { path, sha256: known, bytes };
  progress(`generating a ${mib} MiB model at ${path}`);
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16, 0));
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  const zero = Buffer.alloc(4 * 1024 * 1024);
  // "GGUF" magic first, so it looks like what it stands in for.
  for (let written = 0; written < bytes; written += zero.length) {
    const chunk = cipher.update(zero);
    if (written === 0) chunk.write('GGUF', 0, 'latin1');
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r, j) => out.end((e?: Error | null) => (e ? j(e) : r())));
  const sha256 = hash.digest('hex');
  await writeFile(sidecar, sha256);
  return { path, sha256, bytes };
}

/** Serves one file from disk, streamed, at /big/model.gguf; counts requests and bytes sent. */
async function serveFile(path: string) {
  let requests = 0;
  let bytesSent = 0;
  const size = (await stat(path)).size;
  const server = http.createServer((req, res) => {
    if (req.url !== '/big/model.gguf') return void res.writeHead(404).end();
    if (req.method === 'HEAD') return void res.writeHead(200, { 'content-length': size }).end();
    requests++;
    res.writeHead(200, {
      'content-length': size,
      'content-type': 'application/octet-stream',
      'last-modified': 'Thu, 01 Jan 2026 00:00:00 GMT',
    });
    const s = createReadStream(path, { highWaterMark: 1024 * 1024 });
    s.on('data', (c) => (bytesSent += c.length));
    s.pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts: () => ({ requests, bytesSent }),
    reset: () => ((requests = 0), (bytesSent = 0)),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

// ---------------------------------------------------------------------------------------------
// The aikitfile and the Dockerfile that produces the same image.
// ---------------------------------------------------------------------------------------------
const CONFIG = (modelFile: string, extra = '') =>
  `- name: bench\n  backend: llama-cpp\n  parameters:\n    model: ${modelFile}\n${extra}`;

function aikitfile(url: string, sha: string, file: string, frontend = FRONTEND, configExtra = ''): string {
  const config = CONFIG(file, configExtra)
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');
  return `#syntax=${frontend}\napiVersion: v1alpha1\nmodels:\n  - name: bench\n    source: ${url}\n    sha256: ${sha}\nconfig: |\n${config}`;
}

/** What the aikitfile builds, written as a Dockerfile for the engine's built-in frontend. */
function dockerfile(url: string, sha: string, file: string): string {
  return [
    `FROM ${STAND_IN_IMAGES.base}`,
    `ADD --link --chmod=444 --checksum=sha256:${sha} ${url} /models/${file}`,
    `ADD --link --chmod=755 ${fixtures.url}/localai/local-ai-amd64 /usr/bin/local-ai`,
    `COPY --link --from=${STAND_IN_IMAGES.backends['cpu-llama-cpp']} / /backends/cpu-llama-cpp/`,
    'COPY --link config.yaml /config.yaml',
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin CONFIG_FILE=/config.yaml',
    'WORKDIR /',
    'EXPOSE 8080',
    'ENTRYPOINT ["local-ai"]',
    'CMD ["--config-file=/config.yaml"]',
    '',
  ].join('\n');
}

async function contextFor(name: string, url: string, sha: string, file: string, configExtra = '') {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'aikitfile.yaml'), aikitfile(url, sha, file, FRONTEND, configExtra));
  await writeFile(join(dir, 'Dockerfile'), dockerfile(url, sha, file));
  await writeFile(join(dir, 'config.yaml'), CONFIG(file, configExtra));
  return dir;
}

const aikitArgs = (dir: string) => ['-f', join(dir, 'aikitfile.yaml'), ...buildArgFlags(baseArgs), dir];
const dockerArgs = (dir: string) => ['-f', join(dir, 'Dockerfile'), dir];

// ---------------------------------------------------------------------------------------------
say('# aikit benchmarks');
say();
say(
  `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: Docker ${dockerVersion}, ${buildx},`,
);
say(
  `${(await import('node:os')).cpus().length} CPUs, Node ${process.version}. Medians of ${RUNS} runs (cold 1 GiB builds: ${COLD_RUNS}); times are the wall clock of the \`docker buildx build\` client.`,
);
say();

const results: Record<string, number> = {};
const figures: BenchFigures = {
  engine: `Docker ${dockerVersion}`,
  date: new Date().toISOString().slice(0, 10),
  cached: [],
  cold: [],
  conversion: [],
};

// 1. Frontend overhead: fully cached rebuilds. ------------------------------------------------
if (!SKIP.has('cached')) {
  progress('1. fully cached rebuilds');
  const tiny = fixtureBytes('tiny-http.gguf', 64 * 1024);
  const dir = await contextFor(
    'cached',
    `${fixtures.url}/models/tiny-http.gguf`,
    sha256Hex(tiny),
    'tiny.gguf',
  );
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

// 2. Cold 1 GiB builds. ------------------------------------------------------------------------
if (!SKIP.has('cold')) {
  progress(`2. cold builds with a ${MODEL_MIB} MiB model`);
  say(`## 2. Cold build with a ${MODEL_MIB} MiB model served on loopback`);
  say();
  // The floor: verify the bytes, then write them once.
  const floor: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const dest = join(work, 'floor.bin');
    const t0 = performance.now();
    await must(run('sha256sum', [model.path]), 'sha256sum');
    await must(run('cp', [model.path, dest]), 'cp');
    await must(run('sync', [dest]), 'sync');
    floor.push(performance.now() - t0);
    await rm(dest, { force: true });
  }
  const fl = median(floor);
  results['floor'] = fl;
  const dir = await contextFor('cold', modelUrl, model.sha256, 'model.gguf');
  const exports: [string, (name: string) => string[]][] = [
    ['default (`--load`, gzip)', (n) => ['-t', n, '--load']],
    [
      'uncompressed',
      (n) => ['--output', `type=image,name=${n},compression=uncompressed,force-compression=true`],
    ],
  ];
  // Opt-in: BuildKit then reuses the zstd blobs of shared layers (the LocalAI download is cached
  // by content) in later exports without force-compression, which readers without zstd cannot open.
  if (process.env['AIKIT_BENCH_ZSTD'] === '1')
    exports.splice(1, 0, [
      'zstd level 1',
      (n) => ['--output', `type=image,name=${n},compression=zstd,compression-level=1,force-compression=true`],
    ]);
  say(`Floor (\`sha256sum\` then \`cp\` + \`sync\` of the same bytes, page cache warm): ${sec(fl)}.`);
  say();
  say(
    '| export | aikitfile | Dockerfile (`ADD --checksum`) | aikit / Dockerfile (≤ 1.05) | aikit / floor (≤ 2.5 recommended) | model bytes served per build |',
  );
  say('| --- | --- | --- | --- | --- | --- |');
  for (const [label, out] of exports) {
    const a: number[] = [];
    const d: number[] = [];
    let served = 0;
    for (let i = 0; i < COLD_RUNS; i++) {
      for (const [kind, xs] of [
        ['aikit', a],
        ['dockerfile', d],
      ] as const) {
        const name = `aikit-bench/cold-${kind}:latest`;
        big.reset();
        const args = kind === 'aikit' ? aikitArgs(dir) : dockerArgs(dir);
        xs.push((await timedBuild(['--no-cache', ...out(name), ...args])).ms);
        served = Math.max(served, big.counts().bytesSent);
        await run('docker', ['image', 'rm', '-f', name], { env });
        progress(`  ${label} ${kind} run ${i + 1}: ${sec(xs[xs.length - 1]!)}`);
      }
    }
    const [ma, md] = [median(a), median(d)];
    results[`cold ${label}`] = ma;
    figures.cold.push({
      modelMiB: MODEL_MIB,
      export: label.replace(/`/g, ''),
      aikitfile: ma / 1000,
      dockerfile: md / 1000,
      floor: fl / 1000,
    });
    say(
      `| ${label} | ${sec(ma)} | ${sec(md)} | ${ratio(ma, md)} (${mark(ma / md <= 1.05)}) | ${ratio(ma, fl)} | ${(served / 2 ** 20).toFixed(0)} MiB |`,
    );
  }
  say();
}

// 3. Config-only rebuild. ----------------------------------------------------------------------
if (!SKIP.has('rebuild')) {
  progress('3. config-only rebuilds');
  const dir = await contextFor('rebuild', modelUrl, model.sha256, 'model.gguf');
  await timedBuild(aikitArgs(dir)); // warm: the model is in the cache
  big.reset();
  const t: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await writeFile(
      join(dir, 'aikitfile.yaml'),
      aikitfile(modelUrl, model.sha256, 'model.gguf', FRONTEND, `  # change ${Date.now()}-${i}\n`),
    );
    t.push((await timedBuild(aikitArgs(dir))).ms);
  }
  const { requests, bytesSent } = big.counts();
  const mt = median(t);
  say('## 3. Config-only rebuild (the 1 GiB model in the cache, the config changed each run)');
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

// 4. Frontend image size and cold start. -------------------------------------------------------
if (!SKIP.has('frontend')) {
  progress('4. frontend image size and start-up');
  const size = await compressedImageSize(FRONTEND);
  // The same image with AIKIT_LOG=debug, so the gateway logs `ping answered` to the daemon log.
  const dbg = join(work, 'frontend-debug');
  await mkdir(dbg, { recursive: true });
  await writeFile(join(dbg, 'Dockerfile'), `FROM ${FRONTEND}\nENV AIKIT_LOG=debug\n`);
  await must(
    run('docker', ['buildx', 'build', '--provenance=false', '-t', DEBUG_FRONTEND, '--load', dbg], { env }),
    'the debug frontend image',
  );
  const tiny = fixtureBytes('tiny-http.gguf', 64 * 1024);
  const ctx = await contextFor(
    'start',
    `${fixtures.url}/models/tiny-http.gguf`,
    sha256Hex(tiny),
    'tiny.gguf',
  );
  const logPath = join(ENGINE_HOME, 'modern/dockerd.log');
  const starts: number[] = [];
  const pings: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await writeFile(
      join(ctx, 'aikitfile.yaml'),
      aikitfile(`${fixtures.url}/models/tiny-http.gguf`, sha256Hex(tiny), 'tiny.gguf', DEBUG_FRONTEND),
    );
    const before = (await stat(logPath)).size;
    await timedBuild(aikitArgs(ctx));
    const fh = await open(logPath, 'r');
    const after = (await fh.stat()).size;
    const buf = Buffer.alloc(after - before);
    await fh.read(buf, 0, buf.length, before);
    await fh.close();
    // Other builds may share the daemon: take the ping lines of this build's frontend.
    for (const line of buf.toString('utf8').split('\n')) {
      if (!line.includes('"ping answered"')) continue;
      const j = JSON.parse(line.slice(line.indexOf('{'))) as { sinceStart?: number; ms?: number };
      if (j.sinceStart !== undefined) starts.push(j.sinceStart);
      if (j.ms !== undefined) pings.push(j.ms);
      break;
    }
  }
  say('## 4. Frontend image');
  say();
  say(
    `- size: ${(size.compressed / 1e6).toFixed(1)} MB compressed (gzip, as a registry stores it; ${(size.raw / 1e6).toFixed(1)} MB unpacked) (target ≤ 50 MB: ${mark(size.compressed <= 50e6)})`,
  );
  if (starts.length)
    say(
      `- cold start, process start → first Ping answered, inside a real build: median ${ms(median(starts))} (first ${ms(starts[0]!)}, min ${ms(Math.min(...starts))}, max ${ms(Math.max(...starts))}; of which the Ping round trip after module load ${ms(median(pings))}) (target ≤ 150 ms: ${mark(median(starts) <= 150)})`,
    );
  else say('- cold start: no `ping answered` line found in the daemon log');
  if (frontendBuildMs) say(`- building ${FRONTEND} (bundle + import): ${sec(frontendBuildMs)}`);
  say();
}

/** The sum of the image's layers gzip-compressed (level 6, as `docker push` does). */
async function compressedImageSize(tag: string): Promise<{ compressed: number; raw: number }> {
  const file = join(work, 'frontend.tar');
  await must(run('docker', ['save', '-o', file, tag], { env }), 'docker save');
  let compressed = 0;
  let raw = 0;
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    if (!/^blobs\/sha256\/[0-9a-f]{64}$/.test(header.name) || (header.size ?? 0) < 4096) {
      stream.resume();
      stream.on('end', next);
      return;
    }
    // A layer is a tar (gzip it) or already gzip (count it); anything else is metadata.
    let first: Buffer | undefined;
    let kind: 'tar' | 'gzip' | 'other' | undefined;
    const gz = createGzip({ level: 6 });
    gz.on('data', (c: Buffer) => (compressed += c.length));
    stream.on('data', (data: unknown) => {
      const c = data as Buffer;
      if (!kind) {
        first = c;
        kind =
          c[0] === 0x1f && c[1] === 0x8b
            ? 'gzip'
            : c.subarray(257, 262).toString() === 'ustar'
              ? 'tar'
              : 'other';
      }
      if (kind === 'gzip') compressed += c.length;
      if (kind === 'tar') {
        raw += c.length;
        if (!gz.write(c)) {
          stream.pause();
          gz.once('drain', () => stream.resume());
        }
      }
    });
    stream.on('end', () => {
      void first;
      if (kind === 'tar') gz.end(() => next());
      else next();
    });
  });
  await pipeline(createReadStream(file), extract);
  await rm(file, { force: true });
  // Layers the store keeps gzip-compressed were counted as they are; report the unpacked size too.
  const inspect = await run('docker', ['image', 'inspect', tag, '--format', '{{.Size}}'], { env });
  raw = Math.max(raw, Number(inspect.stdout.trim()) || 0);
  return { compressed, raw };
}

// 5. Conversion. ------------------------------------------------------------------------------
if (!SKIP.has('convert')) {
  progress('5. conversion');
  const big50 = conversionAikitfile(50, 100);
  const none = conversionAikitfile(50, 0);
  const opts = {
    platform: { os: 'linux', architecture: 'amd64' },
    artifacts: (await import('../src/convert/index.js')).resolveArtifacts({}).artifacts,
  };
  const once = (text: string) => {
    const t0 = performance.now();
    const loaded = loadAikitfile(text, 'aikitfile.yaml');
    const { state } = convert(loaded.spec as InferenceSpec, opts);
    const def = marshal(state);
    return { ms: performance.now() - t0, ops: def.def.length - 1 };
  };
  const first = once(big50);
  const times: number[] = [];
  for (let i = 0; i < 30; i++) times.push(once(big50).ms);
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
  say(
    `- ops with 100 templates: ${withT}; without templates: ${withoutT} (templates add ${withT - withoutT} ops; target: no more than the one file op that holds them)`,
  );
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

if (!SKIP.has('startup'))
  for (const l of await (
    await import('./bench/frontend-figures.js')
  ).frontendFigures({ env, runs: RUNS, work, fixtureUrl: fixtures.url, frontend: FRONTEND }))
    say(l);

// ---------------------------------------------------------------------------------------------
say(`Total bench time: ${sec(performance.now() - started)}.`);
await writeFile(join(ROOT, 'bench/results.md'), `${lines.join('\n')}\n`);
await writeFile(join(ROOT, 'bench/results.json'), `${JSON.stringify(figures, null, 2)}\n`);
for (const chart of await renderBenchCharts(figures)) progress(`wrote ${chart}`);
await big.close();
await fixtures.close();
await rm(work, { recursive: true, force: true });
progress('wrote bench/results.md');
