import { image, imageBlob, scratch, type SourceLocation, type State } from '../llb/index.js';
import type { OciSource } from '../aikitfile/index.js';
import { AikitError } from '../util/errors.js';

// Pulling from OCI registries. Registries such as ghcr.io and Docker Hub answer every request,
// anonymous ones included, with a 401 and a Bearer challenge; BuildKit's http source cannot
// answer it, and the frontend has no network of its own. So the registry work is done in the
// build by a real client: oras in an exec step (manifests always; blobs where the engine has no
// `docker-image+blob://` source), the daemon's own resolver where it has one (BuildKit v0.28+).
// Credentials come from an optional secret holding a Docker config file, mounted for oras's
// --registry-config: the secret's value never enters the graph, the image or the output.

/** Default image of the registry steps; AIKIT_ORAS_IMAGE overrides it (a mirror, a pinned digest). */
export const ORAS_IMAGE = 'ghcr.io/oras-project/oras:v1.3.6';
/** Default id of the secret holding a Docker config.json with registry credentials. */
export const REGISTRY_SECRET = 'docker-config';

/** How the registry steps reach registries, from build-args (models.ts reads them). */
export interface OciPullSettings {
  orasImage: string;
  /** BuildKit secret id of a Docker config.json; optional: a build without it pulls anonymously. */
  registrySecret: string;
  /**
   * Network of the registry steps: `auto` uses the host's network for loopback registries, which
   * a sandboxed step cannot reach (entitlement network.host), and the sandbox for the rest.
   */
  network: 'auto' | 'sandbox' | 'host';
  /** The engine has `docker-image+blob://` (cap source.imageblob): blobs come from the daemon. */
  daemonBlobs: boolean;
}

export const DEFAULT_OCI_PULL: OciPullSettings = {
  orasImage: ORAS_IMAGE,
  registrySecret: REGISTRY_SECRET,
  network: 'auto',
  daemonBlobs: false,
};

const SECRET_PATH = '/run/secrets/aikit-registry-config';
const OUT = '/out';
/** In a manifest step's output: its verdict, `ok` or `error` and oras's message below. */
export const PULL_STATUS = '/status';
/** In a manifest step's output: the manifest or index, byte for byte. */
export const PULL_MANIFEST = '/manifest.json';

// One script for both steps, arguments positional so no value is ever parsed by the shell. A
// manifest failure is written down instead of failing the step, so the frontend can say at the
// model's line what went wrong; a blob failure (after its manifest was read) fails the build.
const SCRIPT = [
  'set -u',
  'cmd=$1 ref=$2 file=$3 hex=$4',
  'shift 4',
  `if [ -s ${SECRET_PATH} ]; then set -- "$@" --registry-config ${SECRET_PATH}; fi`,
  'if [ "$cmd" = manifest ]; then',
  `  if oras manifest fetch "$@" --output ${OUT}${PULL_MANIFEST} "$ref" 2>/tmp/oras.err; then echo ok >${OUT}${PULL_STATUS}`,
  `  else { echo error; cat /tmp/oras.err; } >${OUT}${PULL_STATUS}; fi`,
  '  exit 0',
  'fi',
  // The model's own directories (0755), then the file read-only (0444) as oras creates it: the
  // step's output is the model's layer as it is (layers.ts), with no copy.
  `case $file in */*) mkdir -p "${OUT}/\${file%/*}" ;; esac`,
  'umask 0222',
  `oras blob fetch "$@" --output "${OUT}/$file" "$ref" || exit 1`,
  // oras verifies the digest too; the check here holds whatever image AIKIT_ORAS_IMAGE names to it.
  `set -- $(sha256sum "${OUT}/$file")`,
  'if [ "$1" != "$hex" ]; then echo "sha256 of $ref is $1, not $hex" >&2; exit 1; fi',
].join('\n');

/** Docker's rule: loopback registries speak plain HTTP, everything else HTTPS. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '');
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}

function step(
  src: OciSource,
  settings: OciPullSettings,
  args: [cmd: string, ref: string, file: string, hex: string],
  opts: { name: string; ignoreCache?: boolean; location?: SourceLocation },
): State {
  const network =
    settings.network === 'auto' ? (isLoopbackRegistry(src.registry) ? 'host' : 'sandbox') : settings.network;
  const flags = isLoopbackRegistry(src.registry) ? ['--plain-http'] : [];
  return image(settings.orasImage)
    .run({
      args: ['/bin/sh', '-c', SCRIPT, 'aikit-oci-pull', ...args, ...flags],
      network,
      mounts: [
        { dest: OUT, source: scratch() },
        { dest: SECRET_PATH, type: 'secret', secretId: settings.registrySecret, optional: true },
      ],
      name: opts.name,
      ...(opts.ignoreCache ? { ignoreCache: true } : {}),
      ...(opts.location ? { location: opts.location } : {}),
    })
    .getMount(OUT);
}

/** oras's name of a repository: `docker.io` as Docker spells it, the rest verbatim. */
const repositoryRef = (src: OciSource) => `${src.registry}/${src.repository}`;

/**
 * A step that reads one manifest or index by tag or digest into {@link PULL_MANIFEST} and its
 * verdict into {@link PULL_STATUS}. A tag moves, so its step ignores the cache; a digest does not.
 */
export function manifestStep(
  src: OciSource,
  reference: string,
  settings: OciPullSettings,
  name: string,
): State {
  const pinned = reference.startsWith('sha256:');
  const ref = `${repositoryRef(src)}${pinned ? '@' : ':'}${reference}`;
  return step(src, settings, ['manifest', ref, '', ''], { name, ignoreCache: !pinned });
}

/**
 * The model blob as `/<file>`: from the daemon where it has `docker-image+blob://`, else fetched
 * by oras in a step cached by its digest and checked against it. For the step, `file` may hold
 * directories (`models/x.gguf`): they are made 0755 and the file is 0444, so the step's output
 * can be the model's layer itself. The daemon's blob source takes a bare file name only.
 */
export function blobSource(
  src: OciSource,
  digest: string,
  file: string,
  settings: OciPullSettings,
  opts: { name: string; location?: SourceLocation },
): State {
  const ref = `${repositoryRef(src)}@${digest}`;
  if (settings.daemonBlobs) {
    return imageBlob(ref, {
      filename: file,
      name: opts.name,
      ...(opts.location ? { location: opts.location } : {}),
    });
  }
  const hex = digest.replace(/^sha256:/, '');
  return step(src, settings, ['blob', ref, file, hex], opts);
}

/** What went wrong reading a manifest, from the step's status file. */
export interface PullProblem {
  message: string;
  hint: string;
}

/**
 * Reads a manifest step's status: undefined when it read the manifest, else the failure in the
 * user's terms with the fix. oras reports HTTP failures as `response status code NNN`.
 */
export function pullProblem(
  status: Uint8Array,
  src: OciSource,
  settings: OciPullSettings,
): PullProblem | undefined {
  const text = Buffer.from(status).toString('utf8').trim();
  if (text === 'ok') return undefined;
  const detail = text.replace(/^error\s*/, '').trim() || 'oras failed without a message';
  const code = /status code (\d{3})/.exec(detail)?.[1];
  const secret = `--secret id=${settings.registrySecret},src=$HOME/.docker/config.json`;
  const login =
    `log in (docker login ${src.registry}) and pass the credentials to the build: ${secret}` +
    ' (the file must hold the credentials itself, not a credsStore helper)';
  if (code === '401' || /unauthori[sz]ed|authentication required/i.test(detail)) {
    // oras prints the same words for no credentials and for an account whose token lacks the
    // scope (distribution answers 401 insufficient_scope to both): the hint names both.
    return {
      message: `${src.registry} wants credentials to pull ${src.repository} (401)`,
      hint: `${login}; if you passed them, the account lacks pull access to ${src.repository}`,
    };
  }
  if (code === '403' || /\bdenied\b|forbidden/i.test(detail)) {
    return {
      message: `${src.registry} denied pulling ${src.repository} (403)`,
      hint: `the credentials passed lack pull access to ${src.repository}; ${login}`,
    };
  }
  if (code === '404' || /\bnot found\b|(manifest|name|blob) unknown/i.test(detail)) {
    return {
      message: `oci://${src.ref} was not found (404)`,
      hint: 'check the registry, repository and tag (oras repo tags lists the tags); a private repository may also answer 404 without credentials',
    };
  }
  if (/connection refused|no such host|i\/o timeout|network is unreachable/i.test(detail)) {
    return {
      message: `cannot reach ${src.registry}: ${firstLine(detail)}`,
      hint: isLoopbackRegistry(src.registry)
        ? 'a loopback registry is reached over the host network: pass --allow network.host to the build (AIKIT_OCI_NETWORK=host)'
        : 'check the registry host name and the build machine’s network; AIKIT_OCI_NETWORK=host uses the host’s network',
    };
  }
  return {
    message: `cannot pull oci://${src.ref}: ${firstLine(detail)}`,
    hint: 'check the reference; AIKIT_ORAS_IMAGE names the image that does the pull',
  };
}

/** The manifest and index types aikit reads (and asks registries for). */
export const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
] as const;

/**
 * A document the step read that aikit cannot use as a manifest: not JSON, or of a media type it
 * does not know (a Docker schema 1 manifest, a Helm chart's config, …). An absent mediaType is
 * fine: the OCI spec made it optional at first.
 */
export function manifestProblem(doc: Uint8Array, src: OciSource): PullProblem | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(doc).toString('utf8'));
  } catch {
    return {
      message: `oci://${src.ref} did not answer with a JSON manifest`,
      hint: 'check that the reference names a registry and repository',
    };
  }
  const mediaType = (parsed as { mediaType?: unknown } | null)?.mediaType;
  if (mediaType === undefined || (MANIFEST_TYPES as readonly unknown[]).includes(mediaType)) return undefined;
  return {
    message: `oci://${src.ref} has the unknown media type ${JSON.stringify(mediaType)}`,
    hint: 'aikit reads OCI and Docker v2 manifests and indexes: push the model as an OCI artifact (oras push) or pull an ollama model',
  };
}

const firstLine = (s: string) =>
  s
    .split('\n')
    .find((l) => l.trim() !== '')
    ?.trim() ?? s;

/** Reads the network build-arg, failing on a value it does not know. */
export function ociNetwork(value: string | undefined): OciPullSettings['network'] {
  const v = value || 'auto';
  if (v === 'auto' || v === 'sandbox' || v === 'host') return v;
  throw new AikitError(
    'BAD_BUILD_ARG',
    `AIKIT_OCI_NETWORK must be auto, sandbox or host, got ${JSON.stringify(v)}`,
    {
      hint: 'auto (the default) uses the host network only for loopback registries',
    },
  );
}
