import { describe, expect, it } from 'vitest';
import { formatIssue, locatedIssue, type Locate } from './errors.js';

describe('locatedIssue', () => {
  const locate: Locate = (path) =>
    path[0] === 'models' ? { line: 4, col: 5, endLine: 4, endCol: 20 } : undefined;

  it('takes the range of its path from locate', () => {
    const issue = locatedIssue(locate, {
      code: 'X',
      message: 'model a: bad',
      hint: 'fix it',
      path: ['models', 0, 'source'],
    });
    expect(issue).toEqual({
      severity: 'error',
      code: 'X',
      message: 'model a: bad',
      hint: 'fix it',
      path: ['models', 0, 'source'],
      range: { line: 4, col: 5, endLine: 4, endCol: 20 },
    });
    expect(formatIssue(issue, 'f.yaml')).toBe('f.yaml:4:5: models[0].source: model a: bad\n  hint: fix it');
  });

  it('has no range where locate finds none, and may be a warning', () => {
    const issue = locatedIssue(locate, { code: 'Y', message: 'm', path: ['runtime'] }, 'warning');
    expect(issue).toEqual({ severity: 'warning', code: 'Y', message: 'm', path: ['runtime'] });
    expect(locatedIssue(undefined, { code: 'Y', message: 'm', path: ['models'] }).range).toBeUndefined();
  });
});
