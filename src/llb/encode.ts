import protobuf from 'protobufjs';

// Canonical protobuf encoding, byte-identical to what BuildKit (v0.18+) re-marshals every op into
// before digesting it (decisions.md#canonical-encoding). protobufjs cannot be trusted
// for this: it writes fields strictly by number (oneof in the middle of pb.Op), walks maps in
// Object.keys order and, depending on the version, writes explicit defaults. So we walk the
// protobufjs reflection ourselves and only borrow its schema.

const WIRE_VARINT = 0;
const WIRE_LEN = 2;

const textEncoder = new TextEncoder();

/** A growable byte buffer; chunks are joined once at the end. */
class Sink {
  private readonly chunks: Uint8Array[] = [];
  private scratch: number[] = [];
  private size = 0;

  byte(b: number): void {
    this.scratch.push(b);
    this.size++;
  }

  varint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    while (x >= 0x80n) {
      this.byte(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.byte(Number(x));
  }

  tag(id: number, wire: number): void {
    this.varint(BigInt((id << 3) | wire));
  }

  bytes(b: Uint8Array): void {
    this.flush();
    this.chunks.push(b);
    this.size += b.length;
  }

  lengthDelimited(b: Uint8Array): void {
    this.varint(BigInt(b.length));
    this.bytes(b);
  }

  private flush(): void {
    if (this.scratch.length > 0) {
      this.chunks.push(Uint8Array.from(this.scratch));
      this.scratch = [];
    }
  }

  finish(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.size);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

const VARINT_TYPES = new Set(['int32', 'int64', 'uint32', 'uint64', 'bool']);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && !Array.isArray(v);
}

function enumNumber(e: protobuf.Enum, v: unknown, where: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v in e.values) return e.values[v] as number;
  throw new TypeError(`${where}: invalid enum value ${String(v)}`);
}

function toBigInt(type: string, v: unknown, where: string): bigint {
  if (type === 'bool') {
    if (typeof v !== 'boolean') throw new TypeError(`${where}: expected boolean`);
    return v ? 1n : 0n;
  }
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  throw new TypeError(`${where}: expected an integer, got ${String(v)}`);
}

/** True for the proto3 zero value of a scalar, which canonical encoding omits. */
function isDefaultScalar(field: protobuf.Field, v: unknown): boolean {
  if (field.resolvedType instanceof protobuf.Enum) return v === 0 || v === field.resolvedType.valuesById[0];
  switch (field.type) {
    case 'string':
      return v === '';
    case 'bytes':
      return v instanceof Uint8Array && v.length === 0;
    case 'bool':
      return v === false;
    default:
      return v === 0 || v === 0n || v === '0';
  }
}

function writeScalar(sink: Sink, field: protobuf.Field, id: number, v: unknown, where: string): void {
  if (field.resolvedType instanceof protobuf.Enum) {
    sink.tag(id, WIRE_VARINT);
    sink.varint(BigInt(enumNumber(field.resolvedType, v, where)));
    return;
  }
  writeTyped(sink, field.type, id, v, where);
}

function writeTyped(sink: Sink, type: string, id: number, v: unknown, where: string): void {
  if (type === 'string') {
    if (typeof v !== 'string') throw new TypeError(`${where}: expected string`);
    sink.tag(id, WIRE_LEN);
    sink.lengthDelimited(textEncoder.encode(v));
  } else if (type === 'bytes') {
    if (!(v instanceof Uint8Array)) throw new TypeError(`${where}: expected Uint8Array`);
    sink.tag(id, WIRE_LEN);
    sink.lengthDelimited(v);
  } else if (VARINT_TYPES.has(type)) {
    sink.tag(id, WIRE_VARINT);
    // Negative int32/int64 are sign-extended to 10-byte varints, as protobuf-go does.
    sink.varint(toBigInt(type, v, where));
  } else {
    throw new TypeError(`${where}: unsupported protobuf type ${type}`);
  }
}

function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Go's field order: fields outside any oneof by number, then each oneof in declaration order. */
function canonicalFieldOrder(type: protobuf.Type): protobuf.Field[] {
  const plain = type.fieldsArray.filter((f) => !f.partOf).sort((a, b) => a.id - b.id);
  const oneofs = type.oneofsArray.flatMap((o) => [...o.fieldsArray].sort((a, b) => a.id - b.id));
  return [...plain, ...oneofs];
}

const orderCache = new WeakMap<protobuf.Type, protobuf.Field[]>();

function fieldOrder(type: protobuf.Type): protobuf.Field[] {
  let order = orderCache.get(type);
  if (!order) {
    type.resolveAll();
    order = canonicalFieldOrder(type);
    orderCache.set(type, order);
  }
  return order;
}

/**
 * Encodes a plain object (keys = proto field names) the way protobuf-go's deterministic marshal
 * does: legacy field order (oneof last), proto3 defaults omitted except for a set oneof member,
 * present sub-messages always written (even empty), map entries sorted by key bytes.
 */
export function encodeCanonical(type: protobuf.Type, obj: Record<string, unknown>): Uint8Array {
  const sink = new Sink();
  writeMessage(sink, type, obj, type.name);
  return sink.finish();
}

function writeMessage(sink: Sink, type: protobuf.Type, obj: Record<string, unknown>, where: string): void {
  for (const key of Object.keys(obj)) {
    if (obj[key] !== undefined && !type.fields[key]) {
      throw new TypeError(`${where}: unknown field ${key}`);
    }
  }
  let oneofSeen: Set<protobuf.OneOf> | undefined;
  for (const field of fieldOrder(type)) {
    const v = obj[field.name];
    if (v === undefined || v === null) continue;
    const at = `${where}.${field.name}`;
    if (field.partOf) {
      oneofSeen ??= new Set();
      if (oneofSeen.has(field.partOf)) throw new TypeError(`${at}: more than one member of oneof set`);
      oneofSeen.add(field.partOf);
      writeSingle(sink, field, v, at);
    } else if (field.map) {
      writeMap(sink, field, v, at);
    } else if (field.repeated) {
      writeRepeated(sink, field, v, at);
    } else if (field.resolvedType instanceof protobuf.Type || !isDefaultScalar(field, v)) {
      writeSingle(sink, field, v, at);
    }
  }
}

function writeSingle(sink: Sink, field: protobuf.Field, v: unknown, where: string): void {
  if (field.resolvedType instanceof protobuf.Type) {
    if (!isPlainObject(v)) throw new TypeError(`${where}: expected a message object`);
    const inner = new Sink();
    writeMessage(inner, field.resolvedType, v, where);
    sink.tag(field.id, WIRE_LEN);
    sink.lengthDelimited(inner.finish());
    return;
  }
  writeScalar(sink, field, field.id, v, where);
}

function writeRepeated(sink: Sink, field: protobuf.Field, v: unknown, where: string): void {
  if (!Array.isArray(v)) throw new TypeError(`${where}: expected an array`);
  if (v.length === 0) return;
  const packable = field.resolvedType instanceof protobuf.Enum || VARINT_TYPES.has(field.type);
  if (packable) {
    // proto3 packs repeated scalars: one length-delimited run of varints.
    const inner = new Sink();
    for (const [i, x] of v.entries()) {
      const n =
        field.resolvedType instanceof protobuf.Enum
          ? BigInt(enumNumber(field.resolvedType, x, `${where}[${i}]`))
          : toBigInt(field.type, x, `${where}[${i}]`);
      inner.varint(n);
    }
    sink.tag(field.id, WIRE_LEN);
    sink.lengthDelimited(inner.finish());
    return;
  }
  for (const [i, x] of v.entries()) writeSingle(sink, field, x, `${where}[${i}]`);
}

function writeMap(sink: Sink, field: protobuf.Field, v: unknown, where: string): void {
  const mapField = field as unknown as protobuf.MapField;
  if (mapField.keyType !== 'string') throw new TypeError(`${where}: only string map keys are supported`);
  const entries: [string, unknown][] =
    v instanceof Map ? [...(v as Map<string, unknown>).entries()] : Object.entries(v as object);
  entries.sort(([a], [b]) => compareUtf8(a, b));
  for (const [k, val] of entries) {
    if (val === undefined) continue;
    // Map entries always carry both key (1) and value (2), even when zero.
    const entry = new Sink();
    writeTyped(entry, 'string', 1, k, `${where}[${k}]`);
    if (field.resolvedType instanceof protobuf.Type) {
      if (!isPlainObject(val)) throw new TypeError(`${where}[${k}]: expected a message object`);
      const inner = new Sink();
      writeMessage(inner, field.resolvedType, val, `${where}[${k}]`);
      entry.tag(2, WIRE_LEN);
      entry.lengthDelimited(inner.finish());
    } else {
      writeScalar(entry, field, 2, val, `${where}[${k}]`);
    }
    sink.tag(field.id, WIRE_LEN);
    sink.lengthDelimited(entry.finish());
  }
}

/** Field numbers of the top-level fields in `bytes`, in wire order (for tests and debugging). */
export function topLevelFieldNumbers(bytes: Uint8Array): number[] {
  const out: number[] = [];
  const r = protobuf.Reader.create(bytes);
  while (r.pos < r.len) {
    const tag = r.uint32();
    out.push(tag >>> 3);
    r.skipType(tag & 7);
  }
  return out;
}
