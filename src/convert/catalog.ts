import type { Arch, Backend, Runtime } from '../aikitfile/index.js';

// The runtime catalog (decisions.md#d11): every artifact a LocalAI image is made of, as data.
// Facts and their provenance are in decisions.md#localai; the anchors
// below point there. Code elsewhere reads this table and never names an image or a URL itself.
//
// Pinning: no registry or release page is reachable from the machines this was written on, so
// no digest or checksum below could be read. Every `digest`/`sha256` left undefined is marked
// UNVERIFIED; fill it in at the next version bump (decisions.md#localai-bump). A build can pin any
// entry itself with its AIKIT_* build-arg (`name:tag@sha256:…` for images, a sha256 for files).

/** The CPU architectures of the aikitfile's matrix, which LocalAI publishes binaries for. */
export type { Arch };

/** A LocalAI release line the catalog uses (decisions.md#d13: one pinned version per backend). */
export type LocalAIVersion = 'v4.7.1' | 'v3.12.1' | 'v3.10.1';

/** The LocalAI core binary (decisions.md#localai-binary): a static Go binary per version × arch. */
export interface LocalAIBinary {
  /** Release asset URL; `{version}` and `{arch}` are filled in per image. */
  urlTemplate: string;
  /** `sha256:<hex>` per version and arch, from `LocalAI-<version>-checksums.txt`. */
  sha256: Record<LocalAIVersion, Partial<Record<Arch, string>>>;
}

export const LOCALAI_BINARY: LocalAIBinary = {
  urlTemplate:
    'https://github.com/mudler/LocalAI/releases/download/{version}/local-ai-{version}-linux-{arch}',
  // UNVERIFIED: no release-page access; read each value from LocalAI-<version>-checksums.txt.
  sha256: { 'v4.7.1': {}, 'v3.12.1': {}, 'v3.10.1': {} },
};

/** The LocalAI line an image gets unless its backend pins another (decisions.md#localai-version). */
export const DEFAULT_LOCALAI_VERSION: LocalAIVersion = 'v4.7.1';

/**
 * Where LocalAI's backend gallery says a backend came from; written into metadata.json
 * (decisions.md#backend-metadata).
 */
export const GALLERY_URL = 'github:mudler/LocalAI/backend/index.yaml@master';

/**
 * Upstream's primary backend registry (decisions.md#backend-images); `localai/localai-backends` on Docker Hub
 * mirrors it.
 */
export const BACKEND_REGISTRY = 'quay.io/go-skynet/local-ai-backends';

/** The backend images the catalog knows, by the directory they get under `/backends/`. */
export type BackendImageId =
  | 'cpu-llama-cpp'
  | 'cuda12-llama-cpp'
  | 'rocm-llama-cpp'
  | 'vulkan-llama-cpp'
  | 'cuda12-diffusers'
  | 'cuda12-vllm'
  | 'cuda12-transformers'
  | 'cuda12-exllama2';

/** One LocalAI backend image (decisions.md#backend-images): `FROM scratch` with the backend at its root. */
export interface BackendImage {
  /** The build-arg that replaces `ref`. */
  arg: string;
  /** Image reference, release-pinned by tag. */
  ref: string;
  /** Manifest-list digest; undefined = UNVERIFIED (no registry access). */
  digest: string | undefined;
  /** Architectures the image is published for and the catalog uses it on. */
  arches: readonly Arch[];
  /**
   * `/backends/<dir>/`; LocalAI picks among an alias group by tokens in this name
   * (decisions.md#backend-discovery).
   */
  dir: string;
  /** The `alias` of metadata.json: the name a model config's `backend:` uses. */
  alias: string;
  /** The LocalAI release the image belongs to; the image's core binary must match it. */
  localai: LocalAIVersion;
  /** The image carries the accelerator's user-space libraries itself (decisions.md#gpu-libraries). */
  bundlesGpuLibraries: boolean;
  /** Human description for `aikit artifacts` and the docs. */
  description: string;
}

const backend = (tag: string) => `${BACKEND_REGISTRY}:${tag}`;

export const BACKEND_IMAGES: Readonly<Record<BackendImageId, BackendImage>> = {
  'cpu-llama-cpp': {
    arg: 'AIKIT_BACKEND_IMAGE_LLAMA_CPP',
    ref: backend('v4.7.1-cpu-llama-cpp'),
    digest: undefined, // UNVERIFIED
    arches: ['amd64', 'arm64'],
    dir: 'cpu-llama-cpp',
    alias: 'llama-cpp',
    localai: 'v4.7.1',
    bundlesGpuLibraries: false,
    description: 'llama-cpp backend for CPU images, and the CPU fallback of CUDA and ROCm images',
  },
  'cuda12-llama-cpp': {
    arg: 'AIKIT_BACKEND_IMAGE_LLAMA_CPP_CUDA',
    ref: backend('v4.7.1-gpu-nvidia-cuda-12-llama-cpp'),
    digest: undefined, // UNVERIFIED
    arches: ['amd64'],
    dir: 'cuda12-llama-cpp',
    alias: 'llama-cpp',
    localai: 'v4.7.1',
    // package-gpu-libs.sh copies libcudart, libcublas, libcublasLt, … into lib/ (decisions.md#gpu-libraries).
    bundlesGpuLibraries: true,
    description: 'llama-cpp backend built for CUDA 12.8 (runtime cuda, amd64)',
  },
  'rocm-llama-cpp': {
    arg: 'AIKIT_BACKEND_IMAGE_LLAMA_CPP_ROCM',
    // The reference uses the branch tag `rocm7-…`; the v4.7.1 release tag is built on ROCm 7.2.1
    // (decisions.md#backend-selection) and keeps the backend on the same release as the core binary.
    ref: backend('v4.7.1-gpu-rocm-hipblas-llama-cpp'),
    digest: undefined, // UNVERIFIED
    arches: ['amd64'],
    dir: 'rocm-llama-cpp',
    alias: 'llama-cpp',
    localai: 'v4.7.1',
    // package_rocm_libs bundles libamdhip64, libhipblas, librocblas, … and the kernel data
    // (decisions.md#gpu-libraries).
    bundlesGpuLibraries: true,
    description: 'llama-cpp backend built for ROCm 7.2 hipBLAS (runtime rocm, amd64)',
  },
  'vulkan-llama-cpp': {
    arg: 'AIKIT_BACKEND_IMAGE_LLAMA_CPP_APPLESILICON',
    ref: backend('v3.12.1-gpu-vulkan-llama-cpp'),
    digest: undefined, // UNVERIFIED
    arches: ['arm64'],
    dir: 'vulkan-llama-cpp',
    alias: 'llama-cpp',
    localai: 'v3.12.1',
    bundlesGpuLibraries: true,
    description: 'llama-cpp backend built for Vulkan (runtime applesilicon, arm64)',
  },
  'cuda12-diffusers': {
    arg: 'AIKIT_BACKEND_IMAGE_DIFFUSERS',
    ref: backend('v3.12.1-gpu-nvidia-cuda-12-diffusers'),
    digest: undefined, // UNVERIFIED
    arches: ['amd64'],
    dir: 'cuda12-diffusers',
    alias: 'diffusers',
    localai: 'v3.12.1',
    // Python backends carry CUDA in their venv's wheels.
    bundlesGpuLibraries: true,
    description: 'diffusers backend for CUDA 12 (runtime cuda, amd64)',
  },
  'cuda12-vllm': {
    arg: 'AIKIT_BACKEND_IMAGE_VLLM',
    ref: backend('v4.7.1-gpu-nvidia-cuda-12-vllm'),
    digest: undefined, // UNVERIFIED
    arches: ['amd64'],
    dir: 'cuda12-vllm',
    alias: 'vllm',
    localai: 'v4.7.1',
    bundlesGpuLibraries: true,
    description: 'vLLM backend for CUDA 12 (runtime cuda, amd64)',
  },
  'cuda12-transformers': {
    arg: 'AIKIT_BACKEND_IMAGE_MAMBA',
    // LocalAI folded mamba into transformers (v2.26.0) and aliases `mamba` to it
    // (decisions.md#mamba-exllama2).
    ref: backend('v4.7.1-gpu-nvidia-cuda-12-transformers'),
    digest: undefined, // UNVERIFIED
    arches: ['amd64'],
    dir: 'cuda12-transformers',
    alias: 'transformers',
    localai: 'v4.7.1',
    bundlesGpuLibraries: true,
    description: 'transformers backend, which serves backend: mamba (runtime cuda, amd64)',
  },
  'cuda12-exllama2': {
    arg: 'AIKIT_BACKEND_IMAGE_EXLLAMA2',
    // exllama2 was removed upstream in v3.11.0; v3.10.1 is the last line that has it
    // (decisions.md#mamba-exllama2).
    ref: backend('v3.10.1-gpu-nvidia-cuda-12-exllama2'),
    digest: undefined, // UNVERIFIED
    arches: ['amd64'],
    dir: 'cuda12-exllama2',
    alias: 'exllama2',
    localai: 'v3.10.1',
    bundlesGpuLibraries: true,
    description: 'exllama2 backend for CUDA 12, LocalAI v3.10.1 (runtime cuda, amd64)',
  },
};

/**
 * The final base images (decisions.md#base-images). Their config is never inherited; only their files are.
 */
export type BaseImageId = 'cpu' | 'cuda' | 'applesilicon' | 'rocm' | 'python';

export interface BaseImage {
  arg: string;
  /** Image reference; `undefined` means "the same image as the `cpu` base". */
  ref: string | undefined;
  digest: string | undefined;
  arches: readonly Arch[];
  description: string;
}

export const BASE_IMAGES: Readonly<Record<BaseImageId, BaseImage>> = {
  cpu: {
    arg: 'AIKIT_BASE_IMAGE',
    // Dockerfile.base: Ubuntu chisel slices (libc, bash, coreutils, grep, CA certificates).
    ref: 'ghcr.io/kaito-project/aikit/base:latest',
    digest: undefined, // UNVERIFIED: published weekly, pin at release time
    arches: ['amd64', 'arm64'],
    description: 'base image of CPU and llama-cpp images (Dockerfile.base; its config is not inherited)',
  },
  cuda: {
    arg: 'AIKIT_CUDA_BASE_IMAGE',
    // Dockerfile.base-cuda: the CPU base plus the CUDA 12.8 runtime libraries, no compilers.
    ref: 'ghcr.io/kaito-project/aikit/cuda/base:latest',
    digest: undefined, // UNVERIFIED: not published yet
    arches: ['amd64'],
    description:
      'base image of CUDA images whose backend does not bring the CUDA libraries (Dockerfile.base-cuda); used when AIKIT_CUDA_LIBRARIES=base',
  },
  applesilicon: {
    arg: 'AIKIT_APPLESILICON_BASE_IMAGE',
    // Dockerfile.base-applesilicon: Fedora with Mesa's krunkit Vulkan driver (decisions.md#base-images).
    ref: 'ghcr.io/kaito-project/aikit/applesilicon/base:latest',
    digest: undefined, // UNVERIFIED
    arches: ['arm64'],
    description: 'base image of Apple Silicon images (Dockerfile.base-applesilicon)',
  },
  rocm: {
    arg: 'AIKIT_ROCM_BASE_IMAGE',
    // The ROCm backend bundles the ROCm user-space libraries since LocalAI v4.2.0, so the CPU
    // base is enough (the reference still installs ROCm with apt; decisions.md#gpu-libraries, inferred, not
    // run on a GPU).
    ref: undefined,
    digest: undefined,
    arches: ['amd64'],
    description: 'base image of ROCm images; default: the AIKIT_BASE_IMAGE image',
  },
  python: {
    arg: 'AIKIT_PYTHON_BASE_IMAGE',
    // Python backends (diffusers, vllm, mamba, exllama2) need a distribution's libstdc++ and
    // shell tools next to their portable CPython; the reference uses ubuntu:22.04 (decisions.md#base-images).
    ref: 'docker.io/library/ubuntu:22.04',
    digest: undefined, // UNVERIFIED
    arches: ['amd64', 'arm64'],
    description: 'base image of images with a Python backend (diffusers, vllm, mamba, exllama2)',
  },
};

/**
 * vLLM's Triton compiles kernels at run time, so its image needs a C compiler (decisions.md#gpu-libraries).
 * It is installed on the python base in its own layer unless AIKIT_VLLM_BASE_IMAGE names an image that
 * already has one.
 */
export const VLLM_TOOLCHAIN = {
  arg: 'AIKIT_VLLM_BASE_IMAGE',
  packages: ['gcc', 'libc6-dev'],
} as const;

/**
 * What the image config says for each runtime (decisions.md#image-config, with decisions.md#d8: one PATH,
 * CUDA env only with CUDA).
 */
export const RUNTIME_ENV = {
  cuda: [
    'NVIDIA_REQUIRE_CUDA=cuda>=12.0',
    'NVIDIA_DRIVER_CAPABILITIES=compute,utility',
    'NVIDIA_VISIBLE_DEVICES=all',
    'BUILD_TYPE=cublas',
  ],
  /** Added when the CUDA libraries come from the CUDA base, which keeps them there. */
  cudaBaseLibraries: ['LD_LIBRARY_PATH=/usr/local/cuda/lib64'],
  // LocalAI v3.12.1 hands its environment to backends unchanged. v4.7.1 points VK_DRIVER_FILES and
  // VK_ICD_FILENAMES at the backend's own vulkan/icd.d/ (pkg/model/process.go), overriding this:
  // a move to v4 needs the virtio manifest there (decisions.md#startup-vulkan-icd).
  applesilicon: ['VK_ICD_FILENAMES=/usr/share/vulkan/icd.d/virtio_icd.aarch64.json'],
  // LocalAI cannot always detect an AMD GPU in a container; the reference forces the capability
  // so the ROCm backend wins over the CPU fallback (decisions.md#backend-discovery). Set it to `default` to
  // run on CPU.
  rocm: ['LOCALAI_FORCE_META_BACKEND_CAPABILITY=amd'],
} as const;

/**
 * The capability file LocalAI reads when LOCALAI_FORCE_META_BACKEND_CAPABILITY is unset
 * (pkg/system/capabilities.go, v3.10.1 to v4.7.1), and what each runtime writes into it. LocalAI's
 * own CUDA image writes `nvidia-cuda-<major>` (its Dockerfile), so the CUDA backend wins its alias
 * group even when LocalAI's detection finds no GPU with more than 4 GiB; the env variable still
 * overrides it (`LOCALAI_FORCE_META_BACKEND_CAPABILITY=default` runs a CUDA image on CPU).
 */
export const CAPABILITY_FILE = {
  path: '/run/localai/capability',
  byRuntime: { cuda: 'nvidia-cuda-12' } as Partial<Record<Runtime, string>>,
} as const;

/**
 * Who owns a Python backend's files in the image: the chart's user and group
 * (charts/aikit/values.yaml securityContext). libbackend.sh rewrites `venv/bin/python*` and
 * `venv/pyvenv.cfg` at every start (backend/python/common/libbackend.sh, _makeVenvPortable).
 */
export const PYTHON_VENV_OWNER = { uid: 1000, gid: 999 } as const;

/**
 * What the LocalAI image of one runtime × backend combination is made of (decisions.md#backend-selection,
 * #d13). Which combinations a file may ask for, and on which architectures, is the aikitfile's matrix.
 */
export interface LocalAIStack {
  /** `''` is CPU. */
  runtime: Runtime;
  backend: Backend;
  /** Backend images, the one LocalAI should prefer first; later ones are fallbacks. */
  images: readonly BackendImageId[];
  base: BaseImageId;
  /** Extra build step on the base (vLLM's C compiler). */
  toolchain?: 'vllm';
}

export const LOCALAI_STACKS: readonly LocalAIStack[] = [
  { runtime: '', backend: 'llama-cpp', images: ['cpu-llama-cpp'], base: 'cpu' },
  // CUDA llama-cpp keeps the CPU build beside it: LocalAI picks it on hosts without a GPU
  // (decisions.md#backend-discovery).
  { runtime: 'cuda', backend: 'llama-cpp', images: ['cuda12-llama-cpp', 'cpu-llama-cpp'], base: 'cpu' },
  { runtime: 'cuda', backend: 'diffusers', images: ['cuda12-diffusers'], base: 'python' },
  { runtime: 'cuda', backend: 'vllm', images: ['cuda12-vllm'], base: 'python', toolchain: 'vllm' },
  { runtime: 'cuda', backend: 'mamba', images: ['cuda12-transformers'], base: 'python' },
  { runtime: 'cuda', backend: 'exllama2', images: ['cuda12-exllama2'], base: 'python' },
  { runtime: 'rocm', backend: 'llama-cpp', images: ['rocm-llama-cpp', 'cpu-llama-cpp'], base: 'rocm' },
  { runtime: 'applesilicon', backend: 'llama-cpp', images: ['vulkan-llama-cpp'], base: 'applesilicon' },
];

/**
 * What Dockerfile.base-cuda puts into /usr/local/cuda/lib64, as copy-exclude patterns for a CUDA
 * backend's lib/: with AIKIT_CUDA_LIBRARIES=base these come from the base only, so no image
 * carries CUDA twice.
 */
export const CUDA_BASE_LIBRARIES = ['lib/libcudart.so*', 'lib/libcublas.so*', 'lib/libcublasLt.so*'] as const;

/** llama.cpp's server images, by the aikitfile runtime they serve (`server: llama-server`). */
export type LlamaServerImageId = 'cpu' | 'cuda' | 'applesilicon' | 'rocm';

/**
 * One of llama.cpp's official `llama-server` images (docs/docker.md and .devops/*.Dockerfile of
 * ggml-org/llama.cpp): Ubuntu with the server at /app/llama-server and its libraries in /app.
 * A llama-server image is built on it; its config is not inherited (the image config names
 * entrypoint, command and env itself).
 */
export interface LlamaServerImage {
  /** Image reference, pinned to one llama.cpp build by its `-b<build>` tag. */
  ref: string;
  /** Manifest-list digest; undefined = UNVERIFIED (no registry access). */
  digest: string | undefined;
  /** Architectures this runtime builds for with the image (the image may have more). */
  arches: readonly Arch[];
  /** Env entries the image config adds after PATH for this runtime. */
  env: readonly string[];
  description: string;
}

/** The build every llama-server image is pinned to; all four variants are cut from it. */
export const LLAMA_SERVER_BUILD = 'b11347';

/** The build-arg that replaces the llama-server image of whatever runtime the build uses. */
export const LLAMA_SERVER_IMAGE_ARG = 'AIKIT_LLAMA_SERVER_IMAGE';

/** The binary in every llama.cpp server image (and in scripts/llama-server-image.sh's stand-in). */
export const LLAMA_SERVER_BINARY = '/app/llama-server';

const llamacpp = (variant: string) => `ghcr.io/ggml-org/llama.cpp:server${variant}-${LLAMA_SERVER_BUILD}`;

export const LLAMA_SERVER_IMAGES: Readonly<Record<LlamaServerImageId, LlamaServerImage>> = {
  cpu: {
    ref: llamacpp(''),
    digest: undefined, // UNVERIFIED
    arches: ['amd64', 'arm64'],
    env: [],
    description: 'llama.cpp server for CPU (all x86-64 and arm64 CPU variants, picked at start)',
  },
  cuda: {
    // CUDA 12 (`server-cuda12-<build>`, also tagged `server-cuda-<build>`), on nvidia/cuda's runtime image.
    ref: llamacpp('-cuda'),
    digest: undefined, // UNVERIFIED
    arches: ['amd64', 'arm64'],
    // nvidia/cuda's own config, which is not inherited: what the NVIDIA container runtime reads.
    env: [
      'NVIDIA_VISIBLE_DEVICES=all',
      'NVIDIA_DRIVER_CAPABILITIES=compute,utility',
      'LD_LIBRARY_PATH=/usr/local/nvidia/lib:/usr/local/nvidia/lib64',
    ],
    description: 'llama.cpp server built for CUDA 12 (runtime cuda)',
  },
  applesilicon: {
    // Vulkan build with Mesa's drivers; Apple Silicon Linux VMs (Podman/libkrun) expose Vulkan.
    ref: llamacpp('-vulkan'),
    digest: undefined, // UNVERIFIED
    arches: ['arm64'],
    env: [],
    description: 'llama.cpp server built for Vulkan (runtime applesilicon, arm64)',
  },
  rocm: {
    ref: llamacpp('-rocm'),
    digest: undefined, // UNVERIFIED
    arches: ['amd64'],
    env: [],
    description: 'llama.cpp server built for ROCm (runtime rocm, amd64)',
  },
};
