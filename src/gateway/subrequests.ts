import type { ReturnPayload, RpcStatus } from './client.js';

// The subrequests buildx sends as frontend option `requestid` for `--call` and `--check`, and the
// shapes of their answers (BuildKit's frontend/subrequests/{describe,outline,targets,lint} and
// dockerui/requests.go). An answer is a result without a ref whose metadata carries `result.json`
// (what buildx decodes and prints itself), `result.txt` (what it prints when the answer's `version`
// is newer than it knows) and `version`; lint adds `result.statuscode`, buildx's exit code.

export const REQUEST_DESCRIBE = 'frontend.subrequests.describe';
export const REQUEST_OUTLINE = 'frontend.outline';
export const REQUEST_TARGETS = 'frontend.targets';
export const REQUEST_LINT = 'frontend.lint';

/** Every answer shape here is at BuildKit's version 1.0.0. */
const VERSION = '1.0.0';

/** subrequests.Request: what `frontend.subrequests.describe` lists. */
interface RequestDefinition {
  name: string;
  version: string;
  type: 'rpc';
  description: string;
  opts: { name: string; description: string }[];
  inputs: { name: string; description: string }[];
  metadata: { name: string; description: string }[];
  refs: { name: string; description: string }[];
}

function definition(
  name: string,
  description: string,
  metadata: string[],
  opts: RequestDefinition['opts'] = [],
): RequestDefinition {
  return {
    name,
    version: VERSION,
    type: 'rpc',
    description,
    opts,
    inputs: [],
    metadata: metadata.map((m) => ({ name: m, description: '' })),
    refs: [],
  };
}

export const REQUEST_DEFINITIONS: readonly RequestDefinition[] = [
  definition(
    REQUEST_OUTLINE,
    'List all parameters current build target supports',
    ['result.json', 'result.txt'],
    [{ name: 'target', description: 'Target build stage' }],
  ),
  definition(REQUEST_TARGETS, 'List all targets current build supports', ['result.json', 'result.txt']),
  definition(REQUEST_LINT, 'Lint an aikitfile', ['result.json', 'result.txt', 'result.statuscode']),
  definition(REQUEST_DESCRIBE, 'List available subrequest types', ['result.json', 'result.txt']),
];

/** pb.Range in encoding/json form: 1-based lines; a character of 0 means the whole line. */
export interface LintRange {
  start: { line: number; character?: number };
  end: { line: number; character?: number };
}

/** pb.Location: an index into `sources` (-1: no place) and the ranges there. */
export interface LintLocation {
  sourceIndex: number;
  ranges?: LintRange[];
}

/** lint.Warning. buildx prints `WARNING: <ruleName> - <url>`, the detail, then the snippet. */
export interface LintWarning {
  ruleName: string;
  description?: string;
  url?: string;
  detail?: string;
  location: LintLocation;
}

/** lint.LintResults. buildx prints `buildError` after the warnings and exits 1. */
export interface LintResults {
  warnings: LintWarning[];
  sources: { filename: string; data: Uint8Array; language: string }[];
  buildError?: { message: string; location: LintLocation };
}

/** outline.Outline: the target and the build-args (and secrets) it reads. */
export interface Outline {
  name?: string;
  description?: string;
  args?: { name: string; description?: string; value?: string }[];
  secrets?: { name: string; required?: boolean }[];
}

/** targets.List: `--target` values; the default one is marked. */
export interface TargetList {
  targets: { name?: string; default?: boolean; description?: string }[];
}

export function describeAnswer(): ReturnPayload {
  const json = [...REQUEST_DEFINITIONS];
  const text = columns(
    [
      ['NAME', 'VERSION', 'DESCRIPTION'],
      ...json.map((r) => [r.name.replace(/^frontend\./, ''), r.version, r.description]),
    ],
    1,
  );
  return answer(json, text);
}

export function outlineAnswer(o: Outline): ReturnPayload {
  let text = '';
  if (o.name || o.description) {
    const rows = [['TARGET:', o.name || '(default)']];
    if (o.description) rows.push(['DESCRIPTION:', o.description]);
    text += columns(rows, 1) + '\n';
  }
  if (o.args?.length) {
    text +=
      columns(
        [
          ['BUILD ARG', 'VALUE', 'DESCRIPTION'],
          ...o.args.map((a) => [a.name, a.value ?? '', a.description ?? '']),
        ],
        3,
      ) + '\n';
  }
  if (o.secrets?.length) {
    text +=
      columns([['SECRET', 'REQUIRED'], ...o.secrets.map((s) => [s.name, s.required ? 'true' : ''])], 3) +
      '\n';
  }
  return answer(o, text);
}

export function targetsAnswer(list: TargetList): ReturnPayload {
  const rows = list.targets.map((t) => {
    const name = t.name ? (t.default ? `${t.name} (default)` : t.name) : t.default ? '(default)' : '';
    return [name, t.description ?? ''];
  });
  return answer({ ...list, sources: [] }, columns([['TARGET', 'DESCRIPTION'], ...rows], 1));
}

/**
 * The lint answer. `failed` sets `result.statuscode` 1, which buildx turns into its exit code
 * (a build error fails the call either way).
 */
export function lintAnswer(results: LintResults, failed: boolean): ReturnPayload {
  const json = {
    ...results,
    sources: results.sources.map((s) => ({ ...s, data: Buffer.from(s.data).toString('base64') })),
  };
  const text = results.warnings
    .map((w) => `\nWARNING: ${w.ruleName}${w.url ? ` - ${w.url}` : ''}\n${w.detail ?? ''}\n`)
    .join('');
  const error = results.buildError ? `${results.buildError.message}\n` : '';
  return answer(json, text + error, { 'result.statuscode': failed ? '1' : '0' });
}

/** The error BuildKit's own frontends return for a request they do not answer (errdefs.Subrequest). */
export function unsupportedSubrequestStatus(name: string): RpcStatus {
  return {
    code: 2,
    message: `unsupported request ${name}`,
    details: [
      {
        type_url: 'github.com/moby/buildkit/errdefs.Subrequest+json',
        value: Buffer.from(JSON.stringify({ name })),
      },
    ],
  };
}

function answer(json: unknown, text: string, extra: Record<string, string> = {}): ReturnPayload {
  const metadata: Record<string, Uint8Array> = {
    'result.json': Buffer.from(JSON.stringify(json, null, 2)),
    'result.txt': Buffer.from(text),
    version: Buffer.from(VERSION),
  };
  for (const [k, v] of Object.entries(extra)) metadata[k] = Buffer.from(v);
  // No ref: the Go client sends an empty one for a metadata-only result, and so do we.
  return { kind: 'result', refs: [{ platformId: '', refId: '' }], multi: false, metadata };
}

/** Go's tabwriter as BuildKit's printers use it: every cell but the last padded to its column. */
function columns(rows: string[][], padding: number): string {
  const widths: number[] = [];
  for (const row of rows)
    row.slice(0, -1).forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((row) => row.map((c, i) => (i < row.length - 1 ? c.padEnd(widths[i]! + padding) : c)).join(''))
    .map((line) => `${line}\n`)
    .join('');
}
