import path from 'node:path';
import { copy, http, mkdir, type State } from '../../../llb/index.js';
import { AikitError } from '../../../util/errors.js';
import {
  backendImageRef,
  baseImageRef,
  localaiSha256For,
  localaiUrlFor,
  type Artifacts,
} from '../../artifacts.js';
import {
  BACKEND_IMAGES,
  CAPABILITY_FILE,
  CUDA_BASE_LIBRARIES,
  GALLERY_URL,
  PYTHON_VENV_OWNER,
  RUNTIME_ENV,
  VLLM_TOOLCHAIN,
  type BackendImageId,
} from '../../catalog.js';
import type { Layer } from '../../layers.js';
import { redactUrl } from '../../naming.js';
import { imageSource, type PartsOptions } from '../server.js';
import type { LocalAIPlan } from './plan.js';

// The runtime half of a LocalAI image: its base, the LocalAI binary and the backends, all from
// the catalog.

/** What a runtime adds to the image config. */
export interface RuntimeImage {
  env: string[];
  labels: Record<string, string>;
}

/** The runtime half of an image: its base, its layers and its config. */
export interface RuntimeParts {
  base: State;
  /** The LocalAI binary, then each backend: separate layers (decisions.md#d12). */
  layers: Layer[];
  image: RuntimeImage;
}

/** The images one platform's LocalAI image reads, decided from the plan and the artifacts. */
export interface RuntimeImages {
  /** The base image reference, for resolving its config and digest. */
  baseRef: string;
  /** vLLM's compiler is installed on the base (no AIKIT_VLLM_BASE_IMAGE names one that has it). */
  toolchain: boolean;
  /** The CUDA libraries come from the CUDA base, not from the primary backend. */
  cudaFromBase: boolean;
  /** The backend images, the one LocalAI should prefer first. */
  backends: { id: BackendImageId; ref: string }[];
}

/** Picks the images of one platform's LocalAI image; throws when the build-args contradict the plan. */
export function runtimeImages(plan: LocalAIPlan, artifacts: Artifacts): RuntimeImages {
  const cudaFromBase = plan.runtime === 'cuda' && cudaLibrariesFromBase(plan, artifacts);
  const vllm = plan.stack.toolchain === 'vllm';
  const vllmBase = vllm && artifacts.vllmBaseImage ? artifacts.vllmBaseImage : undefined;
  // A runner installs its downloader with apt, which the distroless bases lack (the reference
  // builds every runner on Ubuntu).
  const base = plan.runner ? runnerBase(cudaFromBase) : cudaFromBase ? 'cuda' : plan.stack.base;
  return {
    baseRef: vllmBase ?? baseImageRef(artifacts, base),
    toolchain: vllm && !vllmBase,
    cudaFromBase,
    backends: plan.stack.images.map((id) => ({ id, ref: backendImageRef(artifacts, id) })),
  };
}

/** Builds the base, LocalAI and backend parts of one platform's image from the catalog. */
export function runtimeParts(plan: LocalAIPlan, opts: PartsOptions): RuntimeParts {
  const { artifacts, tag } = opts;
  const images = runtimeImages(plan, artifacts);
  let base = imageSource(images.baseRef, `${tag} base image ${images.baseRef}`, opts);
  if (images.toolchain) base = withVllmToolchain(base, tag);
  if (plan.runner && plan.backend === 'llama-cpp') base = withRunnerDownloader(base, tag);

  const url = localaiUrlFor(artifacts, plan.arch, plan.localai);
  const sha256 = localaiSha256For(artifacts, plan.arch, plan.localai);
  const localai = http(url, {
    filename: 'local-ai',
    perm: 0o755,
    ...(sha256 ? { checksum: sha256 } : {}),
    name: `${tag} download LocalAI ${redactUrl(url)}`,
  });
  const capability = CAPABILITY_FILE.byRuntime[plan.runtime];
  let binary = copy(localai, '/local-ai', '/usr/bin/local-ai', { createDestPath: true });
  if (capability) {
    binary = binary
      .mkdir(path.posix.dirname(CAPABILITY_FILE.path), 0o755, { makeParents: true })
      .mkfile(CAPABILITY_FILE.path, 0o644, `${capability}\n`);
  }
  const layers: Layer[] = [
    {
      action: binary,
      name: `${tag} add LocalAI ${plan.localai} to /usr/bin/local-ai${capability ? ` (capability ${capability})` : ''}`,
    },
  ];

  const installed: { name: string; alias: string; image: string }[] = [];
  images.backends.forEach(({ id, ref }, i) => {
    const b = BACKEND_IMAGES[id];
    const dir = `/backends/${b.dir}`;
    // The primary backend of a CUDA image that takes CUDA from the base leaves its own copy out.
    const exclude = images.cudaFromBase && i === 0 && b.bundlesGpuLibraries ? [...CUDA_BASE_LIBRARIES] : [];
    // A Python backend's files belong to the chart's user, who must be able to rewrite its venv/
    // at start; one copy keeps this within BuildKit v0.8 (splitting venv/ off needs excludes).
    const owner = plan.stack.base === 'python' ? { owner: { ...PYTHON_VENV_OWNER } } : {};
    const action = mkdir(dir, 0o755, { makeParents: true }).copy(
      imageSource(ref, `${tag} backend image ${ref}`, opts),
      '/',
      `${dir}/`,
      { dirCopyContents: true, ...(exclude.length > 0 ? { excludePatterns: exclude } : {}), ...owner },
    );
    layers.push({
      action: action.mkfile(
        `${dir}/metadata.json`,
        0o644,
        backendMetadata(b.alias, b.dir, { version: b.localai, ...pinOf(ref, opts.imageDigest) }),
      ),
      name: `${tag} add backend ${b.dir} to ${dir}`,
    });
    installed.push({ name: b.dir, alias: b.alias, image: ref });
  });

  return {
    base,
    layers,
    image: {
      env: runtimeEnv(plan, images.cudaFromBase),
      labels: {
        'ai.kaito.aikit.runtime': plan.runtime === '' ? 'cpu' : plan.runtime,
        'ai.kaito.aikit.backend': plan.backend,
        'ai.kaito.aikit.localai.version': plan.localai,
        'ai.kaito.aikit.backends': JSON.stringify(installed),
      },
    },
  };
}

/** What metadata.json says about where a backend came from (LocalAI v4.7.1 BackendMetadata). */
export interface BackendPin {
  /** The LocalAI release the backend image belongs to. */
  version?: string;
  /** The image reference it was copied from, without a digest. */
  uri?: string;
  /** The image's manifest(-list) digest, when the build knows it. */
  digest?: string;
}

/**
 * LocalAI's metadata.json for a backend directory, as LocalAI writes it (decisions.md#backend-metadata:
 * Go's two-space MarshalIndent of core/gallery/backend_types.go BackendMetadata, fields in struct
 * order, empty ones omitted, no trailing newline). version, uri and digest are what the upgrade
 * check compares (v4.7.1 core/gallery/upgrade.go): without a digest every backend reads as
 * upgradeable, and LOCALAI_AUTO_UPGRADE_BACKENDS=true would replace it with `latest-*`.
 */
export function backendMetadata(alias: string, name: string, pin: BackendPin = {}): string {
  return JSON.stringify(
    {
      alias,
      name,
      gallery_url: GALLERY_URL,
      ...(pin.version ? { version: pin.version } : {}),
      ...(pin.uri ? { uri: pin.uri } : {}),
      ...(pin.digest ? { digest: pin.digest } : {}),
    },
    null,
    2,
  );
}

/** The uri and digest of a backend image reference, the digest from the ref or the frontend. */
export function pinOf(ref: string, resolved?: (ref: string) => string | undefined): BackendPin {
  const at = ref.indexOf('@');
  const uri = at >= 0 ? ref.slice(0, at) : ref;
  const digest = at >= 0 ? ref.slice(at + 1) : resolved?.(ref);
  return { uri, ...(digest ? { digest } : {}) };
}

/** The env entries a runtime adds after PATH and CONFIG_FILE (decisions.md#d8: CUDA env only with CUDA). */
export function runtimeEnv(plan: LocalAIPlan, cudaFromBase: boolean): string[] {
  switch (plan.runtime) {
    case 'cuda':
      return [...RUNTIME_ENV.cuda, ...(cudaFromBase ? RUNTIME_ENV.cudaBaseLibraries : [])];
    case 'applesilicon':
      return [...RUNTIME_ENV.applesilicon];
    case 'rocm':
      return [...RUNTIME_ENV.rocm];
    case '':
      return [];
  }
}

function cudaLibrariesFromBase(plan: LocalAIPlan, artifacts: Artifacts): boolean {
  const primary = BACKEND_IMAGES[plan.stack.images[0]!];
  const wanted = artifacts.cudaLibraries === 'base' || !primary.bundlesGpuLibraries;
  if (wanted && plan.stack.base !== 'cpu') {
    throw new AikitError(
      'CUDA_LIBRARIES_CONFLICT',
      `AIKIT_CUDA_LIBRARIES=base does not apply to the ${plan.backend} backend: its image brings CUDA in its Python packages`,
      { hint: 'drop the build-arg; it works with the llama-cpp backend' },
    );
  }
  return wanted;
}

/** vLLM's Triton compiles at run time: gcc and libc headers, in their own layer on the base. */
function withVllmToolchain(base: State, tag: string): State {
  const packages = VLLM_TOOLCHAIN.packages.join(' ');
  return base
    .run({
      args: [
        '/bin/sh',
        '-c',
        `apt-get update && apt-get install -y --no-install-recommends ${packages} && apt-get clean && rm -rf /var/lib/apt/lists/*`,
      ],
      env: ['DEBIAN_FRONTEND=noninteractive'],
      name: `${tag} install ${packages} for vllm`,
    })
    .root();
}

/** The base of a LocalAI runner: Ubuntu, whose apt installs the downloader. */
function runnerBase(cudaFromBase: boolean): 'python' {
  if (cudaFromBase) {
    throw new AikitError(
      'CUDA_LIBRARIES_CONFLICT',
      'AIKIT_CUDA_LIBRARIES=base does not apply to a runner image, which is built on Ubuntu',
      { hint: 'drop the build-arg; the llama-cpp backend brings its CUDA libraries' },
    );
  }
  return 'python';
}

/**
 * What a llama-cpp runner downloads with: curl for URLs and the Hub's `hf` CLI for repositories,
 * the versions the reference installs (diffusers and vllm fetch with their own Python). One
 * layer on the base, as the vllm toolchain is.
 */
function withRunnerDownloader(base: State, tag: string): State {
  const hf = `huggingface-hub==${RUNNER_DOWNLOADER.huggingfaceHub}`;
  const pip = `pip install --no-cache-dir --no-compile`;
  return base
    .run({
      args: [
        '/bin/sh',
        '-c',
        `apt-get -o Acquire::Retries=5 -o APT::Update::Error-Mode=any update && ` +
          `apt-get install --no-install-recommends -y ${RUNNER_DOWNLOADER.packages.join(' ')} && ` +
          `(${pip} --break-system-packages ${hf} 2>/dev/null || ${pip} ${hf}) && ` +
          `apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/* /root/.cache/pip`,
      ],
      env: ['DEBIAN_FRONTEND=noninteractive'],
      name: `${tag} install the runner's downloader (curl, hf)`,
    })
    .root();
}

/** The runner's downloader: Ubuntu packages and the Hub CLI's version (the reference's). */
const RUNNER_DOWNLOADER = {
  packages: ['curl', 'ca-certificates', 'python3', 'python3-pip'],
  huggingfaceHub: '1.26.0',
} as const;
