import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const ROOT = resolve(import.meta.dirname, '../..');
const exec = promisify(execFile);

/**
 * The environment that points docker at one of the project's engines (`scripts/engine.sh env`;
 * `engine` is its ENGINE, default modern). The legacy engine also gets DOCKER_BUILDKIT=1.
 */
export async function engineEnv(engine?: string): Promise<NodeJS.ProcessEnv> {
  const { stdout } = await exec(
    'bash',
    [
      '-c',
      'eval "$(scripts/engine.sh env)" && printf "%s\\0%s\\0%s\\0%s" "$DOCKER_HOST" "$PATH" "${DOCKER_CONFIG:-}" "${DOCKER_BUILDKIT:-}"',
    ],
    { cwd: ROOT, env: engine ? { ...process.env, ENGINE: engine } : process.env },
  );
  const [DOCKER_HOST, PATH, DOCKER_CONFIG, DOCKER_BUILDKIT] = stdout.split('\0');
  return {
    ...process.env,
    DOCKER_HOST,
    PATH,
    ...(DOCKER_CONFIG ? { DOCKER_CONFIG } : {}),
    ...(DOCKER_BUILDKIT ? { DOCKER_BUILDKIT } : {}),
  };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, as a user would see them. */
  output: string;
}

/** Runs a command to completion, never throwing on a non-zero exit. */
export function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd ?? ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.on('data', (d: Buffer) => ((stdout += d), (output += d)));
    child.stderr.on('data', (d: Buffer) => ((stderr += d), (output += d)));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr, output }));
  });
}

export interface BuildOptions {
  /** `-f`; omitted for a remote aikitfile given as the context. */
  file?: string;
  context: string;
  platforms?: string[];
  buildArgs?: Record<string, string>;
  /** `--output` value; default: none (cache only). */
  output?: string;
  tag?: string;
  load?: boolean;
  noCache?: boolean;
  progress?: 'plain' | 'rawjson';
  /** `--secret` values, e.g. `id=hf-token,env=HF_AUTH`. */
  secrets?: string[];
  /** `--allow` entitlements, e.g. `network.host`. */
  allow?: string[];
}

/** The `docker` arguments of a `buildx build`, for callers that spawn it themselves. */
export function buildxArgs(o: BuildOptions): string[] {
  const args = ['buildx', 'build', ...(o.file ? ['-f', o.file] : [])];
  args.push(`--progress=${o.progress ?? 'plain'}`, '--provenance=false');
  if (o.platforms) args.push('--platform', o.platforms.join(','));
  for (const [k, v] of Object.entries(o.buildArgs ?? {})) args.push('--build-arg', `${k}=${v}`);
  if (o.output) args.push('--output', o.output);
  if (o.tag) args.push('-t', o.tag);
  if (o.load) args.push('--load');
  if (o.noCache) args.push('--no-cache');
  for (const secret of o.secrets ?? []) args.push('--secret', secret);
  for (const entitlement of o.allow ?? []) args.push('--allow', entitlement);
  args.push(o.context);
  return args;
}

export function buildx(env: NodeJS.ProcessEnv, o: BuildOptions): Promise<RunResult> {
  return run('docker', buildxArgs(o), { env });
}

/** A fresh build context directory with the given files (names may hold folders). */
export async function makeContext(files: Record<string, string | Buffer>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aikit-e2e-'));
  for (const [name, body] of Object.entries(files)) {
    const path = join(dir, name);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, body);
  }
  return dir;
}

/** Where a build can write an OCI layout tarball (`--output type=oci,dest=…`): a fresh folder. */
export async function ociTarPath(label: string): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), `aikit-${label}-`)), 'image.tar');
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolvePort(port));
    });
  });
}

/** Waits until something accepts connections on 127.0.0.1:port (5 s at most). */
export async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const ok = await new Promise<boolean>((resolveOk) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolveOk(true)));
      s.once('error', () => resolveOk(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

export async function fixtureCounts(fixtureUrl: string): Promise<Record<string, number>> {
  const res = await fetch(`${fixtureUrl}/__counts`);
  return (await res.json()) as Record<string, number>;
}

export async function resetFixtureCounts(fixtureUrl: string): Promise<void> {
  await fetch(`${fixtureUrl}/__reset`, { method: 'POST' });
}

/** Registers a file on the fixture server, optionally behind an Authorization header. */
export async function serveFixture(
  fixtureUrl: string,
  path: string,
  body: Buffer | string,
  opts: { auth?: string; contentType?: string } = {},
): Promise<string> {
  const headers: Record<string, string> = {};
  if (opts.auth) headers['x-fixture-auth'] = opts.auth;
  if (opts.contentType) headers['x-fixture-type'] = opts.contentType;
  const res = await fetch(`${fixtureUrl}/__files${path}`, { method: 'PUT', body, headers });
  if (!res.ok) throw new Error(`fixture server refused ${path}`);
  return `${fixtureUrl}${path}`;
}
