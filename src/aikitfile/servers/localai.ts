import { parse as parseYaml, parseDocument } from 'yaml';
import { didYouMean } from '../suggest.js';
import { isRecord, show } from '../report.js';
import { LLAMA_SERVER_MODEL_FIELDS } from '../schema.js';
import { modelDestination } from '../sources.js';
import type { ModelSource } from '../types.js';
import { asArray, SHELL_ESCAPE_HINT, type RuleContext, type ServerRules } from './rules.js';
import { checkLocalAIRunner, isRunnerData } from './runner.js';

// `server: localai` (the default): LocalAI reads its config YAML and the prompt templates, and
// knows a model by its name, by its file under /models and by the names in the config.

// LocalAI's template-file fields; other keys under template: (reply_prefix, ...) are not file names.
const TEMPLATE_FIELDS = ['chat', 'chat_message', 'completion', 'edit', 'function'];
const BARE_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

// What LocalAI offers instead of each llama-server model field, for the hint.
const LOCALAI_EQUIVALENT: Record<(typeof LLAMA_SERVER_MODEL_FIELDS)[number], string> = {
  contextSize: 'set context_size in the LocalAI config',
  chatTemplate: 'give LocalAI a promptTemplates entry and name it in the config under template.chat',
  stop: 'set stopwords in the LocalAI config',
  gpuLayers: 'set gpu_layers in the LocalAI config',
  embeddings: 'set embeddings: true in the LocalAI config',
};

/** The LocalAI config the reference generates for `--build-arg model` (its pkg/build/args.go). */
export function generateInferenceConfig(name: string): string {
  return `\n- name: ${name}\n  backend: llama\n  parameters:\n    model: ${name}`;
}

export const localaiRules: ServerRules = {
  configForModelArg: generateInferenceConfig,
  check(data, ctx, sources) {
    checkLlamaServerFields(data, ctx);
    if (!ctx.modelsFromBuildArg) checkConfig(data, ctx, sources);
    if (!ctx.modelsFromBuildArg && isRunnerData(data)) checkLocalAIRunner(data, ctx);
  },
  loadableNames(data, sources) {
    const known = new Set<string>();
    asArray(data['models']).forEach((m, i) => {
      if (!isRecord(m) || typeof m['name'] !== 'string') return;
      known.add(m['name']);
      // LocalAI also knows a model by its file under /models.
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
    return known;
  },
  namesDefinedBy: 'model or config entry',
};

/** The llama-server model fields would be ignored, so they are errors. */
function checkLlamaServerFields(data: Record<string, unknown>, ctx: RuleContext): void {
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

function checkConfig(
  data: Record<string, unknown>,
  ctx: RuleContext,
  sources: ReadonlyMap<number, ModelSource>,
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

function definedTemplates(
  data: Record<string, unknown>,
  sources: ReadonlyMap<number, ModelSource>,
): Set<string> {
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

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function lowerFirst(s: string): string {
  return (s.charAt(0).toLowerCase() + s.slice(1)).replace(/\.$/, '');
}
