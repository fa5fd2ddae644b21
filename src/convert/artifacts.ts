import { AikitError } from '../util/errors.js';

/** The LocalAI release the CPU image is built from (runtime-catalog.md §1.1). */
export const LOCALAI_VERSION = 'v4.7.1';

/**
 * Every external artifact an image is made of, each replaceable with an `AIKIT_*` build-arg so
 * that mirrors and air-gapped builds need no code change (decision D11).
 */
export interface Artifacts {
  /** Runtime base image reference (its config is not inherited, as in the reference). */
  baseImage: string;
  /** LocalAI core binary URL; `{arch}` and `{version}` are filled in per platform. */
  localaiUrl: string;
  /** Pinned `sha256:<hex>` of the LocalAI binary, when known. */
  localaiSha256: string | undefined;
}

export interface ArtifactArg {
  name: string;
  description: string;
  default: string;
}

/** The overridable artifacts, with their defaults; `aikit artifacts` and the docs list these. */
export const ARTIFACT_ARGS: readonly ArtifactArg[] = [
  {
    name: 'AIKIT_BASE_IMAGE',
    description: 'runtime base image of CPU images (any image reference)',
    default: 'ghcr.io/kaito-project/aikit/base:latest',
  },
  {
    name: 'AIKIT_LOCALAI_URL',
    description: 'LocalAI core binary download; {arch} becomes amd64 or arm64, {version} the LocalAI version',
    default: 'https://github.com/mudler/LocalAI/releases/download/{version}/local-ai-{version}-linux-{arch}',
  },
  {
    name: 'AIKIT_LOCALAI_SHA256',
    description: 'sha256 the LocalAI download must have (hex); without it an overridden URL is not pinned',
    default: '',
  },
];

const SHA256 = /^(sha256:)?([a-f0-9]{64})$/i;

/** Reads the `AIKIT_*` build-args; returns the artifacts and which args were consumed. */
export function resolveArtifacts(buildArgs: Readonly<Record<string, string>>): {
  artifacts: Artifacts;
  used: string[];
} {
  const used: string[] = [];
  const get = (name: string): string | undefined => {
    const v = buildArgs[name];
    if (v === undefined || v === '') return undefined;
    used.push(name);
    return v.trim();
  };
  const def = (name: string) => ARTIFACT_ARGS.find((a) => a.name === name)!.default;

  const localaiUrl = get('AIKIT_LOCALAI_URL') ?? def('AIKIT_LOCALAI_URL');
  if (!/^https?:\/\//.test(localaiUrl)) {
    throw new AikitError(
      'BAD_BUILD_ARG',
      `AIKIT_LOCALAI_URL must be an http(s) URL, got ${JSON.stringify(localaiUrl)}`,
      {
        hint: 'pass --build-arg AIKIT_LOCALAI_URL=https://mirror.example/local-ai-{arch}',
      },
    );
  }
  const shaArg = get('AIKIT_LOCALAI_SHA256');
  let localaiSha256: string | undefined;
  if (shaArg !== undefined) {
    const m = SHA256.exec(shaArg);
    if (!m) {
      throw new AikitError(
        'BAD_BUILD_ARG',
        `AIKIT_LOCALAI_SHA256 is not a sha256 digest: ${JSON.stringify(shaArg)}`,
        {
          hint: 'give 64 hex characters, optionally prefixed with sha256:',
        },
      );
    }
    localaiSha256 = `sha256:${m[2]!.toLowerCase()}`;
  }
  const baseImage = get('AIKIT_BASE_IMAGE') ?? def('AIKIT_BASE_IMAGE');
  return { artifacts: { baseImage, localaiUrl, localaiSha256 }, used };
}

/** LocalAI publishes linux/amd64 and linux/arm64 binaries only. */
export function localaiArch(architecture: string): 'amd64' | 'arm64' {
  if (architecture === 'amd64' || architecture === 'arm64') return architecture;
  throw new AikitError('UNSUPPORTED_PLATFORM', `unsupported architecture ${architecture}`, {
    hint: 'LocalAI images can be built for linux/amd64 and linux/arm64',
  });
}

export function localaiUrlFor(artifacts: Artifacts, architecture: string): string {
  return artifacts.localaiUrl
    .replaceAll('{version}', LOCALAI_VERSION)
    .replaceAll('{arch}', localaiArch(architecture));
}
