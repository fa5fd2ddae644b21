import { isRecord, show, type KeyPath, type Reporter } from '../report.js';
import { isWholeRepo, modelDestination } from '../sources.js';
import type { ModelSource } from '../types.js';
import { asArray, type RuleContext, type ServerRules } from './rules.js';

// `server: llama-server`: llama.cpp's server reads one GGUF file per model and its settings from
// an INI preset that aikit writes; it knows a model only by its name. It has no backends and
// reads neither the LocalAI config nor Go prompt templates.

export const llamaServerRules: ServerRules = {
  check: checkLlamaServer,
  loadableNames(data) {
    const known = new Set<string>();
    for (const m of asArray(data['models'])) {
      if (isRecord(m) && typeof m['name'] === 'string') known.add(m['name']);
    }
    return known;
  },
  namesDefinedBy: 'model',
};

// llama-server reads its presets as INI: ";" and "#" start a comment, "[" and "]" delimit a
// section, spaces at either end of a value are dropped, and the router passes a model's name as
// --alias, which splits at commas.
const INI_COMMENT_RE = /[;#]/;
const INI_NAME_RE = /[[\];#=,]/;
const INI_PRESET = '/models/presets.ini';
// eslint-disable-next-line no-control-regex -- control characters are what this rejects
const iniSafe = (v: string) => !INI_COMMENT_RE.test(v) && v.trim() === v && !/[\u0000-\u001f]/.test(v);

/** LocalAI-only parts are errors, and the preset must be writable. */
function checkLlamaServer(
  data: Record<string, unknown>,
  ctx: RuleContext,
  sources: ReadonlyMap<number, ModelSource>,
): void {
  checkLocalAIParts(data, ctx.reporter);
  // Without models the image is a runner (runner.ts): the model comes at start-up.
  if (ctx.modelsFromBuildArg) return;
  const models = asArray(data['models']);
  // Files the image gets besides the models, with their owners.
  const written = new Map<string, string>();
  models.forEach((m, i) => {
    if (!isRecord(m)) return;
    const dest = checkModel(m, i, sources.get(i), ctx.reporter);
    if (dest !== undefined) written.set(dest, `models[${i}]`);
  });
  written.set(INI_PRESET, 'the llama-server preset');
  checkChatTemplates(models, written, ctx.reporter);
  checkPresetPath(models, sources, ctx.reporter);
}

const OTHER_SERVER = 'use server: localai for LocalAI';

function checkLocalAIParts(data: Record<string, unknown>, r: Reporter): void {
  if (Array.isArray(data['backends']) && data['backends'].length > 0) {
    r.error(
      'LOCALAI_ONLY',
      ['backends'],
      'backends are LocalAI backends; a llama-server image runs llama.cpp only',
      {
        anchor: 'key',
        hint: `remove backends:, or ${OTHER_SERVER}`,
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
        hint: `put context_size, stopwords and gpu_layers in the model fields contextSize, stop and gpuLayers, and a chat template in chatTemplate; or ${OTHER_SERVER}`,
      },
    );
  }
}

/** One model's rules; returns the file it lands in, when its name and source are usable. */
function checkModel(
  m: Record<string, unknown>,
  i: number,
  source: ModelSource | undefined,
  r: Reporter,
): string | undefined {
  const at = (...rest: (string | number)[]): KeyPath => ['models', i, ...rest];
  const name = typeof m['name'] === 'string' && m['name'] !== '' ? m['name'] : undefined;
  if (Array.isArray(m['promptTemplates']) && m['promptTemplates'].length > 0) {
    r.error(
      'LOCALAI_ONLY',
      at('promptTemplates'),
      'promptTemplates are Go templates for LocalAI; llama-server does not read them',
      {
        anchor: 'key',
        hint: `give the model a Jinja chatTemplate instead, or ${OTHER_SERVER}`,
      },
    );
  }
  if (name !== undefined && (INI_NAME_RE.test(name) || name.trim() !== name || name === '*')) {
    r.error('INVALID_MODEL_NAME', at('name'), `model name ${show(name)} cannot name a llama-server model`, {
      hint: 'llama-server reads model names from an INI file: use no "[", "]", ";", "#", "=" or ",", no spaces at either end, and not "*"',
    });
  }
  const dest = checkModelFile(name, source, at('source'), r);
  checkStopWords(m['stop'], at, r);
  return dest;
}

function checkModelFile(
  name: string | undefined,
  source: ModelSource | undefined,
  path: KeyPath,
  r: Reporter,
): string | undefined {
  if (source && isWholeRepo(source)) {
    r.error(
      'LLAMA_SERVER_NEEDS_FILE',
      path,
      'llama-server loads one GGUF file per model, not a whole repository',
      {
        hint: 'name the .gguf file: huggingface://org/repo@revision/path/to/file.gguf',
      },
    );
    return undefined;
  }
  if (!source || name === undefined) return undefined;
  const dest = modelDestination({ name, source });
  if (!iniSafe(dest)) {
    r.error(
      'INVALID_MODEL_PATH',
      path,
      `model file ${show(dest)} cannot be named in llama-server's preset file`,
      {
        hint: '";" and "#" start a comment there and spaces at either end are dropped: use a source whose file name has none of them',
      },
    );
  }
  return dest;
}

function checkStopWords(stop: unknown, at: (...rest: (string | number)[]) => KeyPath, r: Reporter): void {
  if (!Array.isArray(stop)) return;
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

/** Chat templates go next to the models; they must not land on a model file or the preset. */
function checkChatTemplates(models: unknown[], written: Map<string, string>, r: Reporter): void {
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
}

/** A model whose file would be the preset itself. */
function checkPresetPath(models: unknown[], sources: ReadonlyMap<number, ModelSource>, r: Reporter): void {
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
