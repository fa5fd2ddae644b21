import { describe, expect, it } from 'vitest';
import { FINETUNE_TARGETS } from '../aikitfile/index.js';
import { PACKAGE_TARGETS } from './package/args.js';
import { TARGETS } from './targets.js';

describe('the register of targets', () => {
  it('has one row per name and kind, the inference image among them, each described', () => {
    const keys = TARGETS.map((t) => `${t.kind}:${t.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toContain('inference:');
    for (const t of TARGETS) expect(t.description, t.name).not.toBe('');
  });

  it('lists every fine-tune target the language accepts', () => {
    const finetune = TARGETS.filter((t) => t.kind === 'finetune').map((t) => t.name);
    expect(finetune.sort()).toEqual([...FINETUNE_TARGETS].sort());
  });
});

describe('packaging targets', () => {
  it('has a row for every packaging target, offered with any aikitfile', () => {
    for (const name of PACKAGE_TARGETS) expect(TARGETS.find((t) => t.name === name)?.kind).toBe('any');
  });
});
