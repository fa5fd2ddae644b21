import { posix } from 'node:path';
import type { InferenceSpec } from '../../../aikitfile/index.js';
import { imageConfig } from '../../image-config.js';
import { RUNNER_CACHE, RUNNER_LABEL, runnerCacheDir } from '../runner.js';
import type { PartsOptions, ServerParts } from '../server.js';
import type { LocalAIPlan } from './plan.js';
import { RUNNER_ENTRYPOINT, runnerScript } from './runner-script.js';
import type { RuntimeParts } from './runtime.js';

// A LocalAI runner (backends and no models): LocalAI and its backend as in any image, and above
// them the entrypoint that fetches the model into /models and starts LocalAI on it.

/** Where diffusers and vllm keep the Hub's cache: on the /models volume, as the reference. */
const RUNNER_HF_HOME = `HF_HOME=${RUNNER_CACHE}/.cache/huggingface`;

export function runnerParts(
  spec: InferenceSpec,
  plan: LocalAIPlan,
  opts: PartsOptions,
  runtime: RuntimeParts,
): ServerParts {
  const script = runnerScript({ backend: plan.backend, debug: spec.debug });
  const image = imageConfig(spec, opts.platform, {}, runtime.image);
  return {
    base: runtime.base,
    layers: [
      ...runtime.layers,
      {
        action: runnerCacheDir()
          .mkdir(posix.dirname(RUNNER_ENTRYPOINT), 0o755, { makeParents: true })
          .mkfile(RUNNER_ENTRYPOINT, 0o755, script),
        name: `${opts.tag} write the runner ${RUNNER_ENTRYPOINT} and ${RUNNER_CACHE}`,
        location: opts.at(['backends']),
      },
    ],
    image: {
      ...image,
      config: {
        ...image.config,
        Env: [...image.config.Env, RUNNER_HF_HOME],
        // The model is the argument: `docker run <image> <url or org/repo>`.
        Entrypoint: [RUNNER_ENTRYPOINT],
        Cmd: [],
        Labels: {
          ...image.config.Labels,
          'org.opencontainers.image.description':
            'LocalAI OpenAI-compatible runner built by aikit: downloads the model it is given at start',
          [RUNNER_LABEL]: 'true',
          ...opts.labels,
        },
      },
    },
  };
}
