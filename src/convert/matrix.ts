import { formatPlatform, type Platform } from '../llb/index.js';
import type { Backend, InferenceSpec, Runtime } from '../aikitfile/index.js';
import { AikitError, type Issue, type SourceRange } from '../util/errors.js';
import {
  BACKEND_IMAGES,
  MATRIX,
  RUNTIME_ENV,
  type Arch,
  type LocalAIVersion,
  type MatrixRow,
} from './catalog.js';
import { planLlamaServer } from './runtimes/llama-server.js';

// The platform × runtime × backend matrix (decision D15). The spec checks what one file can get
// wrong on its own (unknown names, a backend that needs CUDA); this checks what depends on the
// target platform, once per platform, with one message per forbidden combination.

/** What one platform's image is made of, after the matrix said yes. */
export interface RuntimePlan {
  /** The runtime the image is built for: `''` when `cuda` was asked for on arm64 (D8). */
  runtime: Runtime;
  /** The aikitfile's backend (llama-cpp when it names none). */
  backend: Backend;
  arch: Arch;
  row: MatrixRow;
  /** The LocalAI release of the first backend image (D13). */
  localai: LocalAIVersion;
  warnings: Issue[];
}

export interface PlanOptions {
  /** Range of a key path in the aikitfile, for located messages. */
  locate?: ((path: readonly (string | number)[]) => SourceRange | undefined) | undefined;
  /** The aikitfile's name, for messages. */
  file?: string | undefined;
}

/** Checks the matrix for one target platform; throws an AikitError for a forbidden combination. */
export function planRuntime(spec: InferenceSpec, platform: Platform, opts: PlanOptions = {}): RuntimePlan {
  const backend: Backend = spec.backends[0] ?? 'llama-cpp';
  const requested = spec.runtime;
  const target = formatPlatform(platform);
  const fail = (code: string, path: (string | number)[], message: string, hint: string): never => {
    const range = opts.locate?.(path);
    const issue: Issue = { severity: 'error', code, message, hint, path, ...(range ? { range } : {}) };
    throw new AikitError(code, message, { hint, issues: [issue], ...(opts.file ? { file: opts.file } : {}) });
  };
  const runtimePath = ['runtime'];
  const backendPath = spec.backends.length > 0 ? ['backends', 0] : ['runtime'];

  if (platform.os !== 'linux') {
    fail(
      'UNSUPPORTED_PLATFORM',
      [],
      `aikit builds linux images; ${target} was requested`,
      'use --platform linux/amd64 or linux/arm64',
    );
  }
  const arch = platform.architecture;
  if (arch !== 'amd64' && arch !== 'arm64') {
    fail(
      'UNSUPPORTED_PLATFORM',
      [],
      `LocalAI is published for linux/amd64 and linux/arm64 only; ${target} was requested`,
      'use --platform linux/amd64, linux/arm64 or both',
    );
  }
  const a = arch as Arch;
  const rows = MATRIX.filter((r) => r.runtime === requested && r.backend === backend);
  if (rows.length === 0) {
    // The spec reports these with the file's own positions; this guards hand-made specs.
    if (requested === 'rocm' || requested === 'applesilicon') {
      fail(
        'RUNTIME_BACKEND_CONFLICT',
        backendPath,
        `runtime ${requested} only supports the llama-cpp backend, not ${backend}`,
        'remove backends: or use backends: [llama-cpp]',
      );
    }
    fail(
      'BACKEND_NEEDS_CUDA',
      backendPath,
      `backend ${backend} requires runtime cuda`,
      'add runtime: cuda to the aikitfile',
    );
  }
  const warnings: Issue[] = [];
  let row = rows.find((r) => r.arches.includes(a));
  let runtime: Runtime = requested;
  if (!row) {
    if (requested === 'cuda' && backend === 'llama-cpp' && a === 'arm64') {
      // D8: no CUDA backend exists for arm64, so the arm64 image is the CPU image.
      row = MATRIX.find((r) => r.runtime === '' && r.backend === 'llama-cpp')!;
      runtime = '';
      const range = opts.locate?.(runtimePath);
      warnings.push({
        severity: 'warning',
        code: 'CUDA_ON_ARM64',
        message: `runtime cuda on ${target} builds the CPU image: LocalAI has no CUDA backend for arm64`,
        hint: 'the linux/amd64 image uses CUDA; drop linux/arm64 from --platform to build CUDA only',
        path: runtimePath,
        ...(range ? { range } : {}),
      });
    } else if (requested === 'rocm') {
      fail(
        'ROCM_NEEDS_AMD64',
        runtimePath,
        `runtime rocm builds linux/amd64 images only; ${target} was requested`,
        'build with --platform linux/amd64, or without runtime rocm for a CPU image on arm64',
      );
    } else if (requested === 'applesilicon') {
      fail(
        'APPLESILICON_NEEDS_ARM64',
        runtimePath,
        `runtime applesilicon builds linux/arm64 images only (Apple Silicon runs arm64 Linux VMs); ${target} was requested`,
        'build with --platform linux/arm64',
      );
    } else {
      fail(
        'BACKEND_NEEDS_AMD64',
        backendPath,
        `backend ${backend} is published for linux/amd64 only; only llama-cpp builds for ${target}`,
        'build with --platform linux/amd64, or use the llama-cpp backend on arm64',
      );
    }
  }
  const chosen = row!;
  return {
    runtime,
    backend,
    arch: a,
    row: chosen,
    localai: BACKEND_IMAGES[chosen.images[0]!].localai,
    warnings,
  };
}

/** The env entries a runtime adds after PATH and CONFIG_FILE (D8: CUDA env only with CUDA). */
export function runtimeEnv(plan: RuntimePlan, cudaFromBase: boolean): string[] {
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

/**
 * Checks every target platform before anything is built: all forbidden combinations in one
 * error (one issue each), else the warnings of all platforms.
 */
export function checkMatrix(
  spec: InferenceSpec,
  platforms: readonly Platform[],
  opts: PlanOptions = {},
): Issue[] {
  const errors: AikitError[] = [];
  const warnings: Issue[] = [];
  for (const p of platforms) {
    try {
      const plan =
        spec.server === 'llama-server' ? planLlamaServer(spec, p, opts) : planRuntime(spec, p, opts);
      warnings.push(...plan.warnings);
    } catch (e) {
      if (!(e instanceof AikitError)) throw e;
      errors.push(e);
    }
  }
  const [first] = errors;
  if (first) {
    if (errors.length === 1) throw first;
    throw new AikitError(first.code, errors.map((e) => e.message).join('; '), {
      issues: errors.flatMap((e) => e.issues),
      ...(first.hint ? { hint: first.hint } : {}),
      ...(opts.file ? { file: opts.file } : {}),
    });
  }
  return warnings;
}
