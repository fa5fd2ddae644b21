import { describe, expect, it } from 'vitest';
import { AikitError } from '../util/errors.js';
import { formatPlatform, hostPlatform, normalizePlatform, parsePlatform } from './platform.js';

describe('parsePlatform', () => {
  // prettier-ignore
  it.each([
    ['linux/amd64', 'linux/amd64'],
    ['linux/arm64', 'linux/arm64'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/aarch64', 'linux/arm64'],
    ['aarch64', 'linux/arm64'],
    ['x86_64', 'linux/amd64'],
    ['amd64', 'linux/amd64'],
    ['linux/x86-64', 'linux/amd64'],
    ['linux/amd64/v1', 'linux/amd64'],
    ['linux/amd64/v3', 'linux/amd64/v3'],
    ['arm', 'linux/arm/v7'],
    ['linux/arm', 'linux/arm/v7'],
    ['linux/arm/v6', 'linux/arm/v6'],
    ['linux/armhf', 'linux/arm/v7'],
    ['linux/armel', 'linux/arm/v6'],
    ['linux/arm64/9', 'linux/arm64/v9'],
    ['Linux/AMD64', 'linux/amd64'],
    ['linux/i386', 'linux/386'],
    ['linux/riscv64', 'linux/riscv64'],
    [' linux/s390x ', 'linux/s390x'],
  ])('%s → %s', (input, want) => {
    expect(formatPlatform(parsePlatform(input))).toBe(want);
  });

  it('gives a lone OS the host architecture', () => {
    expect(parsePlatform('linux')).toEqual(hostPlatform());
  });

  it('omits an empty variant', () => {
    expect(parsePlatform('linux/arm64/v8')).toStrictEqual({ os: 'linux', architecture: 'arm64' });
    expect(parsePlatform('linux/arm')).toStrictEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
  });

  // prettier-ignore
  it.each([
    [''], ['linux/'], ['/amd64'], ['linux/amd64/v8/x'], ['foo'], ['linux/*'], ['linux/am d64'], ['lin(ux/amd64'],
  ])('rejects %j with BAD_PLATFORM and a hint', (input) => {
    let err: unknown;
    try {
      parsePlatform(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AikitError);
    expect((err as AikitError).code).toBe('BAD_PLATFORM');
    expect((err as AikitError).hint).toMatch(/linux\/amd64/);
  });
});

describe('formatPlatform / normalizePlatform', () => {
  it('formats with and without variant', () => {
    expect(formatPlatform({ os: 'linux', architecture: 'amd64' })).toBe('linux/amd64');
    expect(formatPlatform({ os: 'linux', architecture: 'arm', variant: 'v7' })).toBe('linux/arm/v7');
    expect(formatPlatform({ os: 'linux', architecture: 'arm64', variant: '' })).toBe('linux/arm64');
  });

  it('normalises like containerd', () => {
    expect(normalizePlatform({ os: 'linux', architecture: 'aarch64', variant: 'v8' })).toStrictEqual({
      os: 'linux',
      architecture: 'arm64',
    });
  });
});
