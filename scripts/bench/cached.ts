// Where the time of a fully cached rebuild goes (issue 15, target 3), from BuildKit's own vertex
// timings (`--progress=rawjson`) and the frontend's debug lines: the same build as an aikitfile
// (a `#syntax` frontend), as a Dockerfile on the engine's built-in frontend and, when an image of
// the official Dockerfile frontend is at hand, as a Dockerfile naming it in `#syntax`.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../../test/e2e/harness.js';
import { debugFrontend, withFrontendLog, type FrontendRun } from './frontend-log.js';
import { median } from './stats.js';
import { parseRawJson, phaseKey, type Phase } from './timeline.js';

export interface BuildTimeline {
  wall: number;
  phases: Phase[];
  frontend?: FrontendRun;
}

async function timeline(args: string[], env: NodeJS.ProcessEnv, withLog: boolean): Promise<BuildTimeline> {
  let wall = 0;
  let phases: Phase[] = [];
  const go = async () => {
    const t0 = Date.now();
    const p0 = performance.now();
    const r = await run('docker', ['buildx', 'build', '--progress=rawjson', '--provenance=false', ...args], {
      env,
    });
    wall = performance.now() - p0;
    if (r.code !== 0)
      throw new Error(`docker buildx build ${args.join(' ')} failed:\n${r.output.slice(-3000)}`);
    phases = parseRawJson(r.stderr, t0);
  };
  if (!withLog) {
    await go();
    return { wall, phases };
  }
  const [frontend] = await withFrontendLog(go);
  return { wall, phases, ...(frontend ? { frontend } : {}) };
}

export interface CachedOptions {
  env: NodeJS.ProcessEnv;
  runs: number;
  work: string;
  /** The aikit frontend image (its debug twin is built and used, for the round-trip lines). */
  frontend: string;
  aikitfile: (syntax: string) => string;
  /** The same build as a Dockerfile, without a `#syntax` line. */
  dockerfile: string;
  /** Files both contexts need (e.g. config.yaml). */
  files?: Record<string, string>;
  buildArgs: Record<string, string>;
  /** An image of the official Dockerfile frontend, to run the Dockerfile through `#syntax` too. */
  dockerfileFrontend?: string;
  /** Extra `docker buildx build` flags (an --output). */
  extra?: string[];
}

export interface CachedBreakdown {
  variant: string;
  wall: number;
  /** Median duration (ms) and median start (ms after the client started) per vertex name. */
  phases: { key: string; start: number; ms: number }[];
  /** Client start → first vertex, and last vertex → client exit (ms). */
  before: number;
  after: number;
  frontend?: {
    ping: number;
    buildLoaded: number;
    done: number;
    calls: Record<string, { count: number; ms: number }>;
  };
}

export async function cachedBreakdown(o: CachedOptions): Promise<CachedBreakdown[]> {
  const dir = join(o.work, 'cached-breakdown');
  await mkdir(dir, { recursive: true });
  const syntax = await debugFrontend(o.frontend, o.env, o.work);
  const files: Record<string, string> = {
    ...o.files,
    'aikitfile.yaml': o.aikitfile(syntax),
    Dockerfile: o.dockerfile,
    ...(o.dockerfileFrontend
      ? { 'syntax.Dockerfile': `#syntax=${o.dockerfileFrontend}\n${o.dockerfile}` }
      : {}),
  };
  for (const [name, body] of Object.entries(files)) await writeFile(join(dir, name), body);
  const buildArgs = Object.entries(o.buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
  const variants: [string, string[], boolean][] = [
    ['aikitfile (#syntax aikit)', ['-f', join(dir, 'aikitfile.yaml'), ...buildArgs], true],
    ['Dockerfile (built-in frontend)', ['-f', join(dir, 'Dockerfile')], false],
  ];
  if (o.dockerfileFrontend)
    variants.push(['Dockerfile (#syntax official frontend)', ['-f', join(dir, 'syntax.Dockerfile')], false]);
  const out: CachedBreakdown[] = [];
  for (const [variant, args, withLog] of variants) {
    const full = [...(o.extra ?? []), ...args, dir];
    await timeline(full, o.env, withLog); // warm: everything cached afterwards
    const runs: BuildTimeline[] = [];
    for (let i = 0; i < o.runs; i++) runs.push(await timeline(full, o.env, withLog));
    const keys = new Map<string, { start: number[]; ms: number[] }>();
    for (const r of runs)
      for (const p of r.phases) {
        const k = keys.get(phaseKey(p.name)) ?? { start: [], ms: [] };
        k.start.push(p.start);
        k.ms.push(p.ms);
        keys.set(phaseKey(p.name), k);
      }
    const first = runs.map((r) => r.phases[0]?.start ?? 0);
    const last = runs.map((r) => r.wall - Math.max(0, ...r.phases.map((p) => p.start + p.ms)));
    const fr = runs.map((r) => r.frontend).filter((f): f is FrontendRun => Boolean(f));
    let frontend: CachedBreakdown['frontend'];
    if (fr.length) {
      const calls: Record<string, { count: number; ms: number }> = {};
      for (const method of new Set(fr.flatMap((f) => f.calls.map((c) => c.method)))) {
        const per = fr.map((f) => f.calls.filter((c) => c.method === method));
        calls[method] = {
          count: median(per.map((p) => p.length)),
          ms: median(per.map((p) => p.reduce((n, c) => n + c.ms, 0))),
        };
      }
      frontend = {
        ping: median(fr.map((f) => f.ping ?? NaN)),
        buildLoaded: median(fr.map((f) => f.buildLoaded ?? NaN)),
        done: median(fr.map((f) => f.doneMs ?? NaN)),
        calls,
      };
    }
    out.push({
      variant,
      wall: median(runs.map((r) => r.wall)),
      phases: [...keys]
        .map(([key, v]) => ({ key, start: median(v.start), ms: median(v.ms) }))
        .sort((a, b) => a.start - b.start),
      before: median(first),
      after: median(last),
      ...(frontend ? { frontend } : {}),
    });
  }
  return out;
}

/** Markdown for bench/results.md: one table per variant, then the frontend's round trips. */
export function cachedBreakdownLines(rows: CachedBreakdown[]): string[] {
  const r = (x: number) => (Number.isFinite(x) ? `${Math.round(x)} ms` : 'n/a');
  const lines: string[] = [];
  for (const b of rows) {
    lines.push(
      `### ${b.variant}: ${r(b.wall)}`,
      '',
      '| from client start | vertex | duration |',
      '| --- | --- | --- |',
    );
    lines.push(`| 0 ms | (client, session, context) | ${r(b.before)} |`);
    for (const p of b.phases) lines.push(`| ${r(p.start)} | ${p.key.replace(/\|/g, '\\|')} | ${r(p.ms)} |`);
    lines.push(`| | (last vertex → client exit) | ${r(b.after)} |`, '');
    if (b.frontend) {
      const f = b.frontend;
      const calls = Object.entries(f.calls)
        .map(([m, c]) => `${m} ×${c.count} (${r(c.ms)})`)
        .join(', ');
      lines.push(
        `Frontend: Ping answered ${r(f.ping)} after its process started, build code loaded at ${r(f.buildLoaded)}, ` +
          `Return done ${r(f.done)} after its gateway client started; round trips: ${calls || 'not logged by this image'}.`,
        '',
      );
    }
  }
  return lines;
}
