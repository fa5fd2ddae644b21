import { AikitError } from '../util/errors.js';
import { Caps } from './caps.js';
import type { State } from './state.js';
import {
  finishOp,
  goClean,
  goJoin,
  Vertex,
  type MarshalContext,
  type MarshaledVertex,
  type OpOptions,
  type Output,
  type PbInput,
} from './vertex.js';

// Port of moby/buildkit v0.25.2 client/llb/fileop.go (FileAction chains, FileOp.Marshal).

/** Owner of created files; always numeric (Go: `WithUIDGID`). */
export type Chown = { uid: number; gid: number };

/** Options of {@link mkdir}. */
export interface MkdirOptions {
  makeParents?: boolean;
  owner?: Chown;
  /** Created time in Unix nanoseconds; BuildKit's default (-1) keeps the current time. */
  timestamp?: number | bigint;
}

/** Options of {@link mkfile}. */
export interface MkfileOptions {
  owner?: Chown;
  timestamp?: number | bigint;
}

/** Options of {@link copy}. */
export interface CopyOptions {
  /** Permission bits of copied files; absent keeps the source mode (-1 on the wire). */
  mode?: number;
  createDestPath?: boolean;
  allowWildcard?: boolean;
  allowEmptyWildcard?: boolean;
  followSymlink?: boolean;
  dirCopyContents?: boolean;
  owner?: Chown;
  timestamp?: number | bigint;
  includePatterns?: string[];
  excludePatterns?: string[];
}

/** Options of {@link rm}. */
export interface RmOptions {
  allowNotFound?: boolean;
  allowWildcard?: boolean;
}

/** Options of {@link symlink}. */
export interface SymlinkOptions {
  owner?: Chown;
  timestamp?: number | bigint;
}

type SubAction =
  | { kind: 'mkdir'; path: string; mode: number; opts: MkdirOptions }
  | { kind: 'mkfile'; path: string; mode: number; data: Uint8Array; opts: MkfileOptions }
  | { kind: 'copy'; src: State; srcPath: string; destPath: string; opts: CopyOptions }
  | { kind: 'rm'; path: string; opts: RmOptions }
  | { kind: 'symlink'; oldpath: string; newpath: string; opts: SymlinkOptions };

const textEncoder = new TextEncoder();

/**
 * An immutable chain of file actions (Go: `*llb.FileAction`). Each chained action works on the
 * result of the previous one; `State.file` binds the chain to its base state.
 */
export class FileAction {
  /** @internal */
  constructor(
    readonly action: SubAction,
    readonly prev: FileAction | undefined,
    /** Set once the chain is bound to a base state. */
    readonly state: State | undefined,
  ) {}

  /** Creates a directory on top of the previous action's result. */
  mkdir(path: string, mode: number, opts: MkdirOptions = {}): FileAction {
    return new FileAction({ kind: 'mkdir', path, mode, opts }, this, undefined);
  }

  /** Creates a file on top of the previous action's result. */
  mkfile(path: string, mode: number, data: Uint8Array | string, opts: MkfileOptions = {}): FileAction {
    return new FileAction(mkfileAction(path, mode, data, opts), this, undefined);
  }

  /** Copies from `src` on top of the previous action's result. */
  copy(src: State, srcPath: string, destPath: string, opts: CopyOptions = {}): FileAction {
    return new FileAction({ kind: 'copy', src, srcPath, destPath, opts }, this, undefined);
  }

  /** Removes a path from the previous action's result. */
  rm(path: string, opts: RmOptions = {}): FileAction {
    return new FileAction({ kind: 'rm', path, opts }, this, undefined);
  }

  /** Creates a symlink (needs cap `file.symlink.create`, BuildKit v0.19+). */
  symlink(oldpath: string, newpath: string, opts: SymlinkOptions = {}): FileAction {
    return new FileAction({ kind: 'symlink', oldpath, newpath, opts }, this, undefined);
  }

  /** @internal Copies the chain with every action bound to `s` (Go: `bind`). */
  bind(s: State): FileAction {
    return new FileAction(this.action, this.prev?.bind(s), s);
  }
}

function mkfileAction(path: string, mode: number, data: Uint8Array | string, opts: MkfileOptions): SubAction {
  const bytes = typeof data === 'string' ? textEncoder.encode(data) : data;
  return { kind: 'mkfile', path, mode, data: bytes, opts };
}

/** Starts a chain with a mkdir (Go: `llb.Mkdir`). */
export function mkdir(path: string, mode: number, opts: MkdirOptions = {}): FileAction {
  return new FileAction({ kind: 'mkdir', path, mode, opts }, undefined, undefined);
}

/** Starts a chain with a mkfile (Go: `llb.Mkfile`); a string is written as UTF-8. */
export function mkfile(
  path: string,
  mode: number,
  data: Uint8Array | string,
  opts: MkfileOptions = {},
): FileAction {
  return new FileAction(mkfileAction(path, mode, data, opts), undefined, undefined);
}

/** Starts a chain with a copy from another state (Go: `llb.Copy`). */
export function copy(src: State, srcPath: string, destPath: string, opts: CopyOptions = {}): FileAction {
  return new FileAction({ kind: 'copy', src, srcPath, destPath, opts }, undefined, undefined);
}

/** Starts a chain with a removal (Go: `llb.Rm`). */
export function rm(path: string, opts: RmOptions = {}): FileAction {
  return new FileAction({ kind: 'rm', path, opts }, undefined, undefined);
}

/** Starts a chain with a symlink (Go: `llb.Symlink`). */
export function symlink(oldpath: string, newpath: string, opts: SymlinkOptions = {}): FileAction {
  return new FileAction({ kind: 'symlink', oldpath, newpath, opts }, undefined, undefined);
}

/** Go's normalizePath: absolute against the base dir; `keepSlash` keeps a trailing `/` or `/.`. */
function normalizePath(parent: string, p: string, keepSlash: boolean): string {
  let out = goClean(p);
  if (!out.startsWith('/')) out = goJoin('/', parent, out);
  if (keepSlash) {
    if (p.endsWith('/') && !out.endsWith('/')) out += '/';
    else if (p.endsWith('/.')) out = `${out === '/' ? '' : out}/.`;
  }
  return out;
}

function chown(o: Chown | undefined): Record<string, unknown> | undefined {
  // byID is a oneof member, so uid/gid 0 (root) is still written.
  return o && { user: { byID: o.uid }, group: { byID: o.gid } };
}

function timestamp(t: number | bigint | undefined): number | bigint {
  return t ?? -1;
}

function checkInt(name: string, v: number): number {
  if (!Number.isInteger(v)) throw new AikitError('LLB_INVALID', `${name} must be an integer, got ${v}`);
  return v;
}

interface ActionState {
  base: number;
  input: number;
  inputRelative: ActionState | undefined;
  input2: number;
  target: number;
  fa: FileAction;
}

/** @internal A file op; built by `State.file`. */
export class FileVertex extends Vertex {
  readonly output: Output;
  private readonly action: FileAction;

  constructor(base: State, action: FileAction, opts: OpOptions) {
    super(opts);
    this.action = action.bind(base);
    this.output = { vertex: this, index: () => 0 };
  }

  inputs(): Output[] {
    // Go's allOutputs: from the last action backwards, base state then copy source.
    const seen = new Set<Output>();
    for (let fa: FileAction | undefined = this.action; fa; fa = fa.prev) {
      if (fa.state?.output) seen.add(fa.state.output);
      if (fa.action.kind === 'copy' && fa.action.src.output) seen.add(fa.action.src.output);
    }
    return [...seen];
  }

  marshal(ctx: MarshalContext): MarshaledVertex {
    const caps = new Set<string>([Caps.FileBase]);
    const inputs: PbInput[] = [];
    const actions: ActionState[] = [];
    const visited = new Map<FileAction, ActionState>();

    const addInput = (o: Output): number => {
      const inp = ctx.input(o);
      const i = inputs.findIndex((x) => x.digest === inp.digest && x.index === inp.index);
      if (i !== -1) return i;
      inputs.push(inp);
      return inputs.length - 1;
    };

    const add = (fa: FileAction): ActionState => {
      const known = visited.get(fa);
      if (known) return known;
      const prev = fa.prev ? add(fa.prev) : undefined;
      const st: ActionState = { base: -1, input: -1, inputRelative: undefined, input2: -1, target: 0, fa };
      if (fa.state?.output) st.base = addInput(fa.state.output);
      if (prev) st.inputRelative = prev;
      else st.input = st.base;
      if (fa.action.kind === 'copy' && fa.action.src.output) st.input2 = addInput(fa.action.src.output);
      st.target = actions.length;
      visited.set(fa, st);
      actions.push(st);
      return st;
    };
    add(this.action);

    const pbActions = actions.map((st, i) => {
      const parent = st.fa.state?.cwd ?? '/';
      const a = st.fa.action;
      const pa: Record<string, unknown> = {
        // n + k addresses the result of action k of this op.
        input: st.inputRelative ? inputs.length + st.inputRelative.target : st.input,
        secondaryInput: st.input2,
        output: i + 1 === actions.length ? 0 : -1,
      };
      switch (a.kind) {
        case 'mkdir':
          pa.mkdir = {
            path: normalizePath(parent, a.path, false),
            mode: checkInt('mode', a.mode) & 0o777,
            makeParents: a.opts.makeParents ?? false,
            owner: chown(a.opts.owner),
            timestamp: timestamp(a.opts.timestamp),
          };
          break;
        case 'mkfile':
          pa.mkfile = {
            path: normalizePath(parent, a.path, false),
            mode: checkInt('mode', a.mode) & 0o777,
            data: a.data,
            owner: chown(a.opts.owner),
            timestamp: timestamp(a.opts.timestamp),
          };
          break;
        case 'copy': {
          const o = a.opts;
          const src = goClean(a.srcPath);
          if ((o.includePatterns?.length ?? 0) > 0 || (o.excludePatterns?.length ?? 0) > 0) {
            // Go's FileOp.Marshal means to add this cap but its loop runs before the actions
            // exist; we record it so an old daemon refuses instead of ignoring the patterns.
            caps.add(Caps.FileCopyIncludeExcludePatterns);
          }
          pa.copy = {
            src: src.startsWith('/') ? src : goJoin(a.src.cwd || '/', src),
            dest: normalizePath(parent, a.destPath, true),
            owner: chown(o.owner),
            mode: o.mode === undefined ? -1 : checkInt('mode', o.mode),
            followSymlink: o.followSymlink ?? false,
            dirCopyContents: o.dirCopyContents ?? false,
            createDestPath: o.createDestPath ?? false,
            allowWildcard: o.allowWildcard ?? false,
            allowEmptyWildcard: o.allowEmptyWildcard ?? false,
            timestamp: timestamp(o.timestamp),
            include_patterns: o.includePatterns ?? [],
            exclude_patterns: o.excludePatterns ?? [],
          };
          break;
        }
        case 'rm':
          pa.rm = {
            path: normalizePath(parent, a.path, false),
            allowNotFound: a.opts.allowNotFound ?? false,
            allowWildcard: a.opts.allowWildcard ?? false,
          };
          break;
        case 'symlink':
          caps.add(Caps.FileSymlinkCreate);
          pa.symlink = {
            oldpath: a.oldpath,
            newpath: a.newpath,
            owner: chown(a.opts.owner),
            timestamp: timestamp(a.opts.timestamp),
          };
          break;
      }
      return pa;
    });

    // File ops are not platform specific: no platform on the op.
    return finishOp(ctx, this, { inputs, kind: 'file', body: { actions: pbActions } }, caps);
  }
}
