import type { Platform } from '../../../llb/index.js';
import { isRunner, type InferenceSpec } from '../../../aikitfile/index.js';
import { llamaServerImageRef } from '../../artifacts.js';
import { LLAMA_SERVER_BINARY, LLAMA_SERVER_IMAGES, type LlamaServerImageId } from '../../catalog.js';
import { DEFAULT_PATH, modelLabels, type ImageConfig } from '../../image-config.js';
import { planTarget, type TargetPlan } from '../../matrix.js';
import { RUNNER_CACHE, RUNNER_LABEL, runnerCacheDir } from '../runner.js';
import { imageSource, type PartsOptions, type Server, type ServerParts } from '../server.js';
import { LLAMA_SERVER_PRESET, llamaServerFiles } from './preset.js';

// `server: llama-server`: the image is llama.cpp's own server image with the models on top. The
// server runs in router mode: one preset section per model, named as the aikitfile names it
// (preset.ts). Nothing of LocalAI is in these images.

/** Where llama-server listens in the container, as LocalAI images do. */
export const LLAMA_SERVER_PORT = 8080;

/** What one platform's llama-server image is built from. */
export interface LlamaServerPlan extends TargetPlan {
  image: LlamaServerImageId;
}

export const llamaServer: Server<LlamaServerPlan> = {
  plan(spec, platform, opts) {
    const target = planTarget(spec, platform, opts);
    return { ...target, image: target.runtime === '' ? 'cpu' : target.runtime };
  },
  imageRefs: (plan, artifacts) => [llamaServerImageRef(artifacts, plan.image)],
  parts(spec, plan, opts) {
    const baseRef = llamaServerImageRef(opts.artifacts, plan.image);
    if (isRunner(spec)) return runnerParts(spec, plan, opts, baseRef);
    return {
      base: imageSource(baseRef, `${opts.tag} llama-server image ${baseRef}`, opts),
      layers: [
        {
          action: llamaServerFiles(spec),
          name: '[aikit] write llama-server presets and chat templates',
          location: opts.at([]),
        },
      ],
      image: llamaServerImageConfig(spec, plan, opts.platform, baseRef, opts.labels),
    };
  },
};

/**
 * The image config: llama.cpp's server in router mode on 0.0.0.0:8080 with the generated preset.
 * The server image's own config is not inherited; its WorkingDir (/app, where its libraries and
 * ggml's CPU backends are) and the runtime's env are written here.
 */
export function llamaServerImageConfig(
  spec: InferenceSpec,
  plan: LlamaServerPlan,
  platform: Platform,
  baseRef: string,
  labels: Record<string, string>,
): ImageConfig {
  return {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: {
      Env: [DEFAULT_PATH, ...LLAMA_SERVER_IMAGES[plan.image].env],
      Entrypoint: [LLAMA_SERVER_BINARY],
      Cmd: [
        '--host',
        '0.0.0.0',
        '--port',
        String(LLAMA_SERVER_PORT),
        '--models-preset',
        LLAMA_SERVER_PRESET,
        ...(spec.debug ? ['--verbose'] : []),
      ],
      WorkingDir: '/app',
      ExposedPorts: { [`${LLAMA_SERVER_PORT}/tcp`]: {} },
      Labels: {
        ...modelLabels(spec.models),
        'org.opencontainers.image.description':
          "llama.cpp's llama-server (OpenAI-compatible) model server built by aikit",
        'ai.kaito.aikit.server': 'llama-server',
        'ai.kaito.aikit.runtime': plan.runtime === '' ? 'cpu' : plan.runtime,
        'ai.kaito.aikit.llama-server.image': baseRef,
        ...labels,
      },
    },
    rootfs: { type: 'layers', diff_ids: [] },
  };
}

/**
 * A llama-server runner: llama.cpp's server image and an empty /models, where llama-server keeps
 * what `-hf org/repo[:quant]` or `-mu <url>` (given to `docker run` after the image) downloads
 * (LLAMA_CACHE). It reads HF_TOKEN and HF_ENDPOINT itself.
 */
function runnerParts(
  spec: InferenceSpec,
  plan: LlamaServerPlan,
  opts: PartsOptions,
  baseRef: string,
): ServerParts {
  const image = llamaServerImageConfig(spec, plan, opts.platform, baseRef, {});
  const config = image.config;
  return {
    base: imageSource(baseRef, `${opts.tag} llama-server image ${baseRef}`, opts),
    layers: [{ action: runnerCacheDir(), name: `[aikit] create ${RUNNER_CACHE} for downloaded models` }],
    image: {
      ...image,
      config: {
        ...config,
        Env: [...config.Env, `LLAMA_CACHE=${RUNNER_CACHE}`],
        // The model arguments come after these: `docker run <image> -hf org/repo`.
        Entrypoint: [
          LLAMA_SERVER_BINARY,
          '--host',
          '0.0.0.0',
          '--port',
          String(LLAMA_SERVER_PORT),
          ...(spec.debug ? ['--verbose'] : []),
        ],
        Cmd: [],
        Labels: {
          'org.opencontainers.image.description':
            "llama.cpp's llama-server (OpenAI-compatible) runner built by aikit: downloads the model it is given at start",
          'ai.kaito.aikit.server': 'llama-server',
          'ai.kaito.aikit.runtime': plan.runtime === '' ? 'cpu' : plan.runtime,
          'ai.kaito.aikit.llama-server.image': baseRef,
          [RUNNER_LABEL]: 'true',
          ...opts.labels,
        },
      },
    },
  };
}
