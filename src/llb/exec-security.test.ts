import { describe, expect, it } from 'vitest';
import { dumpDefinition, image, marshal, type Platform, type RunOptions } from './index.js';

const amd64: Platform = { os: 'linux', architecture: 'amd64' };
const te = new TextEncoder();

// Protobuf by hand, independent of encode.ts, for the ExecOp fields this file is about.
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}
const lfield = (no: number, bytes: number[]) => [...varint((no << 3) | 2), ...varint(bytes.length), ...bytes];

function execOf(opts: Partial<RunOptions>) {
  const st = image('alpine:3.20', { platform: amd64 }).run({ args: ['true'], ...opts });
  const d = marshal(st, { platform: amd64 });
  const dump = dumpDefinition(d);
  const i = dump.findIndex((e) => 'exec' in e.Op);
  return {
    bytes: [...d.def[i]!],
    op: dump[i]!.Op['exec'] as Record<string, unknown>,
    caps: Object.keys(dump[i]!.OpMetadata['caps'] as object),
  };
}

// A byte sequence inside another, for the encoded fields.
function contains(hay: number[], needle: number[]): boolean {
  return hay.some((_, i) => needle.every((b, j) => hay[i + j] === b));
}

describe('exec security mode and CDI devices (ops.proto ExecOp fields 4 and 6)', () => {
  it('encodes insecure as field 4 and asks for the exec.meta.security cap', () => {
    const { bytes, op, caps } = execOf({ security: 'insecure' });
    expect(op['security']).toBe('INSECURE');
    expect(contains(bytes, [(4 << 3) | 0, 1])).toBe(true);
    expect(caps).toContain('exec.meta.security');
  });

  it('encodes each CDI device as field 6 {name = 1, optional = 2} and asks for exec.cdidevices', () => {
    const { bytes, op, caps } = execOf({
      cdiDevices: [{ name: 'nvidia.com/gpu=all' }, { name: 'vendor.com/x=0', optional: true }],
    });
    expect(op['cdiDevices']).toEqual([
      { name: 'nvidia.com/gpu=all' },
      { name: 'vendor.com/x=0', optional: true },
    ]);
    expect(contains(bytes, lfield(6, lfield(1, [...te.encode('nvidia.com/gpu=all')])))).toBe(true);
    expect(
      contains(bytes, lfield(6, [...lfield(1, [...te.encode('vendor.com/x=0')]), (2 << 3) | 0, 1])),
    ).toBe(true);
    expect(caps).toContain('exec.cdidevices');
  });

  it('leaves the bytes of a plain exec alone', () => {
    const plain = execOf({});
    expect(execOf({ security: 'sandbox', cdiDevices: [] }).bytes).toEqual(plain.bytes);
    expect(plain.caps).not.toContain('exec.meta.security');
    expect(plain.caps).not.toContain('exec.cdidevices');
  });
});
