import { describe, expect, it } from 'vitest';
import {
  copy,
  diff,
  graphOf,
  http,
  image,
  local,
  marshal,
  merge,
  mkdir,
  mkfile,
  scratch,
  toDot,
  toMermaid,
} from './index.js';
import { wrap } from './graph.js';

const amd64 = { os: 'linux', architecture: 'amd64' };
const base = () => image('alpine:3.20', { platform: amd64 });
const model = () => http('https://example.com/m.gguf', { filename: 'm.gguf' });

/** Base + a downloaded model copied into its own layer + a config layer, stacked by a merge. */
function stacked() {
  const layer = scratch().file(copy(model(), '/m.gguf', '/models/m.gguf'), { name: 'add model m' });
  const config = scratch().file(mkfile('/models/c.yaml', 0o644, 'x: "y"'));
  return marshal(merge([base(), layer, config], { name: 'stack' }), { platform: amd64 });
}

describe('graphOf', () => {
  it('has one node per op, the terminal op left out, and marks downloads, layers and the result', () => {
    const def = stacked();
    const g = graphOf(def);
    expect(g.nodes).toHaveLength(def.def.length - 1);
    const byName = Object.fromEntries(g.nodes.map((n) => [n.name, n]));
    expect(byName['https://example.com/m.gguf']).toMatchObject({ kind: 'download', result: false });
    expect(byName['https://example.com/m.gguf']?.layer).toBeUndefined();
    expect(byName['docker-image://docker.io/library/alpine:3.20']).toMatchObject({ kind: 'image', layer: 1 });
    expect(byName['add model m']).toMatchObject({ kind: 'file', layer: 2 });
    expect(byName['mkfile /models/c.yaml']).toMatchObject({ kind: 'file', layer: 3 });
    expect(byName['stack']).toMatchObject({ kind: 'merge', result: true });
    expect(g.nodes.filter((n) => n.result)).toHaveLength(1);
  });

  it('draws an edge per input, labelled with the layer position for merges', () => {
    const g = graphOf(stacked());
    const id = (name: string) => g.nodes.find((n) => n.name === name)!.id;
    expect(g.edges).toContainEqual({ from: id('https://example.com/m.gguf'), to: id('add model m') });
    expect(g.edges).toContainEqual({ from: id('add model m'), to: id('stack'), label: 'layer 2' });
    expect(g.edges.filter((e) => e.to === id('stack')).map((e) => e.label)).toEqual([
      'layer 1',
      'layer 2',
      'layer 3',
    ]);
  });

  it('names unnamed ops as BuildKit progress does', () => {
    const ctx = local('context', { sessionId: 's', sharedKeyHint: 'context' });
    const run = base()
      .file(mkdir('/a', 0o755).mkdir('/b', 0o755))
      .run({ args: ['/bin/sh', '-c', 'echo hi'], mounts: [{ dest: '/src', source: ctx, readonly: true }] })
      .root();
    const d = marshal(diff(base(), merge([run, base().file(copy(ctx, '/x', '/y'))])), {
      platform: amd64,
      localUniqueId: 'u',
    });
    const g = graphOf(d);
    const names = g.nodes.map((n) => n.name);
    expect(names).toContain('mkdir /a, mkdir /b');
    expect(names).toContain('/bin/sh -c echo hi');
    expect(names).toContain('copy /x /y');
    expect(names).toContain('local://context');
    expect(names.find((n) => n.startsWith('merge '))).toBe('merge "/bin/sh -c echo hi" + "copy /x /y"');
    expect(names.find((n) => n.startsWith('diff '))).toMatch(
      /^diff "docker-image:\/\/.*alpine:3.20" -> "merge /,
    );
    const exec = g.nodes.find((n) => n.kind === 'exec')!;
    expect(g.edges.filter((e) => e.to === exec.id).map((e) => e.label ?? '')).toContain('/src');
    expect(g.nodes.find((n) => n.kind === 'diff')?.result).toBe(true);
  });

  it('gives scratch no nodes', () => {
    expect(graphOf(marshal(scratch()))).toEqual({ nodes: [], edges: [] });
  });
});

describe('toDot', () => {
  it('puts each panel in its own cluster with prefixed ids', () => {
    const def = stacked();
    const dot = toDot([
      { title: 'linux/amd64', def },
      { title: 'linux/arm64', def },
    ]);
    expect(dot).toMatch(/^digraph llb \{/);
    expect(dot).toContain('subgraph cluster_0 {\n    label="linux/amd64";');
    expect(dot).toContain('subgraph cluster_1 {\n    label="linux/arm64";');
    const nodes = def.def.length - 1;
    expect(dot.match(/^ {4}p0_n\d+ \[label=/gm)).toHaveLength(nodes);
    expect(dot.match(/^ {4}p1_n\d+ \[label=/gm)).toHaveLength(nodes);
    expect(dot).toMatch(/shape=cds.*\n/); // the download
    expect(dot.match(/penwidth=2/g)).toHaveLength(6); // three layers, twice
  });

  it('escapes quotes and backslashes in names', () => {
    const d = marshal(scratch().file(mkdir('/a', 0o755), { name: 'say "hi" \\o/' }));
    expect(toDot([{ title: 't', def: d }])).toContain('label="say \\"hi\\" \\\\o/\\n[file op · result]"');
  });
});

describe('toMermaid', () => {
  it('writes a flowchart with a subgraph per panel and classes for the marks', () => {
    const mmd = toMermaid([{ title: 'linux/amd64', def: stacked() }]);
    expect(mmd).toMatch(/^flowchart TB\n {2}subgraph p0\["linux\/amd64"\]/);
    expect(mmd).toMatch(/^ {2}class p0_n\d+ download$/m);
    expect(mmd).toMatch(/^ {2}class p0_n\d+,p0_n\d+,p0_n\d+ layer$/m);
    expect(mmd).toMatch(/^ {2}class p0_n\d+ result$/m);
    expect(mmd).toContain('-->|"layer 2"|');
  });

  it('turns characters Mermaid parses into entity codes', () => {
    const d = marshal(scratch().file(mkdir('/a', 0o755), { name: 'a "b" <c> #d `e`' }));
    const mmd = toMermaid([{ title: 't', def: d }]);
    expect(mmd).toContain('"a #quot;b#quot; #lt;c#gt; #35;d #96;e#96;<br/>[file op · result]"');
  });
});

describe('wrap', () => {
  it('breaks at spaces, else after slashes, and cuts after four lines', () => {
    expect(wrap('short')).toEqual(['short']);
    expect(wrap('aaaa bbbb cccc', 9)).toEqual(['aaaa bbbb', 'cccc']);
    expect(wrap('aaaa bbbbbbb', 9)).toEqual(['aaaa', 'bbbbbbb']);
    expect(wrap('https://example.com/aaaaaaaa/bbbbbbbb', 20)).toEqual([
      'https://example.com/',
      'aaaaaaaa/bbbbbbbb',
    ]);
    const long = wrap('x'.repeat(500), 10);
    expect(long).toHaveLength(4);
    expect(long[3]).toMatch(/…$/);
    for (const l of long) expect(l.length).toBeLessThanOrEqual(10);
  });
});
