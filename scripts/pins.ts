// Fills src/convert/lock/pins.generated.ts: the digest of every default image of the runtime
// catalog (manifest list, and each platform's config digest) and the sha256 of every default
// LocalAI download, so that a released frontend pins a default build without a lock file.
// The release workflow runs it; tests and air-gapped machines point it at mirrors:
//
//   npx tsx scripts/pins.ts [--registry-mirror ghcr.io=localhost:5000]... \
//     [--url-mirror https://github.com/=http://127.0.0.1:8080/]... [--allow-missing] [--out file]
//
// Registries are read with the anonymous token flow (401 + Bearer challenge) that ghcr.io, quay.io
// and Docker Hub use; the keys of the file stay the catalog's names whatever mirror answered.
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import prettier from 'prettier';
import { defaultArtifacts, sorted, type DefaultArtifact, type RuntimePins } from '../src/convert/index.js';
import { parseImageRef } from '../src/oci/index.js';

const OUT = new URL('../src/convert/lock/pins.generated.ts', import.meta.url);

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface PinsOptions {
  /** Registry host → the host (or host:port) that serves it instead. */
  registryMirrors: Record<string, string>;
  /** URL prefix → the prefix that serves it instead. */
  urlMirrors: Record<string, string>;
  fetch?: typeof fetch;
}

const isLoopback = (host: string) => /^(localhost|127\.|\[::1\])/.test(host);
const sha256 = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A registry client with the anonymous token flow, one token per repository. */
function registry(host: string, repo: string, opts: PinsOptions) {
  const f = opts.fetch ?? fetch;
  const served = opts.registryMirrors[host] ?? (host === 'docker.io' ? 'registry-1.docker.io' : host);
  const base = `${isLoopback(served) ? 'http' : 'https'}://${served}/v2/${repo}`;
  let token: string | undefined;
  return async (path: string, accept: string): Promise<Uint8Array> => {
    const get = () =>
      f(`${base}/${path}`, { headers: { accept, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
    let res = await get();
    const challenge = res.headers.get('www-authenticate');
    if (res.status === 401 && challenge?.startsWith('Bearer ')) {
      const params = Object.fromEntries(
        [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
      );
      const url = new URL(params['realm']!);
      if (params['service']) url.searchParams.set('service', params['service']);
      url.searchParams.set('scope', params['scope'] ?? `repository:${repo}:pull`);
      const t = (await (await f(url)).json()) as { token?: string; access_token?: string };
      token = t.token ?? t.access_token;
      res = await get();
    }
    if (!res.ok) throw new Error(`${base}/${path}: ${res.status} ${res.statusText}`);
    return new Uint8Array(await res.arrayBuffer());
  };
}

/** An image's digest and each wanted platform's config digest. */
export async function pinImage(
  key: string,
  arches: readonly string[],
  opts: PinsOptions,
): Promise<RuntimePins['images'][string]> {
  const ref = parseImageRef(key);
  const slash = ref.name.indexOf('/');
  const get = registry(ref.name.slice(0, slash), ref.name.slice(slash + 1), opts);
  const top = await get(`manifests/${ref.tag ?? 'latest'}`, ACCEPT);
  const doc = JSON.parse(Buffer.from(top).toString()) as {
    manifests?: { digest: string; platform?: { os?: string; architecture?: string } }[];
    config?: { digest: string };
  };
  const platforms: Record<string, string> = {};
  if (doc.manifests) {
    for (const arch of arches) {
      const m = doc.manifests.find((x) => x.platform?.os === 'linux' && x.platform.architecture === arch);
      if (!m) continue;
      const manifest = JSON.parse(Buffer.from(await get(`manifests/${m.digest}`, ACCEPT)).toString()) as {
        config: { digest: string };
      };
      platforms[`linux/${arch}`] = manifest.config.digest;
    }
  } else if (doc.config) {
    const config = JSON.parse(Buffer.from(await get(`blobs/${doc.config.digest}`, '*/*')).toString()) as {
      os?: string;
      architecture?: string;
    };
    if (config.architecture && arches.includes(config.architecture)) {
      platforms[`${config.os ?? 'linux'}/${config.architecture}`] = doc.config.digest;
    }
  }
  return { digest: sha256(top), platforms };
}

/** A download's sha256, from a mirror when one serves its prefix. */
export async function pinDownload(url: string, opts: PinsOptions): Promise<string> {
  const prefix = Object.keys(opts.urlMirrors).find((p) => url.startsWith(p));
  const served = prefix ? opts.urlMirrors[prefix] + url.slice(prefix.length) : url;
  const res = await (opts.fetch ?? fetch)(served);
  if (!res.ok || !res.body) throw new Error(`${served}: ${res.status} ${res.statusText}`);
  const h = createHash('sha256');
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) h.update(chunk);
  return `sha256:${h.digest('hex')}`;
}

/** Resolves every default; what cannot be resolved is listed, not guessed. */
export async function resolvePins(
  artifacts: readonly DefaultArtifact[],
  opts: PinsOptions,
): Promise<{ pins: RuntimePins; missing: string[] }> {
  const pins: RuntimePins = { images: {}, localai: {} };
  const missing: string[] = [];
  await Promise.all(
    artifacts.map(async (a) => {
      try {
        if (a.kind === 'image') pins.images[a.key] = await pinImage(a.key, a.arches, opts);
        else pins.localai[a.key] = await pinDownload(a.key, opts);
      } catch (e) {
        missing.push(`${a.key}: ${(e as Error).message}`);
      }
    }),
  );
  return { pins: sorted(pins), missing: missing.sort() };
}

/** The generated module's text, formatted as the repository's Prettier config formats it. */
export async function pinsModule(pins: RuntimePins): Promise<string> {
  const text =
    '// Generated by scripts/pins.ts (the release workflow runs it); do not edit.\n' +
    `export const RELEASE_PINS = ${JSON.stringify(sorted(pins), null, 2)};\n`;
  const config = await prettier.resolveConfig(fileURLToPath(OUT));
  return prettier.format(text, { ...config, parser: 'typescript' });
}

function pairs(values: string[] | undefined, flag: string): Record<string, string> {
  return Object.fromEntries(
    (values ?? []).map((v) => {
      const eq = v.indexOf('=');
      if (eq <= 0) throw new Error(`${flag} takes from=to, got ${v}`);
      return [v.slice(0, eq), v.slice(eq + 1)];
    }),
  );
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'registry-mirror': { type: 'string', multiple: true },
      'url-mirror': { type: 'string', multiple: true },
      'allow-missing': { type: 'boolean' },
      out: { type: 'string' },
    },
  });
  const opts: PinsOptions = {
    registryMirrors: pairs(values['registry-mirror'], '--registry-mirror'),
    urlMirrors: pairs(values['url-mirror'], '--url-mirror'),
  };
  const all = defaultArtifacts();
  const { pins, missing } = await resolvePins(all, opts);
  for (const m of missing) console.error(`unpinned: ${m}`);
  if (missing.length > 0 && !values['allow-missing']) {
    console.error(`${missing.length} of ${all.length} defaults could not be pinned; nothing written`);
    return 1;
  }
  const out = values.out ?? OUT;
  await writeFile(out, await pinsModule(pins));
  console.error(`pinned ${all.length - missing.length} of ${all.length} defaults into ${String(out)}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
