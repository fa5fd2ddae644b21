// The frontend's own debug lines (AIKIT_LOG=debug), as BuildKit leaves them in the daemon log: how
// the bench learns when Node answered Ping and which gateway round trips a build made.
import { open, stat, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { run, type RunResult } from '../../test/e2e/harness.js';

export const ENGINE_LOG = join(
  process.env['AIKIT_ENGINE_HOME'] ?? '/var/lib/aikit-engine',
  'modern/dockerd.log',
);

/** One frontend process's debug lines in one build. */
export interface FrontendRun {
  /** Process start → Ping answered (ms, the process's own clock). */
  ping?: number;
  /** The Ping round trip itself, from the gateway client's start. */
  pingMs?: number;
  /** Process start → the build code loaded (after Ping). */
  buildLoaded?: number;
  /** Gateway client start → Return done. */
  doneMs?: number;
  /** Every gateway round trip, in order. */
  calls: { method: string; ms: number }[];
}

/** `FROM tag` with AIKIT_LOG=debug, under `aikit-bench/debug-<tag>:latest`; returns that tag. */
export async function debugFrontend(tag: string, env: NodeJS.ProcessEnv, work: string): Promise<string> {
  const debugTag = `aikit-bench/debug-${tag.toLowerCase().replace(/[^a-z0-9]+/g, '-')}:latest`;
  const dir = join(work, `debug-${debugTag.replace(/[^a-z0-9]+/gi, '-')}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'Dockerfile'), `FROM ${tag}\nENV AIKIT_LOG=debug\n`);
  const r = await run('docker', ['buildx', 'build', '--provenance=false', '-t', debugTag, '--load', dir], {
    env,
  });
  if (r.code !== 0) throw new Error(`building ${debugTag} failed:\n${r.output.slice(-2000)}`);
  return debugTag;
}

/**
 * Runs `build` and returns the frontend runs it left in the daemon log, one per process: each is
 * pid 1 in its own container, so a run starts at its Ping. Other builds on the same daemon would
 * show up too: the bench runs alone.
 */
export async function withFrontendLog(
  build: () => Promise<RunResult | unknown>,
  logPath = ENGINE_LOG,
): Promise<FrontendRun[]> {
  const before = (await stat(logPath)).size;
  await build();
  const fh = await open(logPath, 'r');
  const after = (await fh.stat()).size;
  const buf = Buffer.alloc(after - before);
  await fh.read(buf, 0, buf.length, before);
  await fh.close();
  const runs: FrontendRun[] = [];
  for (const line of buf.toString('utf8').split('\n')) {
    const at = line.indexOf('{"level"');
    if (at < 0 || !line.includes('"name":"aikit"')) continue;
    let j: Record<string, unknown>;
    try {
      j = JSON.parse(line.slice(at)) as Record<string, unknown>;
    } catch {
      continue;
    }
    const num = (k: string) => (typeof j[k] === 'number' ? (j[k] as number) : undefined);
    // A run starts at its Ping call (or, from a frontend that does not log its calls, its answer).
    const open = runs[runs.length - 1];
    const pingCall = j['msg'] === 'gateway call' && j['method'] === 'Ping';
    if (pingCall || (j['msg'] === 'ping answered' && (!open || open.ping !== undefined)))
      runs.push({ calls: [] });
    const r = runs[runs.length - 1];
    if (!r) continue;
    if (j['msg'] === 'ping answered') [r.ping, r.pingMs] = [num('sinceStart'), num('ms')];
    if (j['msg'] === 'build code loaded') r.buildLoaded = num('sinceStart');
    if (j['msg'] === 'frontend done') r.doneMs = num('ms');
    if (j['msg'] === 'gateway call') r.calls.push({ method: String(j['method']), ms: num('ms') ?? 0 });
  }
  return runs.filter((r) => r.ping !== undefined);
}
