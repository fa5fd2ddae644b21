import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { lockFileName, parseLock, type Lock } from '../convert/index.js';
import { AikitError } from '../util/errors.js';

// `aikit lock`: the lock is resolved by the frontend's `lock` target on the user's own builder,
// so it sees what a build sees: the same engine, image store, mirrors, registry credentials and
// secrets. This side only runs buildx and puts the file beside the aikitfile.

export interface LockOptions {
  file: string;
  platforms?: string;
  buildArgs: Record<string, string>;
  /** `--secret` values, passed to buildx as they are (e.g. id=hf-token,env=HF_TOKEN). */
  secrets: string[];
  /** `--allow` entitlements (network.host for loopback registries). */
  allow: string[];
  /**
   * A Hugging Face token (HF_TOKEN): handed to the lock build as a secret, with
   * AIKIT_HF_TOKEN_SECRET naming it, unless the build-args already name a secret of their own.
   */
  hfToken?: string;
  /** The docker CLI to run; `docker` from PATH. */
  docker?: string;
  /** Where buildx's progress goes; the process's stderr. */
  progress?: NodeJS.WritableStream;
}

export interface LockResult {
  path: string;
  lock: Lock;
  seconds: number;
}

const HF_SECRET = 'aikit-lock-hf-token';
/** The variable the token's Authorization value travels in, from this process to buildx only. */
const HF_SECRET_ENV = 'AIKIT_LOCK_HF_AUTH';

const usesHfToken = (o: LockOptions) => Boolean(o.hfToken) && !o.buildArgs['AIKIT_HF_TOKEN_SECRET'];

/** The `docker` arguments of the lock build: the aikitfile's directory is the context. */
export function lockBuildArgs(o: LockOptions, dest: string): string[] {
  const args = ['buildx', 'build', '-f', o.file, '--target', 'lock', '--provenance=false'];
  args.push('--output', `type=local,dest=${dest}`);
  if (o.platforms) args.push('--platform', o.platforms);
  const buildArgs = usesHfToken(o) ? { ...o.buildArgs, AIKIT_HF_TOKEN_SECRET: HF_SECRET } : o.buildArgs;
  for (const [k, v] of Object.entries(buildArgs)) args.push('--build-arg', `${k}=${v}`);
  if (usesHfToken(o)) args.push('--secret', `id=${HF_SECRET},env=${HF_SECRET_ENV}`);
  for (const s of o.secrets) args.push('--secret', s);
  for (const a of o.allow) args.push('--allow', a);
  args.push(dirname(o.file));
  return args;
}

/** The environment of the lock build: the token's Authorization value rides in HF_SECRET_ENV. */
export function lockBuildEnv(o: LockOptions): NodeJS.ProcessEnv {
  return usesHfToken(o) ? { ...process.env, [HF_SECRET_ENV]: `Bearer ${o.hfToken}` } : process.env;
}

/** Runs the lock target and writes the lock beside the aikitfile (replacing it in one rename). */
export async function lockAikitfile(o: LockOptions): Promise<LockResult> {
  const started = performance.now();
  const dest = await mkdtemp(join(tmpdir(), 'aikit-lock-'));
  try {
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(o.docker ?? 'docker', lockBuildArgs(o, dest), {
        env: lockBuildEnv(o),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out = o.progress ?? process.stderr;
      child.stdout.on('data', (d: Buffer) => out.write(d));
      child.stderr.on('data', (d: Buffer) => out.write(d));
      child.on('error', (e: NodeJS.ErrnoException) =>
        reject(
          new AikitError('DOCKER_NOT_FOUND', `cannot run ${o.docker ?? 'docker'}: ${e.code ?? e.message}`, {
            hint: 'aikit lock runs docker buildx build on your builder: install the docker CLI with buildx',
          }),
        ),
      );
      child.on('close', (c) => resolve(c ?? 1));
    });
    if (code !== 0) {
      throw new AikitError('LOCK_FAILED', `docker buildx build --target lock failed (exit ${code})`, {
        hint: 'the build output above says why; the aikitfile needs a #syntax= line naming the aikit frontend, and docker needs the buildx plugin',
      });
    }
    const target = lockFileName(o.file);
    const text = await readFile(join(dest, basename(target)), 'utf8');
    const lock = parseLock(text, target);
    const partial = `${target}.tmp-${process.pid}`;
    await writeFile(partial, text);
    await rename(partial, target);
    return { path: target, lock, seconds: (performance.now() - started) / 1000 };
  } finally {
    await rm(dest, { recursive: true, force: true });
  }
}

/** One line about what was locked. */
export function lockSummary(r: LockResult): string {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const { models, images, localai, platforms } = r.lock;
  return (
    `wrote ${r.path}: ${count(Object.keys(models).length, 'model')}, ${count(Object.keys(images).length, 'image')}, ` +
    `${count(Object.keys(localai).length, 'LocalAI download')} for ${platforms.join(', ')} in ${r.seconds.toFixed(1)} s`
  );
}
