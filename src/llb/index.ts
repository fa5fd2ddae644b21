// Public API of src/llb: a small typed port of moby/buildkit client/llb (v0.25.2) with a canonical,
// digest-stable encoder. Nothing outside this folder may import its other files. Digests and image
// references are src/oci's.

export { Caps, type CapID } from './caps.js';
export { dumpDefinition, type DumpEntry } from './dump.js';
export {
  graphOf,
  GRAPH_FORMATS,
  renderGraph,
  toDot,
  toMermaid,
  type Graph,
  type GraphEdge,
  type GraphFormat,
  type GraphNode,
  type NodeKind,
  type Panel,
} from './graph.js';
export type { RunMount, RunOptions } from './exec.js';
export {
  copy,
  FileAction,
  mkdir,
  mkfile,
  rm,
  symlink,
  type Chown,
  type CopyOptions,
  type MkdirOptions,
  type MkfileOptions,
  type RmOptions,
  type SymlinkOptions,
} from './fileop.js';
export {
  decodeDefinition,
  encodeDefinition,
  marshal,
  type Definition,
  type MarshalOptions,
  type PbRange,
} from './marshal.js';
export { diff, merge } from './merge.js';
export { formatPlatform, normalizePlatform, parsePlatform, type Platform } from './platform.js';
export {
  git,
  http,
  image,
  imageBlob,
  isGitUrl,
  local,
  parseGitUrl,
  type GitOptions,
  type HttpOptions,
  type ImageBlobOptions,
  type ImageOptions,
  type LocalOptions,
} from './source.js';
export { ExecState, scratch, State } from './state.js';
export type { LocationRange, OpMetadata, OpOptions, Position, SourceInfo, SourceLocation } from './vertex.js';
