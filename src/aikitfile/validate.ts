import { parse as parseYaml, parseDocument } from 'yaml';
import type { SourceRange } from '../util/errors.js';
import { BACKENDS, LLAMA_SERVER_MODEL_FIELDS, RUNTIMES, SERVERS } from './schema.js';
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
  const server = data['server'] ?? 'localai';
  if (!ctx.modelsFromBuildArg) checkModels(data, ctx, sources);
  if (server === 'llama-server') checkLlamaServer(data, ctx, sources);
  else if (server === 'localai') checkLocalAI(data, ctx);
  // An unknown server is reported by the schema; rules for either server would only add noise.
  if (!isOneOf(SERVERS, server)) return;
  if (server === 'localai') {
    checkRuntimeAndBackends(data, ctx);
    if (!ctx.modelsFromBuildArg) checkConfig(data, ctx, sources);
  }
  checkLoadToMemory(data, ctx, sources, server === 'llama-server');
}

// What LocalAI offers instead of each llama-server model field, for the hint.
const LOCALAI_EQUIVALENT: Record<(typeof LLAMA_SERVER_MODEL_FIELDS)[number], string> = {
  contextSize: 'set context_size in the LocalAI config',
  chatTemplate: 'give LocalAI a promptTemplates entry and name it in the config under template.chat',
  stop: 'set stopwords in the LocalAI config',
  gpuLayers: 'set gpu_layers in the LocalAI config',
};

/** LocalAI images: the llama-server model fields would be ignored, so they are errors. */
function checkLocalAI(data: Record<string, unknown>, ctx: ValidateContext): void {
  if (ctx.modelsFromBuildArg) return;
  const which = 'server' in data ? 'localai' : 'localai (the default)';
  asArray(data['models']).forEach((m, i) => {
    if (!isRecord(m)) return;
    for (const field of LLAMA_SERVER_MODEL_FIELDS) {
      if (!(field in m)) continue;
      ctx.reporter.error(
        'LLAMA_SERVER_ONLY',
        ['models', i, field],
        `${field} is a llama-server setting, but this aikitfile's server is ${which}`,
        {
          anchor: 'key',
          hint: `add server: llama-server at the top level, or ${LOCALAI_EQUIVALENT[field]}`,
        },
      );
    }
  });
}

// llama-server reads its presets as INI: ";" and "#" start a comment, "[" and "]" delimit a
// section, spaces at either end of a value are dropped, and the router passes a model's name as
// --alias, which splits at commas.
const INI_COMMENT_RE = /[;#]/;
const INI_NAME_RE = /[[\];#=,]/;
const INI_PRESET = '/models/presets.ini';
// eslint-disable-next-line no-control-regex -- control characters are what this rejects
const iniSafe = (v: string) => !INI_COMMENT_RE.test(v) && v.trim() === v && !/[\u0000-\u001f]/.test(v);

/** llama-server images: LocalAI-only parts are errors, and the preset must be writable. */
function checkLlamaServer(
  data: Record<string, unknown>,
  ctx: ValidateContext,
  sources: Map<number, ModelSource>,
): void {
  const r = ctx.reporter;
  const other = 'use server: localai for LocalAI';
  if (Array.isArray(data['backends']) && data['backends'].length > 0) {
    r.error(
      'LOCALAI_ONLY',
      ['backends'],
      'backends are LocalAI backends; a llama-server image runs llama.cpp only',
      {
        anchor: 'key',
        hint: `remove backends:, or ${other}`,
      },
    );
  }
  if ('config' in data) {
    r.error(
      'LOCALAI_ONLY',
      ['config'],
      'config is LocalAI model configuration, which llama-server does not read',
      {
        anchor: 'key',
        hint: `put context_size, stopwords and gpu_layers in the model fields contextSize, stop and gpuLayers, and a chat template in chatTemplate; or ${other}`,
      },
    );
  }
  if (ctx.modelsFromBuildArg) return;
  const models = asArray(data['models']);
  if (Array.isArray(data['models']) && models.length === 0) {
    r.error('NO_MODELS', ['models'], 'a llama-server image needs at least one model', {
      hint: 'add a models: entry with a GGUF file, or pass --build-arg model=<source>',
    });
  } else if (!('models' in data)) {
    r.error('NO_MODELS', ['server'], 'a llama-server image needs at least one model', {
      hint: 'add a models: entry with a GGUF file, or pass --build-arg model=<source>',
    });
  }
  // Files the image gets besides the models, with their owners.
  const written = new Map<string, string>();
  models.forEach((m, i) => {
    if (!isRecord(m)) return;
    const at = (...rest: (string | number)[]): KeyPath => ['models', i, ...rest];
    const name = typeof m['name'] === 'string' && m['name'] !== '' ? m['name'] : undefined;
    if (Array.isArray(m['promptTemplates']) && m['promptTemplates'].length > 0) {
      r.error(
        'LOCALAI_ONLY',
        at('promptTemplates'),
        'promptTemplates are Go templates for LocalAI; llama-server does not read them',
        {
          anchor: 'key',
          hint: `give the model a Jinja chatTemplate instead, or ${other}`,
        },
      );
    }
    if (name !== undefined && (INI_NAME_RE.test(name) || name.trim() !== name || name === '*')) {
      r.error('INVALID_MODEL_NAME', at('name'), `model name ${show(name)} cannot name a llama-server model`, {
        hint: 'llama-server reads model names from an INI file: use no "[", "]", ";", "#", "=" or ",", no spaces at either end, and not "*"',
      });
    }
    const source = sources.get(i);
    if (source && isWholeRepo(source)) {
      r.error(
        'LLAMA_SERVER_NEEDS_FILE',
        at('source'),
        'llama-server loads one GGUF file per model, not a whole repository',
        {
          hint: 'name the .gguf file: huggingface://org/repo@revision/path/to/file.gguf',
        },
      );
    } else if (source && name !== undefined) {
      const dest = modelDestination({ name, source });
      if (!iniSafe(dest)) {
        r.error(
          'INVALID_MODEL_PATH',
          at('source'),
          `model file ${show(dest)} cannot be named in llama-server's preset file`,
          {
            hint: '";" and "#" start a comment there and spaces at either end are dropped: use a source whose file name has none of them',
          },
        );
      }
      written.set(dest, `models[${i}]`);
    }
    const stop = m['stop'];
    if (Array.isArray(stop)) {
      if (stop.length > 1) {
        r.error(
          'TOO_MANY_STOP_WORDS',
          at('stop', 1),
          `llama-server takes one stop word per model, got ${stop.length}`,
          {
            hint: 'keep one here and send the others in each request\'s "stop" list',
          },
        );
      }
      stop.forEach((w, j) => {
        if (typeof w !== 'string' || w === '' || iniSafe(w)) return;
        r.error(
          'INVALID_STOP_WORD',
          at('stop', j),
          `stop word ${show(w)} cannot be written to llama-server's preset file`,
          {
            hint: '";" and "#" start a comment there, spaces at either end are dropped and a value is one line: send this stop word in each request\'s "stop" list instead',
          },
        );
      });
    }
  });
  // Chat templates go next to the models; they must not land on a model file or the preset.
  written.set(INI_PRESET, 'the llama-server preset');
  models.forEach((m, i) => {
    if (!isRecord(m) || typeof m['chatTemplate'] !== 'string' || typeof m['name'] !== 'string') return;
    const dest = `/models/${m['name']}.jinja`;
    const owner = written.get(dest);
    if (owner) {
      r.error(
        'DUPLICATE_DESTINATION',
        ['models', i, 'chatTemplate'],
        `chat template ${dest} is also written by ${owner}`,
        {
          anchor: 'key',
          hint: 'the template is written to /models/<name>.jinja: rename the model or its file',
        },
      );
    } else {
      written.set(dest, `models[${i}].chatTemplate`);
    }
  });
  for (const [i, m] of models.entries()) {
    const source = sources.get(i);
    if (!isRecord(m) || !source || typeof m['name'] !== 'string') continue;
    if (modelDestination({ name: m['name'], source }) === INI_PRESET) {
      r.error(
        'DUPLICATE_DESTINATION',
        ['models', i, 'source'],
        `model file ${INI_PRESET} is also written by the llama-server preset`,
        {
          hint: 'give the model a name with a directory (name: dir/model) so the file lands apart',
        },
      );
    }
  }
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
  let parsed: unknown;
  try {
    // An alias without its anchor, or an alias bomb, throws here rather than in doc.errors.
    parsed = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    r.warn(
      'CONFIG_NOT_YAML',
      ['config'],
      `config is not valid YAML: ${lowerFirst(e instanceof Error ? e.message : String(e))}`,
      {
        hint: 'LocalAI will fail to load /config.yaml',
      },
    );
    return;
  }
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
  llamaServer: boolean,
): void {
  const entries = asArray(data['loadToMemory']);
  if (entries.length === 0) return;
  const known = new Set<string>();
  asArray(data['models']).forEach((m, i) => {
    if (!isRecord(m) || typeof m['name'] !== 'string') return;
    known.add(m['name']);
    // LocalAI also knows a model by its file under /models; llama-server only by its name.
    const source = sources.get(i);
    if (source && !llamaServer)
      known.add(modelDestination({ name: m['name'], source }).slice('/models/'.length));
  });
  if (typeof data['config'] === 'string' && !llamaServer) {
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
        `loadToMemory names ${show(e)}, which no model ${llamaServer ? '' : 'or config entry '}defines${didYouMean(e, known)}`,
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
