// LLB capability IDs, as in moby/buildkit v0.25.2 solver/pb/caps.go. Only those this package can
// record; the daemon validates every ID in OpMetadata.caps against its own list.

/** LLB cap IDs recorded in `OpMetadata.caps` (names follow Go's `pb.Cap*` constants). */
export const Caps = {
  SourceImage: 'source.image',
  SourceImageResolveMode: 'source.image.resolvemode',
  SourceImageChecksum: 'source.image.checksum',
  /** `docker-image+blob://`, BuildKit v0.28. */
  SourceImageBlob: 'source.imageblob',
  SourceLocal: 'source.local',
  SourceLocalUnique: 'source.local.unique',
  SourceLocalSessionID: 'source.local.sessionid',
  SourceLocalIncludePatterns: 'source.local.includepatterns',
  SourceLocalFollowPaths: 'source.local.followpaths',
  SourceLocalExcludePatterns: 'source.local.excludepatterns',
  SourceLocalSharedKeyHint: 'source.local.sharedkeyhint',
  SourceLocalDiffer: 'source.local.differ',
  SourceHttp: 'source.http',
  SourceHttpChecksum: 'source.http.checksum',
  SourceHttpPerm: 'source.http.perm',
  /** `http.authheadersecret`, BuildKit v0.21. */
  SourceHttpAuth: 'source.http.auth',
  /** `http.header.*`, BuildKit v0.21. */
  SourceHttpHeader: 'source.http.header',
  /** The typo is BuildKit's real ID. */
  SourceHttpUIDGID: 'soruce.http.uidgid',
  SourceGit: 'source.git',
  SourceGitFullURL: 'source.git.fullurl',
  SourceGitSubdir: 'source.git.subdir',
  SourceGitKeepDir: 'source.git.keepgitdir',
  ExecMetaBase: 'exec.meta.base',
  ExecMetaNetwork: 'exec.meta.network',
  ExecMetaSetsDefaultPath: 'exec.meta.setsdefaultpath',
  ExecMountBind: 'exec.mount.bind',
  ExecMountCache: 'exec.mount.cache',
  ExecMountCacheSharing: 'exec.mount.cache.sharing',
  ExecMountSelector: 'exec.mount.selector',
  ExecMountTmpfs: 'exec.mount.tmpfs',
  ExecMountSecret: 'exec.mount.secret',
  FileBase: 'file.base',
  FileCopyIncludeExcludePatterns: 'file.copy.includeexcludepatterns',
  FileRmWildcard: 'file.rm.wildcard',
  FileSymlinkCreate: 'file.symlink.create',
  MergeOp: 'mergeop',
  DiffOp: 'diffop',
  Constraints: 'constraints',
  Platform: 'platform',
  MetaIgnoreCache: 'meta.ignorecache',
  MetaDescription: 'meta.description',
  MetaExportCache: 'meta.exportcache',
} as const;

/** One of the cap IDs in {@link Caps}. */
export type CapID = (typeof Caps)[keyof typeof Caps];

// First BuildKit release whose caps.go defines the cap (git history of moby/buildkit); caps not
// listed here predate v0.8, the oldest engine we support (Docker 20.10).
const SINCE: Partial<Record<string, string>> = {
  'source.image.checksum': 'v0.25 (Docker 28.5)',
  'source.imageblob': 'v0.28',
  'source.http.auth': 'v0.21 (Docker 28.1)',
  'source.http.header': 'v0.21 (Docker 28.1)',
  'source.local.differ': 'v0.9 (Docker 23.0)',
  'source.git.subdir': 'v0.13 (Docker 26.0)',
  'file.copy.includeexcludepatterns': 'v0.9 (Docker 23.0)',
  'file.symlink.create': 'v0.19 (Docker 28.0)',
  mergeop: 'v0.10 (Docker 23.0) with the containerd image store',
  diffop: 'v0.10 (Docker 23.0) with the containerd image store',
};

/** A hint naming the first BuildKit version with the cap, or a generic upgrade hint. */
export function capHint(cap: string): string {
  const since = SINCE[cap];
  return since
    ? `this needs BuildKit ${since} or newer; upgrade Docker/BuildKit or avoid the feature`
    : 'upgrade Docker/BuildKit, or check that the feature is enabled on the build server';
}
