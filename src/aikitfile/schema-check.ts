import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import committed from '../../schema/aikitfile.schema.json' with { type: 'json' };
import * as compiled from './schema-validators.js';

// The build checks an aikitfile's shape against the same JSON Schema file that editors load, so
// the two agree by construction. The file is generated from the zod schema (json-schema.ts), and
// the checks in schema-validators.ts are compiled from the file; tests keep both in step.

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

/**
 * decisions.md#d1: a file is a fine-tune aikitfile when it has baseModel or datasets, as the reference
 * decides.
 */
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

/** The check for one kind: ajv's code for the committed schema, compiled ahead of time. */
export function validatorFor(kind: AikitfileKind): ValidateFunction {
  return (compiled as Record<AikitfileKind, ValidateFunction>)[kind];
}
