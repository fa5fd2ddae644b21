import { describe, expect, it } from 'vitest';
import { digestHex, digestOf, digestProblem, isDigest, parseDigest, WRITTEN_SHA256_RE } from './digest.js';

const HEX = '0123456789abcdef'.repeat(4);

describe('parseDigest', () => {
  // prettier-ignore
  it.each([
    [HEX],
    [HEX.toUpperCase()],
    [`sha256:${HEX}`],
    [`sha256:${HEX.toUpperCase()}`],
    // Build-args have always taken the prefix in any case.
    [`SHA256:${HEX}`],
  ])('reads %s as sha256:<lowercase hex>', (written) => {
    expect(parseDigest(written)).toBe(`sha256:${HEX}`);
  });

  // prettier-ignore
  it.each([
    [''], ['sha256:'], [HEX.slice(1)], [`${HEX}0`], [`sha256:${HEX.slice(1)}g`], [`sha512:${HEX}${HEX}`],
    [`sha256:sha256:${HEX}`], [` ${HEX}`], [`sha256: ${HEX}`],
  ])('refuses %j', (written) => {
    expect(parseDigest(written)).toBeUndefined();
  });

  it('reads every spelling the aikitfile schema lets through', () => {
    const spellings = [
      HEX,
      HEX.toUpperCase(),
      `sha256:${HEX}`,
      `sha256:${HEX.toUpperCase()}`,
      'A'.repeat(64),
    ];
    for (const s of spellings) {
      expect(WRITTEN_SHA256_RE.test(s)).toBe(true);
      expect(parseDigest(s)).toBe(`sha256:${s.replace(/^sha256:/, '').toLowerCase()}`);
    }
  });
});

describe('isDigest', () => {
  // prettier-ignore
  it.each([
    [`sha256:${HEX}`, true],
    [HEX, false],
    [`sha256:${HEX.toUpperCase()}`, false],
    [`SHA256:${HEX}`, false],
    [`sha256:${HEX}:`, false],
    [`sha512:${HEX}${HEX}`, false],
    [undefined, false],
    [42, false],
  ])('%j → %s', (v, want) => {
    expect(isDigest(v)).toBe(want);
  });
});

describe('digestProblem (go-digest Validate)', () => {
  // prettier-ignore
  it.each([
    [`sha256:${HEX}`, undefined],
    [`sha384:${'a'.repeat(96)}`, undefined],
    [`sha512:${'a'.repeat(128)}`, undefined],
    [HEX, 'invalid digest format'],
    [':abc', 'invalid digest format'],
    ['sha256:', 'invalid digest format'],
    [`md5:${HEX}`, 'unsupported digest algorithm "md5"'],
    [`sha256:${HEX.slice(2)}`, 'malformed sha256 digest'],
    [`sha256:${HEX.toUpperCase()}`, 'malformed sha256 digest'],
    [`sha256:${HEX}:${HEX}`, 'malformed sha256 digest'],
    [`sha384:${HEX}`, 'malformed sha384 digest'],
  ])('%s', (d, want) => {
    expect(digestProblem(d)).toBe(want);
  });
});

describe('digestOf and digestHex', () => {
  it('hashes bytes to the digest BuildKit computes', () => {
    // sha256 of the empty input and of "abc", from FIPS 180-2.
    expect(digestOf(new Uint8Array())).toBe(
      'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    const abc = digestOf(new TextEncoder().encode('abc'));
    expect(abc).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(isDigest(abc)).toBe(true);
    expect(digestHex(abc)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
