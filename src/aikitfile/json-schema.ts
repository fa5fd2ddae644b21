import { z } from 'zod';
import { AikitfileSchema } from './schema.js';

const SCHEMA_ID = 'https://github.com/kaito-project/aikit/schema/aikitfile.schema.json';

/** The aikitfile JSON Schema (draft 2020-12), generated from the zod schema; committed under schema/. */
export function aikitJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(AikitfileSchema, {
    target: 'draft-2020-12',
    io: 'input',
    override: ({ jsonSchema }) => {
      // zod bounds every integer to the safe range; that is noise for editors.
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
      if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
    },
  });
  const { $schema, ...rest } = generated;
  return { $schema, $id: SCHEMA_ID, title: 'aikitfile', ...rest };
}
