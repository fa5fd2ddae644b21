import { parse as parseYaml, parseDocument } from 'yaml';
import type { SourceRange } from '../util/errors.js';
import { BACKENDS, RUNTIMES } from './schema.js';
import { isRecord, show, type KeyPath, type Reporter } from './report.js';
import { isWholeRepo, modelDestination, parseModelSource } from './sources.js';
import { didYouMean } from './suggest.js';
import type { ModelSource } from './types.js';

// Rules that the schema cannot express: they span fields, parse source strings or read the
// LocalAI config. They run on the raw data even when the schema check failed, so one pass shows
// every problem; each rule looks only at values of the right type.

/** What the semantic rules need besides the data. */
export interface ValidateContext {
  reporter: Reporter;
  /** The range of the first match of `re` inside the value node at `path` (a line of a block scalar). */
  findInValue(path: KeyPath, re: RegExp): SourceRange | undefined;
  /** Where the effective runtime came from when not from the file, for messages. */
  runtimeOrigin?: string | undefined;
  /** The models and config came from --build-arg model: their rules were checked there. */
  modelsFromBuildArg?: boolean;
}

const CUDA_BACKENDS = new Set<string>(['diffusers', 'vllm', 'mamba', 'exllama2']);
const LLAMA_ONLY_RUNTIMES = new Set<string>(['applesilicon', 'rocm']);
// LocalAI's template-file fields; other keys under template: (reply_prefix, ...) are not file names.
const TEMPLATE_FIELDS = ['chat', 'chat_message', 'completion', 'edit', 'function'];
const BARE_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const SHELL_ESCAPE_HINT =
  'aikit writes it byte for byte; the reference passed it through /bin/sh, which turned \\" into ". Write " instead';
// Unsloth's ALLOWED_QUANTS; a name outside it only warns, as Unsloth may add methods.
// prettier-ignore
const KNOWN_QUANTS = [
  'not_quantized', 'fast_quantized', 'quantized', 'f32', 'bf16', 'f16', 'q8_0', 'q4_k_m', 'q5_k_m', 'q2_k',
  'q3_k_l', 'q3_k_m', 'q3_k_s', 'q3_k_xs', 'q4_0', 'q4_1', 'q4_k_s', 'q4_k', 'q5_k', 'q5_0', 'q5_1', 'q5_k_s',
  'q6_k', 'iq2_xxs', 'iq2_xs', 'iq3_xxs',
];

const asArray = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const isOneOf = <T extends string>(list: readonly T[], x: unknown): x is T => list.includes(x as T);

/** Semantic rules of an inference aikitfile (with build-args applied). */
export function validateInference(data: Record<string, unknown>, ctx: ValidateContext): void {
  // Parsed sources by model index, shared by the rules that need file names.
  const sources = new Map<number, ModelSource>();
  if (!ctx.modelsFromBuildArg) checkModels(data, ctx, sources);
  checkRuntimeAndBackends(data, ctx);
  if (!ctx.modelsFromBuildArg) checkConfig(data, ctx, sources);
  checkLoadToMemory(data, ctx, sources);
}

function checkModels(
  data: Record<string, unknown>,
  ctx: ValidateContext,
  sources: Map<number, ModelSource>,
): void {
  const r = ctx.reporter;
  const names = new Map<string, number>();
  const templateNames = new Map<string, string>();
  const destinations: { dest: string; dir: boolean; owner: string }[] = [];

  asArray(data['models']).forEach((m, i) => {
    if (!isRecord(m)) return;
    const at = (...rest: (string | number)[]): KeyPath => ['models', i, ...rest];
    const name = typeof m['name'] === 'string' && m['name'] !== '' ? m['name'] : undefined;
    let nameOk = name !== undefined;
    if (name !== undefined) {
      nameOk = checkModelName(name, at('name'), r);
      const first = names.get(name);
      if (first !== undefined) {
        r.error(
          'DUPLICATE_MODEL_NAME',
          at('name'),
          `model name ${show(name)} is already used by models[${first}]`,
        );
      } else {
        names.set(name, i);
      }
    }

    let source: ModelSource | undefined;
    if (typeof m['source'] === 'string' && m['source'] !== '') {
      const parsed = parseModelSource(m['source']);
      if (parsed.ok) {
        source = parsed.source;
        sources.set(i, source);
      } else {
        r.error(parsed.problem.code, at('source'), parsed.problem.message, { hint: parsed.problem.hint });
      }
    }
    if (source && typeof m['sha256'] === 'string' && isWholeRepo(source)) {
      r.error('SHA256_NOT_APPLICABLE', at('sha256'), 'sha256 cannot verify a whole repository', {
        hint: 'name one file (huggingface://org/repo@revision/file) or pin the revision to a commit id instead',
      });
    }
    if (source?.kind === 'http' && m['sha256'] === undefined) {
      r.warn('UNVERIFIED_DOWNLOAD', at('source'), 'download has no sha256, so its content is not verified', {
        hint: 'add sha256: <64 hex> to pin the file',
      });
    }
    if (source && nameOk && name !== undefined) {
      const owner = `models[${i}]`;
      const dest = modelDestination({ name, source });
      const dir = isWholeRepo(source);
      const clash = destinations.find(
        (d) =>
          d.dest === dest ||
          (d.dir && dest.startsWith(`${d.dest}/`)) ||
          (dir && d.dest.startsWith(`${dest}/`)),
      );
      if (clash) {
        r.error(
          'DUPLICATE_DESTINATION',
          at('source'),
          `model file ${dest} is also written by ${clash.owner}`,
          {
            hint: 'give one of the models a name with a directory (name: dir/model) so the files land apart',
          },
        );
      } else {
        destinations.push({ dest, dir, owner });
      }
    }

    asArray(m['promptTemplates']).forEach((t, j) => {
      if (!isRecord(t)) return;
      const tpath = at('promptTemplates', j);
      if (typeof t['name'] === 'string' && t['name'] !== '') {
        const first = templateNames.get(t['name']);
        if (first !== undefined) {
          // Every template is /models/<name>.tmpl, whichever model lists it.
          r.error(
            'DUPLICATE_TEMPLATE',
            [...tpath, 'name'],
            `template ${show(t['name'])} is already defined by ${first}`,
          );
        } else {
          templateNames.set(t['name'], `models[${i}].promptTemplates[${j}]`);
          const dest = `/models/${t['name']}.tmpl`;
          const clash = destinations.find((d) => d.dest === dest);
          if (clash)
            r.error('DUPLICATE_DESTINATION', [...tpath, 'name'], `${dest} is also written by ${clash.owner}`);
        }
      }
      if (typeof t['template'] === 'string' && t['template'].includes('\\"')) {
        r.warn(
          'SHELL_ESCAPE',
          [...tpath, 'template'],
          'template contains \\" which is now written literally',
          {
            hint: SHELL_ESCAPE_HINT,
          },
        );
      }
    });
  });
}

function checkModelName(name: string, path: KeyPath, r: Reporter): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are what this rejects
  if (/[\\\u0000-\u001f]/.test(name)) {
    r.error('INVALID_MODEL_NAME', path, `model name ${show(name)} contains a backslash or control character`);
    return false;
  }
  if (name.includes('/')) {
    const segs = name.split('/');
    if (segs.some((s) => s === '' || s === '.' || s === '..')) {
      r.error(
        'INVALID_MODEL_NAME',
        path,
        `model name ${show(name)} must be a relative path without empty, "." or ".." segments`,
        { hint: 'the part before the last "/" becomes a directory under /models' },
      );
      return false;
    }
  }
  return true;
}

function checkRuntimeAndBackends(data: Record<string, unknown>, ctx: ValidateContext): void {
  if (asArray(data['backends']).length > 1) {
    ctx.reporter.error('TOO_MANY_BACKENDS', ['backends'], 'only one backend is supported at this time');
  }
  const runtime = data['runtime'] ?? '';
  if (!isOneOf(RUNTIMES, runtime)) return;
  const origin = ctx.runtimeOrigin ? ` (from ${ctx.runtimeOrigin})` : '';
  asArray(data['backends']).forEach((b, i) => {
    if (!isOneOf(BACKENDS, b)) return;
    if (LLAMA_ONLY_RUNTIMES.has(runtime) && b !== 'llama-cpp') {
      ctx.reporter.error(
        'RUNTIME_BACKEND_CONFLICT',
        ['backends', i],
        `runtime ${runtime}${origin} only supports the llama-cpp backend, not ${b}`,
      );
    } else if (CUDA_BACKENDS.has(b) && runtime !== 'cuda') {
      ctx.reporter.error('BACKEND_NEEDS_CUDA', ['backends', i], `backend ${b} requires runtime cuda`, {
        hint: runtime === '' ? 'add runtime: cuda to the aikitfile' : `runtime is ${show(runtime)}${origin}`,
      });
    }
  });
}

function checkConfig(
  data: Record<string, unknown>,
  ctx: ValidateContext,
  sources: Map<number, ModelSource>,
): void {
  const config = data['config'];
  if (typeof config !== 'string') return;
  const r = ctx.reporter;
  if (config.includes('\\"')) {
    r.warn('SHELL_ESCAPE', ['config'], 'config contains \\" which is now written literally', {
      hint: SHELL_ESCAPE_HINT,
    });
  }
  const doc = parseDocument(config, { prettyErrors: false });
  if (doc.errors.length > 0) {
    r.warn('CONFIG_NOT_YAML', ['config'], `config is not valid YAML: ${lowerFirst(doc.errors[0]!.message)}`, {
      hint: 'LocalAI will fail to load /config.yaml',
    });
    return;
  }
  const parsed: unknown = doc.toJS();
  if (parsed === null || parsed === undefined) return;
  if (!Array.isArray(parsed)) {
    r.warn('CONFIG_NOT_A_LIST', ['config'], 'config is not a list of model configurations', {
      hint: 'LocalAI reads --config-file as a list: start each model with "- name:"',
    });
    return;
  }
  const defined = definedTemplates(data, sources);
  for (const entry of parsed) {
    if (!isRecord(entry) || !isRecord(entry['template'])) continue;
    for (const field of TEMPLATE_FIELDS) {
      const value = entry['template'][field];
      // Inline template text is valid in LocalAI; only a bare name refers to a .tmpl file.
      if (typeof value !== 'string' || !BARE_NAME_RE.test(value)) continue;
      const name = value.replace(/\.tmpl$/, '');
      if (defined.has(name)) continue;
      const re = new RegExp(`\\b${field}:\\s*["']?(${escapeRe(value)})["']?\\s*(?:#.*)?$`, 'm');
      r.error(
        'UNDEFINED_TEMPLATE',
        ['config'],
        `config names template ${show(value)} for ${field} but no promptTemplates entry defines it${didYouMean(name, defined)}`,
        {
          hint: `add a promptTemplates entry with name: ${name} and a template:, or write the template text inline`,
          range: ctx.findInValue(['config'], re),
        },
      );
    }
  }
}

function definedTemplates(data: Record<string, unknown>, sources: Map<number, ModelSource>): Set<string> {
  const names = new Set<string>();
  asArray(data['models']).forEach((m, i) => {
    if (!isRecord(m)) return;
    for (const t of asArray(m['promptTemplates'])) {
      if (isRecord(t) && typeof t['name'] === 'string') names.add(t['name']);
    }
    // A .tmpl file shipped as a model lands in /models too, where LocalAI looks for templates.
    const source = sources.get(i);
    if (source && typeof m['name'] === 'string') {
      const dest = modelDestination({ name: m['name'], source });
      const match = /^\/models\/([^/]+)\.tmpl$/.exec(dest);
      if (match) names.add(match[1]!);
    }
  });
  return names;
}

function checkLoadToMemory(
  data: Record<string, unknown>,
  ctx: ValidateContext,
  sources: Map<number, ModelSource>,
): void {
  const entries = asArray(data['loadToMemory']);
  if (entries.length === 0) return;
  const known = new Set<string>();
  asArray(data['models']).forEach((m, i) => {
    if (!isRecord(m) || typeof m['name'] !== 'string') return;
    known.add(m['name']);
    const source = sources.get(i);
    if (source) known.add(modelDestination({ name: m['name'], source }).slice('/models/'.length));
  });
  if (typeof data['config'] === 'string') {
    try {
      for (const entry of asArray(parseYaml(data['config']))) {
        if (isRecord(entry) && typeof entry['name'] === 'string') known.add(entry['name']);
      }
    } catch {
      // Reported by checkConfig.
    }
  }
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    if (typeof e !== 'string' || e === '') return;
    if (seen.has(e)) {
      ctx.reporter.error(
        'DUPLICATE_LOAD_TO_MEMORY',
        ['loadToMemory', i],
        `loadToMemory lists ${show(e)} twice`,
      );
      return;
    }
    seen.add(e);
    if (!known.has(e)) {
      ctx.reporter.warn(
        'UNKNOWN_LOAD_TO_MEMORY',
        ['loadToMemory', i],
        `loadToMemory names ${show(e)}, which no model or config entry defines${didYouMean(e, known)}`,
      );
    }
  });
}

/** The hint for a fine-tune file without datasets. */
export const NO_DATASETS_HINT = 'add one entry: datasets: [{source: org/name, type: alpaca}]';

const DATASET_ID_RE = /^[A-Za-z0-9][\w.-]*(?:\/[A-Za-z0-9][\w.-]*)?$/;

/** Semantic rules of a fine-tune aikitfile. */
export function validateFinetune(data: Record<string, unknown>, ctx: ValidateContext): void {
  const r = ctx.reporter;
  const datasets = data['datasets'];
  // An absent key is reported by the schema mapper, with the same message.
  if (Array.isArray(datasets) && datasets.length === 0) {
    r.error('NO_DATASETS', ['datasets'], 'no datasets defined', { hint: NO_DATASETS_HINT });
  } else if (Array.isArray(datasets) && datasets.length > 1) {
    r.error('TOO_MANY_DATASETS', ['datasets'], 'only one dataset is supported at this time');
  }
  asArray(data['datasets']).forEach((d, i) => {
    if (!isRecord(d) || typeof d['source'] !== 'string' || d['source'] === '') return;
    const src = d['source'];
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(src)?.[1];
    const ok = scheme ? /^https?$/i.test(scheme) && URL.canParse(src) : DATASET_ID_RE.test(src);
    if (!ok) {
      r.error(
        'INVALID_DATASET_SOURCE',
        ['datasets', i, 'source'],
        `dataset source ${show(src)} is not a dataset id or http(s) url`,
        {
          hint: 'use a Hugging Face dataset id such as yahma/alpaca-cleaned, or an http(s) URL of a JSON file',
        },
      );
    }
  });
  const output = data['output'];
  const quantize = isRecord(output) ? output['quantize'] : undefined;
  if (typeof quantize === 'string' && /^[a-z0-9_]+$/.test(quantize) && !KNOWN_QUANTS.includes(quantize)) {
    r.warn(
      'UNKNOWN_QUANTIZE',
      ['output', 'quantize'],
      `quantize ${show(quantize)} is not a known Unsloth method${didYouMean(quantize, KNOWN_QUANTS)}`,
    );
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function lowerFirst(s: string): string {
  return (s.charAt(0).toLowerCase() + s.slice(1)).replace(/\.$/, '');
}
