import { dumpDefinition } from './dump.js';
import type { Definition } from './marshal.js';

// Pictures of a Definition: Graphviz DOT and Mermaid flowcharts. Only ops are known here, so
// marks come from op kinds and metadata: http(s) sources are downloads, the inputs of a merge are
// layers. Labels are the names BuildKit shows in progress output (solver/llbsolver/vertex.go:
// llbOpName, fileOpName), so a picture and a `docker buildx build` log read alike.

/** What a node is, for its shape and colour. */
export type NodeKind =
  'image' | 'download' | 'local' | 'git' | 'source' | 'file' | 'merge' | 'diff' | 'exec' | 'build';

export interface GraphNode {
  /** Unique in one graph: `n<index in def>`. */
  id: string;
  digest: string;
  kind: NodeKind;
  /** The vertex name of BuildKit's progress output. */
  name: string;
  /** 1-based position among the inputs of a merge that stacks it; absent if it is no layer. */
  layer?: number;
  /** The op whose output is the build's result. */
  result: boolean;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** Why the edge exists when it says more than "input": a layer position, a mount. */
  label?: string;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** One graph of a picture, with the caption of its box (a platform). */
export interface Panel {
  title: string;
  def: Definition;
}

export type GraphFormat = 'dot' | 'mermaid';
export const GRAPH_FORMATS: readonly GraphFormat[] = ['dot', 'mermaid'];

interface OpJson {
  inputs?: { digest: string; index: number }[];
  source?: { identifier: string; attrs?: Record<string, string> };
  file?: {
    actions: Record<
      string,
      { path?: string; src?: string; dest?: string; oldpath?: string; newpath?: string }
    >[];
  };
  exec?: { meta?: { args?: string[] }; mounts?: { input: number; dest: string }[] };
  merge?: { inputs: { input: number }[] };
  diff?: { lower?: { input: number }; upper?: { input: number } };
  build?: unknown;
}

function kindOf(op: OpJson): NodeKind | undefined {
  if (op.source) {
    const id = op.source.identifier;
    if (id.startsWith('docker-image://') || id.startsWith('oci-layout://')) return 'image';
    if (id.startsWith('http://') || id.startsWith('https://')) return 'download';
    if (id.startsWith('local://')) return 'local';
    if (id.startsWith('git://')) return 'git';
    return 'source';
  }
  if (op.file) return 'file';
  if (op.exec) return 'exec';
  if (op.merge) return 'merge';
  if (op.diff) return 'diff';
  if (op.build) return 'build';
  return undefined; // the terminal op: it only names the result
}

function fileOpName(op: NonNullable<OpJson['file']>): string {
  return op.actions
    .map((a) => {
      if (a['mkdir']) return `mkdir ${a['mkdir'].path}`;
      if (a['mkfile']) return `mkfile ${a['mkfile'].path}`;
      if (a['rm']) return `rm ${a['rm'].path}`;
      if (a['copy']) return `copy ${a['copy'].src} ${a['copy'].dest}`;
      if (a['symlink']) return `symlink ${a['symlink'].oldpath} -> ${a['symlink'].newpath}`;
      return '';
    })
    .filter((n) => n !== '')
    .join(', ');
}

/** The ops of a Definition as nodes and edges (inputs point at the ops that use them). */
export function graphOf(def: Definition): Graph {
  const entries = dumpDefinition(def);
  const ops = entries.map((e) => e.Op as OpJson);
  const idOf = new Map(entries.map((e, i) => [e.Digest, `n${i}`]));
  const nameOf = new Map<string, string>();
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const layers = new Map<string, number>();
  let result: string | undefined;

  entries.forEach((e, i) => {
    const op = ops[i]!;
    const kind = kindOf(op);
    const inputs = (op.inputs ?? []).map((inp) => idOf.get(inp.digest) ?? inp.digest);
    if (!kind) {
      result = inputs[0];
      return;
    }
    const custom = (e.OpMetadata['description'] as Record<string, string> | undefined)?.['llb.customname'];
    const name = custom ?? defaultName(op, inputs, nameOf);
    const id = `n${i}`;
    nameOf.set(id, name);
    nodes.push({ id, digest: e.Digest, kind, name, result: false });
    if (op.merge) {
      op.merge.inputs.forEach((m, k) => {
        const from = inputs[m.input]!;
        if (!layers.has(from)) layers.set(from, k + 1);
        edges.push({ from, to: id, label: `layer ${k + 1}` });
      });
      return;
    }
    const labels = new Map<number, string>();
    for (const m of op.exec?.mounts ?? []) if (m.input >= 0) labels.set(m.input, m.dest);
    if (op.diff?.lower) labels.set(op.diff.lower.input, 'lower');
    if (op.diff?.upper) labels.set(op.diff.upper.input, 'upper');
    inputs.forEach((from, k) => {
      const label = labels.get(k);
      edges.push({ from, to: id, ...(label ? { label } : {}) });
    });
  });
  for (const n of nodes) {
    const layer = layers.get(n.id);
    if (layer !== undefined) n.layer = layer;
    n.result = n.id === result;
  }
  return { nodes, edges };
}

function defaultName(op: OpJson, inputs: string[], nameOf: Map<string, string>): string {
  if (op.source) return op.source.identifier;
  if (op.exec) return (op.exec.meta?.args ?? []).join(' ');
  if (op.file) return fileOpName(op.file);
  if (op.merge) return `merge ${inputs.map((i) => JSON.stringify(nameOf.get(i) ?? i)).join(' + ')}`;
  if (op.diff) {
    const lower = op.diff.lower ? (nameOf.get(inputs[op.diff.lower.input] ?? '') ?? 'scratch') : 'scratch';
    const upper = op.diff.upper ? (nameOf.get(inputs[op.diff.upper.input] ?? '') ?? 'scratch') : 'scratch';
    return `diff ${JSON.stringify(lower)} -> ${JSON.stringify(upper)}`;
  }
  return 'build';
}

const KIND_CAPTION: Record<NodeKind, string> = {
  image: 'image',
  download: 'download',
  local: 'local files',
  git: 'git',
  source: 'source',
  file: 'file op',
  merge: 'merge',
  diff: 'diff',
  exec: 'exec',
  build: 'build',
};

/** The second line of a node: what it is, and whether it is a layer or the result. */
function caption(n: GraphNode): string {
  const parts = [KIND_CAPTION[n.kind]];
  if (n.layer !== undefined) parts.push(`layer ${n.layer}`);
  if (n.result) parts.push('result');
  return parts.join(' · ');
}

/** Long names (URLs, shell commands) broken near `width` at spaces or slashes, cut after 4 lines. */
export function wrap(name: string, width = 48): string[] {
  const lines: string[] = [];
  let rest = name;
  while (rest.length > width && lines.length < 3) {
    const window = rest.slice(0, width + 1);
    // A space reads best; a slash (URLs, paths) when there is no space late enough.
    const space = window.lastIndexOf(' ');
    const cut = space > width / 2 ? space : Math.max(space, window.lastIndexOf('/') + 1);
    const at = cut > width / 3 ? cut : width;
    lines.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
  }
  if (rest.length > width) rest = `${rest.slice(0, width - 1)}…`;
  if (rest !== '') lines.push(rest);
  return lines;
}

const DOT_STYLE: Record<NodeKind, string> = {
  image: 'shape=box3d, fillcolor="#e5e7eb"',
  download: 'shape=cds, fillcolor="#dbeafe"',
  local: 'shape=folder, fillcolor="#e5e7eb"',
  git: 'shape=folder, fillcolor="#e5e7eb"',
  source: 'shape=box, fillcolor="#e5e7eb"',
  file: 'shape=note, fillcolor="#ffffff"',
  merge: 'shape=invhouse, fillcolor="#dcfce7"',
  diff: 'shape=invhouse, fillcolor="#f3e8ff"',
  exec: 'shape=box, fillcolor="#ffedd5"',
  build: 'shape=box, fillcolor="#ffffff"',
};

const dotString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const dotLabel = (lines: string[]) =>
  `"${lines.map((l) => l.replace(/\\/g, '\\\\').replace(/"/g, '\\"')).join('\\n')}"`;

/** Graphviz DOT: one cluster per panel; downloads, layers and the result drawn apart. */
export function toDot(panels: readonly Panel[]): string {
  const out = [
    'digraph llb {',
    '  rankdir=TB;',
    '  node [style=filled, fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=9, color="#6b7280"];',
  ];
  panels.forEach((panel, p) => {
    const g = graphOf(panel.def);
    const id = (n: string) => `p${p}_${n}`;
    out.push(`  subgraph cluster_${p} {`, `    label=${dotString(panel.title)};`, '    style=rounded;');
    for (const n of g.nodes) {
      const attrs = [`label=${dotLabel([...wrap(n.name), `[${caption(n)}]`])}`, DOT_STYLE[n.kind]];
      if (n.layer !== undefined) attrs.push('penwidth=2', 'color="#a16207"');
      if (n.result) attrs.push('peripheries=2');
      attrs.push(`tooltip=${dotString(n.digest)}`);
      out.push(`    ${id(n.id)} [${attrs.join(', ')}];`);
    }
    for (const e of g.edges) {
      out.push(`    ${id(e.from)} -> ${id(e.to)}${e.label ? ` [label=${dotString(e.label)}]` : ''};`);
    }
    out.push('  }');
  });
  out.push('}');
  return `${out.join('\n')}\n`;
}

const MERMAID_SHAPE: Record<NodeKind, [string, string]> = {
  image: ['[[', ']]'],
  download: ['[/', '/]'],
  local: ['[(', ')]'],
  git: ['[(', ')]'],
  source: ['[', ']'],
  file: ['(', ')'],
  merge: ['{{', '}}'],
  diff: ['{{', '}}'],
  exec: ['[', ']'],
  build: ['[', ']'],
};

/** Text safe inside a quoted Mermaid label (entity codes for what the parser reads as syntax). */
const mermaidText = (s: string) =>
  s
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/`/g, '#96;');

/** A Mermaid flowchart: one subgraph per panel, classes `download`, `layer` and `result`. */
export function toMermaid(panels: readonly Panel[]): string {
  const out = ['flowchart TB'];
  const marked: Record<'download' | 'layer' | 'result', string[]> = { download: [], layer: [], result: [] };
  panels.forEach((panel, p) => {
    const g = graphOf(panel.def);
    const id = (n: string) => `p${p}_${n}`;
    out.push(`  subgraph p${p}["${mermaidText(panel.title)}"]`, '    direction TB');
    for (const n of g.nodes) {
      const [open, close] = MERMAID_SHAPE[n.kind];
      const label = [...wrap(n.name), `[${caption(n)}]`].map(mermaidText).join('<br/>');
      out.push(`    ${id(n.id)}${open}"${label}"${close}`);
      if (n.kind === 'download') marked.download.push(id(n.id));
      if (n.layer !== undefined) marked.layer.push(id(n.id));
      if (n.result) marked.result.push(id(n.id));
    }
    for (const e of g.edges) {
      out.push(`    ${id(e.from)} -->${e.label ? `|"${mermaidText(e.label)}"|` : ''} ${id(e.to)}`);
    }
    out.push('  end');
  });
  out.push(
    '  classDef download fill:#dbeafe,stroke:#1d4ed8',
    '  classDef layer stroke:#a16207,stroke-width:3px',
    '  classDef result fill:#dcfce7,stroke:#15803d,stroke-width:3px',
  );
  for (const [cls, ids] of Object.entries(marked))
    if (ids.length > 0) out.push(`  class ${ids.join(',')} ${cls}`);
  return `${out.join('\n')}\n`;
}

/** Renders `panels` in `format`. */
export function renderGraph(panels: readonly Panel[], format: GraphFormat): string {
  return format === 'dot' ? toDot(panels) : toMermaid(panels);
}
