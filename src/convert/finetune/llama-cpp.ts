import {
  http,
  image,
  local,
  mkfile,
  scratch,
  type RunMount,
  type SourceLocation,
  type State,
} from '../../llb/index.js';
import {
  parseModelSource,
  type Dataset,
  type FinetuneSpec,
  type InferenceSpec,
} from '../../aikitfile/index.js';
import { AikitError } from '../../util/errors.js';
import { modelFiles } from '../models.js';
import { redactUrl } from '../naming.js';
import { PREPARE_PROGRAM, PREPARE_SCRIPT } from './prepare-text.js';
import { LLAMA_CPP_FULL_IMAGE, LLAMA_CPP_FULL_IMAGE_ARG } from './args.js';
import type { FinetuneOptions, FinetuneResult } from './options.js';

// target llama-cpp: full fine-tuning on CPU with llama.cpp's own trainer. Four steps, each in the
// llama.cpp image and without network (everything they read arrives as a pinned source):
//   prepare  python3 turns the dataset records into one training text (prepare-text.ts)
//   train    llama-finetune trains every weight of the GGUF on that text
//   quantize llama-quantize, only when output.quantize is set
//   result   the /out mount of the last step: a scratch filesystem holding just the model file,
//            for `--output type=local,dest=<dir>`

// The tools are in /app, next to the shared libraries they load, in llama.cpp's images.
const APP = '/app';
const PYTHON = '/usr/bin/python3';

const MODEL_DIR = '/model';
const TEXT_DIR = '/text';
const OUT_DIR = '/out';
const TEXT_FILE = 'train.txt';

const EXTENSIONS: Record<string, string> = { json: 'json', csv: 'csv', text: 'txt' };

/** The LLB of a llama-cpp fine-tune; its state is the output directory. */
export function llamaCppFinetune(spec: FinetuneSpec, opts: FinetuneOptions): FinetuneResult {
  if (spec.output.format !== 'gguf') {
    throw new AikitError('UNSUPPORTED_SPEC', 'target llama-cpp writes a GGUF model, not an adapter');
  }
  const at = (path: readonly (string | number)[]) => opts.at?.(path);
  const ref = opts.buildArgs?.[LLAMA_CPP_FULL_IMAGE_ARG] || LLAMA_CPP_FULL_IMAGE;
  const tools = image(ref, {
    platform: opts.platform,
    ...(opts.imageResolveMode ? { resolveMode: opts.imageResolveMode } : {}),
  });
  const run = (args: string[], mounts: RunMount[], name: string, location: SourceLocation | undefined) =>
    tools.run({
      args,
      cwd: APP,
      // llama.cpp's images keep the shared libraries in /app and set no library path of their own.
      env: [`LD_LIBRARY_PATH=${APP}`],
      network: 'none',
      mounts: [...mounts, { dest: OUT_DIR, source: scratch() }],
      name,
      ...(location ? { location } : {}),
    });

  const base = baseModel(spec, opts);
  const modelMount: RunMount = { dest: MODEL_DIR, source: base.state, readonly: true };
  const modelPath = `${MODEL_DIR}${base.path}`;
  const context = contextFiles(spec, opts);
  const datasets = spec.datasets.map((d, i) => datasetFile(d, i, at(['datasets', i]), context));

  const program = scratch().file(mkfile('prepare.py', 0o444, PREPARE_PROGRAM), {
    name: '[aikit] write the training-text program',
  });
  const plan = {
    model: modelPath,
    out: `${OUT_DIR}/${TEXT_FILE}`,
    datasets: spec.datasets.map((d, i) => ({
      path: `/data/${i}/${datasets[i]!.file}`,
      type: d.type,
      loader: d.loader?.type ?? 'json',
      split: d.loader?.split ?? 'train',
      label: `datasets[${i}] ${redactUrl(d.source)}`,
    })),
  };
  const n = spec.datasets.length;
  const text = run(
    [PYTHON, PREPARE_SCRIPT, JSON.stringify(plan)],
    [
      { dest: '/aikit', source: program, readonly: true },
      modelMount,
      ...datasets.map((d, i) => ({ dest: `/data/${i}`, source: d.state, readonly: true })),
    ],
    `[aikit] prepare training text from ${n} dataset${n === 1 ? '' : 's'}`,
    at(['datasets']),
  ).getMount(OUT_DIR);

  const { name, quantize } = spec.output;
  const trained = quantize ? 'trained.gguf' : `${name}.gguf`;
  const c = spec.config.llamaCpp;
  const size = String(c.contextSize);
  const trainArgs = [
    `${APP}/llama-finetune`,
    '--model',
    modelPath,
    '--file',
    `${TEXT_DIR}/${TEXT_FILE}`,
    '--output',
    `${OUT_DIR}/${trained}`,
    // One training sequence per batch: llama-finetune cuts the text into ctx-size chunks.
    '--ctx-size',
    size,
    '--batch-size',
    size,
    '--ubatch-size',
    size,
    '--epochs',
    String(c.epochs),
    '--learning-rate',
    String(c.learningRate),
    ...(c.threads > 0 ? ['--threads', String(c.threads)] : []),
  ];
  const epochs = `${c.epochs} epoch${c.epochs === 1 ? '' : 's'}`;
  let out = run(
    trainArgs,
    [modelMount, { dest: TEXT_DIR, source: text, readonly: true }],
    `[aikit] fine-tune ${redactUrl(spec.baseModel)} with llama-finetune (${epochs})`,
    at(['baseModel']),
  ).getMount(OUT_DIR);

  if (quantize) {
    out = run(
      [
        `${APP}/llama-quantize`,
        `/in/${trained}`,
        `${OUT_DIR}/${name}-${quantize}.gguf`,
        quantize.toUpperCase(),
      ],
      [{ dest: '/in', source: out, readonly: true }],
      `[aikit] quantize the fine-tuned model to ${quantize}`,
      at(['output', 'quantize']),
    ).getMount(OUT_DIR);
  }
  return { state: out, file: quantize ? `${name}-${quantize}.gguf` : trained, warnings: [] };
}

/** The base GGUF, read as any model source an inference aikitfile accepts. */
function baseModel(spec: FinetuneSpec, opts: FinetuneOptions): { state: State; path: string } {
  const parsed = parseModelSource(spec.baseModel);
  if (!parsed.ok) throw new AikitError(parsed.problem.code, parsed.problem.message);
  const asInference: InferenceSpec = {
    kind: 'inference',
    apiVersion: 'v1alpha1',
    server: 'llama-server',
    debug: false,
    runtime: '',
    backends: [],
    models: [{ name: 'base', source: parsed.source, promptTemplates: [], index: 0 }],
    loadToMemory: [],
  };
  const files = modelFiles(asInference, {
    ...(opts.sessionId ? { sessionId: opts.sessionId } : {}),
    ...(opts.contextLocal ? { contextLocal: opts.contextLocal } : {}),
    ...(opts.sources?.settings ? { settings: opts.sources.settings } : {}),
    ...(opts.sources?.metadata ? { metadata: opts.sources.metadata } : {}),
    locate: () => opts.at?.(['baseModel']),
  });
  if (files.length !== 1) {
    throw new AikitError('UNSUPPORTED_SPEC', 'target llama-cpp trains one GGUF file, not a whole repository');
  }
  return { state: files[0]!.source, path: files[0]!.srcPath };
}

const isHttp = (source: string) => /^https?:\/\//i.test(source);

/** The datasets in the build context (paths, never URLs) as one local source, or undefined. */
function contextFiles(spec: FinetuneSpec, opts: FinetuneOptions): State | undefined {
  const paths = spec.datasets.filter((d) => !isHttp(d.source)).map((d) => d.source);
  if (paths.length === 0) return undefined;
  const name = opts.contextLocal ?? 'context';
  return local(name, {
    ...(opts.sessionId ? { sessionId: opts.sessionId } : {}),
    sharedKeyHint: name,
    // Only the files the aikitfile names cross the wire, not the whole context (decisions.md#d5).
    followPaths: [...new Set(paths)].sort(),
    name: '[aikit] load datasets from the build context',
  });
}

function datasetFile(
  d: Dataset,
  i: number,
  location: SourceLocation | undefined,
  context: State | undefined,
): { state: State; file: string } {
  // The language allows a path only with a file loader and target llama-cpp (aikitfile/finetune.ts).
  if (!isHttp(d.source) && context) return { state: context, file: d.source };
  const file = `dataset.${EXTENSIONS[d.loader?.type ?? 'json'] ?? 'data'}`;
  const state = http(d.source, {
    filename: file,
    ...(d.loader?.checksum ? { checksum: d.loader.checksum } : {}),
    name: `[aikit] download datasets[${i}] from ${redactUrl(d.source)}`,
    ...(location ? { location } : {}),
  });
  return { state, file };
}
