import { isRecord, show, type KeyPath, type Reporter } from './report.js';
import { asArray } from './servers/rules.js';
import { isWholeRepo, parseModelSource } from './sources.js';
import { didYouMean } from './suggest.js';

// The fine-tune rules that span fields: which objective takes which datasets, which loader reads
// which source, and what each target can do. Facts from the reference's newest validation
// (pkg/build/build.go validateFinetuneConfig), reported at the key they are about and all in
// one pass. Each rule looks only at values of the right type; the schema reports the others.

/** DPO settings when the file leaves them out, as in the reference. */
export const DPO_DEFAULTS = { beta: 0.1, lossType: 'sigmoid', maxPromptLength: 512 } as const;
/** The learning rate per objective when config.unsloth.learningRate is absent. */
export const DEFAULT_LEARNING_RATE = { sft: 0.0002, dpo: 0.000001 } as const;

// Unsloth's ALLOWED_QUANTS; a name outside it only warns, as Unsloth may add methods.
// prettier-ignore
const KNOWN_QUANTS = [
  'not_quantized', 'fast_quantized', 'quantized', 'f32', 'bf16', 'f16', 'q8_0', 'q4_k_m', 'q5_k_m', 'q2_k',
  'q3_k_l', 'q3_k_m', 'q3_k_s', 'q3_k_xs', 'q4_0', 'q4_1', 'q4_k_s', 'q4_k', 'q5_k', 'q5_0', 'q5_1', 'q5_k_s',
  'q6_k', 'iq2_xxs', 'iq2_xs', 'iq3_xxs',
];
// llama-quantize's type names (lowercase) that make sense for a trained model.
// prettier-ignore
const LLAMA_QUANTS = [
  'f32', 'f16', 'bf16', 'q8_0', 'q6_k', 'q5_k_m', 'q5_k_s', 'q5_0', 'q5_1', 'q4_k_m', 'q4_k_s', 'q4_0',
  'q4_1', 'q3_k_l', 'q3_k_m', 'q3_k_s', 'q2_k', 'iq4_nl', 'iq4_xs', 'tq1_0', 'tq2_0',
];

/** The hint for a fine-tune file without datasets. */
export const NO_DATASETS_HINT = 'add one entry: datasets: [{source: org/name, type: alpaca}]';

const DATASET_ID_RE = /^[A-Za-z0-9][\w.-]*(?:\/[A-Za-z0-9][\w.-]*)?$/;
const FILE_LOADERS = ['json', 'csv', 'parquet', 'text'];
/** A file in the build context: a relative path without empty, `.` or `..` segments. */
const isContextPath = (s: string) =>
  !s.includes('://') && !s.startsWith('/') && s.split('/').every((p) => p !== '' && p !== '.' && p !== '..');
const CHAT_TYPES = ['messages', 'sharegpt'];

type Group = 'full-sequence' | 'completion-only' | 'response-only chat';

/** The rules of a fine-tune aikitfile; `target` is the effective one (from --target or the file). */
export function checkFinetune(data: Record<string, unknown>, r: Reporter, target: string): void {
  const datasets = asArray(data['datasets']);
  // An absent key is reported by the schema mapper, with the same message.
  if (Array.isArray(data['datasets']) && datasets.length === 0) {
    r.error('NO_DATASETS', ['datasets'], 'no datasets defined', { hint: NO_DATASETS_HINT });
  }
  const objective = isRecord(data['objective']) ? data['objective'] : {};
  const objectiveType = objective['type'] ?? 'sft';
  const config = isRecord(data['config']) ? data['config'] : {};
  const unsloth = isRecord(config['unsloth']) ? config['unsloth'] : {};
  const loss = unsloth['loss'] ?? 'all';

  datasets.forEach((d, i) => {
    if (isRecord(d)) checkDataset(d, i, r, target);
  });
  if (objectiveType === 'sft') checkSft(objective, datasets, unsloth, loss, r);
  if (objectiveType === 'dpo') checkDpo(objective, datasets, unsloth, loss, r);
  checkOutput(data, r, target);
  if (target === 'llama-cpp') checkLlamaCpp(data, objectiveType, loss, r);
  else if (isRecord(config['llamaCpp'])) {
    r.warn('IGNORED_SETTINGS', ['config', 'llamaCpp'], 'config.llamaCpp is read only by target llama-cpp');
  }
}

function checkDataset(d: Record<string, unknown>, i: number, r: Reporter, target: string): void {
  const at = (...rest: (string | number)[]): KeyPath => ['datasets', i, ...rest];
  const src = typeof d['source'] === 'string' && d['source'] !== '' ? d['source'] : undefined;
  const scheme = src === undefined ? undefined : /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(src)?.[1];
  const isHttp = scheme !== undefined && /^https?$/i.test(scheme) && URL.canParse(src!);
  const fileLoader = isRecord(d['loader']) && FILE_LOADERS.includes(d['loader']['type'] as string);
  // A file loader with a relative path reads the file from the build context (target llama-cpp).
  const isContext = src !== undefined && fileLoader && isContextPath(src);
  if (src !== undefined) {
    if (src.trim() !== src) {
      r.error('INVALID_DATASET_SOURCE', at('source'), 'dataset source has leading or trailing whitespace');
    } else if (scheme ? !isHttp : !(isContext || DATASET_ID_RE.test(src))) {
      r.error(
        'INVALID_DATASET_SOURCE',
        at('source'),
        `dataset source ${show(src)} is not a dataset id or http(s) url`,
        {
          hint: 'use a Hugging Face dataset id such as yahma/alpaca-cleaned, or an http(s) URL of a file',
        },
      );
      return;
    }
  }
  const loader = isRecord(d['loader']) ? d['loader'] : undefined;
  const loaderType = loader?.['type'];
  if (loader && typeof loaderType === 'string') {
    if (loaderType === 'huggingface') {
      if (src !== undefined && isHttp) {
        r.error('LOADER_SOURCE_MISMATCH', at('source'), 'loader huggingface reads a dataset id, not a URL', {
          hint: 'use loader type json, csv, parquet or text for a file, or write the dataset id (org/name)',
        });
      }
      if (loader['checksum'] !== undefined) {
        r.error(
          'LOADER_FIELD',
          at('loader', 'checksum'),
          'checksum is not supported for loader huggingface',
          {
            hint: 'pin a Hugging Face dataset with revision: <commit>',
          },
        );
      }
      if (loader['revision'] === undefined && target !== 'llama-cpp') {
        r.warn('UNPINNED_DATASET', at('loader'), 'the dataset has no revision, so its content can change', {
          hint: 'add revision: <40-hex commit> to pin it',
        });
      }
    } else if (FILE_LOADERS.includes(loaderType)) {
      if (src !== undefined && !isHttp && !(isContext && target === 'llama-cpp')) {
        r.error(
          'LOADER_SOURCE_MISMATCH',
          at('source'),
          `loader ${loaderType} reads an absolute http(s) URL, not ${show(src)}`,
          {
            hint: isContext
              ? 'target unsloth downloads its datasets in the training step: give the URL of the file (target llama-cpp reads build-context files)'
              : 'write the URL of the file, or use loader type huggingface for a dataset id',
          },
        );
      }
      if (isContext && target === 'llama-cpp' && loader['checksum'] !== undefined) {
        r.error(
          'LOADER_FIELD',
          at('loader', 'checksum'),
          'checksum is for downloads; a build-context file is read as it is',
          { hint: 'remove checksum' },
        );
      }
      for (const key of ['subset', 'revision']) {
        if (loader[key] !== undefined) {
          r.error('LOADER_FIELD', at('loader', key), `${key} is supported only for loader huggingface`);
        }
      }
      if (loader['checksum'] === undefined && !isContext) {
        r.warn(
          'UNVERIFIED_DOWNLOAD',
          at('loader'),
          'the dataset has no checksum, so its content is not verified',
          {
            hint: 'add checksum: sha256:<64 hex> of the file',
          },
        );
      }
      if (loaderType === 'text' && d['type'] !== undefined && d['type'] !== 'text') {
        r.error(
          'LOADER_TYPE_MISMATCH',
          at('type'),
          `loader text yields records with one text field, which dataset type ${show(d['type'])} cannot read`,
          { hint: 'use type: text with loader text' },
        );
      }
    }
  }
  if (
    target === 'llama-cpp' &&
    src !== undefined &&
    !isHttp &&
    (loaderType === undefined || loaderType === 'huggingface')
  ) {
    r.error(
      'UNSUPPORTED_FOR_TARGET',
      at('source'),
      'target llama-cpp reads datasets from http(s) files only',
      {
        hint: 'give the URL of a JSON, JSON Lines, CSV or text file (for a Hub dataset its resolve URL), or its path in the build context, with loader type json, csv or text',
      },
    );
  }
  if (target === 'llama-cpp' && loaderType === 'parquet') {
    r.error('UNSUPPORTED_FOR_TARGET', at('loader', 'type'), 'target llama-cpp does not read parquet files', {
      hint: 'convert the dataset to JSON Lines or CSV',
    });
  }
}

function checkSft(
  objective: Record<string, unknown>,
  datasets: unknown[],
  unsloth: Record<string, unknown>,
  loss: unknown,
  r: Reporter,
): void {
  for (const key of ['beta', 'lossType', 'maxPromptLength']) {
    if (objective[key] !== undefined) {
      r.error('DPO_ONLY', ['objective', key], `objective.${key} applies only to objective type dpo`, {
        hint: 'remove it, or set objective.type: dpo',
      });
    }
  }
  let first: { group: Group; type: string; index: number } | undefined;
  datasets.forEach((d, i) => {
    if (!isRecord(d) || typeof d['type'] !== 'string') return;
    const type = d['type'];
    if (type === 'preference') {
      r.error(
        'PREFERENCE_NEEDS_DPO',
        ['datasets', i, 'type'],
        'dataset type preference needs objective type dpo',
        {
          hint: 'set objective: {type: dpo}, or use an sft record type such as alpaca or messages',
        },
      );
      return;
    }
    if (loss === 'response' && !CHAT_TYPES.includes(type)) {
      r.error(
        'INCOMPATIBLE_DATASETS',
        ['datasets', i, 'type'],
        `loss response supervises assistant turns, which dataset type ${show(type)} does not have`,
        { hint: 'use messages or sharegpt datasets with loss: response, or loss: all' },
      );
      return;
    }
    const group: Group =
      loss === 'response'
        ? 'response-only chat'
        : type === 'prompt-completion'
          ? 'completion-only'
          : 'full-sequence';
    if (!first) first = { group, type, index: i };
    else if (group !== first.group) {
      r.error(
        'INCOMPATIBLE_DATASETS',
        ['datasets', i, 'type'],
        `dataset type ${show(type)} (${group}) cannot be combined with datasets[${first.index}] type ${show(first.type)} (${first.group})`,
        { hint: 'prompt-completion datasets train only with other prompt-completion datasets' },
      );
    }
  });
  if (loss === 'response' && unsloth['packing'] === true) {
    r.error(
      'PACKING_WITH_RESPONSE_LOSS',
      ['config', 'unsloth', 'packing'],
      'packing cannot be used with loss response',
      {
        hint: 'response masks must not cross conversation boundaries: set packing: false',
      },
    );
  }
}

function checkDpo(
  objective: Record<string, unknown>,
  datasets: unknown[],
  unsloth: Record<string, unknown>,
  loss: unknown,
  r: Reporter,
): void {
  if (datasets.length > 1) {
    r.error('DPO_ONE_DATASET', ['datasets', 1], 'objective type dpo trains on exactly one dataset', {
      hint: 'keep one preference dataset',
    });
  }
  const d = datasets[0];
  if (isRecord(d)) {
    if (typeof d['type'] === 'string' && d['type'] !== 'preference') {
      r.error(
        'DPO_NEEDS_PREFERENCE',
        ['datasets', 0, 'type'],
        `objective type dpo needs dataset type preference, not ${show(d['type'])}`,
        {
          hint: 'a preference record has prompt, chosen and rejected',
        },
      );
    }
    const loader = isRecord(d['loader']) ? d['loader'] : undefined;
    if (loader?.['type'] === 'text') {
      r.error(
        'DPO_NEEDS_PREFERENCE',
        ['datasets', 0, 'loader', 'type'],
        'loader text cannot supply prompt, chosen and rejected',
        {
          hint: 'use loader json, csv, parquet or huggingface',
        },
      );
    }
  }
  if (loss === 'response') {
    r.error(
      'SFT_ONLY',
      ['config', 'unsloth', 'loss'],
      'loss response is an sft setting; dpo does not use it',
      {
        hint: 'remove loss, or set it to all',
      },
    );
  }
  if (unsloth['packing'] === true) {
    r.error('SFT_ONLY', ['config', 'unsloth', 'packing'], 'objective type dpo does not support packing', {
      hint: 'set packing: false',
    });
  }
  const maxPrompt = objective['maxPromptLength'] ?? DPO_DEFAULTS.maxPromptLength;
  const maxSeq = unsloth['maxSeqLength'] ?? 2048;
  if (typeof maxPrompt === 'number' && typeof maxSeq === 'number' && maxPrompt > maxSeq) {
    r.error(
      'PROMPT_LONGER_THAN_SEQUENCE',
      objective['maxPromptLength'] !== undefined
        ? ['objective', 'maxPromptLength']
        : ['config', 'unsloth', 'maxSeqLength'],
      `objective.maxPromptLength ${maxPrompt} exceeds config.unsloth.maxSeqLength ${maxSeq}`,
      { hint: 'a prompt must fit in a training sequence' },
    );
  }
}

function checkOutput(data: Record<string, unknown>, r: Reporter, target: string): void {
  const output = isRecord(data['output']) ? data['output'] : {};
  const quantize = output['quantize'];
  if (output['format'] === 'adapter') {
    if (quantize !== undefined) {
      r.error('QUANTIZE_WITH_ADAPTER', ['output', 'quantize'], 'an adapter is not quantized', {
        hint: 'remove output.quantize, or use format: gguf',
      });
    }
    return;
  }
  if (typeof quantize !== 'string' || !/^[a-z0-9_]+$/.test(quantize)) return;
  const known = target === 'llama-cpp' ? LLAMA_QUANTS : KNOWN_QUANTS;
  if (known.includes(quantize)) return;
  const tool = target === 'llama-cpp' ? 'llama-quantize type' : 'Unsloth method';
  if (target === 'llama-cpp') {
    r.error(
      'UNKNOWN_QUANTIZE',
      ['output', 'quantize'],
      `quantize ${show(quantize)} is not a ${tool}${didYouMean(quantize, known)}`,
      {
        hint: `supported: ${known.join(', ')}`,
      },
    );
  } else {
    r.warn(
      'UNKNOWN_QUANTIZE',
      ['output', 'quantize'],
      `quantize ${show(quantize)} is not a known ${tool}${didYouMean(quantize, known)}`,
    );
  }
}

// llama-finetune trains every weight of a GGUF on plain text, next-token prediction only.
function checkLlamaCpp(
  data: Record<string, unknown>,
  objectiveType: unknown,
  loss: unknown,
  r: Reporter,
): void {
  const base = data['baseModel'];
  if (typeof base === 'string' && base !== '') {
    const parsed = parseModelSource(base);
    if (!parsed.ok) {
      r.error(parsed.problem.code, ['baseModel'], parsed.problem.message, {
        hint: `target llama-cpp trains a GGUF file: ${parsed.problem.hint ?? 'give its URL, huggingface:// path, oci:// reference or build-context path'}`,
      });
    } else if (isWholeRepo(parsed.source)) {
      r.error(
        'BASE_MODEL_NOT_A_FILE',
        ['baseModel'],
        'target llama-cpp trains one GGUF file, not a whole repository',
        {
          hint: 'name the file: huggingface://org/repo@revision/model-f32.gguf',
        },
      );
    }
  }
  if (objectiveType === 'dpo') {
    r.error('UNSUPPORTED_FOR_TARGET', ['objective', 'type'], 'target llama-cpp trains sft only', {
      hint: "llama.cpp's llama-finetune has no preference training: build with --target unsloth (an NVIDIA GPU) for dpo",
    });
  }
  if (loss === 'response') {
    r.error(
      'UNSUPPORTED_FOR_TARGET',
      ['config', 'unsloth', 'loss'],
      'target llama-cpp supervises the whole text; loss response needs unsloth',
      {
        hint: 'remove loss, or use target unsloth',
      },
    );
  }
  const output = isRecord(data['output']) ? data['output'] : {};
  if (output['format'] === 'adapter') {
    r.error(
      'UNSUPPORTED_FOR_TARGET',
      ['output', 'format'],
      'target llama-cpp writes a whole GGUF model, not an adapter',
      {
        hint: 'remove format, or use target unsloth',
      },
    );
  }
  const config = isRecord(data['config']) ? data['config'] : {};
  const llama = isRecord(config['llamaCpp']) ? config['llamaCpp'] : {};
  const ctx = llama['contextSize'];
  if (typeof ctx === 'number' && Number.isInteger(ctx) && ctx >= 8 && ctx % 256 !== 0) {
    r.warn(
      'CONTEXT_NOT_PADDED',
      ['config', 'llamaCpp', 'contextSize'],
      `contextSize ${ctx} is not a multiple of 256, so the K and V projections are not trained`,
      { hint: 'llama.cpp pads its context to a multiple of 256; use 256, 512, ...' },
    );
  }
  if (isRecord(config['unsloth'])) {
    r.warn('IGNORED_SETTINGS', ['config', 'unsloth'], 'config.unsloth is read only by target unsloth', {
      hint: 'target llama-cpp takes its settings from config.llamaCpp',
    });
  }
}
