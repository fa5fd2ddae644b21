import { describe, expect, it } from 'vitest';
import { aikitfileKind, schemaErrors, validatorFor } from './schema-check.js';

describe('schema check', () => {
  it('has its own check for each kind', () => {
    const ft = { apiVersion: 'v1alpha1', baseModel: 'a/b', datasets: [{ source: 'c/d', type: 'alpaca' }] };
    expect(validatorFor('finetune')(ft)).toBe(true);
    expect(validatorFor('inference')(ft)).toBe(false);
    expect(validatorFor('inference')({ apiVersion: 'v1alpha1', debug: true })).toBe(true);
  });

  it('tells the kinds apart as the reference does (decisions.md#d1)', () => {
    expect(aikitfileKind({ apiVersion: 'v1alpha1' })).toBe('inference');
    expect(aikitfileKind({ baseModel: 'a/b' })).toBe('finetune');
    expect(aikitfileKind({ datasets: [] })).toBe('finetune');
  });

  it('reports every error of a file, not only the first', () => {
    const errors = schemaErrors('inference', { apiVersion: 'v2', debug: 'yes', runtme: 'cuda' });
    expect(errors.map((e) => e.keyword).sort()).toEqual(['additionalProperties', 'const', 'type']);
  });

  it('rejects integers beyond the safe range and numbers that are not finite', () => {
    const model = (extra: object) => ({
      apiVersion: 'v1alpha1',
      models: [{ name: 'm', source: 'm.gguf', ...extra }],
    });
    expect(schemaErrors('inference', model({ contextSize: 2 ** 53 - 1 }))).toEqual([]);
    expect(schemaErrors('inference', model({ contextSize: 2 ** 53 })).map((e) => e.keyword)).toEqual([
      'maximum',
    ]);
    const ft = (learningRate: number) => ({
      apiVersion: 'v1alpha1',
      baseModel: 'a/b',
      datasets: [{ source: 'c/d', type: 'alpaca' }],
      config: { unsloth: { learningRate } },
    });
    expect(schemaErrors('finetune', ft(0.5))).toEqual([]);
    expect(schemaErrors('finetune', ft(Infinity)).map((e) => e.keyword)).toEqual(['type']);
    expect(schemaErrors('finetune', ft(NaN)).map((e) => e.keyword)).toEqual(['type']);
  });
});
