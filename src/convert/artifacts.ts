import { normalizeImageRef, parseDigest } from '../oci/index.js';
import { AikitError } from '../util/errors.js';
import { buildArgsReadBy, CUDA_LIBRARIES_ARG, type BuildArgInfo } from './build-args.js';
import {
  BACKEND_IMAGES,
  BASE_IMAGES,
  DEFAULT_LOCALAI_VERSION,
  LLAMA_SERVER_IMAGE_ARG,
  LLAMA_SERVER_IMAGES,
  LOCALAI_BINARY,
  VLLM_TOOLCHAIN,
  type Arch,
  type BackendImageId,
  type BaseImageId,
  type LlamaServerImageId,
  type LocalAIVersion,
} from './catalog.js';

/** The LocalAI release CPU images are built from (decisions.md#localai-binary). */
export const LOCALAI_VERSION = DEFAULT_LOCALAI_VERSION;

/** Where an image's CUDA user-space libraries come from. */
export type CudaLibraries = 'backend' | 'base';

/**
 * Every external artifact an image is made of, each replaceable with an `AIKIT_*` build-arg so
 * that mirrors and air-gapped builds need no code change (decisions.md#d11). Fields other than the
 * first three are optional so that a hand-made value gets the catalog's defaults.
 */
export interface Artifacts {
  /** CPU base image reference (its config is not inherited, as in the reference). */
  baseImage: string;
  /** LocalAI core binary URL; `{arch}` and `{version}` are filled in per platform. */
  localaiUrl: string;
  /** Pinned `sha256:<hex>` of the LocalAI binary for every architecture, when given. */
  localaiSha256: string | undefined;
  /** Per-architecture pins; they win over `localaiSha256`. */
  localaiSha256ByArch?: Partial<Record<Arch, string>>;
  /** Base images other than the CPU one; absent entries take the catalog's. */
  baseImages?: Partial<Record<Exclude<BaseImageId, 'cpu'>, string>>;
  /** Backend images; absent entries take the catalog's. */
  backendImages?: Partial<Record<BackendImageId, string>>;
  /** An image for vLLM that already has a C compiler; absent: the python base plus one. */
  vllmBaseImage?: string | undefined;
  /** `backend` (default): CUDA comes with the backend image; `base`: from the CUDA base image. */
  cudaLibraries?: CudaLibraries;
  /** `server: llama-server`: the llama.cpp server image for every runtime; absent: the catalog's per runtime. */
  llamaServerImage?: string | undefined;
  /**
   * The normalised form of every image reference a build-arg gave, from the one parse that
   * validated it: resolving and pinning those images looks them up here instead of parsing again.
   */
  normalisedImages?: ReadonlyMap<string, string>;
}

export type ArtifactArg = BuildArgInfo;

/** The overridable artifacts, with their defaults: the register's rows read here. */
export const ARTIFACT_ARGS: readonly ArtifactArg[] = buildArgsReadBy('artifacts');

/** Reads the `AIKIT_*` build-args; returns the artifacts and which args were consumed. */
export function resolveArtifacts(buildArgs: Readonly<Record<string, string>>): {
  artifacts: Artifacts;
  used: string[];
} {
  const used: string[] = [];
  const get = (name: string): string | undefined => {
    const v = buildArgs[name];
    if (v === undefined || v.trim() === '') return undefined;
    used.push(name);
    return v.trim();
  };
  const normalisedImages = new Map<string, string>();
  const imageArg = (name: string): string | undefined => {
    const v = get(name);
    if (v === undefined) return undefined;
    try {
      normalisedImages.set(v, normalizeImageRef(v));
    } catch (e) {
      throw new AikitError('BAD_BUILD_ARG', `${name} is not an image reference: ${JSON.stringify(v)}`, {
        cause: e,
        hint: `pass --build-arg ${name}=registry.example/name:tag, optionally with @sha256:<digest>`,
      });
    }
    return v;
  };
  const shaArg = (name: string): string | undefined => {
    const v = get(name);
    if (v === undefined) return undefined;
    const d = parseDigest(v);
    if (!d) {
      throw new AikitError('BAD_BUILD_ARG', `${name} is not a sha256 digest: ${JSON.stringify(v)}`, {
        hint: 'give 64 hex characters, optionally prefixed with sha256:',
      });
    }
    return d;
  };

  const localaiUrl = get('AIKIT_LOCALAI_URL') ?? LOCALAI_BINARY.urlTemplate;
  if (!/^https?:\/\//.test(localaiUrl)) {
    throw new AikitError(
      'BAD_BUILD_ARG',
      `AIKIT_LOCALAI_URL must be an http(s) URL, got ${JSON.stringify(localaiUrl)}`,
      {
        hint: 'pass --build-arg AIKIT_LOCALAI_URL=https://mirror.example/local-ai-{arch}',
      },
    );
  }
  const localaiSha256 = shaArg('AIKIT_LOCALAI_SHA256');
  const localaiSha256ByArch: Partial<Record<Arch, string>> = {};
  for (const arch of ['amd64', 'arm64'] as const) {
    const v = shaArg(`AIKIT_LOCALAI_SHA256_${arch.toUpperCase()}`);
    if (v) localaiSha256ByArch[arch] = v;
  }
  const baseImage = imageArg(BASE_IMAGES.cpu.arg) ?? withDigest(BASE_IMAGES.cpu.ref, BASE_IMAGES.cpu.digest)!;

  const baseImages: NonNullable<Artifacts['baseImages']> = {};
  for (const id of ['cuda', 'applesilicon', 'rocm', 'python'] as const) {
    const v = imageArg(BASE_IMAGES[id].arg);
    if (v) baseImages[id] = v;
  }
  const backendImages: NonNullable<Artifacts['backendImages']> = {};
  for (const [id, b] of Object.entries(BACKEND_IMAGES) as [
    BackendImageId,
    (typeof BACKEND_IMAGES)[BackendImageId],
  ][]) {
    const v = imageArg(b.arg);
    if (v) backendImages[id] = v;
  }
  const vllmBaseImage = imageArg(VLLM_TOOLCHAIN.arg);
  const llamaServerImage = imageArg(LLAMA_SERVER_IMAGE_ARG);

  const libs = get(CUDA_LIBRARIES_ARG) ?? 'backend';
  if (libs !== 'backend' && libs !== 'base') {
    throw new AikitError(
      'BAD_BUILD_ARG',
      `${CUDA_LIBRARIES_ARG} must be backend or base, got ${JSON.stringify(libs)}`,
      {
        hint: 'backend: the CUDA backend image brings the libraries; base: they come from AIKIT_CUDA_BASE_IMAGE',
      },
    );
  }

  return {
    artifacts: {
      baseImage,
      localaiUrl,
      localaiSha256,
      localaiSha256ByArch,
      baseImages,
      backendImages,
      vllmBaseImage,
      cudaLibraries: libs,
      llamaServerImage,
      normalisedImages,
    },
    used,
  };
}

/** LocalAI publishes linux/amd64 and linux/arm64 binaries only. */
export function localaiArch(architecture: string): Arch {
  if (architecture === 'amd64' || architecture === 'arm64') return architecture;
  throw new AikitError('UNSUPPORTED_PLATFORM', `unsupported architecture ${architecture}`, {
    hint: 'LocalAI images can be built for linux/amd64 and linux/arm64',
  });
}

export function localaiUrlFor(
  artifacts: Artifacts,
  architecture: string,
  version: LocalAIVersion = LOCALAI_VERSION,
): string {
  return artifacts.localaiUrl
    .replaceAll('{version}', version)
    .replaceAll('{arch}', localaiArch(architecture));
}

/**
 * The checksum a LocalAI download must match: a build-arg pin for the arch, else one for every
 * arch, else the catalog's (only for the catalog's own URL: a mirror may serve other bytes).
 */
export function localaiSha256For(
  artifacts: Artifacts,
  architecture: string,
  version: LocalAIVersion = LOCALAI_VERSION,
): string | undefined {
  const arch = localaiArch(architecture);
  return (
    artifacts.localaiSha256ByArch?.[arch] ??
    artifacts.localaiSha256 ??
    (artifacts.localaiUrl === LOCALAI_BINARY.urlTemplate ? LOCALAI_BINARY.sha256[version][arch] : undefined)
  );
}

/** The reference of a base image, after overrides. */
export function baseImageRef(artifacts: Artifacts, id: BaseImageId): string {
  if (id === 'cpu') return artifacts.baseImage;
  return (
    artifacts.baseImages?.[id] ??
    withDigest(BASE_IMAGES[id].ref, BASE_IMAGES[id].digest) ??
    artifacts.baseImage
  );
}

/** The reference of a backend image, after overrides. */
export function backendImageRef(artifacts: Artifacts, id: BackendImageId): string {
  const b = BACKEND_IMAGES[id];
  return artifacts.backendImages?.[id] ?? withDigest(b.ref, b.digest)!;
}

/** The llama.cpp server image a `server: llama-server` build uses for a runtime, after the override. */
export function llamaServerImageRef(artifacts: Artifacts, id: LlamaServerImageId): string {
  const img = LLAMA_SERVER_IMAGES[id];
  return artifacts.llamaServerImage ?? withDigest(img.ref, img.digest)!;
}

function withDigest(ref: string | undefined, digest: string | undefined): string | undefined {
  return ref && digest ? `${ref}@${digest}` : ref;
}
