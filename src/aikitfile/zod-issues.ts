import type { z } from 'zod';
import { decodeRule } from './schema.js';
import { isRecord, show, type KeyPath, type Reporter } from './report.js';
import { didYouMean, suggest } from './suggest.js';
import { NO_DATASETS_HINT } from './validate.js';

/** What the mapper needs besides the issues. */
export interface ZodIssueContext {
  /** The document as plain data (yaml toJS). */
  data: unknown;
  /** The schema the data was checked against, to list the keys a mapping accepts. */
  schema: z.ZodType;
  /** Top-level keys of the other kind of aikitfile, for a hint when a key belongs there. */
  otherKindKeys: { kind: string; keys: readonly string[]; why: string };
  /** The source text of the value node at a path. */
  sourceOf(path: KeyPath): string | undefined;
  reporter: Reporter;
}

const SINGULAR: Record<string, string> = {
  backends: 'backend',
  models: 'model',
  promptTemplates: 'prompt template',
  datasets: 'dataset',
  loadToMemory: 'loadToMemory entry',
};

const UNSUPPORTED_CODE: Record<string, string> = {
  apiVersion: 'UNSUPPORTED_API_VERSION',
  runtime: 'UNSUPPORTED_RUNTIME',
  server: 'UNSUPPORTED_SERVER',
  backend: 'UNSUPPORTED_BACKEND',
  target: 'UNSUPPORTED_TARGET',
  'dataset type': 'UNSUPPORTED_DATASET_TYPE',
};

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  boolean: 'true or false',
  number: 'a number',
  int: 'an integer',
  array: 'a list',
  object: 'a mapping',
};

/** Turns zod's issues into located aikit issues with our wording, codes and hints. */
export function reportZodIssues(issues: readonly z.core.$ZodIssue[], ctx: ZodIssueContext): void {
  for (const iss of issues) {
    const path = iss.path.filter((p): p is string | number => typeof p !== 'symbol');
    const custom = decodeRule(iss.message);
    if (custom) {
      ctx.reporter.error(custom.code, path, custom.message, { hint: custom.hint });
      continue;
    }
    switch (iss.code) {
      case 'unrecognized_keys':
        for (const key of iss.keys) unknownKey(ctx, path, key);
        break;
      case 'invalid_type':
        wrongType(ctx, path, iss.expected);
        break;
      case 'invalid_value':
        unsupported(ctx, path, iss.values);
        break;
      case 'too_small':
      case 'too_big':
        outOfRange(ctx, path, iss);
        break;
      // The other codes get the generic message; they are named so that a code a zod upgrade adds is a
      // lint error here rather than a silent fallback.
      case 'invalid_format':
      case 'not_multiple_of':
      case 'invalid_union':
      case 'invalid_key':
      case 'invalid_element':
      case 'custom':
      default:
        ctx.reporter.error(
          'INVALID_VALUE',
          path,
          `${label(path)} ${show(valueAt(ctx.data, path))} is not valid`,
        );
    }
  }
}

function unknownKey(ctx: ZodIssueContext, path: KeyPath, key: string): void {
  const known = keysAt(ctx.schema, path);
  let hint: string | undefined;
  const near = suggest(key, known);
  if (!near && path.length === 0 && ctx.otherKindKeys.keys.includes(key)) {
    hint = `${key} belongs to ${ctx.otherKindKeys.kind} aikitfiles; ${ctx.otherKindKeys.why}`;
  } else if (!near && known.length > 0) {
    hint = `valid keys here: ${known.join(', ')}`;
  }
  ctx.reporter.error(
    'UNKNOWN_KEY',
    [...path, key],
    `unknown key ${JSON.stringify(key)}${didYouMean(key, known)}`,
    {
      anchor: 'key',
      hint,
    },
  );
}

/**
 * zod reports an absent key as a wrong type, and an absent literal (apiVersion) as a wrong value;
 * both are really a missing key. Reports it as such and says so.
 */
function reportedAsMissing(ctx: ZodIssueContext, path: KeyPath): boolean {
  const parent = path.slice(0, -1);
  const key = path[path.length - 1];
  const holder = valueAt(ctx.data, parent);
  if (typeof key !== 'string' || !isRecord(holder) || key in holder) return false;
  missingKey(ctx, parent, key, holder);
  return true;
}

function wrongType(ctx: ZodIssueContext, path: KeyPath, expected: string): void {
  if (reportedAsMissing(ctx, path)) return;
  const value = valueAt(ctx.data, path);
  const want = TYPE_NAMES[expected] ?? expected;
  let hint: string | undefined;
  const src = ctx.sourceOf(path);
  if (value === null) {
    hint = 'give the key a value or remove it';
  } else if (expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
    hint = `quote the value to keep it a string: ${JSON.stringify(src ?? String(value))}`;
  } else if (
    (expected === 'number' || expected === 'int') &&
    typeof value === 'string' &&
    value.trim() !== '' &&
    !Number.isNaN(Number(value))
  ) {
    hint = `remove the quotes: ${value}`;
  } else if (expected === 'boolean' && typeof value === 'string' && /^(?:y|n|yes|no|on|off)$/i.test(value)) {
    hint = 'write true or false (YAML 1.2 reads yes/no/on/off as strings)';
  } else if (path.length === 1 && path[0] === 'config' && isRecord(value) && expected === 'string') {
    hint =
      'an inference config is LocalAI model configuration as a string (use config: |); a file is a fine-tune aikitfile only when it has baseModel or datasets';
  }
  ctx.reporter.error('WRONG_TYPE', path, `expected ${want}, got ${show(value)}`, { hint });
}

function missingKey(
  ctx: ZodIssueContext,
  parent: KeyPath,
  key: string,
  holder: Record<string, unknown>,
): void {
  if (key === 'template' && parent.includes('promptTemplates')) {
    // D4: the reference skipped such entries silently; its own samples had this bug.
    const name = holder['name'];
    const folded = typeof name === 'string' && /\s|\{\{/.test(name);
    const nameText = typeof name === 'string' ? ` ${JSON.stringify(name.split(/\s/)[0])}` : '';
    ctx.reporter.error('MISSING_TEMPLATE', parent, `prompt template${nameText} has no template`, {
      hint: folded
        ? 'the template text was folded into name: because it is indented under "- name:"; put it under a template: key'
        : 'add a template: key with the template text to this entry',
    });
    return;
  }
  if (key === 'datasets') {
    ctx.reporter.error('NO_DATASETS', parent, 'no datasets defined', { hint: NO_DATASETS_HINT });
    return;
  }
  const hint = key === 'apiVersion' ? 'add apiVersion: v1alpha1' : undefined;
  ctx.reporter.error('MISSING_KEY', parent, `missing required key ${JSON.stringify(key)}`, { hint });
}

function unsupported(ctx: ZodIssueContext, path: KeyPath, values: readonly unknown[]): void {
  if (reportedAsMissing(ctx, path)) return;
  const value = valueAt(ctx.data, path);
  const what = label(path);
  const options = values.filter((v): v is string => typeof v === 'string');
  // apiVersion has one value, which the hint already names.
  const candidates = what === 'apiVersion' ? [] : options.filter((o) => o !== '');
  const near = typeof value === 'string' ? didYouMean(value, candidates) : '';
  let hint = `supported: ${options.map((o) => (o === '' ? '"" (cpu)' : o)).join(', ')}`;
  if (what === 'apiVersion') hint = 'use apiVersion: v1alpha1';
  if (what === 'runtime' && typeof value === 'string' && /^avx/.test(value)) {
    hint = 'the CPU instruction set is picked at run time; leave runtime out for a CPU image';
  }
  ctx.reporter.error(
    UNSUPPORTED_CODE[what] ?? 'INVALID_VALUE',
    path,
    `${what} ${show(value)} is not supported${near}`,
    { hint },
  );
}

function outOfRange(
  ctx: ZodIssueContext,
  path: KeyPath,
  iss: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig,
): void {
  const what = label(path);
  const small = iss.code === 'too_small';
  const bound = Number(small ? iss.minimum : iss.maximum);
  if (iss.origin === 'string' && small) {
    ctx.reporter.error('EMPTY_VALUE', path, `${what} must not be empty`);
  } else if (iss.origin === 'array') {
    ctx.reporter.error(
      'OUT_OF_RANGE',
      path,
      `${what} must have ${small ? 'at least' : 'at most'} ${bound} entries`,
    );
  } else {
    const cmp = small
      ? iss.inclusive
        ? 'at least'
        : 'greater than'
      : iss.inclusive
        ? 'at most'
        : 'less than';
    ctx.reporter.error(
      'OUT_OF_RANGE',
      path,
      `${what} must be ${cmp} ${bound}, got ${show(valueAt(ctx.data, path))}`,
    );
  }
}

/** The user's word for the field at a path: its key, or the singular of its list. */
function label(path: KeyPath): string {
  const last = path[path.length - 1];
  if (typeof last === 'number') {
    const list = path[path.length - 2];
    return typeof list === 'string' ? (SINGULAR[list] ?? list) : 'entry';
  }
  if (last === 'type' && path[0] === 'datasets') return 'dataset type';
  return last ?? 'aikitfile';
}

/** The plain value at a path, or undefined. */
export function valueAt(data: unknown, path: KeyPath): unknown {
  let cur = data;
  for (const seg of path) {
    if (typeof seg === 'number' ? Array.isArray(cur) : isRecord(cur)) {
      cur = (cur as Record<string | number, unknown>)[seg];
    } else {
      return undefined;
    }
  }
  return cur;
}

interface LooseDef {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  in?: z.ZodType;
}

const defOf = (s: z.ZodType) => s._zod.def as unknown as LooseDef;

function unwrap(s: z.ZodType): z.ZodType {
  for (;;) {
    const d = defOf(s);
    if (d.innerType) s = d.innerType;
    else if (d.type === 'pipe' && d.in) s = d.in;
    else return s;
  }
}

/** The keys an object schema accepts at a path, or [] when the path is not an object. */
export function keysAt(schema: z.ZodType, path: KeyPath): string[] {
  let s = unwrap(schema);
  for (const seg of path) {
    const d = defOf(s);
    if (d.type === 'object' && typeof seg === 'string' && d.shape?.[seg]) s = unwrap(d.shape[seg]);
    else if (d.type === 'array' && typeof seg === 'number' && d.element) s = unwrap(d.element);
    else return [];
  }
  const d = defOf(s);
  return d.type === 'object' && d.shape ? Object.keys(d.shape) : [];
}
