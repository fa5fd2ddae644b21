import type { ErrorObject } from 'ajv/dist/2020.js';
import type { z } from 'zod';
import { decodeRule, type RuleMessage } from './schema.js';
import { isRecord, show, type KeyPath, type Reporter } from './report.js';
import type { SchemaNode } from './schema-check.js';
import { didYouMean, suggest } from './suggest.js';
import { NO_DATASETS_HINT } from './validate.js';

// Turns ajv's errors into located problems in aikit's words: one problem per mistake, with the
// codes, did-you-means and hints a user sees whatever checked the file.

/** What the mapping needs besides ajv's errors. */
export interface SchemaProblemContext {
  /** The document as checked (plain data, optional nulls dropped). */
  data: unknown;
  /** The JSON Schema the data was checked against, for the keys a mapping accepts. */
  schema: SchemaNode;
  /** The zod schema of the same kind: it carries the codes and wording of the pattern rules. */
  rules: z.ZodType;
  /** Top-level keys of the other kind of aikitfile, for a hint when a key belongs there. */
  otherKindKeys: { kind: string; keys: readonly string[]; why: string };
  /** The source text of the value node at a path. */
  sourceOf(path: KeyPath): string | undefined;
  reporter: Reporter;
}

/** A list that is too long or too short, which the rules usually report in their own words. */
export interface LengthProblem {
  path: KeyPath;
  message: string;
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
  integer: 'an integer',
  array: 'a list',
  object: 'a mapping',
};

// Keywords that say a value is of the wrong kind altogether, not merely out of bounds.
const KIND_KEYWORDS = new Set(['type', 'enum', 'const']);

/**
 * Reports ajv's errors as located problems. List lengths come back instead of being reported:
 * the rules word them better (one backend, one dataset), so the caller reports the ones the rules
 * did not cover with reportLengths().
 */
export function reportSchemaErrors(
  errors: readonly ErrorObject[],
  ctx: SchemaProblemContext,
): LengthProblem[] {
  const lengths: LengthProblem[] = [];
  for (const e of oneErrorPerMistake(errors)) {
    const path = toKeyPath(ctx.data, e.instancePath);
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'required':
        missingKey(ctx, path, String(params['missingProperty']));
        break;
      case 'additionalProperties':
        unknownKey(ctx, path, String(params['additionalProperty']), schemaAt(ctx.schema, e.schemaPath));
        break;
      case 'type':
        wrongType(ctx, path, String(params['type']));
        break;
      case 'const':
        unsupported(ctx, path, [params['allowedValue']]);
        break;
      case 'enum':
        unsupported(ctx, path, params['allowedValues'] as unknown[]);
        break;
      case 'minLength':
        if (params['limit'] === 1)
          ctx.reporter.error('EMPTY_VALUE', path, `${label(path)} must not be empty`);
        else ruleBroken(ctx, path);
        break;
      case 'minimum':
      case 'maximum':
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
        outOfRange(ctx, path, e.keyword, Number(params['limit']));
        break;
      case 'minItems':
      case 'maxItems': {
        const bound = e.keyword === 'minItems' ? 'at least' : 'at most';
        const n = Number(params['limit']);
        const entries = `${n} ${n === 1 ? 'entry' : 'entries'}`;
        lengths.push({ path, message: `${label(path)} must have ${bound} ${entries}` });
        break;
      }
      default:
        // pattern and anyOf: the zod schema's rule for the field says what is wrong and why.
        ruleBroken(ctx, path);
    }
  }
  return lengths;
}

/** Reports the list lengths that no other problem already points into. */
export function reportLengths(lengths: readonly LengthProblem[], reporter: Reporter): void {
  const covered = (at: KeyPath) =>
    reporter.issues.some((i) => i.severity === 'error' && at.every((seg, n) => i.path?.[n] === seg));
  for (const l of lengths) if (!covered(l.path)) reporter.error('OUT_OF_RANGE', l.path, l.message);
}

/**
 * Drops ajv's echoes so that each mistake is one problem: the branches of a failed anyOf (kept
 * only when exactly one branch fits the value's kind, as `gpuLayers: -1` fits a number and fails
 * only its minimum), the type behind an enum or const (`runtime: 5` is an unsupported runtime),
 * and the pattern behind an empty string.
 */
function oneErrorPerMistake(errors: readonly ErrorObject[]): ErrorObject[] {
  let kept = [...errors];
  for (const any of errors.filter((e) => e.keyword === 'anyOf')) {
    const inBranch = (e: ErrorObject) => e.schemaPath.startsWith(`${any.schemaPath}/`);
    const branches = new Map<string, ErrorObject[]>();
    for (const e of kept.filter(inBranch)) {
      const branch = e.schemaPath.slice(any.schemaPath.length + 1).split('/')[0]!;
      branches.set(branch, [...(branches.get(branch) ?? []), e]);
    }
    const fitting = [...branches.values()].filter(
      (es) => !es.some((e) => e.instancePath === any.instancePath && KIND_KEYWORDS.has(e.keyword)),
    );
    kept = kept.filter((e) => !inBranch(e) && (fitting.length !== 1 || e !== any));
    if (fitting.length === 1) kept.push(...fitting[0]!);
  }
  const at = (keyword: string, path: string) =>
    kept.some((e) => e.keyword === keyword && e.instancePath === path);
  return kept.filter(
    (e) =>
      !(e.keyword === 'type' && (at('enum', e.instancePath) || at('const', e.instancePath))) &&
      !(e.keyword === 'pattern' && at('minLength', e.instancePath)),
  );
}

function unknownKey(ctx: SchemaProblemContext, path: KeyPath, key: string, parent: SchemaNode): void {
  const known = Object.keys(parent.properties ?? {});
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

function wrongType(ctx: SchemaProblemContext, path: KeyPath, expected: string): void {
  const value = valueAt(ctx.data, path);
  const want = TYPE_NAMES[expected] ?? expected;
  const numeric = expected === 'number' || expected === 'integer';
  let hint: string | undefined;
  const src = ctx.sourceOf(path);
  if (value === null) {
    // An optional key written with no value is absent; what is left is a required key or a list entry.
    hint =
      typeof path[path.length - 1] === 'number'
        ? 'give the entry a value or remove it'
        : 'give the key a value';
  } else if (expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
    hint = `quote the value to keep it a string: ${JSON.stringify(src ?? String(value))}`;
  } else if (numeric && typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) {
    hint = `remove the quotes: ${value}`;
  } else if (expected === 'boolean' && typeof value === 'string' && /^(?:y|n|yes|no|on|off)$/i.test(value)) {
    hint = 'write true or false (YAML 1.2 reads yes/no/on/off as strings)';
  } else if (path.length === 1 && path[0] === 'config' && isRecord(value) && expected === 'string') {
    hint =
      'an inference config is LocalAI model configuration as a string (use config: |); a file is a fine-tune aikitfile only when it has baseModel or datasets';
  }
  ctx.reporter.error('WRONG_TYPE', path, `expected ${want}, got ${show(value)}`, { hint });
}

function missingKey(ctx: SchemaProblemContext, parent: KeyPath, key: string): void {
  const holder = valueAt(ctx.data, parent);
  if (key === 'template' && parent.includes('promptTemplates') && isRecord(holder)) {
    // decisions.md#d4: the reference skipped such entries silently; its own samples had this bug.
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

function unsupported(ctx: SchemaProblemContext, path: KeyPath, values: readonly unknown[]): void {
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
    {
      hint,
    },
  );
}

function outOfRange(ctx: SchemaProblemContext, path: KeyPath, keyword: string, bound: number): void {
  const cmp = {
    minimum: 'at least',
    maximum: 'at most',
    exclusiveMinimum: 'greater than',
    exclusiveMaximum: 'less than',
  }[keyword];
  ctx.reporter.error(
    'OUT_OF_RANGE',
    path,
    `${label(path)} must be ${cmp} ${bound}, got ${show(valueAt(ctx.data, path))}`,
  );
}

/** A value that breaks a field's own rule (a pattern, or none of a union's forms). */
function ruleBroken(ctx: SchemaProblemContext, path: KeyPath): void {
  const value = valueAt(ctx.data, path);
  const rule = ruleAt(ctx.rules, path, value);
  if (rule) ctx.reporter.error(rule.code, path, rule.message, { hint: rule.hint });
  else ctx.reporter.error('INVALID_VALUE', path, `${label(path)} ${show(value)} is not valid`);
}

/** The schema node that holds the keyword at an ajv schema path (`#/properties/x/additionalProperties`). */
function schemaAt(root: SchemaNode, schemaPath: string): SchemaNode {
  let node: unknown = root;
  for (const seg of schemaPath.split('/').slice(1, -1)) {
    node =
      isRecord(node) || Array.isArray(node) ? (node as Record<string, unknown>)[unescape(seg)] : undefined;
  }
  return isRecord(node) ? node : {};
}

const unescape = (seg: string) => seg.replace(/~1/g, '/').replace(/~0/g, '~');

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

/** An ajv instance path (`/models/0/name`) as a key path, with list indexes as numbers. */
function toKeyPath(data: unknown, pointer: string): KeyPath {
  const path: (string | number)[] = [];
  let cur = data;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = unescape(raw);
    const key = Array.isArray(cur) ? Number(seg) : seg;
    path.push(key);
    cur = valueAt(cur, [key]);
  }
  return path;
}

/** The plain value at a path, or undefined. */
function valueAt(data: unknown, path: KeyPath): unknown {
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

/** The rule (code, message, hint) that the zod schema of the field at `path` has for `value`. */
function ruleAt(schema: z.ZodType, path: KeyPath, value: unknown): RuleMessage | undefined {
  let s = unwrap(schema);
  for (const seg of path) {
    const d = defOf(s);
    if (d.type === 'object' && typeof seg === 'string' && d.shape?.[seg]) s = unwrap(d.shape[seg]);
    else if (d.type === 'array' && typeof seg === 'number' && d.element) s = unwrap(d.element);
    else return undefined;
  }
  const res = s.safeParse(value);
  for (const iss of res.error?.issues ?? []) {
    const rule = decodeRule(iss.message);
    if (rule) return rule;
  }
  return undefined;
}
