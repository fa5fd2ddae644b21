import { describe, expect, it } from 'vitest';
import { AikitError } from '../util/errors.js';
import { normalizeImageRef, parseImageRef, parseRegistryReference } from './reference.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('normalizeImageRef', () => {
  // prettier-ignore
  it.each([
    ['alpine', 'docker.io/library/alpine:latest'],
    ['alpine:3.20', 'docker.io/library/alpine:3.20'],
    ['library/alpine', 'docker.io/library/alpine:latest'],
    ['docker.io/alpine', 'docker.io/library/alpine:latest'],
    ['index.docker.io/library/alpine:3', 'docker.io/library/alpine:3'],
    ['user/app:v1', 'docker.io/user/app:v1'],
    ['ghcr.io/org/app', 'ghcr.io/org/app:latest'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/app:dev', 'localhost:5000/app:dev'],
    ['host:5000/x', 'host:5000/x:latest'],
    ['registry.example.com:443/a/b/c:1.0', 'registry.example.com:443/a/b/c:1.0'],
    [`alpine@${D}`, `docker.io/library/alpine@${D}`],
    [`alpine:3.20@${D}`, `docker.io/library/alpine:3.20@${D}`],
    ['[::1]:5000/app', '[::1]:5000/app:latest'],
    ['my_app__x-y.z', 'docker.io/library/my_app__x-y.z:latest'],
  ])('%s → %s', (input, want) => {
    expect(normalizeImageRef(input)).toBe(want);
  });

  // prettier-ignore
  it.each([
    [''], ['Alpine'], ['docker.io/Library/alpine'], ['alpine:'], ['alpine:-x'], ['a'.repeat(64)],
    ['alpine@sha256:abc'], [`alpine@md5:${'a'.repeat(64)}`], ['alpine@@x'], ['-alpine'], ['a//b'], ['a b'],
    [`alpine@sha256:${'A'.repeat(64)}`],
  ])('rejects %j with BAD_IMAGE_REF', (input) => {
    expect(() => normalizeImageRef(input)).toThrow(AikitError);
    try {
      normalizeImageRef(input);
    } catch (e) {
      expect((e as AikitError).code).toBe('BAD_IMAGE_REF');
    }
  });
});

describe('parseImageRef follows Go where the grammar is loose', () => {
  // prettier-ignore
  it.each([
    // Upper case in the first component makes it a registry (splitDockerDomain).
    ['Foo/bar', 'Foo/bar:latest'],
    // A first component that is a path but no valid domain is kept whole, as Go's regexp does.
    ['a_b.c/x', 'a_b.c/x:latest'],
    // Without a "/", a ":" starts the tag even when the name looks like host:port.
    ['localhost:5000', 'docker.io/library/localhost:5000'],
    [`alpine@sha512:${'b'.repeat(128)}`, `docker.io/library/alpine@sha512:${'b'.repeat(128)}`],
  ])('%s → %s', (input, want) => {
    expect(normalizeImageRef(input)).toBe(want);
  });

  it('says why a reference is refused', () => {
    // prettier-ignore
    const cases: [string, string][] = [
      ['docker.io/Library/alpine', 'repository name must be lowercase'],
      ['a'.repeat(64), 'cannot specify 64-byte hexadecimal strings'],
      [`alpine@md5:${'a'.repeat(64)}`, 'unsupported digest algorithm "md5"'],
      ['alpine@sha256:abc', 'malformed sha256 digest'],
      ['alpine:-x', 'invalid tag'],
      [`${'a'.repeat(250)}/b`, 'repository name must not be more than 255 characters'],
    ];
    for (const [input, why] of cases) {
      expect(() => parseImageRef(input)).toThrow(`invalid image reference ${JSON.stringify(input)}: ${why}`);
    }
  });
});

describe('parseRegistryReference', () => {
  // prettier-ignore
  it.each([
    ['registry.ollama.ai/library/llama3:8b', { domain: 'registry.ollama.ai', path: 'library/llama3', tag: '8b' }],
    // No Docker Hub defaults: the path stays as written.
    ['docker.io/alpine', { domain: 'docker.io', path: 'alpine' }],
    ['localhost/m', { domain: 'localhost', path: 'm' }],
    ['[::1]:5000/m', { domain: '[::1]:5000', path: 'm' }],
    [`host.io:443/a/b@${D}`, { domain: 'host.io:443', path: 'a/b', digest: D }],
  ])('%s', (input, ref) => {
    expect(parseRegistryReference(input)).toEqual({ ok: true, ref });
  });

  // prettier-ignore
  it.each([
    ['llama3', { part: 'domain', why: 'no registry host' }],
    ['llama3:8b', { part: 'domain', why: 'no registry host' }],
    ['library/llama3', { part: 'domain', text: 'library', why: 'not a registry host' }],
    ['Library/llama3', { part: 'domain', text: 'Library', why: 'not a registry host' }],
    ['-host.io/m', { part: 'domain', text: '-host.io', why: 'not a registry host' }],
    ['host.io/M', { part: 'path', text: 'M', why: 'repository name must be lowercase' }],
    ['host.io/a//b', { part: 'path', text: 'a//b', why: 'invalid reference format' }],
    ['host.io/m:b c', { part: 'tag', text: 'b c', why: 'invalid tag' }],
    ['host.io/m@sha256:12', { part: 'digest', text: 'sha256:12', why: 'malformed sha256 digest' }],
  ])('refuses %s', (input, problem) => {
    expect(parseRegistryReference(input)).toEqual({ ok: false, problem });
  });
});
