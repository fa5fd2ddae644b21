import { describe, expect, it } from 'vitest';
import { AikitError } from '../util/errors.js';
import { normalizeImageRef } from './image-ref.js';

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
