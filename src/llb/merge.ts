import { Caps } from './caps.js';
import { scratch, type State } from './state.js';
import {
  finishOp,
  Vertex,
  type MarshalContext,
  type MarshaledVertex,
  type OpOptions,
  type Output,
  type PbInput,
} from './vertex.js';

// Port of moby/buildkit v0.25.2 client/llb/merge.go and diff.go.

class MergeVertex extends Vertex {
  readonly output: Output = { vertex: this, index: () => 0 };

  constructor(
    private readonly sources: Output[],
    opts: OpOptions,
  ) {
    super(opts);
  }

  inputs(): Output[] {
    return this.sources;
  }

  marshal(ctx: MarshalContext): MarshaledVertex {
    // One Op input per merge input, duplicates included, exactly as Go does.
    const inputs: PbInput[] = this.sources.map((o) => ctx.input(o));
    const body = { inputs: inputs.map((_, i) => ({ input: i })) };
    return finishOp(ctx, this, { inputs, kind: 'merge', body }, [Caps.MergeOp]);
  }
}

class DiffVertex extends Vertex {
  readonly output: Output = { vertex: this, index: () => 0 };

  constructor(
    private readonly lower: Output,
    private readonly upper: Output | undefined,
    opts: OpOptions,
  ) {
    super(opts);
  }

  inputs(): Output[] {
    return this.upper ? [this.lower, this.upper] : [this.lower];
  }

  marshal(ctx: MarshalContext): MarshaledVertex {
    const inputs: PbInput[] = [ctx.input(this.lower)];
    let upper = -1;
    if (this.upper) {
      upper = inputs.length;
      inputs.push(ctx.input(this.upper));
    }
    const body = { lower: { input: 0 }, upper: { input: upper } };
    return finishOp(ctx, this, { inputs, kind: 'diff', body }, [Caps.DiffOp]);
  }
}

/**
 * Stacks the states' filesystems, later ones on top (Go: `llb.Merge`). Scratch inputs are dropped;
 * one remaining input is returned as is. Needs cap `mergeop`.
 */
export function merge(states: State[], opts: OpOptions = {}): State {
  const nonEmpty = states.filter((s) => !s.isScratch());
  const [first] = nonEmpty;
  if (!first) return scratch();
  if (nonEmpty.length === 1) return first;
  return first.withOutput(
    new MergeVertex(
      nonEmpty.map((s) => s.output as Output),
      opts,
    ).output,
  );
}

/** The changes from `lower` to `upper` as a layer (Go: `llb.Diff`). Needs cap `diffop`. */
export function diff(lower: State, upper: State, opts: OpOptions = {}): State {
  if (lower.isScratch()) return upper.isScratch() ? scratch() : upper;
  return lower.withOutput(new DiffVertex(lower.output as Output, upper.output, opts).output);
}
