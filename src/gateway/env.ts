import { isGitUrl, type Platform } from '../llb/index.js';

/** What BuildKit hands a gateway frontend through its environment (frontend/gateway/gateway.go). */
export interface FrontendEnv {
  /** Frontend options, `BUILDKIT_FRONTEND_OPT_<n>=<key>=<value>`. */
  opts: Record<string, string>;
  sessionId: string;
  /** Platforms of the first worker from `BUILDKIT_WORKERS`, native first. */
  workerPlatforms: Platform[];
  /** `docker` under dockerd, `buildkit` under buildkitd. */
  exportedProduct: string;
}

export function readFrontendEnv(env: NodeJS.ProcessEnv = process.env): FrontendEnv {
  const opts: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (!k.startsWith('BUILDKIT_FRONTEND_OPT_') || v === undefined) continue;
    // The value itself may contain '=' (build-arg values do); only the first one separates.
    const eq = v.indexOf('=');
    if (eq < 0) opts[v] = '';
    else opts[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return {
    opts,
    sessionId: env['BUILDKIT_SESSION_ID'] ?? '',
    workerPlatforms: parseWorkers(env['BUILDKIT_WORKERS']),
    exportedProduct: env['BUILDKIT_EXPORTEDPRODUCT'] ?? '',
  };
}

function parseWorkers(json: string | undefined): Platform[] {
  if (!json) return [];
  try {
    const workers = JSON.parse(json) as {
      platforms?: { os?: string; architecture?: string; variant?: string }[];
    }[];
    return (workers[0]?.platforms ?? []).map((p) => ({
      os: p.os ?? 'linux',
      architecture: p.architecture ?? 'amd64',
      ...(p.variant ? { variant: p.variant } : {}),
    }));
  } catch {
    // Workers only supply a default platform; Ping carries the same list.
    return [];
  }
}

/** The subset of dockerui's options (frontend/dockerui/config.go) this frontend understands. */
export interface BuildOptions {
  filename: string;
  /** The local name holding the aikitfile: the directory of `-f`. */
  dockerfileLocal: string;
  /** The local name of the build context. */
  contextLocal: string;
  /** Remote context (git or https URL) when the build was started from one. */
  remoteContext: string | undefined;
  /** Raw platform list as given; parsed by the caller. */
  platforms: string[];
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  /** `no-cache` given: BuildKit does not do this for gateway frontends; we set ignore_cache. */
  noCache: boolean;
  imageResolveMode: 'default' | 'pull' | 'local';
  target: string;
  cacheImports: { Type: string; Attrs: Record<string, string> }[];
  /** Session for a local name: `local-sessionid:<name>` or the build session. */
  sessionFor(localName: string): string;
  requestId: string;
}

export function parseBuildOptions(env: FrontendEnv): BuildOptions {
  const o = env.opts;
  const prefixed = (prefix: string) =>
    Object.fromEntries(
      Object.entries(o)
        .filter(([k]) => k.startsWith(prefix))
        .map(([k, v]) => [k.slice(prefix.length), v]),
    );
  const mode = o['image-resolve-mode'];
  const ctx = o['contextkey'] ? o[o['contextkey']] : o['context'];
  return {
    filename: o['filename'] || 'aikitfile.yaml',
    dockerfileLocal: o['dockerfilekey'] || 'dockerfile',
    contextLocal: 'context',
    remoteContext: ctx && isRemoteContext(ctx) ? ctx : undefined,
    platforms: (o['platform'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    buildArgs: prefixed('build-arg:'),
    labels: prefixed('label:'),
    noCache: 'no-cache' in o,
    imageResolveMode: mode === 'pull' || mode === 'local' ? mode : 'default',
    target: o['target'] ?? '',
    cacheImports: parseCacheImports(o['cache-imports'], o['cache-from']),
    sessionFor: (name) => o[`local-sessionid:${name}`] || env.sessionId,
    requestId: o['requestid'] ?? '',
  };
}

/** dockerui's DetectGitContext and DetectHTTPContext: a git repository or a file to download. */
function isRemoteContext(ctx: string): boolean {
  return isGitUrl(ctx) || /^https?:\/\//.test(ctx);
}

function parseCacheImports(
  json: string | undefined,
  legacy: string | undefined,
): BuildOptions['cacheImports'] {
  if (json) {
    try {
      const parsed = JSON.parse(json) as { Type: string; Attrs?: Record<string, string> }[];
      return parsed.map((c) => ({ Type: c.Type, Attrs: c.Attrs ?? {} }));
    } catch {
      return [];
    }
  }
  // Legacy `cache-from=ref1,ref2` means registry caches.
  return (legacy ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((ref) => ({ Type: 'registry', Attrs: { ref } }));
}
