import path from 'node:path';
import { digestOf } from '../oci/index.js';
import { encodeCanonical } from './encode.js';
import type { Platform } from './platform.js';
import { pbType } from './proto.js';

/** A source file that ops can point back to (`pb.SourceInfo`); `data` is the whole file. */
export interface SourceInfo {
  filename: string;
  data: Uint8Array;
  language?: string;
}

/** A position in a source file; `line` is 1-based. */
export interface Position {
  line: number;
  character?: number;
}

/** An inclusive range in a source file. */
export interface LocationRange {
  start: Position;
  end: Position;
}

/** Where in a source file an op comes from, for BuildKit's error snippets. */
export interface SourceLocation {
  source: SourceInfo;
  ranges: LocationRange[];
}

/** Options every op constructor takes; none of them changes the op's digest. */
export interface OpOptions {
  /** Progress line name (`llb.customname`). */
  name?: string;
  location?: SourceLocation;
  ignoreCache?: boolean;
  progressGroup?: { id: string; name: string };
}

/** `pb.OpMetadata` with its proto field names (keepCase), as put into `Definition.metadata`. */
export interface OpMetadata {
  ignore_cache?: boolean;
  description?: Record<string, string>;
  caps?: Record<string, boolean>;
  progress_group?: { id: string; name: string; weak?: boolean };
  export_cache?: { Value?: boolean };
}

/** One output of a vertex; a State points at exactly one (or none, for scratch). */
export interface Output {
  readonly vertex: Vertex;
  /** Output index of the vertex; may throw for outputs that cannot be used (tmpfs, cache). */
  index(): number;
  /** Platform the output carries into the state (Go: `output.platform`). */
  readonly platform?: Platform | undefined;
}

/** The wire form of an edge, `pb.Input`. */
export interface PbInput {
  digest: string;
  index: number;
}

/** Everything a vertex needs while it is being marshalled. */
export interface MarshalContext {
  readonly defaultPlatform: Platform;
  /** Caps the daemon reported, when known; changes exec PATH defaulting as in Go. */
  readonly caps: ReadonlySet<string> | undefined;
  readonly ignoreCache: boolean;
  readonly localUniqueId: string;
  /** Marshals (once) and returns a vertex. */
  vertex(v: Vertex): MarshaledVertex;
  input(o: Output): PbInput;
}

/** A vertex's canonical bytes plus the metadata that travels beside them. */
export interface MarshaledVertex {
  digest: string;
  bytes: Uint8Array;
  metadata: OpMetadata;
  locations: SourceLocation[];
}

/** A node of the LLB graph. Immutable once built; marshalled per MarshalContext. */
export abstract class Vertex {
  constructor(readonly opts: OpOptions) {}

  /** Outputs this vertex depends on, in the order Go's `Vertex.Inputs()` lists them. */
  abstract inputs(): Output[];

  abstract marshal(ctx: MarshalContext): MarshaledVertex;
}

/** The `pb.Platform` object for a platform (capitalised proto field names). */
export function pbPlatform(p: Platform): Record<string, unknown> {
  return { Architecture: p.architecture, OS: p.os, Variant: p.variant };
}

function sortedRecord<T>(entries: Iterable<[string, T]>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of [...entries].sort(([a], [b]) => compareUtf8(a, b))) out[k] = v;
  return out;
}

/** Builds the metadata of one op: its caps, custom name, cache and progress options. */
export function opMetadata(ctx: MarshalContext, opts: OpOptions, caps: Iterable<string>): OpMetadata {
  const md: OpMetadata = {};
  if (opts.ignoreCache || ctx.ignoreCache) md.ignore_cache = true;
  if (opts.name !== undefined) md.description = { 'llb.customname': opts.name };
  md.caps = sortedRecord([...new Set(caps)].map((c): [string, boolean] => [c, true]));
  if (opts.progressGroup) md.progress_group = { id: opts.progressGroup.id, name: opts.progressGroup.name };
  return md;
}

/**
 * Encodes one op canonically (Port of moby/buildkit client/llb/marshal.go MarshalConstraints +
 * deterministicMarshal): every non-terminal op carries `constraints {}`; `platform` only where
 * the caller passes one (exec and docker-image sources).
 */
export function finishOp(
  ctx: MarshalContext,
  v: Vertex,
  op: { inputs: PbInput[]; platform?: Platform | undefined; kind: string; body: Record<string, unknown> },
  caps: Iterable<string>,
): MarshaledVertex {
  const obj: Record<string, unknown> = {
    inputs: op.inputs.map((i) => ({ digest: i.digest, index: i.index })),
    platform: op.platform ? pbPlatform(op.platform) : undefined,
    constraints: {},
    [op.kind]: op.body,
  };
  const bytes = encodeCanonical(pbType('Op'), obj);
  return {
    digest: digestOf(bytes),
    bytes,
    metadata: opMetadata(ctx, v.opts, caps),
    locations: v.opts.location ? [v.opts.location] : [],
  };
}

/** Bytewise (Go string) order of two JS strings. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Go's `path.Clean`: like posix.normalize but without a trailing slash and `.` for empty. */
export function goClean(p: string): string {
  if (p === '') return '.';
  const n = path.posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** Go's `path.Join`: joins the non-empty elements and cleans the result. */
export function goJoin(...parts: string[]): string {
  const nonEmpty = parts.filter((p) => p !== '');
  return nonEmpty.length === 0 ? '' : goClean(nonEmpty.join('/'));
}

/** `json.Marshal` of a string array, byte-identical to Go (which escapes <, >, & and U+2028/9). */
export function goJsonStrings(xs: readonly string[]): string {
  return JSON.stringify(xs).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
