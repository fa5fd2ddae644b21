import { randomBytes } from 'node:crypto';
import { digestOf } from '../oci/index.js';
import { AikitError } from '../util/errors.js';
import { capHint, Caps } from './caps.js';
import { encodeCanonical } from './encode.js';
import { hostPlatform, normalizePlatform, type Platform } from './platform.js';
import { pbType } from './proto.js';
import type { State } from './state.js';
import {
  compareUtf8,
  type MarshalContext,
  type MarshaledVertex,
  type OpMetadata,
  type Output,
  type PbInput,
  type SourceInfo,
  type SourceLocation,
  type Vertex,
} from './vertex.js';

// Port of moby/buildkit v0.25.2 client/llb/state.go (State.Marshal, marshal) and sourcemap.go.

/** `pb.Position` / `pb.Range` / `pb.Location` with proto field names. */
export interface PbRange {
  start: { line: number; character?: number };
  end: { line: number; character?: number };
}

/** `pb.Definition` with its proto field names, ready for `SolveRequest.Definition` via proto-loader. */
export interface Definition {
  def: Uint8Array[];
  metadata: Record<string, OpMetadata>;
  Source?: {
    locations: Record<string, { locations: { sourceIndex: number; ranges: PbRange[] }[] }>;
    infos: { filename: string; data: Uint8Array; language?: string }[];
  };
}

/** Options of {@link marshal}. */
export interface MarshalOptions {
  /** LLB caps the daemon reported (enabled ones); every cap the graph needs must be among them. */
  caps?: ReadonlySet<string>;
  /** Sets `ignore_cache` on every op (the `no-cache` build option). */
  ignoreCache?: boolean;
  /** Platform for image and exec ops whose state has none (Go: `llb.Platform` on Marshal); default: host. */
  platform?: Platform;
  /** `local.unique` for local sources without a session (Go: `llb.LocalUniqueID`); default: random per call. */
  localUniqueId?: string;
}

class Context implements MarshalContext {
  readonly defaultPlatform: Platform;
  readonly caps: ReadonlySet<string> | undefined;
  readonly ignoreCache: boolean;
  readonly localUniqueId: string;
  private readonly cache = new Map<Vertex, MarshaledVertex>();

  constructor(opts: MarshalOptions) {
    this.defaultPlatform = normalizePlatform(opts.platform ?? hostPlatform());
    this.caps = opts.caps;
    this.ignoreCache = opts.ignoreCache ?? false;
    this.localUniqueId = opts.localUniqueId ?? randomBytes(16).toString('hex');
  }

  vertex(v: Vertex): MarshaledVertex {
    let m = this.cache.get(v);
    if (!m) {
      m = v.marshal(this);
      this.cache.set(v, m);
    }
    return m;
  }

  input(o: Output): PbInput {
    const index = o.index();
    return { digest: this.vertex(o.vertex).digest, index };
  }
}

function mergeMetadata(a: OpMetadata | undefined, b: OpMetadata): OpMetadata {
  if (!a) return b;
  const out: OpMetadata = { ...a };
  if (b.ignore_cache) out.ignore_cache = true;
  if (b.description) out.description = { ...a.description, ...b.description };
  if (b.export_cache) out.export_cache = b.export_cache;
  if (b.caps) out.caps = sortKeys({ ...a.caps, ...b.caps });
  if (b.progress_group) out.progress_group = b.progress_group;
  return out;
}

function sortKeys<T>(r: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(r).sort(compareUtf8)) out[k] = r[k] as T;
  return out;
}

function sameSource(a: SourceInfo, b: SourceInfo): boolean {
  return (
    a.filename === b.filename &&
    (a.language ?? '') === (b.language ?? '') &&
    Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(
      Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength),
    )
  );
}

/** Port of Go's sourceMapCollector: infos deduped by identity, then by filename+language+data. */
class SourceMapCollector {
  private readonly infos: SourceInfo[] = [];
  private readonly index = new Map<SourceInfo, number>();
  private readonly locations = new Map<string, SourceLocation[]>();

  add(digest: string, locs: SourceLocation[]): void {
    if (locs.length === 0) return;
    for (const l of locs) {
      if (this.index.has(l.source)) continue;
      let i = this.infos.findIndex((s) => sameSource(s, l.source));
      if (i === -1) {
        i = this.infos.length;
        this.infos.push(l.source);
      }
      this.index.set(l.source, i);
    }
    this.locations.set(digest, [...(this.locations.get(digest) ?? []), ...locs]);
  }

  build(): Definition['Source'] {
    if (this.infos.length === 0) return undefined;
    const locations: NonNullable<Definition['Source']>['locations'] = {};
    for (const d of [...this.locations.keys()].sort(compareUtf8)) {
      locations[d] = {
        locations: (this.locations.get(d) ?? []).map((l) => ({
          sourceIndex: this.index.get(l.source) ?? 0,
          ranges: l.ranges.map((r) => ({ start: pbPosition(r.start), end: pbPosition(r.end) })),
        })),
      };
    }
    const infos = this.infos.map((s) => {
      const info: { filename: string; data: Uint8Array; language?: string } = {
        filename: s.filename,
        data: s.data,
      };
      if (s.language) info.language = s.language;
      return info;
    });
    return { locations, infos };
  }
}

function pbPosition(p: { line: number; character?: number }): { line: number; character?: number } {
  return p.character === undefined ? { line: p.line } : { line: p.line, character: p.character };
}

/**
 * Marshals a state and everything it depends on into a Definition: post-order DFS, ops deduped by
 * digest, then a terminal op that only names the head. Scratch gives an empty `def`.
 */
export function marshal(state: State, opts: MarshalOptions = {}): Definition {
  const head = state.output;
  if (!head) return { def: [], metadata: {} };
  const ctx = new Context(opts);
  const def: Uint8Array[] = [];
  const metadata = new Map<string, OpMetadata>();
  const seenDigests = new Set<string>();
  const visited = new Set<Vertex>();
  const sources = new SourceMapCollector();

  const visit = (v: Vertex): void => {
    if (visited.has(v)) return;
    for (const inp of v.inputs()) visit(inp.vertex);
    const m = ctx.vertex(v);
    visited.add(v);
    metadata.set(m.digest, mergeMetadata(metadata.get(m.digest), m.metadata));
    sources.add(m.digest, m.locations);
    if (seenDigests.has(m.digest)) return;
    seenDigests.add(m.digest);
    def.push(m.bytes);
  };
  visit(head.vertex);

  const terminal = encodeCanonical(pbType('Op'), { inputs: [ctx.input(head)] });
  def.push(terminal);
  const termCaps: Record<string, boolean> = { [Caps.Constraints]: true, [Caps.Platform]: true };
  for (const m of metadata.values()) {
    if (m.ignore_cache) termCaps[Caps.MetaIgnoreCache] = true;
    if (m.description) termCaps[Caps.MetaDescription] = true;
    if (m.export_cache) termCaps[Caps.MetaExportCache] = true;
  }
  const termDigest = digestOf(terminal);
  metadata.set(termDigest, mergeMetadata(metadata.get(termDigest), { caps: sortKeys(termCaps) }));

  if (opts.caps) checkCaps(metadata.values(), opts.caps);

  const out: Definition = { def, metadata: {} };
  for (const d of [...metadata.keys()].sort(compareUtf8)) out.metadata[d] = metadata.get(d) as OpMetadata;
  const source = sources.build();
  if (source) out.Source = source;
  return out;
}

/** Throws for the first missing cap in graph order, so the error names the earliest op that needs it. */
function checkCaps(metadata: Iterable<OpMetadata>, have: ReadonlySet<string>): void {
  let first: string | undefined;
  for (const m of metadata) {
    first = Object.keys(m.caps ?? {}).find((c) => !have.has(c));
    if (first !== undefined) break;
  }
  if (first !== undefined) {
    throw new AikitError('CAP_UNSUPPORTED', `the build engine lacks capability "${first}"`, {
      hint: capHint(first),
    });
  }
}

/** Serialises a Definition canonically (sorted maps, no defaults), like Go's `Definition.Marshal`. */
export function encodeDefinition(d: Definition): Uint8Array {
  return encodeCanonical(pbType('Definition'), d as unknown as Record<string, unknown>);
}

type Obj = Record<string, unknown>;

function bytesOf(v: unknown): Uint8Array {
  return v instanceof Uint8Array ? new Uint8Array(v) : new Uint8Array();
}

function normalizeMetadata(m: Obj): OpMetadata {
  const out: OpMetadata = {};
  if (m.ignore_cache) out.ignore_cache = true;
  if (m.description) out.description = sortKeys(m.description as Record<string, string>);
  if (m.export_cache) out.export_cache = m.export_cache;
  if (m.caps) out.caps = sortKeys(m.caps as Record<string, boolean>);
  if (m.progress_group) out.progress_group = m.progress_group as { id: string; name: string; weak?: boolean };
  return out;
}

/** Parses a serialised `pb.Definition` into the same plain shape `marshal` returns. */
export function decodeDefinition(b: Uint8Array): Definition {
  const type = pbType('Definition');
  const raw = type.toObject(type.decode(b), { longs: Number, defaults: false });
  const out: Definition = {
    def: ((raw.def as unknown[] | undefined) ?? []).map(bytesOf),
    metadata: {},
  };
  const md = (raw.metadata as Record<string, Obj> | undefined) ?? {};
  for (const k of Object.keys(md).sort(compareUtf8)) out.metadata[k] = normalizeMetadata(md[k] ?? {});
  const src = raw.Source as Obj | undefined;
  if (src) {
    const locations: NonNullable<Definition['Source']>['locations'] = {};
    const locs = (src.locations as Record<string, Obj> | undefined) ?? {};
    for (const k of Object.keys(locs).sort(compareUtf8)) {
      const list = ((locs[k]?.locations as Obj[] | undefined) ?? []).map((l) => ({
        sourceIndex: (l.sourceIndex as number | undefined) ?? 0,
        ranges: ((l.ranges as Obj[] | undefined) ?? []).map((r) => ({
          start: pbPosition(positionOf(r.start)),
          end: pbPosition(positionOf(r.end)),
        })),
      }));
      locations[k] = { locations: list };
    }
    const infos = ((src.infos as Obj[] | undefined) ?? []).map((i) => {
      const info: { filename: string; data: Uint8Array; language?: string } = {
        filename: (i.filename as string | undefined) ?? '',
        data: bytesOf(i.data),
      };
      if (i.language) info.language = i.language as string;
      return info;
    });
    out.Source = { locations, infos };
  }
  return out;
}

function positionOf(v: unknown): { line: number; character?: number } {
  const p = (v ?? {}) as Obj;
  const out: { line: number; character?: number } = { line: (p.line as number | undefined) ?? 0 };
  if (p.character) out.character = p.character as number;
  return out;
}
