import { formatPlatform, type Platform } from '../llb/index.js';
import {
  ARCHES,
  combinationFor,
  combinationProblem,
  MATRIX,
  type Arch,
  type Backend,
  type InferenceSpec,
  type MatrixProblem,
  type Runtime,
} from '../aikitfile/index.js';
import { AikitError, type Issue, type SourceRange } from '../util/errors.js';

// The platform half of the matrix (decisions.md#d15). The aikitfile checks what one file can get
// wrong on its own (a backend its runtime lacks); this checks what depends on the target
// platform, once per platform, with one message per forbidden combination. Both read the one
// table in aikitfile/matrix.ts; each server plans its artifacts on top of what this returns.

/** What the matrix says about one platform's image. */
export interface TargetPlan {
  /**
   * The runtime the image is built for: another one where the row falls back (decisions.md#d8: cuda on
   * arm64).
   */
  runtime: Runtime;
  /** The file's backend, or the server's default; undefined for a server without backends. */
  backend: Backend | undefined;
  arch: Arch;
  warnings: Issue[];
}

export interface PlanOptions {
  /** Range of a key path in the aikitfile, for located messages. */
  locate?: ((path: readonly (string | number)[]) => SourceRange | undefined) | undefined;
  /** The aikitfile's name, for messages. */
  file?: string | undefined;
}

/** Checks the matrix for one target platform; throws an AikitError for a forbidden combination. */
export function planTarget(spec: InferenceSpec, platform: Platform, opts: PlanOptions = {}): TargetPlan {
  const matrix = MATRIX[spec.server];
  const target = formatPlatform(platform);
  const issue = (severity: Issue['severity'], p: MatrixProblem, path: (string | number)[]): Issue => {
    const range = opts.locate?.(path);
    return {
      severity,
      code: p.code,
      message: p.message,
      ...(p.hint ? { hint: p.hint } : {}),
      path,
      ...(range ? { range } : {}),
    };
  };
  const fail = (p: MatrixProblem, path: (string | number)[]): never => {
    throw new AikitError(p.code, p.message, {
      ...(p.hint ? { hint: p.hint } : {}),
      issues: [issue('error', p, path)],
      ...(opts.file ? { file: opts.file } : {}),
    });
  };
  const runtimePath = ['runtime'];
  const backendPath = spec.backends.length > 0 ? ['backends', 0] : ['runtime'];

  const arch = platform.os === 'linux' ? ARCHES.find((a) => a === platform.architecture) : undefined;
  if (!arch) return fail(matrix.otherTarget(platform.os, target), []);
  const backend =
    matrix.defaultBackend === undefined ? undefined : (spec.backends[0] ?? matrix.defaultBackend);
  const row = combinationFor(spec.server, spec.runtime, backend);
  // The aikitfile reports these with the file's own positions; this guards hand-made specs.
  if (!row) return fail(combinationProblem(spec.server, spec.runtime, backend)!, backendPath);
  if (row.arches.includes(arch)) return { runtime: spec.runtime, backend, arch, warnings: [] };
  if (row.fallback?.arch === arch) {
    const warning = issue('warning', row.fallback.warning(target), runtimePath);
    return { runtime: row.fallback.runtime, backend, arch, warnings: [warning] };
  }
  // Every row that lacks an architecture says why (a test holds the table to it).
  const limit = row.limit!;
  return fail(limit.problem(target, backend), limit.blame === 'runtime' ? runtimePath : backendPath);
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
      warnings.push(...planTarget(spec, p, opts).warnings);
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
