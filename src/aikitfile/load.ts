import { isScalar, LineCounter, parseDocument, type YAMLError } from 'yaml';
import { parseDigest } from '../oci/index.js';
import { AikitError, type Issue } from '../util/errors.js';
import { withoutAbsentNulls } from './absent-nulls.js';
import { applyBuildArgs, warnIgnoredBuildArgs } from './args.js';
import {
  FINETUNE_TARGETS,
  FinetuneSchema,
  InferenceSchema,
  type RawFinetune,
  type RawInference,
} from './schema.js';
import { byPosition, isRecord, Reporter, show } from './report.js';
import { aikitfileKind, kindSchema, schemaErrors, type AikitfileKind } from './schema-check.js';
import { reportLengths, reportSchemaErrors, type LengthProblem } from './schema-problems.js';
import { SourceMap } from './source-map.js';
import { parseModelSource } from './sources.js';
import { didYouMean } from './suggest.js';
import type { AikitSpec, FinetuneSpec, InferenceSpec, LoadedSpec, LoadOptions } from './types.js';
import { validateFinetune, validateInference, type ValidateContext } from './validate.js';
import { DEFAULT_LEARNING_RATE, DPO_DEFAULTS } from './finetune.js';

// Top-level keys that only the other kind of aikitfile has, for the unknown-key hint.
const OTHER_KIND: Record<AikitfileKind, { kind: string; keys: readonly string[]; why: string }> = {
  finetune: {
    kind: 'inference',
    keys: ['server', 'debug', 'runtime', 'backends', 'models', 'loadToMemory'],
    why: 'this file is read as a fine-tune aikitfile because it has baseModel or datasets',
  },
  inference: {
    kind: 'fine-tune',
    keys: ['target', 'baseModel', 'datasets', 'output'],
    why: 'a file is a fine-tune aikitfile only when it has baseModel or datasets',
  },
};

/**
 * Parses, checks and normalises an aikitfile. Throws AikitError `INVALID_AIKITFILE` carrying
 * every error, each located at file:line:col; warnings come back with the spec.
 */
export function loadAikitfile(text: string, filename: string, opts: LoadOptions = {}): LoadedSpec {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const map = new SourceMap(doc, lines, text);
  const r = new Reporter((path, anchor) => map.locate(path, anchor));
  const fail = (): never => {
    const errors = r.issues.filter((i) => i.severity === 'error').sort(byPosition);
    const n = errors.length;
    throw new AikitError('INVALID_AIKITFILE', `${filename} has ${n} problem${n === 1 ? '' : 's'}`, {
      file: filename,
      issues: errors,
      warnings: r.issues.filter((i) => i.severity === 'warning').sort(byPosition),
    });
  };

  for (const w of doc.warnings) yamlIssue(r, map, w, 'warning');
  for (const e of doc.errors) yamlIssue(r, map, e, 'error');
  // A duplicate key leaves a usable tree; any other syntax error does not.
  if (doc.errors.some((e) => e.code !== 'DUPLICATE_KEY')) return fail();

  const contents = doc.contents;
  if (contents === null || (isScalar(contents) && contents.value === null)) {
    r.error('EMPTY_FILE', [], 'the aikitfile is empty', {
      hint: 'an aikitfile needs at least apiVersion: v1alpha1',
      range: { line: 1, col: 1, endLine: 1, endCol: 1 },
    });
    return fail();
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    const deep = e instanceof RangeError;
    r.error(
      deep ? 'YAML_TOO_DEEP' : 'YAML_SYNTAX',
      [],
      deep ? 'the document nests too deeply to read' : lowerFirst(e instanceof Error ? e.message : String(e)),
    );
    return fail();
  }
  if (!isRecord(data)) {
    r.error('NOT_A_MAPPING', [], `the aikitfile must be a mapping of keys, got ${show(data)}`, {
      hint: 'start with apiVersion: v1alpha1',
    });
    return fail();
  }

  const kind = aikitfileKind(data);
  const schema = kindSchema(kind);
  const checked = withoutAbsentNulls(data, schema) as Record<string, unknown>;
  const ctx: ValidateContext = { reporter: r, findInValue: (path, re) => map.findInValue(path, re) };
  const checkShape = (): LengthProblem[] =>
    reportSchemaErrors(schemaErrors(kind, checked), {
      data: checked,
      schema,
      rules: kind === 'finetune' ? FinetuneSchema : InferenceSchema,
      otherKindKeys: OTHER_KIND[kind],
      sourceOf: (path) => map.textOf(path),
      reporter: r,
    });

  if (kind === 'finetune') {
    const lengths = checkShape();
    const target = opts.target;
    if (target && !(FINETUNE_TARGETS as readonly string[]).includes(target)) {
      r.unplaced(
        'error',
        'UNSUPPORTED_TARGET',
        `target ${JSON.stringify(target)} (from --target) is not supported${didYouMean(target, FINETUNE_TARGETS)}`,
        `supported: ${FINETUNE_TARGETS.join(', ')}`,
      );
    }
    warnIgnoredBuildArgs(opts.buildArgs, r);
    const fileTarget = typeof checked['target'] === 'string' ? checked['target'] : undefined;
    validateFinetune(checked, ctx, (target || fileTarget) ?? 'unsloth');
    reportLengths(lengths, r);
    if (r.errorCount > 0) return fail();
    // The shape is valid, so zod only fills in the defaults.
    return loaded(finetuneSpec(FinetuneSchema.parse(checked), target), r, (path) => map.locateExact(path));
  }

  const lengths = checkShape();
  // The file is checked as written; the rules below see it with the build-args applied.
  const effective = { ...checked };
  const effect = applyBuildArgs(effective, opts.buildArgs, r);
  validateInference(effective, { ...ctx, ...effect });
  reportLengths(lengths, r);
  if (r.errorCount > 0) return fail();
  return loaded(inferenceSpec(InferenceSchema.parse(effective)), r, (path) =>
    // Models and config from --build-arg model have no place in the file.
    effect.modelsFromBuildArg && (path[0] === 'models' || path[0] === 'config')
      ? undefined
      : map.locateExact(path),
  );
}

function loaded(spec: AikitSpec, r: Reporter, locate: LoadedSpec['locate']): LoadedSpec {
  return { spec, warnings: r.issues.filter((i) => i.severity === 'warning').sort(byPosition), locate };
}

function yamlIssue(r: Reporter, map: SourceMap, e: YAMLError, severity: Issue['severity']): void {
  const code =
    e.code === 'DUPLICATE_KEY' ? 'DUPLICATE_KEY' : severity === 'error' ? 'YAML_SYNTAX' : 'YAML_WARNING';
  const message = lowerFirst(e.message.split('\n')[0]!);
  const range = map.range(e.pos[0], Math.max(e.pos[1], e.pos[0] + 1));
  // The parser recurses per nesting level; a stack overflow means the document nests absurdly.
  if (/maximum call stack/i.test(message)) {
    r.error('YAML_TOO_DEEP', [], 'the document nests too deeply to read', {
      range,
      hint: 'an aikitfile needs only a few levels of nesting; check for a runaway [ or { or an indentation staircase',
    });
    return;
  }
  if (severity === 'error') r.error(code, [], message, { range });
  else r.warn(code, [], message, { range });
}

function lowerFirst(s: string): string {
  return (s.charAt(0).toLowerCase() + s.slice(1)).replace(/\.$/, '');
}

function inferenceSpec(raw: RawInference): InferenceSpec {
  const spec: InferenceSpec = {
    kind: 'inference',
    apiVersion: raw.apiVersion,
    server: raw.server,
    debug: raw.debug,
    runtime: raw.runtime,
    backends: raw.backends,
    models: raw.models.map((m, index) => {
      const parsed = parseModelSource(m.source);
      if (!parsed.ok) throw new Error(`bug: model ${index} passed validation with a bad source`);
      return {
        name: m.name,
        source: parsed.source,
        ...(m.sha256 ? { sha256: parseDigest(m.sha256)! } : {}),
        promptTemplates: m.promptTemplates.map((t) => ({ name: t.name, template: t.template })),
        ...(m.contextSize !== undefined ? { contextSize: m.contextSize } : {}),
        ...(m.chatTemplate !== undefined ? { chatTemplate: m.chatTemplate } : {}),
        ...(m.stop !== undefined ? { stop: [...m.stop] } : {}),
        ...(m.gpuLayers !== undefined ? { gpuLayers: m.gpuLayers } : {}),
        ...(m.embeddings !== undefined ? { embeddings: m.embeddings } : {}),
        index,
      };
    }),
    loadToMemory: raw.loadToMemory,
  };
  if (raw.config) spec.config = raw.config;
  return spec;
}

// `target` was checked against FINETUNE_TARGETS by the caller.
function finetuneSpec(raw: RawFinetune, target: string | undefined): FinetuneSpec {
  // decisions.md#d14: --target, else the file's target, else unsloth.
  const effective = ((target || raw.target) ?? 'unsloth') as FinetuneSpec['target'];
  const o = raw.objective;
  const objective: FinetuneSpec['objective'] =
    o.type === 'dpo'
      ? {
          type: 'dpo',
          beta: o.beta ?? DPO_DEFAULTS.beta,
          lossType: o.lossType ?? DPO_DEFAULTS.lossType,
          maxPromptLength: o.maxPromptLength ?? DPO_DEFAULTS.maxPromptLength,
        }
      : { type: 'sft' };
  const unsloth = {
    ...raw.config.unsloth,
    learningRate: raw.config.unsloth.learningRate ?? DEFAULT_LEARNING_RATE[objective.type],
  };
  const out = raw.output;
  return {
    kind: 'finetune',
    apiVersion: raw.apiVersion,
    target: effective,
    baseModel: raw.baseModel,
    objective,
    datasets: raw.datasets,
    config: { unsloth, llamaCpp: raw.config.llamaCpp },
    output:
      out.format === 'adapter'
        ? { format: 'adapter', name: out.name }
        : {
            format: 'gguf',
            // Unsloth always quantizes (q4_k_m unless told); llama.cpp keeps the trained types.
            quantize: out.quantize ?? (effective === 'unsloth' ? 'q4_k_m' : undefined),
            name: out.name,
          },
  };
}
