import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AikitError, formatError } from '../util/errors.js';
import { loadAikitfile } from './index.js';

// Golden negative cases (style §4.15): test/invalid/<case>.yaml and the exact output in <case>.err.
// Update the .err files with `vitest -u` after reviewing the change.
const dir = new URL('../../test/invalid/', import.meta.url);
const cases = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

describe('test/invalid', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  it.each(cases)('%s', async (file) => {
    let output = 'accepted\n';
    try {
      loadAikitfile(readFileSync(new URL(file, dir), 'utf8'), file);
    } catch (e) {
      if (!(e instanceof AikitError)) throw e;
      output = `${e.message}\n${formatError(e)}\n`;
    }
    await expect(output).toMatchFileSnapshot(new URL(file.replace(/\.yaml$/, '.err'), dir).pathname);
  });
});
