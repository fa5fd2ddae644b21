// The aikitfile language's public API: everything else in src/aikitfile is private to it.
export { loadAikitfile } from './load.js';
export { modelDestination, modelFileName, parseModelSource } from './sources.js';
export type { SourceProblem, SourceResult } from './sources.js';
export { applyBuildArgs, LANGUAGE_ARGS, modelNameFromArg } from './args.js';
export { generateInferenceConfig } from './servers/localai.js';
export { isRunner } from './servers/runner.js';
export type { LanguageArg } from './args.js';
export { aikitJsonSchema } from './json-schema.js';
export {
  API_VERSION,
  BACKENDS,
  DATASET_TYPES,
  FINETUNE_TARGETS,
  LLAMA_SERVER_MODEL_FIELDS,
  LOADER_TYPES,
  OBJECTIVE_TYPES,
  OUTPUT_FORMATS,
  RUNTIMES,
  SERVERS,
} from './schema.js';
export type { Dataset, DatasetLoader, LlamaCppTrainConfig, UnslothConfig } from './schema.js';
export type {
  AikitSpec,
  Backend,
  FinetuneObjective,
  FinetuneOutput,
  FinetuneSpec,
  HttpSource,
  HuggingFaceSource,
  InferenceSpec,
  LoadedSpec,
  LoadOptions,
  LocalSource,
  Model,
  ModelSource,
  OciSource,
  PromptTemplate,
  Runtime,
  Server,
} from './types.js';
export { ARCHES, combinationFor, combinationProblem, MATRIX } from './matrix.js';
export type { Arch, ArchLimit, Combination, Fallback, MatrixProblem, ServerMatrix } from './matrix.js';
