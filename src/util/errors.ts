/** A 1-based position range in a source file (lines and columns are 1-based, end inclusive). */
export interface SourceRange {
  line: number;
  col: number;
  endLine: number;
  endCol: number;
}

/** One located problem found in a user's input. */
export interface Issue {
  severity: 'error' | 'warning';
  /** Stable machine-readable code, e.g. `UNKNOWN_KEY`. */
  code: string;
  /** Lowercase sentence, no trailing period. */
  message: string;
  /** What the user should do about it. */
  hint?: string;
  /** Key path inside the document, e.g. `['models', 0, 'sha256']`. */
  path?: readonly (string | number)[];
  /** Where in the file; absent when the problem has no place (a missing file, a bad build-arg). */
  range?: SourceRange;
}

/** Finds where a key path of the user's file is; undefined when it has no place there. */
export type Locate = (path: readonly (string | number)[]) => SourceRange | undefined;

/**
 * An issue at a key path of the user's file, its range found by `locate`: the one way code
 * outside the language layer makes a located issue.
 */
export function locatedIssue(
  locate: Locate | undefined,
  issue: { code: string; message: string; hint?: string; path: readonly (string | number)[] },
  severity: Issue['severity'] = 'error',
): Issue {
  const range = locate?.(issue.path);
  return {
    severity,
    code: issue.code,
    message: issue.message,
    ...(issue.hint ? { hint: issue.hint } : {}),
    path: issue.path,
    ...(range ? { range } : {}),
  };
}

export interface AikitErrorOptions {
  hint?: string;
  cause?: unknown;
  /** The file the issues refer to, as the user named it. */
  file?: string;
  issues?: readonly Issue[];
  /** Warnings found along with the issues, for callers that report both (`--check`). */
  warnings?: readonly Issue[];
}

/**
 * The one error type of the project: a stable code, a lowercase message, an optional hint and,
 * for input errors, the located issues behind it. Anything else that escapes is a bug.
 */
export class AikitError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly file: string | undefined;
  readonly issues: readonly Issue[];
  readonly warnings: readonly Issue[];

  constructor(code: string, message: string, opts: AikitErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AikitError';
    this.code = code;
    this.hint = opts.hint;
    this.file = opts.file;
    this.issues = opts.issues ?? [];
    this.warnings = opts.warnings ?? [];
  }
}

export function isAikitError(e: unknown): e is AikitError {
  return e instanceof AikitError;
}

/** Formats one issue the way compilers do: `file:line:col: path: message (hint)`. */
export function formatIssue(issue: Issue, file?: string): string {
  const where = [file, issue.range?.line, issue.range?.col].filter((x) => x !== undefined).join(':');
  const path = issue.path && issue.path.length > 0 ? `${formatPath(issue.path)}: ` : '';
  const sev = issue.severity === 'warning' ? 'warning: ' : '';
  const hint = issue.hint ? `\n  hint: ${issue.hint}` : '';
  return `${where ? `${where}: ` : ''}${sev}${path}${issue.message}${hint}`;
}

/** Renders a key path as the user would write it: `models[0].sha256`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

/** Formats an error for a terminal: every issue on its own line, else message and hint. */
export function formatError(e: AikitError): string {
  if (e.issues.length > 0) return e.issues.map((i) => formatIssue(i, e.file)).join('\n');
  return e.hint ? `${e.message}\n  hint: ${e.hint}` : e.message;
}

export function assertNever(x: never): never {
  throw new Error(`unexpected value ${JSON.stringify(x)}`);
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
