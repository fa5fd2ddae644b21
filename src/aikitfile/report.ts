import type { Issue, SourceRange } from '../util/errors.js';

/** A key path inside the document, e.g. `['models', 0, 'source']`. */
export type KeyPath = readonly (string | number)[];

/** Which part of a mapping entry an issue points at: the key (unknown keys) or the value. */
export type Anchor = 'key' | 'value';

/** Finds the range of the node at a path; undefined when the path has no place in the file. */
export type Locator = (path: KeyPath, anchor: Anchor) => SourceRange | undefined;

export interface ReportOptions {
  hint?: string | undefined;
  anchor?: Anchor;
  /** An explicit range, for a place inside a node (a line of the config block). */
  range?: SourceRange | undefined;
}

/** Collects located issues; validators report every problem and never throw. */
export class Reporter {
  readonly issues: Issue[] = [];

  constructor(private readonly locate: Locator) {}

  /** Records an error at the node of `path`. */
  error(code: string, path: KeyPath, message: string, opts: ReportOptions = {}): void {
    this.add('error', code, path, message, opts);
  }

  /** Records a warning at the node of `path`. */
  warn(code: string, path: KeyPath, message: string, opts: ReportOptions = {}): void {
    this.add('warning', code, path, message, opts);
  }

  /** An issue with no place in the file, such as a bad build-arg. */
  unplaced(severity: Issue['severity'], code: string, message: string, hint?: string): void {
    this.issues.push({ severity, code, message, ...(hint ? { hint } : {}) });
  }

  /** How many errors (not warnings) were recorded. */
  get errorCount(): number {
    return this.issues.filter((i) => i.severity === 'error').length;
  }

  private add(
    severity: Issue['severity'],
    code: string,
    path: KeyPath,
    message: string,
    opts: ReportOptions,
  ): void {
    const range = opts.range ?? this.locate(path, opts.anchor ?? 'value');
    this.issues.push({
      severity,
      code,
      message,
      ...(opts.hint ? { hint: opts.hint } : {}),
      path: [...path],
      ...(range ? { range } : {}),
    });
  }
}

/** Orders issues the way a reader scans the file; unplaced ones (build-args) come first. */
export function byPosition(a: Issue, b: Issue): number {
  const la = a.range?.line ?? 0;
  const lb = b.range?.line ?? 0;
  return la - lb || (a.range?.col ?? 0) - (b.range?.col ?? 0);
}

/** A value as it appears in a message: strings quoted, long ones cut. */
export function show(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    const s = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(s);
  }
  // Only YAML scalars are left here (numbers, booleans, undefined), which String() shows as written.
  // eslint-disable-next-line @typescript-eslint/no-base-to-string
  return String(value);
}

/** Narrows an unknown YAML value to a plain mapping. */
export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
