import type { InferenceSpec } from '../types.js';
import { asArray, type RuleContext } from './rules.js';

// A runner image has a server and no models: it downloads the model it is given when the
// container starts (website/docs/runners.md). LocalAI files say so as the reference's do, with
// `backends` and no `models`; a LocalAI file with a `config` names its models there and stays a
// complete image (the diffusers and vllm samples, whose backends fetch the weights themselves).
// A llama-server file without models is a runner: llama.cpp's server downloads from the Hub.

/** Whether an aikitfile's data (after build-args) describes a runner image. */
export function isRunnerData(data: Record<string, unknown>): boolean {
  if (asArray(data['models']).length > 0) return false;
  if (data['server'] === 'llama-server') return true;
  return asArray(data['backends']).length > 0 && data['config'] === undefined;
}

/** Whether an inference spec builds a runner image. */
export function isRunner(spec: Pick<InferenceSpec, 'server' | 'models' | 'backends' | 'config'>): boolean {
  if (spec.models.length > 0) return false;
  if (spec.server === 'llama-server') return true;
  return spec.backends.length > 0 && spec.config === undefined;
}

/** A LocalAI runner's limit: it installs its downloader with apt, which Apple Silicon's Fedora base lacks. */
export function checkLocalAIRunner(data: Record<string, unknown>, ctx: RuleContext): void {
  const r = ctx.reporter;
  const backends = asArray(data['backends']);
  // Another backend on Apple Silicon is the matrix's conflict already; one error is enough.
  if (data['runtime'] === 'applesilicon' && backends.every((b) => b === 'llama-cpp')) {
    const origin = ctx.runtimeOrigin ? ` (from ${ctx.runtimeOrigin})` : '';
    r.error(
      'RUNNER_NOT_SUPPORTED',
      ctx.runtimeOrigin ? ['backends'] : ['runtime'],
      `a runner image (backends and no models) cannot be built for runtime applesilicon${origin}`,
      {
        hint: "its Fedora base has no apt for the runner's downloader: add the models to the file, or build the runner for another runtime",
      },
    );
  }
}
