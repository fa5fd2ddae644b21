import { describe, expect, it } from 'vitest';
import { capHint, Caps } from './caps.js';
import { dumpDefinition, marshal } from './index.js';
import { git, imageBlob, parseGitUrl } from './source.js';

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

describe('imageBlob', () => {
  const DIGEST = `sha256:${'ab'.repeat(32)}`;
  const capsOf = (d: ReturnType<typeof marshal>) =>
    Object.keys(Object.values(d.metadata).find((m) => m.caps?.['source.imageblob'])?.caps ?? {});

  it('names the normalised repository and digest, with the http file attributes', () => {
    const d = marshal(imageBlob(`ghcr.io/acme/model@${DIGEST}`, { filename: 'm.gguf', perm: 0o444 }));
    const op = sourceOp(d);
    expect(op.identifier).toBe(`docker-image+blob://ghcr.io/acme/model@${DIGEST}`);
    expect(op.attrs).toEqual({ 'http.filename': 'm.gguf', 'http.perm': '0444' });
    expect(capsOf(d)).toEqual(['source.imageblob']);
  });

  it('normalises Docker Hub names as Go does', () => {
    expect(sourceOp(marshal(imageBlob(`alpine@${DIGEST}`))).identifier).toBe(
      `docker-image+blob://docker.io/library/alpine@${DIGEST}`,
    );
  });

  it.each(['ghcr.io/acme/model:v1', `ghcr.io/acme/model:v1@${DIGEST}`, 'ghcr.io/acme/model'])(
    'refuses %s (a blob needs a digest and no tag)',
    (ref) => {
      expect(() => imageBlob(ref)).toThrow(/needs a digest and no tag/);
    },
  );

  it('fails on an engine without the cap, naming v0.28', () => {
    const caps = new Set<string>(Object.values(Caps).filter((c) => c !== Caps.SourceImageBlob));
    expect(() => marshal(imageBlob(`ghcr.io/a/b@${DIGEST}`), { caps })).toThrow(/source\.imageblob/);
    expect(capHint(Caps.SourceImageBlob)).toMatch(/v0\.28/);
  });
});
