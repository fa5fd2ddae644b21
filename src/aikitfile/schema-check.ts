import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import committed from '../../schema/aikitfile.schema.json' with { type: 'json' };

// The build checks an aikitfile's shape against the same JSON Schema file that editors load, so
// the two agree by construction. The file is generated from the zod schema (json-schema.ts) and a
// test keeps it in step.

/** The two kinds of aikitfile, each a branch of the committed schema's anyOf. */
export type AikitfileKind = 'inference' | 'finetune';

/** A node of the committed JSON Schema, as far as the checks read it. */
export interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  minimum?: number;
  maximum?: number;
  [keyword: string]: unknown;
}

/** D1: a file is a fine-tune aikitfile when it has baseModel or datasets, as the reference decides. */
export function aikitfileKind(data: Record<string, unknown>): AikitfileKind {
  return 'baseModel' in data || 'datasets' in data ? 'finetune' : 'inference';
}

/** The schema of one kind of aikitfile: the anyOf branch that requires baseModel is fine-tune's. */
export function kindSchema(kind: AikitfileKind): SchemaNode {
  const branches = (committed as unknown as SchemaNode).anyOf ?? [];
  const branch = branches.find((b) => b.required?.includes('baseModel') === (kind === 'finetune'));
  if (!branch) throw new Error(`bug: schema/aikitfile.schema.json has no ${kind} branch`);
  return branch;
}

/** ajv's errors for data checked as the given kind of aikitfile; empty when the shape is right. */
export function schemaErrors(kind: AikitfileKind, data: unknown): readonly ErrorObject[] {
  const validate = validatorFor(kind);
  return validate(data) ? [] : (validate.errors ?? []);
}

let ajv: Ajv2020 | undefined;
const validators = new Map<AikitfileKind, ValidateFunction>();

/** The compiled check for one kind, compiled at its first use so that start-up does not pay for it. */
export function validatorFor(kind: AikitfileKind): ValidateFunction {
  let validate = validators.get(kind);
  if (!validate) {
    // verbose: the problems need each failing keyword's schema (an object's known keys);
    // strictNumbers: YAML has .inf and .nan, which are not numbers to zod or to a JSON editor.
    ajv ??= new Ajv2020({ allErrors: true, verbose: true, strictNumbers: true, strict: false });
    validate = ajv.compile(safeIntegers(kindSchema(kind)));
    validators.set(kind, validate);
  }
  return validate;
}

/**
 * A copy of a schema whose integers stay within the safe range. Larger numbers lose precision in
 * JavaScript, and zod, which types the values, rejects them; the committed file leaves the bound
 * out because it is noise in an editor.
 */
function safeIntegers(node: SchemaNode): SchemaNode {
  const copy: SchemaNode = {};
  for (const [key, value] of Object.entries(node)) {
    if (Array.isArray(value)) {
      copy[key] = value.map((v: unknown) => (isNode(v) ? safeIntegers(v) : v));
    } else if (isNode(value)) {
      copy[key] = key === 'properties' ? mapValues(value, safeIntegers) : safeIntegers(value);
    } else {
      copy[key] = value;
    }
  }
  if (copy.type === 'integer') {
    copy.minimum ??= Number.MIN_SAFE_INTEGER;
    copy.maximum ??= Number.MAX_SAFE_INTEGER;
  }
  return copy;
}

function isNode(x: unknown): x is SchemaNode {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function mapValues(o: SchemaNode, f: (n: SchemaNode) => SchemaNode): SchemaNode {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, isNode(v) ? f(v) : v]));
}
