// `npm run stats [dir]`: a maintainer's figures for the non-test TypeScript under <dir>/src (the
// repo root by default): long files, long functions, the import graph by top-level folder and its
// file cycles, the places that branch on a server kind, the calls of metadataRequests (and of any
// name given with --grep NAME), and the digest regular expressions. Parsing only, no type check:
// the figures are about the shape of the source, and a syntax tree is enough for that.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

const LONG_FILE = 300;
const TOP_FUNCTIONS = 10;
const SERVER_KINDS = new Set(['localai', 'llama-server']);
const DEFAULT_CALLS = ['metadataRequests'];

interface Source {
  rel: string; // path relative to <dir>, with forward slashes
  lines: number;
  sf: ts.SourceFile;
}

interface Fn {
  at: string;
  name: string;
  lines: number;
}

function listSources(srcDir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(srcDir, { withFileTypes: true })) {
    const full = path.join(srcDir, entry.name);
    if (entry.isDirectory()) out.push(...listSources(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts'))
      out.push(full);
  }
  return out;
}

function countLines(text: string): number {
  if (text === '') return 0;
  const newlines = text.split('\n').length - 1;
  return text.endsWith('\n') ? newlines : newlines + 1;
}

const lineOf = (sf: ts.SourceFile, node: ts.Node) =>
  sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
const where = (s: Source, node: ts.Node) => `${s.rel}:${lineOf(s.sf, node)}`;
const byPathThenLine = (a: string, b: string) => {
  const [pa, la] = splitAt(a);
  const [pb, lb] = splitAt(b);
  return pa < pb ? -1 : pa > pb ? 1 : la - lb;
};
function splitAt(at: string): [string, number] {
  const i = at.lastIndexOf(':');
  return [at.slice(0, i), Number(at.slice(i + 1))];
}

function walk(node: ts.Node, visit: (n: ts.Node) => void): void {
  visit(node);
  ts.forEachChild(node, (child) => walk(child, visit));
}

function propertyName(name: ts.PropertyName | ts.BindingName): string {
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) return name.text;
  if (ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return '<computed>';
}

function calleeName(expr: ts.Expression): string {
  if (ts.isIdentifier(expr)) return expr.text;
  if (ts.isPropertyAccessExpression(expr)) return `${calleeName(expr.expression)}.${expr.name.text}`;
  if (ts.isCallExpression(expr)) return `${calleeName(expr.expression)}()`;
  const text = expr.getText();
  return text.length <= 20 && !text.includes('\n') ? text : '…';
}

// A readable name for a function-like node: its own name, the binding or property it is assigned
// to, or the call it is an argument of.
function functionName(node: ts.FunctionLikeDeclaration): string {
  const owner = (n: ts.Node): string => {
    const cls = n.parent;
    return (ts.isClassDeclaration(cls) || ts.isClassExpression(cls)) && cls.name ? `${cls.name.text}.` : '';
  };
  if (ts.isConstructorDeclaration(node)) return `${owner(node)}constructor`;
  if (ts.isMethodDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node)) {
    const kind = ts.isGetAccessor(node) ? 'get ' : ts.isSetAccessor(node) ? 'set ' : '';
    return `${kind}${owner(node)}${propertyName(node.name)}`;
  }
  if (node.name) return propertyName(node.name);
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent)) return propertyName(parent.name);
  if (ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return propertyName(parent.name);
  if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken)
    return parent.left.getText();
  if (ts.isCallExpression(parent) || ts.isNewExpression(parent))
    return `<argument of ${calleeName(parent.expression)}>`;
  if (ts.isExportAssignment(parent)) return '<default export>';
  return '<anonymous>';
}

function functions(s: Source): Fn[] {
  const out: Fn[] = [];
  walk(s.sf, (n) => {
    if (!ts.isFunctionLike(n) || !('body' in n) || n.body === undefined) return;
    const fn = n as ts.FunctionLikeDeclaration;
    const start = lineOf(s.sf, fn);
    const end = s.sf.getLineAndCharacterOfPosition(fn.getEnd()).line + 1;
    out.push({ at: `${s.rel}:${start}`, name: functionName(fn), lines: end - start + 1 });
  });
  return out;
}

// Import specifiers of a file: static imports, re-exports and import('...') with a literal, each
// marked whether it is erased at run time (`import type`, `export type`; with verbatimModuleSyntax
// an `import { type A }` stays as an import for its side effects).
function importSpecifiers(sf: ts.SourceFile): { spec: string; typeOnly: boolean }[] {
  const out: { spec: string; typeOnly: boolean }[] = [];
  walk(sf, (n) => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier) {
      const typeOnly = ts.isImportDeclaration(n) ? n.importClause?.isTypeOnly === true : n.isTypeOnly;
      if (ts.isStringLiteral(n.moduleSpecifier)) out.push({ spec: n.moduleSpecifier.text, typeOnly });
    } else if (
      ts.isCallExpression(n) &&
      n.expression.kind === ts.SyntaxKind.ImportKeyword &&
      n.arguments[0] !== undefined &&
      ts.isStringLiteralLike(n.arguments[0])
    ) {
      out.push({ spec: n.arguments[0].text, typeOnly: false });
    }
  });
  return out;
}

// A relative specifier to the source it names, if that source is one of ours (NodeNext writes
// './x.js' for './x.ts'; a bare './x' or a folder is accepted too).
function resolveImport(fromRel: string, spec: string, known: Set<string>): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.posix.join(path.posix.dirname(fromRel), spec);
  const stem = base.replace(/\.(js|ts|mjs|cjs)$/, '');
  for (const candidate of [`${stem}.ts`, `${base}.ts`, `${base}/index.ts`])
    if (known.has(candidate)) return candidate;
  return undefined;
}

// src/convert/models.ts -> convert; src/frontend.ts -> frontend.
function nodeOf(rel: string): string {
  const parts = rel.split('/').slice(1);
  return parts.length > 1 ? parts[0]! : parts[0]!.replace(/\.ts$/, '');
}

// Tarjan's strongly connected components; the ones that hold a cycle (two files or more, or a file
// importing itself), each sorted, in the order of their first file.
function cycles(graph: Map<string, Set<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of [...(graph.get(v) ?? [])].sort()) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || graph.get(v)?.has(v)) found.push(scc.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v);
  return found.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

// One concrete loop through a component, shortest from its first file (breadth-first).
function loopThrough(scc: string[], graph: Map<string, Set<string>>): string[] {
  const members = new Set(scc);
  const start = scc[0]!;
  const from = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of [...(graph.get(v) ?? [])].sort()) {
      if (!members.has(w)) continue;
      if (w === start) {
        const loop = [v];
        while (loop[0] !== start) loop.unshift(from.get(loop[0]!)!);
        return [...loop, start];
      }
      if (!from.has(w)) {
        from.set(w, v);
        queue.push(w);
      }
    }
  }
  return scc;
}

const COMPARISONS = new Set([
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
]);

// Is this string literal a branch on its value: compared, a switch case, or inside the condition
// of an if, a loop or a ?: (e.g. `['localai', …].includes(x) ?`). Literal types, property values
// and defaults are not branches.
function isBranch(lit: ts.StringLiteral): boolean {
  let child: ts.Node = lit;
  for (let n = lit.parent; n !== undefined; child = n, n = n.parent) {
    if (ts.isTypeNode(n)) return false;
    if (ts.isBinaryExpression(n) && COMPARISONS.has(n.operatorToken.kind)) return true;
    if (ts.isCaseClause(n)) return child === n.expression;
    if (ts.isConditionalExpression(n)) return child === n.condition;
    if ((ts.isIfStatement(n) || ts.isWhileStatement(n) || ts.isDoStatement(n)) && child === n.expression)
      return true;
    if (ts.isForStatement(n) && child === n.condition) return true;
    if (ts.isStatement(n) || ts.isFunctionLike(n) || ts.isPropertyAssignment(n)) return false;
  }
  return false;
}

// A 64-long repeat, or a character class of hex digits and nothing else ([0-9a-f], [a-f0-9],
// [\da-fA-F], …): a class with more in it, like an IPv6 host's [0-9a-fA-F:], is not a digest.
const DIGEST_SHAPE = /\{64\}|\[(?=[^\]]*a-f)(?=[^\]]*(?:0-9|\\d))(?:0-9|\\d|a-f)+\]/i;

function digestRegex(n: ts.Node, sf: ts.SourceFile): string | undefined {
  if (n.kind === ts.SyntaxKind.RegularExpressionLiteral) {
    const text = n.getText(sf);
    return DIGEST_SHAPE.test(text) ? text : undefined;
  }
  if (
    (ts.isNewExpression(n) || ts.isCallExpression(n)) &&
    ts.isIdentifier(n.expression) &&
    n.expression.text === 'RegExp' &&
    n.arguments?.[0] !== undefined
  ) {
    const text = n.arguments[0].getText(sf);
    return DIGEST_SHAPE.test(text) ? `${ts.isNewExpression(n) ? 'new ' : ''}RegExp(${text})` : undefined;
  }
  return undefined;
}

// The first lines of a generated file say so, as Go's convention (`Code generated … DO NOT EDIT`) does.
const GENERATED_RE = /^\/\/ (?:Code )?generated\b.*\bdo not edit\b/im;

const clip = (s: string, max = 72) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

export function codeStats(dir: string, extraCalls: string[] = []): string {
  const srcDir = path.join(dir, 'src');
  const generated: string[] = [];
  const sources: Source[] = listSources(srcDir)
    .flatMap((full) => {
      const text = readFileSync(full, 'utf8');
      const rel = path.relative(dir, full).split(path.sep).join('/');
      // Generated code is nobody's to read or shorten; it is named, not measured.
      if (GENERATED_RE.test(text.slice(0, 200))) {
        generated.push(rel);
        return [];
      }
      const sf = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
      return [{ rel, lines: countLines(text), sf }];
    })
    .sort((a, b) => (a.rel < b.rel ? -1 : 1));
  const out: string[] = [];
  const section = (title: string, body: string[]) => {
    if (out.length > 0) out.push('');
    out.push(title, ...(body.length > 0 ? body : ['  (none)']));
  };
  const totalLines = sources.reduce((sum, s) => sum + s.lines, 0);
  out.push(`${sources.length} files, ${totalLines} lines of non-test TypeScript under src/`);
  if (generated.length > 0) out.push(`Generated, not measured: ${generated.sort().join(', ')}`);

  // 1. Long files.
  const long = sources.filter((s) => s.lines > LONG_FILE).sort((a, b) => b.lines - a.lines);
  section(
    `Files over ${LONG_FILE} lines:`,
    long.map((s) => `  ${String(s.lines).padStart(5)}  ${s.rel}`),
  );

  // 2. Long functions.
  const fns = sources
    .flatMap(functions)
    .sort((a, b) => b.lines - a.lines || byPathThenLine(a.at, b.at) || (a.name < b.name ? -1 : 1))
    .slice(0, TOP_FUNCTIONS);
  section(
    `Longest ${TOP_FUNCTIONS} functions:`,
    fns.map((f) => `  ${String(f.lines).padStart(5)}  ${f.at}  ${f.name}`),
  );

  // 3. Import graph by top-level folder, then file cycles.
  const known = new Set(sources.map((s) => s.rel));
  const fileGraph = new Map<string, Set<string>>();
  const runtimeGraph = new Map<string, Set<string>>();
  const folderEdges = new Map<string, Map<string, number>>();
  for (const s of sources) {
    const targets = new Set<string>();
    const runtimeTargets = new Set<string>();
    const from = nodeOf(s.rel);
    const edges = folderEdges.get(from) ?? new Map<string, number>();
    folderEdges.set(from, edges);
    for (const { spec, typeOnly } of importSpecifiers(s.sf)) {
      const target = resolveImport(s.rel, spec, known);
      if (target === undefined) continue;
      targets.add(target);
      if (!typeOnly) runtimeTargets.add(target);
      const to = nodeOf(target);
      if (to !== from) edges.set(to, (edges.get(to) ?? 0) + 1);
    }
    fileGraph.set(s.rel, targets);
    runtimeGraph.set(s.rel, runtimeTargets);
  }
  section(
    'Imports between top-level parts of src (import statements, type-only included):',
    [...folderEdges.keys()].sort().map((from) => {
      const edges = [...folderEdges.get(from)!].sort(([a], [b]) => (a < b ? -1 : 1));
      const list = edges.map(([to, n]) => `${to} ${n}`).join(', ');
      return `  ${from} -> ${list === '' ? '(nothing)' : list}`;
    }),
  );
  const runtimeCycles = cycles(runtimeGraph);
  section(
    'Import cycles between files (components of the file graph):',
    cycles(fileGraph).flatMap((scc) => {
      const loop = loopThrough(scc, fileGraph);
      const atRunTime = runtimeCycles.filter((r) => scc.includes(r[0]!));
      const inside = atRunTime.flat().length;
      const note =
        inside === scc.length
          ? ''
          : inside === 0
            ? ' (only through import type)'
            : ` (at run time only ${atRunTime.map((r) => r.join(', ')).join('; ')})`;
      return [
        `  ${scc.length} files: ${scc.join(', ')}${note}`,
        ...(scc.length > 2 ? [`    e.g. ${loop.join(' -> ')}`] : []),
      ];
    }),
  );

  // 4. Branches on a server kind.
  const branches: string[] = [];
  for (const s of sources) {
    const perLine = new Map<number, Set<string>>();
    walk(s.sf, (n) => {
      if (!ts.isStringLiteral(n) || !SERVER_KINDS.has(n.text) || !isBranch(n)) return;
      const line = lineOf(s.sf, n);
      perLine.set(line, (perLine.get(line) ?? new Set()).add(n.text));
    });
    for (const [line, kinds] of [...perLine].sort(([a], [b]) => a - b))
      branches.push(`  ${s.rel}:${line}  ${[...kinds].sort().join(', ')}`);
  }
  section(`Branches on a server kind (${[...SERVER_KINDS].join(', ')}):`, branches);

  // 5. Calls of the named functions (metadataRequests and --grep names).
  const names = [...new Set([...DEFAULT_CALLS, ...extraCalls])];
  for (const name of names) {
    const calls: string[] = [];
    for (const s of sources)
      walk(s.sf, (n) => {
        if (!ts.isCallExpression(n) && !ts.isNewExpression(n)) return;
        const callee = n.expression;
        const called = ts.isIdentifier(callee)
          ? callee.text
          : ts.isPropertyAccessExpression(callee)
            ? callee.name.text
            : undefined;
        if (called === name) calls.push(where(s, n));
      });
    section(
      `Calls of ${name}(: ${calls.length}`,
      calls.map((at) => `  ${at}`),
    );
  }

  // 6. Digest regular expressions.
  const regexes: string[] = [];
  for (const s of sources)
    walk(s.sf, (n) => {
      const text = digestRegex(n, s.sf);
      if (text !== undefined) regexes.push(`  ${where(s, n)}  ${clip(text)}`);
    });
  section('Digest regular expressions ({64} or a hex class):', regexes);

  return out.join('\n') + '\n';
}

function parseArgs(argv: string[]): { dir: string; grep: string[] } {
  const grep: string[] = [];
  const dirs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--grep') {
      const name = argv[++i];
      if (name === undefined) throw new Error('--grep needs a name');
      grep.push(name);
    } else if (arg.startsWith('--grep=')) grep.push(arg.slice('--grep='.length));
    else if (arg.startsWith('-')) throw new Error(`unknown option ${arg}`);
    else dirs.push(arg);
  }
  if (dirs.length > 1) throw new Error('at most one directory');
  const dir = dirs[0] ?? path.resolve(import.meta.dirname, '..');
  if (!statSync(path.join(dir, 'src'), { throwIfNoEntry: false })?.isDirectory())
    throw new Error(`${dir}/src is not a directory`);
  for (const name of grep)
    if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new Error(`--grep ${name}: not an identifier`);
  return { dir, grep };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    const { dir, grep } = parseArgs(process.argv.slice(2));
    process.stdout.write(codeStats(dir, grep));
  } catch (err) {
    console.error(`code-stats: ${err instanceof Error ? err.message : String(err)}`);
    console.error('usage: tsx scripts/code-stats.ts [dir] [--grep NAME]...');
    process.exit(2);
  }
}
