import type { Digest } from '../oci/index.js';
import type { Issue, SourceRange } from '../util/errors.js';
import type { BACKENDS, Dataset, FINETUNE_TARGETS, RUNTIMES, SERVERS, UnslothConfig } from './schema.js';

/** An http(s) download. */
export interface HttpSource {
  kind: 'http';
  /** The URL exactly as written. */
  url: string;
}

/** A file in the build context (decisions.md#d5). */
export interface LocalSource {
  kind: 'local';
  /** Context-relative, normalised posix path without a leading `./`. */
  path: string;
}

/** A file or whole repository on the Hugging Face Hub (decisions.md#d6). */
export interface HuggingFaceSource {
  kind: 'huggingface';
  /** `org/repo`. */
  repo: string;
  /** Branch, tag or commit; `main` when not given. */
  revision: string;
  /** Path of the file inside the repository; absent for a whole repository. */
  file?: string;
}

/** An OCI artifact (decisions.md#d7), e.g. an ollama model. */
export interface OciSource {
  kind: 'oci';
  /** Normalised reference `registry/repository[:tag][@digest]`. */
  ref: string;
  registry: string;
  repository: string;
  /** Defaults to `latest` when neither tag nor digest is given. */
  tag?: string;
  /** Set when the reference pins one. */
  digest?: Digest;
  /** The registry is `registry.ollama.ai`, whose manifests need the ollama media types. */
  ollama: boolean;
}

/** Where a model comes from. */
export type ModelSource = HttpSource | LocalSource | HuggingFaceSource | OciSource;

/** A prompt template, written to `/models/<name>.tmpl`. */
export interface PromptTemplate {
  name: string;
  template: string;
}

/** One model of an inference spec. */
export interface Model {
  name: string;
  source: ModelSource;
  /** Canonical, whichever spelling the aikitfile used. */
  sha256?: Digest;
  /** LocalAI only. */
  promptTemplates: PromptTemplate[];
  /** llama-server only: context size in tokens (`ctx-size`); 0 is the model's own. */
  contextSize?: number;
  /** llama-server only: Jinja chat template text, written to `/models/<name>.jinja`. */
  chatTemplate?: string;
  /** llama-server only: at most one stop word (`reverse-prompt`). */
  stop?: string[];
  /** llama-server only: layers to offload to the GPU (`n-gpu-layers`). */
  gpuLayers?: number | 'auto' | 'all';
  /** llama-server only: serve embeddings (`embeddings`), with this pooling (`pooling`) unless true. */
  embeddings?: boolean | 'mean' | 'cls' | 'last';
  /** Position in `models[]`, for locating the model's nodes. */
  index: number;
}

/** The server an inference image runs. */
export type Server = (typeof SERVERS)[number];

/** The accelerator runtime; `''` is CPU. */
export type Runtime = (typeof RUNTIMES)[number];
/** A LocalAI backend name. */
export type Backend = (typeof BACKENDS)[number];

/** An inference aikitfile after defaults and build-args. */
export interface InferenceSpec {
  kind: 'inference';
  apiVersion: 'v1alpha1';
  /** `localai` unless the file says `server: llama-server`. */
  server: Server;
  debug: boolean;
  runtime: Runtime;
  /** LocalAI only; always empty for llama-server. */
  backends: Backend[];
  models: Model[];
  /** LocalAI config YAML, written byte for byte to /config.yaml; absent when the file has none (always for llama-server). */
  config?: string;
  /** Model names to load at start-up (LOCALAI_LOAD_TO_MEMORY, or llama-server's load-on-startup); empty when not set. */
  loadToMemory: string[];
}

/** A fine-tune aikitfile after defaults (decisions.md#d14: only absent fields get defaults). */
export interface FinetuneSpec {
  kind: 'finetune';
  apiVersion: 'v1alpha1';
  /** From --target, else the file's `target`, else `unsloth` (decisions.md#d14). */
  target: (typeof FINETUNE_TARGETS)[number];
  baseModel: string;
  datasets: Dataset[];
  config: { unsloth: UnslothConfig };
  output: { quantize: string; name: string };
}

/** Either kind of aikitfile. */
export type AikitSpec = InferenceSpec | FinetuneSpec;

/** A loaded aikitfile: the spec, its warnings and a way back to the YAML. */
export interface LoadedSpec {
  spec: AikitSpec;
  warnings: Issue[];
  /** Range of the node at a key path, e.g. ['models', 1] or ['models', 1, 'source']; undefined if absent. */
  locate(path: readonly (string | number)[]): SourceRange | undefined;
}

/** Options for loadAikitfile. */
export interface LoadOptions {
  /** BuildKit build-args without the `build-arg:` prefix (`model`, `runtime`). */
  buildArgs?: Record<string, string>;
  /** The frontend's `target` option (--target), which picks the fine-tune target (decisions.md#d14). */
  target?: string;
}
