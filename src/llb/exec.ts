import { AikitError } from '../util/errors.js';
import { Caps } from './caps.js';
import type { State } from './state.js';
import {
  compareUtf8,
  finishOp,
  goJoin,
  Vertex,
  type MarshalContext,
  type MarshaledVertex,
  type OpOptions,
  type Output,
  type PbInput,
} from './vertex.js';

// Port of moby/buildkit v0.25.2 client/llb/exec.go (NewExecOp, AddMount, ExecOp.Marshal).

/** One extra mount of {@link RunOptions}. */
export interface RunMount {
  dest: string;
  /** Bind/cache source; scratch when absent. Must be absent for tmpfs and secret mounts. */
  source?: State;
  /** Path inside `source` to mount (Go: `SourcePath`). */
  selector?: string;
  readonly?: boolean;
  type?: 'bind' | 'cache' | 'tmpfs' | 'secret';
  /** Required for `cache`. */
  cacheId?: string;
  /** Cache sharing mode (default `shared`). */
  cacheSharing?: 'shared' | 'private' | 'locked';
  /** Secret ID (default: `dest`, as in Go's `AddSecret`). */
  secretId?: string;
  /** A secret the client did not send leaves the path absent instead of failing (Go: `SecretOptional`). */
  optional?: boolean;
}

/** Options of `State.run`. */
export interface RunOptions extends OpOptions {
  args: string[];
  /** `K=V` entries added on top of the state's environment. */
  env?: string[];
  /** Working directory; relative paths join the state's. */
  cwd?: string;
  user?: string;
  network?: 'sandbox' | 'host' | 'none';
  mounts?: RunMount[];
}

const NET_MODE = { sandbox: 0, host: 1, none: 2 } as const;
const MOUNT_BIND = 0;
const MOUNT_SECRET = 1;
const MOUNT_CACHE = 3;
const MOUNT_TMPFS = 4;
const CACHE_SHARING = { shared: 0, private: 1, locked: 2 } as const;
/** BuildKit's DefaultPathEnv for Linux, added when the daemon does not set PATH itself. */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface MountSpec {
  readonly target: string;
  readonly source: Output | undefined;
  readonly readonly: boolean;
  readonly selector: string;
  readonly cacheId: string;
  readonly cacheSharing: number;
  readonly tmpfs: boolean;
  output: Output | null;
}

/** True when the mount produces an output of the exec (Go: neither readonly, cache, tmpfs). */
function writable(m: MountSpec): boolean {
  return !m.readonly && !m.tmpfs && m.cacheId === '';
}

/** @internal An exec op; built by `State.run`. */
export class ExecVertex extends Vertex {
  readonly rootOutput: Output;
  /** Sorted by target, as Go sorts before computing output indexes. */
  private readonly mounts: MountSpec[];
  private readonly secrets: { target: string; id: string; optional: boolean }[];

  constructor(
    private readonly base: State,
    private readonly run: RunOptions,
  ) {
    super(run);
    if (run.args.length === 0) throw new AikitError('LLB_INVALID', 'run needs at least one argument');
    const mounts: MountSpec[] = [];
    const secrets: { target: string; id: string; optional: boolean }[] = [];
    mounts.push(this.spec('/', base.output, {}));
    for (const m of run.mounts ?? []) {
      const type = m.type ?? 'bind';
      if (type === 'secret') {
        if (m.source) throw new AikitError('LLB_INVALID', `secret mount ${m.dest} cannot have a source`);
        secrets.push({ target: m.dest, id: m.secretId ?? m.dest, optional: m.optional ?? false });
        continue;
      }
      if (type === 'cache' && !m.cacheId) {
        throw new AikitError('LLB_INVALID', `cache mount ${m.dest} needs a cacheId`);
      }
      if (type === 'tmpfs' && m.source && !m.source.isScratch()) {
        throw new AikitError('LLB_INVALID', `tmpfs mount ${m.dest} must not have a source`);
      }
      mounts.push(
        this.spec(m.dest, type === 'tmpfs' ? undefined : m.source?.output, {
          readonly: m.readonly ?? false,
          selector: m.selector ?? '',
          cacheId: type === 'cache' ? m.cacheId : '',
          cacheSharing: CACHE_SHARING[m.cacheSharing ?? 'shared'],
          tmpfs: type === 'tmpfs',
        }),
      );
    }
    mounts.sort((a, b) => compareUtf8(a.target, b.target));
    this.mounts = mounts;
    this.secrets = secrets;
    // The root mount is always writable, so it always has an output.
    this.rootOutput = mounts.find((m) => m.target === '/')?.output as Output;
  }

  private spec(
    target: string,
    source: Output | undefined,
    o: Partial<Pick<MountSpec, 'readonly' | 'selector' | 'cacheId' | 'cacheSharing' | 'tmpfs'>>,
  ): MountSpec {
    const m: MountSpec = {
      target,
      source,
      readonly: o.readonly ?? false,
      selector: o.selector ?? '',
      cacheId: o.cacheId ?? '',
      cacheSharing: o.cacheSharing ?? 0,
      tmpfs: o.tmpfs ?? false,
      output: null,
    };
    if (writable(m)) m.output = this.indexedOutput(m);
    return m;
  }

  private indexedOutput(m: MountSpec): Output {
    return {
      vertex: this,
      index: () => {
        let i = 0;
        for (const m2 of this.mounts) {
          if (!writable(m2)) continue;
          if (m2 === m) return i;
          i++;
        }
        throw new AikitError('LLB_INVALID', `invalid mount ${m.target}`);
      },
    };
  }

  /** The output a later state sees for the mount at `dest` (Go: `GetMount`); undefined is scratch. */
  mountOutput(dest: string): Output | undefined {
    const m = this.mounts.find((x) => x.target === dest);
    if (!m) throw new AikitError('LLB_INVALID', `exec has no mount at ${JSON.stringify(dest)}`);
    if (m.readonly) return m.source;
    if (!m.output) {
      const kind = m.tmpfs ? 'tmpfs' : 'cache';
      throw new AikitError('LLB_INVALID', `${kind} mount ${dest} cannot be used as a parent`);
    }
    return m.output;
  }

  inputs(): Output[] {
    const seen = new Set<Output>();
    for (const m of this.mounts) if (m.source) seen.add(m.source);
    return [...seen];
  }

  private env(ctx: MarshalContext): string[] {
    let st = this.base;
    for (const kv of this.run.env ?? []) {
      const eq = kv.indexOf('=');
      st = eq === -1 ? st.addEnv(kv, '') : st.addEnv(kv.slice(0, eq), kv.slice(eq + 1));
    }
    const caps = ctx.caps;
    if (caps && !caps.has(Caps.ExecMetaSetsDefaultPath) && !st.env.some((e) => e.startsWith('PATH='))) {
      st = st.addEnv('PATH', DEFAULT_PATH);
    }
    return st.env;
  }

  marshal(ctx: MarshalContext): MarshaledVertex {
    const caps: string[] = [];
    if (ctx.caps?.has(Caps.ExecMetaSetsDefaultPath)) caps.push(Caps.ExecMetaSetsDefaultPath);
    const network = NET_MODE[this.run.network ?? 'sandbox'];
    if (network !== 0) caps.push(Caps.ExecMetaNetwork);
    caps.push(Caps.ExecMetaBase);
    for (const m of this.mounts) {
      if (m.selector !== '') caps.push(Caps.ExecMountSelector);
      if (m.cacheId !== '') caps.push(Caps.ExecMountCache, Caps.ExecMountCacheSharing);
      else if (m.tmpfs) caps.push(Caps.ExecMountTmpfs);
      else if (m.source) caps.push(Caps.ExecMountBind);
    }
    if (this.secrets.length > 0) caps.push(Caps.ExecMountSecret);

    const inputs: PbInput[] = [];
    const pbMounts: Record<string, unknown>[] = [];
    let outIndex = 0;
    for (const m of this.mounts) {
      let input = -1;
      if (m.source) {
        const inp = ctx.input(m.source);
        input = inputs.findIndex((x) => x.digest === inp.digest && x.index === inp.index);
        if (input === -1) {
          input = inputs.length;
          inputs.push(inp);
        }
      }
      const output = writable(m) ? outIndex++ : -1;
      const pm: Record<string, unknown> = {
        input,
        selector: m.selector,
        dest: m.target,
        output,
        readonly: m.readonly,
      };
      if (m.cacheId !== '') {
        pm.mountType = MOUNT_CACHE;
        pm.cacheOpt = { ID: m.cacheId, sharing: m.cacheSharing };
      } else if (m.tmpfs) {
        pm.mountType = MOUNT_TMPFS;
        pm.TmpfsOpt = {};
      } else {
        pm.mountType = MOUNT_BIND;
      }
      pbMounts.push(pm);
    }
    // Go keeps secrets out of the sorted mount list and appends them last, without an output.
    for (const s of this.secrets) {
      pbMounts.push({
        input: -1,
        dest: s.target,
        mountType: MOUNT_SECRET,
        secretOpt: { ID: s.id, uid: 0, gid: 0, mode: 0o400, optional: s.optional },
      });
    }

    // Go's Dir(): an absolute path is taken verbatim, a relative one joins the current dir.
    const c = this.run.cwd;
    const cwd = c === undefined ? this.base.cwd : c.startsWith('/') ? c : goJoin(this.base.cwd || '/', c);
    const body = {
      meta: {
        args: this.run.args,
        env: this.env(ctx),
        cwd,
        user: this.run.user ?? this.base.user ?? '',
        removeMountStubsRecursive: true,
      },
      mounts: pbMounts,
      network,
    };
    return finishOp(
      ctx,
      this,
      { inputs, platform: this.base.platform ?? ctx.defaultPlatform, kind: 'exec', body },
      caps,
    );
  }
}
