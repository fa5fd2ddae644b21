import { Caps, merge, scratch, type FileAction, type SourceLocation, type State } from '../llb/index.js';

// decisions.md#d12: every model file, the templates and config, and every runtime part is its own
// layer, so a change to one never rebuilds or re-pushes another.

/** One layer: file actions that build it on an empty filesystem. */
export interface Layer {
  action: FileAction;
  /**
   * The layer as it already is, when a step produced exactly its files (a model fetched straight
   * into its place): merged as it is, no file op. A chain still applies `action`.
   */
  ready?: State;
  /** Progress line. */
  name: string;
  location?: SourceLocation | undefined;
}

/**
 * How layers become one image. `merge`: each layer is a file op on scratch and one MergeOp
 * stacks them, so a layer's content (and its blob) depends on nothing but its own inputs.
 * `chain`: the same file ops applied one after the other on the base, for engines without
 * an enabled `mergeop` (Docker's classic image store, BuildKit before v0.10). Both give the same
 * files; in a chain a layer is still only rebuilt when it or a layer below it changes.
 */
export type Stacking = 'merge' | 'chain';

/** `merge` when the engine enabled it; absent caps mean a modern engine (CLI conversions). */
export function stackingFor(llbCaps: ReadonlySet<string> | undefined): Stacking {
  return !llbCaps || llbCaps.has(Caps.MergeOp) ? 'merge' : 'chain';
}

/** Stacks `layers` on `base`, in order, the way `how` says. */
export function stackLayers(base: State, layers: readonly Layer[], how: Stacking, name: string): State {
  const op = (l: Layer) => ({ name: l.name, ...(l.location ? { location: l.location } : {}) });
  if (how === 'chain') return layers.reduce((s, l) => s.file(l.action, op(l)), base);
  return merge([base, ...layers.map((l) => l.ready ?? scratch().file(l.action, op(l)))], { name });
}
