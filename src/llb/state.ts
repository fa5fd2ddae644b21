import { ExecVertex, type RunOptions } from './exec.js';
import type { FileAction } from './fileop.js';
import { FileVertex } from './fileop.js';
import type { Platform } from './platform.js';
import { goJoin, type OpOptions, type Output } from './vertex.js';

// Port of moby/buildkit v0.25.2 client/llb/state.go and meta.go: a State is an output plus the
// values (dir, env, user, platform) later ops inherit. Go chains key/value closures; plain
// immutable records are enough here because we have no async values.

interface StateValues {
  readonly platform: Platform | undefined;
  readonly dir: string;
  /** Ordered by last assignment, as Go's EnvList.ToArray. */
  readonly env: readonly (readonly [string, string])[];
  readonly user: string | undefined;
}

const INITIAL: StateValues = { platform: undefined, dir: '/', env: [], user: undefined };

/** An immutable LLB state: an op output plus inherited values. Every method returns a new State. */
export class State {
  /** @internal The output this state points at; undefined means scratch. */
  readonly output: Output | undefined;
  /** @internal */
  protected readonly values: StateValues;

  /** @internal Use {@link scratch}, {@link image}, {@link local}, ... instead. */
  constructor(output: Output | undefined, values: StateValues = INITIAL) {
    this.output = output;
    this.values = values;
  }

  /** The platform later exec ops run on; undefined means the marshal default. */
  get platform(): Platform | undefined {
    return this.values.platform;
  }

  /** Working directory for relative paths and for `run` (default `/`). */
  get cwd(): string {
    return this.values.dir;
  }

  /** Environment as `K=V` strings, in Go's EnvList order. */
  get env(): string[] {
    return this.values.env.map(([k, v]) => `${k}=${v}`);
  }

  /** The user later exec ops run as, if set. */
  get user(): string | undefined {
    return this.values.user;
  }

  /** True when the state has no output (an empty filesystem). */
  isScratch(): boolean {
    return this.output === undefined;
  }

  /** Same output, other platform for later exec ops. */
  withPlatform(p: Platform): State {
    return new State(this.output, { ...this.values, platform: p });
  }

  /** Sets the working directory; a relative path is joined to the current one (Go: `Dir`). */
  dir(p: string): State {
    const dir = p.startsWith('/') ? p : goJoin(this.values.dir || '/', p);
    return new State(this.output, { ...this.values, dir });
  }

  /** Sets or replaces one environment variable (Go: `AddEnv`). */
  addEnv(key: string, value: string): State {
    const env = [...this.values.env.filter(([k]) => k !== key), [key, value] as const];
    return new State(this.output, { ...this.values, env });
  }

  /** Sets the user later exec ops run as (Go: `User`). */
  withUser(user: string): State {
    return new State(this.output, { ...this.values, user });
  }

  /** @internal Points the values of this state at another output (Go: `WithOutput`). */
  withOutput(o: Output | undefined): State {
    // Go's ensurePlatform: an output that knows its platform (an image) sets the state's.
    return new State(o, o?.platform ? { ...this.values, platform: o.platform } : this.values);
  }

  /** Applies a chain of file actions to this state (Go: `State.File`). */
  file(action: FileAction, opts: OpOptions = {}): State {
    return this.withOutput(new FileVertex(this, action, opts).output);
  }

  /** Runs a command with this state as root filesystem (Go: `State.Run`). */
  run(opts: RunOptions): ExecState {
    const exec = new ExecVertex(this, opts);
    return new ExecState(exec.rootOutput, this.values, exec);
  }
}

/** The result of `run`: the new root filesystem, plus access to the exec's other mounts. */
export class ExecState extends State {
  readonly #exec: ExecVertex;

  /** @internal */
  constructor(output: Output | undefined, values: StateValues, exec: ExecVertex) {
    super(output, values);
    this.#exec = exec;
  }

  /** The root filesystem after the command, as a plain State. */
  root(): State {
    return new State(this.output, this.values);
  }

  /** The filesystem of the mount at `dest` after the command (Go: `ExecState.GetMount`). */
  getMount(dest: string): State {
    return new State(this.#exec.mountOutput(dest), this.values);
  }
}

/** An empty filesystem (Go: `llb.Scratch()`). */
export function scratch(): State {
  return new State(undefined);
}

/** @internal A fresh state on a new source output (Go: `NewState`). */
export function stateFrom(o: Output): State {
  return scratch().withOutput(o);
}
