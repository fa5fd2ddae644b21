// Frontend start-up inside real builds (issue 15, target 4): process start → first Ping answered,
// from the frontend's own debug lines in the daemon log; plus the same against an in-process
// bridge with no engine, for quick iterations on the bundle (`localStartup`).
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeBridge } from '../../test/unit/fake-bridge.js';
import { run } from '../../test/e2e/harness.js';
import { debugFrontend, withFrontendLog, type FrontendRun } from './frontend-log.js';
import { median } from './stats.js';

export interface StartFigures {
  frontend: string;
  /** Process start → Ping answered, per build (ms). */
  ping: number[];
  /** The Ping round trip from the client's start (ms). */
  pingRtt: number[];
  /** Process start → build code loaded (ms). */
  buildLoaded: number[];
  /** Gateway round trips per build. */
  calls: number[];
}

export interface StartOptions {
  env: NodeJS.ProcessEnv;
  runs: number;
  work: string;
  /** The aikitfile to build, given the `#syntax` image to name (a tiny, fully cached build). */
  aikitfile: (syntax: string) => string;
  buildArgs: Record<string, string>;
  /** Build once first, unmeasured (the first build also unpacks the image); default true. */
  warmup?: boolean;
}

/** Cold start of `frontend` in `runs` real builds (its debug twin is built first). */
export async function frontendStartup(frontend: string, o: StartOptions): Promise<StartFigures> {
  const syntax = await debugFrontend(frontend, o.env, o.work);
  const dir = join(o.work, `startup-${syntax.replace(/[^a-z0-9]+/gi, '-')}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'aikitfile.yaml'), o.aikitfile(syntax));
  const args = [
    'buildx',
    'build',
    '--progress=plain',
    '--provenance=false',
    '-f',
    join(dir, 'aikitfile.yaml'),
  ];
  for (const [k, v] of Object.entries(o.buildArgs)) args.push('--build-arg', `${k}=${v}`);
  args.push(dir);
  const out: StartFigures = { frontend, ping: [], pingRtt: [], buildLoaded: [], calls: [] };
  const skip = o.warmup === false ? 0 : 1;
  for (let i = 1 - skip; i <= o.runs; i++) {
    const runs: FrontendRun[] = await withFrontendLog(async () => {
      const r = await run('docker', args, { env: o.env });
      if (r.code !== 0) throw new Error(`build with ${syntax} failed:\n${r.output.slice(-3000)}`);
    });
    if (i === 0) continue;
    for (const r of runs.slice(0, 1)) {
      out.ping.push(r.ping!);
      if (r.pingMs !== undefined) out.pingRtt.push(r.pingMs);
      if (r.buildLoaded !== undefined) out.buildLoaded.push(r.buildLoaded);
      out.calls.push(r.calls.length);
    }
  }
  return out;
}

/** One line for bench/results.md. */
export function startupLine(f: StartFigures, target = 150): string {
  if (!f.ping.length) return `- ${f.frontend}: no \`ping answered\` line in the daemon log`;
  const m = median(f.ping);
  const r = (x: number) => (Number.isFinite(x) ? `${Math.round(x)} ms` : 'n/a');
  return (
    `- ${f.frontend}: process start → first Ping answered, inside a real build: median ${Math.round(m)} ms ` +
    `(min ${Math.min(...f.ping)}, max ${Math.max(...f.ping)}; the Ping round trip ${r(median(f.pingRtt))}; ` +
    `build code loaded at ${r(median(f.buildLoaded))}; ${median(f.calls)} gateway round trips) ` +
    `(target ≤ ${target} ms: ${m <= target ? 'met' : 'missed'})`
  );
}

/**
 * Start-up against an in-process bridge, no engine: `<command> <entry>` (a bundle's main.cjs; the
 * command defaults to `node`, and may be e.g. `chroot <the image's files> /usr/bin/node` to run
 * with the image's file system) with a clean environment, `runs` times, entries interleaved. Per
 * run: process start → Ping answered, and the process's CPU time (user + sys, from
 * `/usr/bin/time`), which a busy host inflates far less than wall-clock times.
 */
export async function localStartup(
  entries: string[],
  runs: number,
  command: string[] = ['node'],
): Promise<Map<string, { ping: number[]; cpu: number[] }>> {
  const bridge = await startFakeBridge({});
  const out = new Map(entries.map((e) => [e, { ping: [] as number[], cpu: [] as number[] }]));
  const dir = await mkdtemp(join(tmpdir(), 'aikit-startup-'));
  const timeFile = join(dir, 'time');
  try {
    for (let i = 0; i < runs; i++) {
      for (const entry of entries) {
        const sock = await bridge.connect();
        const child = spawn('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, ...command, entry], {
          stdio: [sock, sock, 'pipe'],
          env: {
            PATH: '/usr/bin:/bin',
            NODE_ENV: 'production',
            AIKIT_LOG: 'debug',
            BUILDKIT_SESSION_ID: 'bench',
            BUILDKIT_FRONTEND_OPT_0: 'requestid=frontend.subrequests.describe',
          },
        });
        let err = '';
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        await new Promise((r) => child.on('exit', r));
        sock.destroy();
        const r = out.get(entry)!;
        const line = err.split('\n').find((l) => l.includes('"ping answered"'));
        if (line) r.ping.push((JSON.parse(line) as { sinceStart: number }).sinceStart);
        const [user, sys] = (await readFile(timeFile, 'utf8'))
          .trim()
          .split('\n')
          .pop()!
          .split(' ')
          .map(Number);
        r.cpu.push(Math.round(((user ?? 0) + (sys ?? 0)) * 1000));
      }
    }
  } finally {
    await bridge.close();
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}
