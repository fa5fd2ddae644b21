import type { Backend, Runtime, Server } from './types.js';

// The platform × runtime × backend matrix (decisions.md#d15): per server, which runtime and backend
// an aikitfile may combine, and which CPU architectures each combination builds for. Validation
// reports a combination no row has, at the file's own positions; the converter plans every
// target platform from the row it finds and refuses (or, decisions.md#d8, falls back on) the architectures
// the row lacks. The words of those messages sit next to the facts they explain. What an image
// is made of (references, versions) is the converter's catalog, not this table.

/** CPU architectures aikit builds Linux images for. */
export const ARCHES = ['amd64', 'arm64'] as const;
export type Arch = (typeof ARCHES)[number];

/** A forbidden (or degraded) combination in the user's words. */
export interface MatrixProblem {
  code: string;
  message: string;
  hint?: string | undefined;
}

/** Why a combination builds for some architectures only. */
export interface ArchLimit {
  /** Whether the error points at the runtime or at the backend. */
  blame: 'runtime' | 'backend';
  /** The error for `target`, the requested platform as written (`linux/arm64`). */
  problem(target: string, backend: Backend | undefined): MatrixProblem;
}

/** An architecture on which a combination builds another runtime's image, with a warning. */
export interface Fallback {
  arch: Arch;
  runtime: Runtime;
  warning(target: string): MatrixProblem;
}

/** One combination a file may ask for. */
export interface Combination {
  /** `''` is CPU. */
  runtime: Runtime;
  /** `undefined` in the rows of a server without backends. */
  backend: Backend | undefined;
  /** Architectures the combination builds for. */
  arches: readonly Arch[];
  /** Why every other architecture is refused; a row lacking an architecture has this or a fallback. */
  limit?: ArchLimit;
  fallback?: Fallback;
}

/** One server's part of the matrix. */
export interface ServerMatrix {
  /** The backend of a file that names none; `undefined` when the server has no backends. */
  defaultBackend: Backend | undefined;
  combinations: readonly Combination[];
  /** The error for a target that is not linux/amd64 or linux/arm64. */
  otherTarget(os: string, target: string): MatrixProblem;
}

const ROCM_ON_AMD64: ArchLimit = {
  blame: 'runtime',
  problem: (target) => ({
    code: 'ROCM_NEEDS_AMD64',
    message: `runtime rocm builds linux/amd64 images only; ${target} was requested`,
    hint: 'build with --platform linux/amd64, or without runtime rocm for a CPU image on arm64',
  }),
};

const APPLESILICON_ON_ARM64: ArchLimit = {
  blame: 'runtime',
  problem: (target) => ({
    code: 'APPLESILICON_NEEDS_ARM64',
    message: `runtime applesilicon builds linux/arm64 images only (Apple Silicon runs arm64 Linux VMs); ${target} was requested`,
    hint: 'build with --platform linux/arm64',
  }),
};

// LocalAI publishes its Python backends for amd64 only.
const PYTHON_BACKEND_ON_AMD64: ArchLimit = {
  blame: 'backend',
  problem: (target, backend) => ({
    code: 'BACKEND_NEEDS_AMD64',
    message: `backend ${backend} is published for linux/amd64 only; only llama-cpp builds for ${target}`,
    hint: 'build with --platform linux/amd64, or use the llama-cpp backend on arm64',
  }),
};

// decisions.md#d8: LocalAI has no CUDA backend for arm64, so a cuda file's arm64 image is the CPU image.
const CUDA_ON_ARM64: Fallback = {
  arch: 'arm64',
  runtime: '',
  warning: (target) => ({
    code: 'CUDA_ON_ARM64',
    message: `runtime cuda on ${target} builds the CPU image: LocalAI has no CUDA backend for arm64`,
    hint: 'the linux/amd64 image uses CUDA; drop linux/arm64 from --platform to build CUDA only',
  }),
};

const python = (backend: Backend): Combination => ({
  runtime: 'cuda',
  backend,
  arches: ['amd64'],
  limit: PYTHON_BACKEND_ON_AMD64,
});

export const MATRIX: Readonly<Record<Server, ServerMatrix>> = {
  localai: {
    defaultBackend: 'llama-cpp',
    combinations: [
      { runtime: '', backend: 'llama-cpp', arches: ['amd64', 'arm64'] },
      { runtime: 'cuda', backend: 'llama-cpp', arches: ['amd64'], fallback: CUDA_ON_ARM64 },
      python('diffusers'),
      python('vllm'),
      python('mamba'),
      python('exllama2'),
      { runtime: 'rocm', backend: 'llama-cpp', arches: ['amd64'], limit: ROCM_ON_AMD64 },
      { runtime: 'applesilicon', backend: 'llama-cpp', arches: ['arm64'], limit: APPLESILICON_ON_ARM64 },
    ],
    otherTarget: (os, target) =>
      os !== 'linux'
        ? {
            code: 'UNSUPPORTED_PLATFORM',
            message: `aikit builds linux images; ${target} was requested`,
            hint: 'use --platform linux/amd64 or linux/arm64',
          }
        : {
            code: 'UNSUPPORTED_PLATFORM',
            message: `LocalAI is published for linux/amd64 and linux/arm64 only; ${target} was requested`,
            hint: 'use --platform linux/amd64, linux/arm64 or both',
          },
  },
  // llama.cpp publishes its CUDA server image for arm64 too, so no runtime falls back here.
  'llama-server': {
    defaultBackend: undefined,
    combinations: [
      { runtime: '', backend: undefined, arches: ['amd64', 'arm64'] },
      { runtime: 'cuda', backend: undefined, arches: ['amd64', 'arm64'] },
      { runtime: 'rocm', backend: undefined, arches: ['amd64'], limit: ROCM_ON_AMD64 },
      { runtime: 'applesilicon', backend: undefined, arches: ['arm64'], limit: APPLESILICON_ON_ARM64 },
    ],
    otherTarget: (_os, target) => ({
      code: 'UNSUPPORTED_PLATFORM',
      message: `llama-server images are built for linux/amd64 and linux/arm64; ${target} was requested`,
      hint: 'use --platform linux/amd64, linux/arm64 or both',
    }),
  },
};

/** The row of a combination; undefined when the server offers it on no architecture. */
export function combinationFor(
  server: Server,
  runtime: Runtime,
  backend: Backend | undefined,
): Combination | undefined {
  return MATRIX[server].combinations.find((c) => c.runtime === runtime && c.backend === backend);
}

/**
 * Why a server cannot run `backend` with `runtime` on any architecture; undefined when it can.
 * `origin` says where the runtime came from when not from the file (`--build-arg runtime`).
 */
export function combinationProblem(
  server: Server,
  runtime: Runtime,
  backend: Backend | undefined,
  origin?: string,
): MatrixProblem | undefined {
  if (combinationFor(server, runtime, backend)) return undefined;
  const rows = MATRIX[server].combinations;
  const named = `runtime ${runtime}${origin ? ` (from ${origin})` : ''}`;
  if (backend === undefined) {
    return { code: 'UNSUPPORTED_RUNTIME', message: `${named} is not available with server ${server}` };
  }
  if (runtime !== '') {
    const offered = rows.filter((c) => c.runtime === runtime).map((c) => c.backend);
    return {
      code: 'RUNTIME_BACKEND_CONFLICT',
      message: `${named} only supports the ${offered.join(', ')} backend, not ${backend}`,
    };
  }
  // A CPU image: the backend exists only with an accelerator runtime (today every backend but
  // llama-cpp needs cuda, hence BACKEND_NEEDS_CUDA).
  const [needed] = rows.filter((c) => c.backend === backend).map((c) => c.runtime);
  if (needed === undefined) {
    return {
      code: 'UNSUPPORTED_BACKEND',
      message: `backend ${backend} is not available with server ${server}`,
    };
  }
  return {
    code: `BACKEND_NEEDS_${needed.toUpperCase()}`,
    message: `backend ${backend} requires runtime ${needed}`,
    hint: `add runtime: ${needed} to the aikitfile`,
  };
}
