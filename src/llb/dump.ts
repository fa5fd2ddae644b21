import protobuf from 'protobufjs';
import { digestOf } from '../oci/index.js';
import type { Definition } from './marshal.js';
import { pbType } from './proto.js';
import { compareUtf8 } from './vertex.js';

// A readable dump in the spirit of `buildctl debug dump-llb` (cmd/buildctl/debug/dumpllb.go and
// solver/pb/json.go): one entry per op with Op, Digest and OpMetadata. Differences on purpose:
// the oneof member is a key of Op itself (no nested "Op"), enums are names, and bytes are text
// when they are readable UTF-8. Key order is fixed, so the output suits golden files.

/** Fields shown even at their zero value, because the zero is meaningful (an index). */
const ALWAYS: Record<string, ReadonlySet<string>> = {
  'pb.Input': new Set(['index']),
  'pb.FileAction': new Set(['input', 'secondaryInput', 'output']),
  'pb.Mount': new Set(['input', 'output']),
  'pb.MergeInput': new Set(['input']),
  'pb.LowerDiffInput': new Set(['input']),
  'pb.UpperDiffInput': new Set(['input']),
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

function bytesJson(b: Uint8Array): unknown {
  try {
    const s = utf8.decode(b);
    // eslint-disable-next-line no-control-regex
    if (!/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s)) return s;
  } catch {
    // not UTF-8: fall through to base64
  }
  return { base64: Buffer.from(b).toString('base64') };
}

function scalarJson(field: protobuf.Field, v: unknown): unknown {
  if (field.resolvedType instanceof protobuf.Enum) {
    return field.resolvedType.valuesById[v as number] ?? v;
  }
  if (field.type === 'bytes') return bytesJson(v as Uint8Array);
  if (typeof v === 'object' && v !== null && 'low' in v) {
    // int64 as protobufjs Long: a number when exact, else its decimal string.
    const s = (v as { toString(): string }).toString();
    const n = Number(s);
    return Number.isSafeInteger(n) ? n : s;
  }
  return v;
}

function isZero(field: protobuf.Field, v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (field.map) return Object.keys(v).length === 0;
  if (field.repeated) return (v as unknown[]).length === 0;
  if (field.resolvedType instanceof protobuf.Type) return false;
  if (field.type === 'bytes') return (v as Uint8Array).length === 0;
  if (typeof v === 'object' && 'low' in v) return (v as { toString(): string }).toString() === '0';
  return v === 0 || v === '' || v === false;
}

function valueJson(field: protobuf.Field, v: unknown): unknown {
  return field.resolvedType instanceof protobuf.Type
    ? messageJson(field.resolvedType, v as protobuf.Message)
    : scalarJson(field, v);
}

function messageJson(type: protobuf.Type, msg: protobuf.Message): Record<string, unknown> {
  const m = msg as unknown as Record<string, unknown>;
  const always = ALWAYS[type.fullName.replace(/^\./, '')];
  const out: Record<string, unknown> = {};
  const oneofMembers = new Set(type.oneofsArray.map((o) => m[o.name]).filter((x) => typeof x === 'string'));
  const ordered = [...type.fieldsArray].sort((a, b) => a.id - b.id);
  // pb.Op reads best (and matches buildctl) with the op kind right after inputs.
  if (type.fullName === '.pb.Op') ordered.sort((a, b) => rankOp(a) - rankOp(b));
  for (const field of ordered) {
    const v = m[field.name];
    if (field.partOf) {
      if (!oneofMembers.has(field.name)) continue;
    } else if (isZero(field, v) && !always?.has(field.name)) {
      continue;
    }
    if (field.map) {
      const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => compareUtf8(a, b));
      out[field.name] = Object.fromEntries(entries.map(([k, x]) => [k, valueJson(field, x)]));
    } else if (field.repeated) {
      out[field.name] = (v as unknown[]).map((x) => valueJson(field, x));
    } else {
      out[field.name] = valueJson(field, v ?? 0);
    }
  }
  return out;
}

function rankOp(f: protobuf.Field): number {
  if (f.name === 'inputs') return 0;
  if (f.partOf) return 1;
  return 2 + f.id;
}

/** One entry of {@link dumpDefinition}. */
export interface DumpEntry {
  Op: Record<string, unknown>;
  Digest: string;
  OpMetadata: Record<string, unknown>;
}

/** Decodes every op of a Definition into readable, stably ordered JSON (like `buildctl debug dump-llb`). */
export function dumpDefinition(d: Definition): DumpEntry[] {
  const opType = pbType('Op');
  opType.resolveAll();
  return d.def.map((bytes) => {
    const digest = digestOf(bytes);
    return {
      Op: messageJson(opType, opType.decode(bytes)),
      Digest: digest,
      OpMetadata: (d.metadata[digest] ?? {}) as Record<string, unknown>,
    };
  });
}
