// Issue 15, targets 3–5 in one section of bench/results.md: the published frontend image (built
// from the repository's Dockerfile) against the local aikit:test in size and start-up, and where
// the time of a fully cached rebuild goes. bench.ts calls `frontendFigures`; run alone with
// `tsx scripts/bench/frontend-figures.ts` (AIKIT_BENCH_RUNS, AIKIT_BENCH_FRONTEND: the local image,
// AIKIT_BENCH_DOCKERFILE_FRONTEND).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultFixtures, fixtureBytes, sha256Hex } from '../../test/fixtures/artifacts.js';
import { buildRuntimeStandIns, cpuBuildArgs } from '../../test/fixtures/runtime-images.js';
import { startFixtureServer } from '../../test/fixtures/server.js';
import { engineEnv, run } from '../../test/e2e/harness.js';
import { cachedBreakdown, cachedBreakdownLines } from './cached.js';
import { imageSize, sizeLine } from './image-size.js';
import { peerDockerfile } from './peer-dockerfile.js';
import { frontendStartup, startupLine } from './startup.js';
import { median } from './stats.js';

export const PUBLISHED = 'aikit-bench/published:latest';

export interface FigureOptions {
  env: NodeJS.ProcessEnv;
  runs: number;
  work: string;
  fixtureUrl: string;
  /** The local frontend image (default aikit:test, already built). */
  frontend?: string;
  /** An image of the official Dockerfile frontend, for the `#syntax` peer of the cached build. */
  dockerfileFrontend?: string;
}

const CONFIG = '- name: bench\n  backend: llama-cpp\n  parameters:\n    model: tiny.gguf\n';

export interface FrontendFigures {
  lines: string[];
  sizes: { tag: string; compressed: number }[];
  /** Median process start → Ping answered (ms), per image. */
  starts: { frontend: string; median: number; min: number }[];
  /** Median wall (ms) of each fully cached rebuild variant. */
  cachedWalls: Record<string, number>;
}

export async function frontendFigures(o: FigureOptions): Promise<FrontendFigures> {
  const frontend = o.frontend ?? 'aikit:test';
  const model = fixtureBytes('tiny-http.gguf', 64 * 1024);
  const url = `${o.fixtureUrl}/models/tiny-http.gguf`;
  const aikitfile = (syntax: string) =>
    `#syntax=${syntax}\napiVersion: v1alpha1\nmodels:\n  - name: bench\n    source: ${url}\n    sha256: ${sha256Hex(model)}\n` +
    `config: |\n${CONFIG.trimEnd()
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n')}\n`;
  const dockerfile = peerDockerfile(o.fixtureUrl, [{ url, sha256: sha256Hex(model), name: 'tiny.gguf' }]);
  const buildArgs = cpuBuildArgs(o.fixtureUrl);

  const t0 = performance.now();
  const pub = await run('scripts/frontend-image.sh', ['--published', PUBLISHED], { env: o.env });
  if (pub.code !== 0) throw new Error(`building the published image failed:\n${pub.output.slice(-4000)}`);
  const publishedBuildMs = performance.now() - t0;

  const lines = ['## Start-up and cached rebuilds (the published image against aikit:test)', ''];
  lines.push(
    `The published image is the repository's \`Dockerfile\`, built by the engine with its \`FROM\` images stood in by the host's Node.js (\`scripts/frontend-image.sh --published\`, ${(publishedBuildMs / 1000).toFixed(1)} s); its base layer is therefore the host's node, not distroless's.`,
    '',
  );
  const sizes: FrontendFigures['sizes'] = [];
  for (const tag of [PUBLISHED, frontend]) {
    const s = await imageSize(tag, o.env);
    sizes.push({ tag, compressed: s.compressed });
    lines.push(sizeLine(s));
  }
  const startOpts = { env: o.env, runs: o.runs, work: o.work, aikitfile, buildArgs };
  const starts: FrontendFigures['starts'] = [];
  for (const tag of [PUBLISHED, frontend]) {
    const f = await frontendStartup(tag, startOpts);
    if (f.ping.length) starts.push({ frontend: tag, median: median(f.ping), min: Math.min(...f.ping) });
    lines.push(startupLine(f));
  }
  lines.push('', `### A fully cached rebuild, vertex by vertex (medians of ${o.runs})`, '');
  const rows = await cachedBreakdown({
    env: o.env,
    runs: o.runs,
    work: o.work,
    frontend,
    aikitfile,
    dockerfile,
    files: { 'config.yaml': CONFIG },
    buildArgs,
    ...(o.dockerfileFrontend ? { dockerfileFrontend: o.dockerfileFrontend } : {}),
  });
  lines.push(...cachedBreakdownLines(rows));
  return { lines, sizes, starts, cachedWalls: Object.fromEntries(rows.map((r) => [r.variant, r.wall])) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const env = await engineEnv();
  await buildRuntimeStandIns(env);
  const fixtures = await startFixtureServer(defaultFixtures());
  const work = await mkdtemp(join(tmpdir(), 'aikit-bench-frontend-'));
  try {
    const lines = await frontendFigures({
      env,
      runs: Number(process.env['AIKIT_BENCH_RUNS'] ?? 7),
      work,
      fixtureUrl: fixtures.url,
      frontend: process.env['AIKIT_BENCH_FRONTEND'] ?? 'aikit:test',
      ...(process.env['AIKIT_BENCH_DOCKERFILE_FRONTEND']
        ? { dockerfileFrontend: process.env['AIKIT_BENCH_DOCKERFILE_FRONTEND'] }
        : {}),
    });
    console.log(lines.lines.join('\n'));
  } finally {
    await fixtures.close();
    await rm(work, { recursive: true, force: true });
  }
}
