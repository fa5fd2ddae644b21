import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectGolden } from '../../test/fixtures/golden.js';
import { AikitError, formatError } from '../util/errors.js';
import { loadAikitfile } from './index.js';

// Golden negative cases (decisions.md#test-tiers): test/invalid/<case>.yaml and the exact output in
// <case>.err. Update the .err files with `npm run golden:update`, then review the diff; a missing or
// different .err file fails every other run.
const dir = new URL('../../test/invalid/', import.meta.url);
const cases = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

describe('test/invalid', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  it.each(cases)('%s', (file) => {
    let output = 'accepted\n';
    try {
      loadAikitfile(readFileSync(new URL(file, dir), 'utf8'), file);
    } catch (e) {
      if (!(e instanceof AikitError)) throw e;
      output = `${e.message}\n${formatError(e)}\n`;
    }
    expectGolden(output, new URL(file.replace(/\.yaml$/, '.err'), dir));
  });
});
