import { describe, expect, it } from 'vitest';
import { levenshtein, suggest } from './suggest.js';

describe('suggest', () => {
  // prettier-ignore
  it.each([
    ['runtme', ['runtime', 'debug'], 'runtime'],
    ['apiversion', ['apiVersion'], 'apiVersion'],
    ['promptTemplate', ['promptTemplates', 'name'], 'promptTemplates'],
    ['colour', ['config', 'models'], undefined],
    ['ab', ['cd'], undefined],
    ['name', ['name'], undefined],
  ])('%s', (value, options, want) => {
    expect(suggest(value, options)).toBe(want);
  });

  it('measures edit distance', () => {
    expect([levenshtein('kitten', 'sitting'), levenshtein('', 'abc'), levenshtein('a', 'a')]).toEqual([
      3, 3, 0,
    ]);
  });
});
