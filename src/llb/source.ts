import { formatImageRef, isDigest, parseImageRef, validateDigest } from '../oci/index.js';
import { AikitError } from '../util/errors.js';
import { Caps } from './caps.js';
import type { Platform } from './platform.js';
import { normalizePlatform } from './platform.js';
import { stateFrom, type State } from './state.js';
import {
  finishOp,
  goJsonStrings,
  Vertex,
  type MarshalContext,
  type MarshaledVertex,
  type OpOptions,
  type Output,
} from './vertex.js';

// Port of moby/buildkit v0.25.2 client/llb/source.go (Image, Local, HTTP, SourceOp.Marshal), and
// v0.28's ImageBlob.

/** A `pb.SourceOp` vertex: an identifier URL plus string attributes. */
class SourceVertex extends Vertex {
  readonly output: Output;

  constructor(
    readonly identifier: string,
    readonly attrs: Readonly<Record<string, string>>,
    readonly caps: readonly string[],
    opts: OpOptions,
    /** Explicit platform; only docker-image sources put one on the op. */
    readonly platform: Platform | undefined,
    private readonly platformSpecific: boolean,
    private readonly localWithoutSession = false,
  ) {
    super(opts);
    this.output = { vertex: this, index: () => 0, platform };
  }

  inputs(): Output[] {
    return [];
  }

  marshal(ctx: MarshalContext): MarshaledVertex {
    const attrs = { ...this.attrs };
    const caps = [...this.caps];
    if (this.localWithoutSession) {
      // Without a session BuildKit needs a per-client key so unrelated builds do not share it.
      attrs['local.unique'] = ctx.localUniqueId;
      caps.push(Caps.SourceLocalUnique);
    }
    const body: Record<string, unknown> = { identifier: this.identifier, attrs };
    return finishOp(
      ctx,
      this,
      {
        inputs: [],
        platform: this.platformSpecific ? (this.platform ?? ctx.defaultPlatform) : undefined,
        kind: 'source',
        body,
      },
      caps,
    );
  }
}

/** Options of {@link image}. */
export interface ImageOptions extends OpOptions {
  platform?: Platform;
  /** `default` adds no attribute, as in Go; `pull` also records cap `source.image.resolvemode`. */
  resolveMode?: 'default' | 'pull' | 'local';
  /** Pins the manifest digest: the identifier becomes `docker-image://<ref>@<digest>`. */
  digest?: string;
}

/** A container image from a registry (Go: `llb.Image`); the ref is normalised first. */
export function image(ref: string, opts: ImageOptions = {}): State {
  const parsed = parseImageRef(ref);
  if (opts.digest !== undefined && opts.digest !== '') {
    validateDigest(opts.digest, `${ref}@${opts.digest}`);
    parsed.digest = opts.digest;
  }
  const attrs: Record<string, string> = {};
  const caps: string[] = [Caps.SourceImage];
  if (opts.resolveMode !== undefined && opts.resolveMode !== 'default') {
    attrs['image.resolvemode'] = opts.resolveMode;
    // Go requires the cap only for the security-relevant forced pull.
    if (opts.resolveMode === 'pull') caps.push(Caps.SourceImageResolveMode);
  }
  const platform = opts.platform ? normalizePlatform(opts.platform) : undefined;
  const v = new SourceVertex(`docker-image://${formatImageRef(parsed)}`, attrs, caps, opts, platform, true);
  return stateFrom(v.output);
}

/** Options of {@link imageBlob}. */
export interface ImageBlobOptions extends OpOptions {
  /** Name of the file inside the output (default: the digest's hex). */
  filename?: string;
  /** Permission bits of the file. */
  perm?: number;
  uid?: number;
  gid?: number;
}

/**
 * One blob of a registry repository, by digest (Go: `llb.ImageBlob`, BuildKit v0.28). The daemon
 * fetches it with its own resolver: the registry's token flow and the session's credentials,
 * verified against the digest. The reference must carry a digest and no tag, as Go insists.
 */
export function imageBlob(ref: string, opts: ImageBlobOptions = {}): State {
  const parsed = parseImageRef(ref);
  if (parsed.digest === undefined || parsed.tag !== undefined) {
    throw new AikitError('BAD_IMAGE_REF', `blob reference ${JSON.stringify(ref)} needs a digest and no tag`, {
      hint: 'use <repository>@sha256:<hex>',
    });
  }
  // The same attribute keys as http sources: BuildKit reuses them for blobs.
  const attrs: Record<string, string> = {};
  if (opts.filename) attrs['http.filename'] = opts.filename;
  const perm = (opts.perm ?? 0) & 0o777;
  if (perm !== 0) attrs['http.perm'] = `0${perm.toString(8)}`;
  if (opts.uid) attrs['http.uid'] = String(opts.uid);
  if (opts.gid) attrs['http.gid'] = String(opts.gid);
  const v = new SourceVertex(
    `docker-image+blob://${formatImageRef(parsed)}`,
    attrs,
    [Caps.SourceImageBlob],
    opts,
    undefined,
    false,
  );
  return stateFrom(v.output);
}

/** Options of {@link http}. */
export interface HttpOptions extends OpOptions {
  /** Expected `sha256:<hex>` of the download; BuildKit fails on mismatch. */
  checksum?: string;
  /** Name of the file inside the output (default derived from the URL). */
  filename?: string;
  /** Permission bits of the file (Go: `llb.Chmod`). */
  perm?: number;
  uid?: number;
  gid?: number;
  /**
   * ID of a BuildKit secret sent verbatim as the `Authorization` header. BuildKit fails the
   * download when the client has no such secret, so set it only when one was asked for.
   */
  authHeaderSecret?: string;
  /** Extra request headers; BuildKit honours only `accept` and `user-agent`. */
  headers?: Record<string, string>;
}

/** A single file downloaded over HTTP(S) (Go: `llb.HTTP`). */
export function http(url: string, opts: HttpOptions = {}): State {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new AikitError('BAD_URL', `invalid URL ${JSON.stringify(url)}`, { cause: err });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new AikitError('BAD_URL', `unsupported URL scheme ${JSON.stringify(parsed.protocol)}`, {
      hint: 'use an http:// or https:// URL',
    });
  }
  const attrs: Record<string, string> = {};
  const caps: string[] = [];
  if (opts.checksum !== undefined && opts.checksum !== '') {
    if (!isDigest(opts.checksum)) {
      throw new AikitError('BAD_DIGEST', `invalid checksum ${JSON.stringify(opts.checksum)}`, {
        hint: 'use sha256:<64 lowercase hex digits>',
      });
    }
    attrs['http.checksum'] = opts.checksum;
    caps.push(Caps.SourceHttpChecksum);
  }
  if (opts.filename) attrs['http.filename'] = opts.filename;
  const perm = (opts.perm ?? 0) & 0o777;
  if (perm !== 0) {
    attrs['http.perm'] = `0${perm.toString(8)}`;
    caps.push(Caps.SourceHttpPerm);
  }
  // Go writes uid/gid only when non-zero; root is BuildKit's default anyway.
  if (opts.uid) {
    attrs['http.uid'] = String(opts.uid);
    caps.push(Caps.SourceHttpUIDGID);
  }
  if (opts.gid) {
    attrs['http.gid'] = String(opts.gid);
    caps.push(Caps.SourceHttpUIDGID);
  }
  if (opts.authHeaderSecret) {
    attrs['http.authheadersecret'] = opts.authHeaderSecret;
    caps.push(Caps.SourceHttpAuth);
  }
  for (const [name, value] of Object.entries(opts.headers ?? {})) {
    attrs[`http.header.${name.toLowerCase()}`] = value;
    caps.push(Caps.SourceHttpHeader);
  }
  caps.push(Caps.SourceHttp);
  return stateFrom(new SourceVertex(url, attrs, caps, opts, undefined, false).output);
}

/** Options of {@link local}. */
export interface LocalOptions extends OpOptions {
  /** Client session to read from (`BUILDKIT_SESSION_ID`); without it Go adds `local.unique`. */
  sessionId?: string;
  /** Key for incremental transfers between builds. */
  sharedKeyHint?: string;
  followPaths?: string[];
  includePatterns?: string[];
  excludePatterns?: string[];
  differ?: 'none' | 'metadata';
  /** Record cap `source.local.differ` so old daemons refuse instead of ignoring `differ`. */
  differRequired?: boolean;
}

/** Files from the client, e.g. the build context or the build file (Go: `llb.Local`). */
export function local(name: string, opts: LocalOptions = {}): State {
  if (name === '') throw new AikitError('LLB_INVALID', 'local source name must not be empty');
  const attrs: Record<string, string> = {};
  const caps: string[] = [];
  if (opts.sessionId) {
    attrs['local.session'] = opts.sessionId;
    caps.push(Caps.SourceLocalSessionID);
  }
  if (opts.includePatterns && opts.includePatterns.length > 0) {
    // The attribute key is singular in BuildKit; the cap is plural.
    attrs['local.includepattern'] = goJsonStrings(opts.includePatterns);
    caps.push(Caps.SourceLocalIncludePatterns);
  }
  if (opts.followPaths && opts.followPaths.length > 0) {
    attrs['local.followpaths'] = goJsonStrings(opts.followPaths);
    caps.push(Caps.SourceLocalFollowPaths);
  }
  if (opts.excludePatterns && opts.excludePatterns.length > 0) {
    attrs['local.excludepatterns'] = goJsonStrings(opts.excludePatterns);
    caps.push(Caps.SourceLocalExcludePatterns);
  }
  if (opts.sharedKeyHint) {
    attrs['local.sharedkeyhint'] = opts.sharedKeyHint;
    caps.push(Caps.SourceLocalSharedKeyHint);
  }
  if (opts.differ) {
    attrs['local.differ'] = opts.differ;
    if (opts.differRequired) caps.push(Caps.SourceLocalDiffer);
  }
  caps.push(Caps.SourceLocal);
  const v = new SourceVertex(`local://${name}`, attrs, caps, opts, undefined, false, !opts.sessionId);
  return stateFrom(v.output);
}

/** Options of {@link git}. */
export interface GitOptions extends OpOptions {
  /** Branch, tag or commit. */
  ref?: string;
  /** Directory of the repository to use as the root. */
  subdir?: string;
  keepGitDir?: boolean;
}

/**
 * A git repository checked out by the engine (Go: `llb.Git`). The identifier is host and path
 * only, so https and ssh URLs of one repository share a cache key; the full URL travels in
 * `git.fullurl`. Like Go, it names the conventional GIT_AUTH_TOKEN / GIT_AUTH_HEADER secrets,
 * which BuildKit uses when the client has them and ignores otherwise.
 */
export function git(url: string, opts: GitOptions = {}): State {
  const parsed = parseGitUrl(url);
  let id = `${parsed.host}${('/' + parsed.path).replace(/\/{2,}/g, '/')}`;
  const caps: string[] = [Caps.SourceGit];
  if (opts.ref || opts.subdir) {
    id += `#${opts.ref ?? ''}`;
    if (opts.subdir) {
      id += `:${opts.subdir}`;
      caps.push(Caps.SourceGitSubdir);
    }
  }
  const attrs: Record<string, string> = {
    'git.fullurl': parsed.remote,
    'git.authtokensecret': 'GIT_AUTH_TOKEN',
    'git.authheadersecret': 'GIT_AUTH_HEADER',
  };
  caps.push(Caps.SourceGitFullURL);
  if (opts.keepGitDir) {
    attrs['git.keepgitdir'] = 'true';
    caps.push(Caps.SourceGitKeepDir);
  }
  return stateFrom(new SourceVertex(`git://${id}`, attrs, caps, opts, undefined, false).output);
}

/**
 * Whether a build context names a git repository, with dockerui's rule (gitutil.IsGitURL): git
 * schemes, scp-like `git@` remotes, `github.com/` shorthands and http(s) URLs whose path ends in
 * `.git` (a `#ref:subdir` fragment may follow). Any other http(s) URL is a plain download.
 */
export function isGitUrl(url: string): boolean {
  return /^(git:\/\/|git@|ssh:\/\/|github\.com\/)/.test(url) || /^https?:\/\/[^#]+\.git(#.*)?$/.test(url);
}

/** Splits `scheme://[user@]host[:port]/path` or scp-like `user@host:path` (gitutil.ParseURL). */
export function parseGitUrl(url: string): { remote: string; host: string; path: string } {
  const scp = /^([\w.-]+@)?([\w.-]+):(?!\/\/)(.+)$/.exec(url);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    return { remote: url, host: scp[2]!, path: scp[3]!.replace(/^\/+/, '') };
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch (err) {
    throw new AikitError('BAD_URL', `invalid git URL ${JSON.stringify(url)}`, { cause: err });
  }
  if (!['https:', 'http:', 'git:', 'ssh:'].includes(u.protocol)) {
    throw new AikitError('BAD_URL', `unsupported git URL scheme ${JSON.stringify(u.protocol)}`, {
      hint: 'use an https://, git:// or ssh:// URL, or user@host:path',
    });
  }
  return { remote: url, host: u.host, path: decodeURIComponent(u.pathname).replace(/^\/+/, '') };
}
