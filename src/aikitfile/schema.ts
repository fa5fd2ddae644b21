import { z } from 'zod';
import { WRITTEN_SHA256_RE } from '../oci/index.js';

// The shapes of an aikitfile as the user writes it. Types, enums, ranges and lexical formats live
// here and nowhere else; the .describe() texts are the field documentation and end up in the
// generated JSON Schema. Rules that need more than one field live in validate.ts, and so do list
// lengths: zod checks an array's length before its items and then drops the items' issues, so
// the lengths appear here only as JSON Schema metadata.

/** The only supported `apiVersion`. */
export const API_VERSION = 'v1alpha1';
/** `runtime` values: CPU (empty), NVIDIA CUDA, Apple Silicon (Vulkan in Podman/libkrun), AMD ROCm. */
export const RUNTIMES = ['', 'cuda', 'applesilicon', 'rocm'] as const;
/** `backends` values (decisions.md#d13). */
export const BACKENDS = ['llama-cpp', 'diffusers', 'vllm', 'mamba', 'exllama2'] as const;
/** `server` values: LocalAI (default) or llama.cpp's own llama-server. */
export const SERVERS = ['localai', 'llama-server'] as const;
/** Model fields that only llama-server reads (its preset keys), in the order they are documented. */
export const LLAMA_SERVER_MODEL_FIELDS = [
  'contextSize',
  'chatTemplate',
  'stop',
  'gpuLayers',
  'embeddings',
] as const;
/** llama-server's pooling types that give one vector per input, as OpenAI's embeddings do. */
export const EMBEDDING_POOLINGS = ['mean', 'cls', 'last'] as const;
/** Fine-tune `target` values. */
export const FINETUNE_TARGETS = ['unsloth'] as const;
/** Fine-tune `datasets[].type` values. */
export const DATASET_TYPES = ['alpaca'] as const;

const RULE_TAG = '\u0000aikit-rule:';

/** A rule's code, message and hint, carried through zod's error message. */
export interface RuleMessage {
  code: string;
  message: string;
  hint?: string;
}

// zod keeps only a message from a check's custom error, so the code and hint travel inside it;
// decodeRule() in the issue mapper unpacks them.
function rule(code: string, message: string | ((input: unknown) => string), hint?: string) {
  return {
    error: (iss: { input?: unknown }) =>
      RULE_TAG +
      JSON.stringify({
        code,
        message: typeof message === 'string' ? message : message(iss.input),
        ...(hint ? { hint } : {}),
      }),
  };
}

/** The rule behind a custom zod message, or undefined for zod's own messages. */
export function decodeRule(message: string): RuleMessage | undefined {
  return message.startsWith(RULE_TAG)
    ? (JSON.parse(message.slice(RULE_TAG.length)) as RuleMessage)
    : undefined;
}

const q = (v: unknown) => JSON.stringify(v);

// The sha256 spelling (WRITTEN_SHA256_RE) lives in src/oci, next to the Digest it becomes.
// A template becomes /models/<name>.tmpl, so its name must be one plain file name.
// eslint-disable-next-line no-control-regex -- control characters are what this rejects
const TEMPLATE_NAME_RE = /^(?!\.\.?$)[^/\\\u0000-\u001f]+$/;
// The fine-tune output becomes <name>-<quantize>.gguf in the exported directory.
const OUTPUT_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const QUANTIZE_RE = /^[a-z0-9_]+$/;

const ApiVersionSchema = z
  .literal(API_VERSION)
  .describe(`Version of the aikitfile format. Must be "${API_VERSION}".`);

const Sha256Schema = z
  .string()
  .regex(
    WRITTEN_SHA256_RE,
    rule(
      'INVALID_SHA256',
      (v) => `sha256 ${q(v)} is not 64 hex digits`,
      'write the digest as 64 hex characters, optionally prefixed with "sha256:"',
    ),
  )
  .describe(
    'Expected SHA-256 digest of the model file: 64 hex digits, optionally prefixed "sha256:". The download fails on a mismatch. Verified for every single-file download (http, huggingface, oci).',
  );

/** One prompt template entry of a model. */
export const PromptTemplateSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .regex(
        TEMPLATE_NAME_RE,
        rule(
          'INVALID_TEMPLATE_NAME',
          (v) => `template name ${q(v)} is not a plain file name`,
          'the template is written to /models/<name>.tmpl: use no "/", "\\" or control characters',
        ),
      )
      .describe(
        'Template name. Written to /models/<name>.tmpl; the LocalAI config refers to it by this name (e.g. template.chat: <name>).',
      ),
    template: z
      .string()
      .min(1)
      .describe('Go text/template body, written byte for byte (no shell unescaping).'),
  })
  .describe('A prompt template written next to the models for LocalAI.');

/** One model of an inference aikitfile. */
export const ModelSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .describe(
        'Model name. When it contains "/", the file goes into /models/<dirname(name)>/; a build-arg model also uses it as the API model name.',
      ),
    source: z
      .string()
      .min(1)
      .describe(
        'Where the model comes from: an http(s) URL; huggingface://org/repo/file, huggingface://org/repo/branch/file, huggingface://org/repo@revision/path/to/file or huggingface://org/repo[@revision] (whole repository); oci://registry/repository[:tag][@digest] (tag defaults to latest); or a file path relative to the build context.',
      ),
    sha256: Sha256Schema.optional(),
    promptTemplates: z
      .array(PromptTemplateSchema)
      .default([])
      .describe('LocalAI only: prompt templates for this model, each written to /models/<name>.tmpl.'),
    contextSize: z
      .int()
      .min(0)
      .optional()
      .describe(
        "llama-server only: the context size in tokens (preset key ctx-size). 0 or absent: the model's trained context length.",
      ),
    chatTemplate: z
      .string()
      .min(1)
      .optional()
      .describe(
        'llama-server only: a Jinja chat template, written byte for byte to /models/<name>.jinja and used with chat-template-file. Absent: the template in the GGUF file.',
      ),
    stop: z
      .array(z.string().min(1))
      .meta({ maxItems: 1 })
      .optional()
      .describe(
        "llama-server only: a stop word (preset key reverse-prompt); generation ends when the model writes it. At most one, because llama-server's preset holds one per model; requests can send more in their stop list.",
      ),
    gpuLayers: z
      .union(
        [z.int().min(0), z.enum(['auto', 'all'])],
        rule(
          'INVALID_GPU_LAYERS',
          (v) => `gpuLayers ${q(v)} is not a number of layers, "auto" or "all"`,
          'give a whole number of layers (0 keeps the model on the CPU), "all" or "auto"',
        ),
      )
      .optional()
      .describe(
        'llama-server only: how many layers to offload to the GPU (preset key n-gpu-layers): a number, "all", or "auto" (as many as fit; the server\'s default).',
      ),
    embeddings: z
      .union([z.boolean(), z.enum(EMBEDDING_POOLINGS)])
      .optional()
      .describe(
        'llama-server only: serve /v1/embeddings with this model (preset key embeddings), which then answers embeddings only, not chat. true pools as the model file says; "mean", "cls" or "last" sets the pooling (preset key pooling), which a chat model used for embeddings needs.',
      ),
  })
  .describe('A model file (or repository) to put under /models.');

/** The `runtime` field. */
export const RuntimeSchema = z
  .enum(RUNTIMES)
  .describe(
    'Accelerator runtime: "" for CPU (default), "cuda" (NVIDIA), "applesilicon" (Vulkan via Podman/libkrun, arm64 only) or "rocm" (AMD, amd64 only). Overridden by --build-arg runtime=<value> when non-empty.',
  );

/** One entry of `backends`. */
export const BackendSchema = z
  .enum(BACKENDS)
  .describe(
    'LocalAI backend: "llama-cpp" (the default when none is given), "diffusers" and "vllm" (CUDA), "mamba" (LocalAI transformers, CUDA) or "exllama2" (CUDA, legacy LocalAI).',
  );

/** The `server` field. */
export const ServerSchema = z
  .enum(SERVERS)
  .describe(
    'The server in the image: "localai" (default) runs LocalAI with its backends, promptTemplates and config; "llama-server" runs llama.cpp\'s own OpenAI-compatible server, which serves each GGUF model under its name and takes its settings from the model fields contextSize, chatTemplate, stop, gpuLayers and embeddings.',
  );

/** An inference aikitfile: a server (LocalAI or llama-server) with models and their settings. */
export const InferenceSchema = z
  .strictObject({
    apiVersion: ApiVersionSchema,
    server: ServerSchema.default('localai'),
    debug: z
      .boolean()
      .default(false)
      .describe('Verbose server logs: LocalAI with --debug, llama-server with --verbose.'),
    runtime: RuntimeSchema.default(''),
    backends: z
      .array(BackendSchema)
      .meta({ maxItems: 1 })
      .default([])
      .describe('LocalAI only: backends to install; at most one. Empty means llama-cpp.'),
    models: z
      .array(ModelSchema)
      .default([])
      .describe(
        'Models to put in the image. Optional: an image without models is valid. Replaced by --build-arg model=<source>.',
      ),
    config: z
      .string()
      .optional()
      .describe(
        'LocalAI only: the model configuration (YAML, usually a | block), written byte for byte to /config.yaml and passed with --config-file. Replaced by the generated config when --build-arg model is set.',
      ),
    loadToMemory: z
      .array(
        z
          .string()
          .min(1)
          .regex(
            // eslint-disable-next-line no-control-regex -- control characters are what this rejects
            /^[^,\\\u0000]+$/,
            rule(
              'INVALID_LOAD_TO_MEMORY',
              (v) => `loadToMemory entry ${q(v)} must not contain commas, backslashes or NUL`,
              'the names are joined with commas into LOCALAI_LOAD_TO_MEMORY',
            ),
          ),
      )
      .default([])
      .describe(
        'Model names to load into memory at start-up: LOCALAI_LOAD_TO_MEMORY for LocalAI, load-on-startup for llama-server.',
      ),
  })
  .describe(
    'An inference aikitfile: an image whose server (LocalAI or llama-server) serves the given models.',
  );

const UnslothSchema = z
  .strictObject({
    packing: z.boolean().default(false).describe('Pack short sequences together (SFTTrainer packing).'),
    maxSeqLength: z.int().min(1).default(2048).describe('Maximum sequence length.'),
    loadIn4bit: z
      .boolean()
      .default(true)
      .describe('Load the base model in 4-bit. Defaults to true, which is what the reference always did.'),
    batchSize: z.int().min(1).default(2).describe('Per-device train batch size.'),
    gradientAccumulationSteps: z.int().min(1).default(4).describe('Gradient accumulation steps.'),
    warmupSteps: z.int().min(0).default(10).describe('Learning-rate warm-up steps.'),
    maxSteps: z.int().min(1).default(60).describe('Total training steps.'),
    learningRate: z.number().positive().default(0.0002).describe('Learning rate.'),
    loggingSteps: z.int().min(1).default(1).describe('Log every N steps.'),
    optimizer: z.string().min(1).default('adamw_8bit').describe('Optimizer name (transformers `optim`).'),
    weightDecay: z.number().min(0).default(0.01).describe('Weight decay.'),
    lrSchedulerType: z
      .string()
      .min(1)
      .default('linear')
      .describe('Learning-rate scheduler (transformers `lr_scheduler_type`).'),
    seed: z.int().min(0).default(42).describe('Random seed.'),
  })
  .describe('Unsloth training settings. A field that is absent gets its default; an explicit 0 is kept.');

/** One fine-tune dataset. */
export const DatasetSchema = z
  .strictObject({
    source: z
      .string()
      .min(1)
      .describe('A Hugging Face dataset id (org/name) or an http(s) URL of a JSON file.'),
    type: z.enum(DATASET_TYPES).describe('Dataset format. Only "alpaca" is supported.'),
  })
  .describe('A training dataset.');

/** A fine-tune aikitfile: recognised by `baseModel` or `datasets` (decisions.md#d1). */
export const FinetuneSchema = z
  .strictObject({
    apiVersion: ApiVersionSchema,
    target: z
      .enum(FINETUNE_TARGETS)
      .optional()
      .describe('Fine-tuning tool. --target wins over this field; the default is "unsloth".'),
    baseModel: z.string().min(1).describe('Base model to fine-tune: a Hugging Face model id.'),
    datasets: z
      .array(DatasetSchema)
      .meta({ minItems: 1, maxItems: 1 })
      .describe('Training datasets; exactly one.'),
    config: z
      .strictObject({ unsloth: UnslothSchema.prefault({}) })
      .prefault({})
      .describe('Settings for the fine-tuning target.'),
    output: z
      .strictObject({
        quantize: z
          .string()
          .regex(
            QUANTIZE_RE,
            rule('INVALID_QUANTIZE', (v) => `quantize ${q(v)} is not a quantization method name`),
          )
          .default('q4_k_m')
          .describe('GGUF quantization method (Unsloth quantization_method), e.g. q4_k_m, q8_0, f16.'),
        name: z
          .string()
          .regex(
            OUTPUT_NAME_RE,
            rule(
              'INVALID_OUTPUT_NAME',
              (v) => `output name ${q(v)} is not a safe file name`,
              'use letters, digits, ".", "_" and "-", starting with a letter or digit',
            ),
          )
          .default('aikit-model')
          .describe('Base name of the output file: <name>-<quantize>.gguf.'),
      })
      .prefault({})
      .describe('The exported model file.'),
  })
  .describe('A fine-tune aikitfile: trains a base model on a dataset and exports a GGUF file.');

/** Every aikitfile: inference or fine-tune. */
export const AikitfileSchema = z
  .union([InferenceSchema, FinetuneSchema])
  .describe(
    'An aikitfile. A file with baseModel or datasets is a fine-tune aikitfile; any other file is an inference aikitfile.',
  );

/** The inference aikitfile after defaults, before sources are parsed. */
export type RawInference = z.output<typeof InferenceSchema>;
/** The fine-tune aikitfile after defaults. */
export type RawFinetune = z.output<typeof FinetuneSchema>;
/** Unsloth settings after defaults. */
export type UnslothConfig = z.output<typeof UnslothSchema>;
/** One dataset. */
export type Dataset = z.output<typeof DatasetSchema>;
