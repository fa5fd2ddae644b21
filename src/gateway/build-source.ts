import { git, http, isGitUrl, local, marshal, type State } from '../llb/index.js';
import { digestOf } from '../oci/index.js';
import { AikitError } from '../util/errors.js';
import { redactUrl } from '../util/url.js';
import { BuildkitError } from './client.js';
import type { FrontendContext } from './run.js';

// The build file's own reading, as BuildKit keeps it in frontend/dockerui: from the local
// context, from an http(s) URL, or from a git repository, all through the engine.

/** The largest build file the frontend reads (1 MiB). */
export const MAX_BUILD_FILE_BYTES = 1 << 20;

/** The build file's bytes, the name messages use for it, and the vertex that read it (for warnings). */
export interface BuildFile {
  data: Uint8Array;
  filename: string;
  vertex: string;
  /** Files read from beside a local build file (its lock), by name; absent ones are left out. */
  alongside?: Record<string, Uint8Array>;
}

/**
 * Reads the build file the way dockerui does, from wherever the build was started; from a local
 * directory also the `alongside` files that exist, in the same transfer.
 */
export async function readBuildFile(
  ctx: FrontendContext,
  alongside: readonly string[] = [],
): Promise<BuildFile> {
  const { opts } = ctx;
  const file = opts.remoteContext
    ? await readRemote(ctx, opts.remoteContext)
    : await readLocal(ctx, alongside);
  // Parsing costs about 1 s per MB; real aikitfiles are a few KB.
  if (file.data.length > MAX_BUILD_FILE_BYTES) {
    throw new AikitError(
      'AIKITFILE_TOO_LARGE',
      `${file.filename} is ${file.data.length} bytes; an aikitfile may have at most ${MAX_BUILD_FILE_BYTES}`,
      {
        hint: 'keep model weights and large configurations out of the aikitfile: name them as model sources',
      },
    );
  }
  return file;
}

/** A local source limited to that one file (and the files read alongside it). */
async function readLocal(ctx: FrontendContext, alongside: readonly string[]): Promise<BuildFile> {
  const { opts, caps } = ctx;
  const state = local(opts.dockerfileLocal, {
    sessionId: opts.sessionFor(opts.dockerfileLocal),
    followPaths: [opts.filename, ...alongside],
    sharedKeyHint: opts.dockerfileLocal,
    ...(caps.llbCaps.has('source.local.differ') ? { differ: 'none' as const } : {}),
    name: `[internal] load aikitfile ${opts.filename}`,
  });
  const { ref, ...file } = await readFromSource(ctx, state, opts.filename, {
    where: 'the build',
    hint: 'name the file with -f, e.g. docker buildx build -f aikitfile.yaml .',
  });
  if (alongside.length === 0) return file;
  const found: Record<string, Uint8Array> = {};
  for (const name of alongside) {
    try {
      found[name] = await ctx.client.readFile(ref, name);
    } catch (e) {
      if (!(e instanceof BuildkitError && /no such file|not found/i.test(e.message))) throw e;
    }
  }
  return { ...file, alongside: found };
}

/**
 * `docker buildx build https://host/aikitfile.yaml`: like dockerui's DetectHTTPContext, the URL
 * is the build file itself, downloaded by the engine (the frontend has no network).
 */
async function readRemote(ctx: FrontendContext, url: string): Promise<BuildFile> {
  if (isGitUrl(url)) return readGit(ctx, url);
  const state = http(url, {
    filename: 'context',
    name: `[internal] load remote aikitfile ${redactUrl(url)}`,
  });
  const def = marshal(state, { caps: ctx.caps.llbCaps });
  const refId = await ctx.client.solve(def);
  const data = await ctx.client.readFile(refId, 'context');
  const filename = decodeURIComponent(new URL(url).pathname.split('/').pop() || 'aikitfile.yaml');
  return { data, vertex: digestOf(def.def[0]!), filename };
}

/**
 * `docker buildx build -f aikitfile.yaml https://host/repo.git#ref:subdir`: the engine checks
 * the repository out and the file is read from it, `-f` relative to the subdir.
 */
async function readGit(ctx: FrontendContext, url: string): Promise<BuildFile> {
  const hash = url.indexOf('#');
  const remote = hash < 0 ? url : url.slice(0, hash);
  const [ref, subdir] = hash < 0 ? ['', ''] : url.slice(hash + 1).split(':', 2);
  const state = git(remote, {
    ...(ref ? { ref } : {}),
    ...(subdir ? { subdir } : {}),
    name: `[internal] load git source ${redactUrl(remote)}${ref ? `#${ref}` : ''}`,
  });
  const { data, vertex, filename } = await readFromSource(ctx, state, ctx.opts.filename, {
    where: redactUrl(remote),
    hint: 'name the aikitfile inside the repository with -f (relative to the #ref:subdir)',
  });
  return { data, vertex, filename };
}

/** Solves a one-source graph and reads the file; a missing file says where it was looked for. */
async function readFromSource(
  ctx: FrontendContext,
  state: State,
  filename: string,
  missing: { where: string; hint: string },
): Promise<BuildFile & { ref: string }> {
  const def = marshal(state, { caps: ctx.caps.llbCaps });
  const refId = await ctx.client.solve(def);
  try {
    const data = await ctx.client.readFile(refId, filename);
    return { data, vertex: digestOf(def.def[0]!), filename, ref: refId };
  } catch (e) {
    if (e instanceof BuildkitError && /no such file|not found/i.test(e.message)) {
      throw new AikitError('AIKITFILE_NOT_FOUND', `cannot read ${filename} from ${missing.where}`, {
        cause: e,
        hint: missing.hint,
      });
    }
    throw e;
  }
}
