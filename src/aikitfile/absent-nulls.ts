import { isRecord } from './report.js';
import type { SchemaNode } from './schema-check.js';

/**
 * The data without the optional keys that are written with no value (`runtime:`, `debug:`).
 * YAML reads such a key as null; the reference's Go decoding reads it as the field's zero value
 * and accepts the file, so here it means the key is absent and gets its default. A required key
 * written as null stays, so that it is reported at its line; so do null list entries and keys
 * the schema does not know.
 */
export function withoutAbsentNulls(data: unknown, schema: SchemaNode): unknown {
  if (Array.isArray(data)) {
    const items = schema.items;
    return items ? data.map((item: unknown) => withoutAbsentNulls(item, items)) : data;
  }
  const props = schema.properties;
  if (!isRecord(data) || !props) return data;
  const required = schema.required ?? [];
  // fromEntries defines each key as written, `__proto__` too, as yaml's toJS did.
  return Object.fromEntries(
    Object.entries(data).flatMap(([key, value]) => {
      const sub = Object.hasOwn(props, key) ? props[key] : undefined;
      if (!sub) return [[key, value]];
      return value === null && !required.includes(key) ? [] : [[key, withoutAbsentNulls(value, sub)]];
    }),
  );
}
