import { describe, expect, it } from 'vitest';
import { dumpDefinition, marshal } from './index.js';
import { git, parseGitUrl } from './source.js';

function sourceOp(def: ReturnType<typeof marshal>) {
  const ops = dumpDefinition(def) as {
    Op: { source?: { identifier: string; attrs?: Record<string, string> } };
  }[];
  return ops[0]!.Op.source!;
}

describe('git', () => {
  // prettier-ignore
  it.each([
    ['https://github.com/acme/models.git', { remote: 'https://github.com/acme/models.git', host: 'github.com', path: 'acme/models.git' }],
    ['git://127.0.0.1:9418/repo.git', { remote: 'git://127.0.0.1:9418/repo.git', host: '127.0.0.1:9418', path: 'repo.git' }],
    ['git@github.com:acme/models.git', { remote: 'git@github.com:acme/models.git', host: 'github.com', path: 'acme/models.git' }],
    ['ssh://git@host.example/x/y', { remote: 'ssh://git@host.example/x/y', host: 'host.example', path: 'x/y' }],
  ])('parses %s', (url, want) => {
    expect(parseGitUrl(url)).toEqual(want);
  });

  it('rejects other schemes', () => {
    expect(() => parseGitUrl('ftp://host/repo')).toThrow(/unsupported git URL scheme/);
  });

  it('keys the source by host, path, ref and subdir, with the full URL as an attribute', () => {
    const op = sourceOp(marshal(git('git://127.0.0.1:9418/repo.git', { ref: 'main', subdir: 'models' })));
    expect(op.identifier).toBe('git://127.0.0.1:9418/repo.git#main:models');
    expect(op.attrs).toEqual({
      'git.authheadersecret': 'GIT_AUTH_HEADER',
      'git.authtokensecret': 'GIT_AUTH_TOKEN',
      'git.fullurl': 'git://127.0.0.1:9418/repo.git',
    });
  });

  it('gives https and ssh URLs of one repository the same identifier', () => {
    const a = sourceOp(marshal(git('https://github.com/acme/models.git', { ref: 'v1' })));
    const b = sourceOp(marshal(git('git@github.com:acme/models.git', { ref: 'v1' })));
    expect(a.identifier).toBe(b.identifier);
  });

  it('declares source.git.subdir only when a subdir is used', () => {
    const withSub = marshal(git('https://h/r.git', { subdir: 'x' }));
    const without = marshal(git('https://h/r.git'));
    const caps = (d: typeof withSub) =>
      Object.keys(Object.values(d.metadata).find((m) => m.caps?.['source.git'])?.caps ?? {});
    expect(caps(withSub)).toContain('source.git.subdir');
    expect(caps(without)).not.toContain('source.git.subdir');
  });
});
