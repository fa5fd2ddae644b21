import { describe, expect, it } from 'vitest';
import { encodeCanonical, topLevelFieldNumbers } from './encode.js';
import { pbType } from './proto.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('encodeCanonical', () => {
  it('writes pb.Op fields outside the oneof first, then the oneof member', () => {
    const bytes = encodeCanonical(pbType('Op'), {
      exec: { meta: { args: ['x'] } },
      constraints: {},
      platform: { OS: 'linux', Architecture: 'amd64' },
      inputs: [{ digest: 'd', index: 0 }],
    });
    expect(topLevelFieldNumbers(bytes)).toEqual([1, 10, 11, 2]);
  });

  it('omits proto3 defaults but writes present empty messages', () => {
    const bytes = encodeCanonical(pbType('Op'), {
      inputs: [],
      platform: undefined,
      constraints: {},
      source: { identifier: '', attrs: {} },
    });
    // constraints {} = 5a 00; source {} = 1a 00 (a set oneof member is written even when empty)
    expect(hex(bytes)).toBe('5a001a00');
  });

  it('writes a zero oneof member (UserOpt.byID 0 = root)', () => {
    expect(hex(encodeCanonical(pbType('UserOpt'), { byID: 0 }))).toBe('1000');
    expect(hex(encodeCanonical(pbType('UserOpt'), {}))).toBe('');
  });

  it('sign-extends negative int32/int64 to 10-byte varints', () => {
    expect(hex(encodeCanonical(pbType('FileActionCopy'), { mode: -1 }))).toBe('20ffffffffffffffffff01');
    expect(hex(encodeCanonical(pbType('Input'), { index: -1n }))).toBe('10ffffffffffffffffff01');
  });

  it('sorts map entries bytewise and always writes key and value', () => {
    const a = encodeCanonical(pbType('SourceOp'), { attrs: { b: '', a: 'x', B: '1', é: 'y' } });
    const b = encodeCanonical(pbType('SourceOp'), { attrs: { é: 'y', B: '1', a: 'x', b: '' } });
    expect(hex(a)).toBe(hex(b));
    // B(0x42) < a < b < é(0xc3 0xa9); the empty value of "b" is still written (12 00)
    expect(hex(a)).toBe('12060a0142120131' + '12060a0161120178' + '12050a01621200' + '12070a02c3a9120179');
  });

  it('packs repeated varints', () => {
    expect(hex(encodeCanonical(pbType('Meta'), { validExitCodes: [0, 1, 2] }))).toBe('6203000102');
  });

  it('rejects unknown fields and two members of one oneof', () => {
    expect(() => encodeCanonical(pbType('Op'), { nope: 1 })).toThrow(/unknown field nope/);
    expect(() => encodeCanonical(pbType('Op'), { exec: {}, source: {} })).toThrow(/oneof/);
  });
});
