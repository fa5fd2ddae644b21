import { posix } from 'node:path';
import { RUNTIMES } from './schema.js';
import { serverRules } from './servers/index.js';
import type { Reporter } from './report.js';
import { parseModelSource, sourceFileName } from './sources.js';
import { didYouMean } from './suggest.js';
import type { ModelSource } from './types.js';

/**
 * The model name the reference derives from a `model` build-arg: the file name for Hugging Face
 * and http(s); the repository's last component for OCI (`oci://registry.ollama.ai/library/llama3.2:1b`
 * gives `llama3.2`); the path's basename for a local file.
 */
export function modelNameFromArg(source: ModelSource): string {
  return source.kind === 'local' ? posix.basename(source.path) : sourceFileName(source);
}

/** A build-arg the aikitfile language reads itself; convert's register of build-args lists these. */
export interface LanguageArg {
  name: string;
  description: string;
  default: string;
}

/** The language's own build-args (decisions.md#build-args), read by {@link applyBuildArgs}. */
export const LANGUAGE_ARGS = [
  {
    name: 'model',
    description:
      'one model file (a models[].source) that replaces the models and config of an inference aikitfile',
    default: '',
  },
  {
    name: 'runtime',
    description: "the runtime of an inference aikitfile, overriding the file's",
    default: '',
  },
] as const satisfies readonly LanguageArg[];

type LanguageArgName = (typeof LANGUAGE_ARGS)[number]['name'];
const MODEL_ARG: LanguageArgName = 'model';
const RUNTIME_ARG: LanguageArgName = 'runtime';

/** What the build-args changed, for the rules and the locator that run afterwards. */
export interface BuildArgEffect {
  /** The models and config were replaced by `--build-arg model`. */
  modelsFromBuildArg: boolean;
  /** Set when `--build-arg runtime` overrode the file's runtime. */
  runtimeOrigin?: string;
}

/**
 * Applies `model` and `runtime` build-args to raw inference data, in place (decisions.md#build-args):
 * `model` replaces models and config with one model and the generated config (llama-server:
 * the model only, as it reads no config); a non-empty
 * `runtime` overrides the file's. Bad values are reported without a range.
 */
export function applyBuildArgs(
  data: Record<string, unknown>,
  args: Record<string, string> | undefined,
  r: Reporter,
): BuildArgEffect {
  const effect: BuildArgEffect = { modelsFromBuildArg: false };
  const runtime = args?.[RUNTIME_ARG];
  if (runtime) {
    if ((RUNTIMES as readonly string[]).includes(runtime)) {
      data['runtime'] = runtime;
      effect.runtimeOrigin = '--build-arg runtime';
    } else {
      r.unplaced(
        'error',
        'UNSUPPORTED_RUNTIME',
        `build-arg runtime ${JSON.stringify(runtime)} is not supported${didYouMean(
          runtime,
          RUNTIMES.filter((x) => x),
        )}`,
        `supported: ${RUNTIMES.filter((x) => x).join(', ')}`,
      );
    }
  }
  const model = args?.[MODEL_ARG];
  if (model) {
    const parsed = parseModelSource(model);
    if (!parsed.ok) {
      r.unplaced(
        'error',
        parsed.problem.code,
        `build-arg model: ${parsed.problem.message}`,
        parsed.problem.hint,
      );
    } else if (parsed.source.kind === 'huggingface' && parsed.source.file === undefined) {
      r.unplaced(
        'error',
        'BUILD_ARG_MODEL_NOT_A_FILE',
        'build-arg model must name one file, not a whole repository',
        'the generated config loads a single file with llama; write the models in an aikitfile instead',
      );
    } else {
      const name = modelNameFromArg(parsed.source);
      data['models'] = [{ name, source: model }];
      const config = serverRules(data['server']).configForModelArg?.(name);
      if (config !== undefined) data['config'] = config;
      effect.modelsFromBuildArg = true;
    }
  }
  return effect;
}

/** Build-args that only inference files use: warn when a fine-tune build passes them. */
export function warnIgnoredBuildArgs(args: Record<string, string> | undefined, r: Reporter): void {
  for (const { name: key } of LANGUAGE_ARGS) {
    if (args?.[key]) {
      r.unplaced('warning', 'IGNORED_BUILD_ARG', `build-arg ${key} is ignored for a fine-tune aikitfile`);
    }
  }
}
