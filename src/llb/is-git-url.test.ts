import { describe, expect, it } from 'vitest';
import { isGitUrl } from './source.js';

describe('isGitUrl (dockerui gitutil.IsGitURL)', () => {
  // prettier-ignore
  it.each([
    ['https://github.com/acme/models.git', true],
    ['https://github.com/acme/models.git#v1:sub', true],
    ['http://127.0.0.1:8080/repo.git#main', true],
    ['git://127.0.0.1:9418/repo.git', true],
    ['git@github.com:acme/models.git', true],
    ['ssh://git@host.example/x/y', true],
    ['github.com/acme/models', true],
    ['https://example.com/aikitfile.yaml', false],
    ['https://example.com/repo.git/aikitfile.yaml', false],
    ['https://example.com/file#frag.git', false],
    ['ftp://host/repo.git', false],
    ['context', false],
    ['', false],
  ])('%s is a git URL: %s', (url, want) => {
    expect(isGitUrl(url)).toBe(want);
  });
});
