import {
  formatLock,
  hfResolveUrl,
  listedFiles,
  lockFileName,
  lockMode,
  lockPlan,
  lockRequest,
  parseLock,
  pinBuild,
  PROJECT_PINS,
  type Lock,
  type MetadataFetcher,
  type ModelLock,
  type Pinned,
  type SourceSettings,
} from '../convert/index.js';
import { resultPayload, type BuildFile, type FrontendContext } from '../gateway/index.js';
import { formatPlatform, http, image, marshal, mkfile, scratch, type SourceInfo } from '../llb/index.js';
import { digestOf } from '../oci/index.js';
import type { InferenceSpec, Model } from '../aikitfile/index.js';
import type { ReturnPayload } from '../gateway/index.js';
import { AikitError, locatedIssue, type Issue, type Locate } from '../util/errors.js';
import { redactUrl } from '../util/url.js';
import type { Checked } from './check.js';
import { engineImageResolver, engineMetadataFetcher, sendWarnings } from './engine.js';

// The frontend's half of locking: `--target lock` resolves everything a build of the aikitfile
// would fetch, through the same engine, mirrors and secrets, and returns the lock file; a build
// reads the lock beside its aikitfile and is pinned to it (convert/lock does the rewriting).

/** The target `aikit lock` builds; its output is the lock file, for `--output type=local`. */
export const LOCK_TARGET = 'lock';

/** The files a build reads beside its aikitfile: its lock. */
export function lockAlongside(filename: string): string[] {
  return [lockFileName(filename)];
}

/**
 * Drops the warnings a lock answers: a download without a sha256 is verified against the lock
 * (or being locked), and a model the lock lacks gets its own warning from pinnedBuild.
 */
export function lockAnswered(ctx: FrontendContext, file: BuildFile): (found: readonly Issue[]) => Issue[] {
  const locked =
    ctx.opts.target === LOCK_TARGET ||
    (lockMode(ctx.opts.buildArgs) !== 'off' && file.alongside?.[lockFileName(file.filename)] !== undefined);
  return (found) => (locked ? found.filter((w) => w.code !== 'UNVERIFIED_DOWNLOAD') : [...found]);
}

/**
 * The build's pins: the lock beside the aikitfile (AIKIT_LOCKED), then the project's release
 * pins. Disagreements with the lock are warnings (strict mode throws them at their lines); a build
 * with parts nothing pins says so once.
 */
export async function pinnedBuild(
  ctx: FrontendContext,
  file: BuildFile,
  checked: Checked,
  source: SourceInfo,
  keep: (warnings: Issue[]) => Issue[],
): Promise<Pinned> {
  const mode = lockMode(ctx.opts.buildArgs);
  const lockFile = lockFileName(file.filename);
  const text = file.alongside?.[lockFile];
  const lock = mode === 'off' || !text ? undefined : parseLock(Buffer.from(text).toString('utf8'), lockFile);
  const pinned = pinBuild(checked.spec, {
    lock,
    pins: PROJECT_PINS,
    mode,
    artifacts: checked.artifacts,
    settings: checked.settings,
    platforms: checked.platforms,
    locate: checked.locate,
    file: file.filename,
    lockFile,
  });
  const warnings = [...pinned.problems];
  if (!lock && pinned.unpinned.length > 0) {
    warnings.push({
      severity: 'warning',
      code: 'UNPINNED_RUNTIME',
      message: `the runtime is not pinned: ${pinned.unpinned.join(', ')} can change between builds`,
      hint: `run \`aikit lock ${file.filename}\` to write ${lockFile} and pin every download and image`,
    });
  }
  await sendWarnings(ctx, keep(warnings), file.vertex, source);
  return pinned;
}

/** `--target lock`: resolves every model, image and download of the build and returns the lock file. */
export async function buildLock(
  ctx: FrontendContext,
  file: BuildFile,
  checked: Checked,
): Promise<ReturnPayload> {
  const { spec, artifacts, platforms, settings, locate } = checked;
  const plan = lockPlan(spec, artifacts, platforms);
  const hasher = fileHasher(ctx, settings);
  const fetcher = engineMetadataFetcher(ctx, file.filename, locate);

  const entries = await Promise.all(
    plan.models.map(async ({ model, source }): Promise<[string, ModelLock]> => [
      model.name,
      { source, ...(await lockModel(spec, model, settings, fetcher, hasher, locate, file.filename)) },
    ]),
  );
  const models: Lock['models'] = Object.fromEntries(entries);

  const resolver = engineImageResolver(ctx);
  const images: Lock['images'] = {};
  await Promise.all(
    plan.images.map(async (item) => {
      const { digest, config } = await resolver(item.ref, item.platform);
      if (!digest) {
        throw new AikitError(
          'LOCK_NO_DIGEST',
          `the engine has no digest for image ${item.ref} (${item.platformKey})`,
          {
            file: file.filename,
            hint: 'lock images that come from a registry or a containerd image store; a classic store’s local image has no digest',
          },
        );
      }
      const entry = (images[item.key] ??= { digest, platforms: {} });
      entry.platforms[item.platformKey] = config && config.length > 0 ? digestOf(config) : digest;
    }),
  );

  const urls = [...new Set(plan.localai.map((l) => l.url))];
  const sums = await Promise.all(urls.map((url) => hasher(url)));
  const localai: Lock['localai'] = Object.fromEntries(
    urls.map((url, i): [string, string] => [url, sums[i]!]),
  );

  const lock: Lock = { version: 1, platforms: platforms.map(formatPlatform), models, images, localai };
  const name = lockFileName(file.filename).split('/').pop()!;
  const state = scratch().file(mkfile(`/${name}`, 0o644, formatLock(lock)), {
    name: `[aikit] write ${name}`,
  });
  const refId = await ctx.client.solve(marshal(state, { caps: ctx.caps.llbCaps }));
  return resultPayload([{ platform: platforms[0]!, refId, imageConfig: {} }], false);
}

/** What one model's source resolved to: a commit and sha256s, or a manifest digest. */
async function lockModel(
  spec: InferenceSpec,
  model: Model,
  settings: SourceSettings,
  fetch: MetadataFetcher,
  hash: FileHasher,
  locate: Locate,
  file: string,
): Promise<Omit<ModelLock, 'source'>> {
  const src = model.source;
  switch (src.kind) {
    case 'http':
      return { sha256: model.sha256 ?? (await hash(src.url)) };
    case 'oci': {
      if (src.digest) return { digest: src.digest };
      const req = lockRequest(spec, model, settings)!;
      return { digest: digestOf(await fetch(req)) };
    }
    case 'huggingface': {
      const req = lockRequest(spec, model, settings)!;
      const listing = listedFiles(await fetch(req), model);
      const auth = settings.hfAuthSecret;
      const at = (path: string) => hfResolveUrl(settings, src.repo, listing.commit, path);
      if (src.file !== undefined) {
        const listed = listing.files.find((f) => f.path === src.file);
        if (!listed) {
          const issue = locatedIssue(locate, {
            code: 'LOCK_FILE_NOT_FOUND',
            message: `model ${model.name}: ${src.repo}@${src.revision} has no file ${src.file}`,
            hint: 'check the file name and the revision',
            path: ['models', model.index, 'source'],
          });
          throw new AikitError(issue.code, issue.message, { file, issues: [issue] });
        }
        return {
          commit: listing.commit,
          sha256: listed.sha256 ?? model.sha256 ?? (await hash(at(src.file), auth)),
        };
      }
      const files = await Promise.all(
        listing.files.map(async (f) => [f.path, f.sha256 ?? (await hash(at(f.path), auth))] as const),
      );
      return { commit: listing.commit, files: Object.fromEntries(files) };
    }
    case 'local':
      return {};
  }
}

/** Downloads a URL in the engine and answers its sha256. */
type FileHasher = (url: string, authSecret?: string) => Promise<string>;

// Runs in the frontend's own image, with its node: no other image is pulled to lock a file.
const HASH_SCRIPT = [
  "const h = require('crypto').createHash('sha256');",
  "require('fs').createReadStream('/in/file')",
  "  .on('data', (d) => h.update(d))",
  "  .on('end', () => require('fs').writeFileSync('/out/sha256', 'sha256:' + h.digest('hex')));",
].join('\n');

/**
 * A step per URL that downloads it with BuildKit's http source (the build's mirrors and auth
 * secrets) and hashes it with this frontend's node, in the frontend image the build named.
 */
function fileHasher(ctx: FrontendContext, settings: SourceSettings): FileHasher {
  const ref = ctx.env.opts['source'] || ctx.opts.buildArgs['BUILDKIT_SYNTAX'] || '';
  const platform = ctx.env.workerPlatforms[0] ?? { os: 'linux', architecture: 'amd64' };
  let digest: string | undefined;
  return async (url, authSecret = undefined) => {
    if (!ref) {
      throw new AikitError(
        'NO_FRONTEND_IMAGE',
        'the lock target does not know which image to hash downloads in',
        {
          hint: 'start the aikitfile with #syntax=<aikit image>, or pass --build-arg BUILDKIT_SYNTAX=<aikit image>',
        },
      );
    }
    digest ??= (await engineImageResolver(ctx)(ref, platform)).digest;
    const shown = redactUrl(url);
    const download = http(url, {
      filename: 'file',
      ...(authSecret && url.startsWith(settings.hfEndpoint) ? { authHeaderSecret: authSecret } : {}),
      name: `[aikit lock] download ${shown}`,
    });
    const out = image(ref, { platform, ...(digest ? { digest } : {}) })
      .run({
        args: [process.execPath, '-e', HASH_SCRIPT],
        // The hashing needs no network; engines without the cap run it sandboxed.
        ...(ctx.caps.llbCaps.has('exec.meta.network') ? { network: 'none' as const } : {}),
        mounts: [
          { dest: '/in', source: download, readonly: true },
          { dest: '/out', source: scratch() },
        ],
        name: `[aikit lock] sha256 of ${shown}`,
      })
      .getMount('/out');
    const refId = await ctx.client.solve(marshal(out, { caps: ctx.caps.llbCaps }));
    return Buffer.from(await ctx.client.readFile(refId, '/sha256'))
      .toString('utf8')
      .trim();
  };
}
