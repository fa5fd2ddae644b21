import { describe, expect, it } from 'vitest';
import { withoutAbsentNulls } from './absent-nulls.js';
import { kindSchema } from './schema-check.js';

const inference = kindSchema('inference');

describe('withoutAbsentNulls', () => {
  it('drops optional keys written with no value, at any depth', () => {
    const data = {
      apiVersion: 'v1alpha1',
      runtime: null,
      debug: null,
      models: [
        { name: 'm', source: 'm.gguf', sha256: null, promptTemplates: [{ name: 'c', template: 'x' }] },
      ],
    };
    expect(withoutAbsentNulls(data, inference)).toEqual({
      apiVersion: 'v1alpha1',
      models: [{ name: 'm', source: 'm.gguf', promptTemplates: [{ name: 'c', template: 'x' }] }],
    });
  });

  it('keeps required keys, list entries and unknown keys that are null, for their errors', () => {
    const data = {
      apiVersion: null,
      backends: [null],
      models: [{ name: null, source: 'm.gguf' }],
      colour: null,
    };
    expect(withoutAbsentNulls(data, inference)).toEqual(data);
  });

  it('follows the fine-tune schema', () => {
    const data = {
      apiVersion: 'v1alpha1',
      baseModel: null,
      config: { unsloth: { seed: null } },
      output: null,
    };
    expect(withoutAbsentNulls(data, kindSchema('finetune'))).toEqual({
      apiVersion: 'v1alpha1',
      baseModel: null,
      config: { unsloth: {} },
    });
  });

  it('keeps a __proto__ key as a plain key', () => {
    const data = JSON.parse('{"apiVersion": "v1alpha1", "__proto__": {"debug": true}}') as object;
    const out = withoutAbsentNulls(data, inference) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['apiVersion', '__proto__']);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });

  it('returns values of the wrong shape as they are', () => {
    expect(withoutAbsentNulls('x', inference)).toBe('x');
    expect(withoutAbsentNulls({ models: 'x' }, inference)).toEqual({ models: 'x' });
  });
});
