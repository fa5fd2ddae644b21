import { imageConfig } from '../../image-config.js';
import type { Layer } from '../../layers.js';
import type { Server } from '../server.js';
import { templateAndConfigFiles } from './files.js';
import { planLocalAI, type LocalAIPlan } from './plan.js';
import { runnerParts } from './runner.js';
import { runtimeImages, runtimeParts } from './runtime.js';

// `server: localai` (the default): the LocalAI binary and its backends on a base from the
// catalog, under the model files; the prompt templates and the config above them.

export const localai: Server<LocalAIPlan> = {
  plan: planLocalAI,
  imageRefs(plan, artifacts) {
    const images = runtimeImages(plan, artifacts);
    return [images.baseRef, ...images.backends.map((b) => b.ref)];
  },
  parts(spec, plan, opts) {
    const runtime = runtimeParts(plan, opts);
    if (plan.runner) return runnerParts(spec, plan, opts, runtime);
    const small = templateAndConfigFiles(spec);
    const layers: Layer[] = [
      ...runtime.layers,
      ...(small
        ? [{ action: small, name: '[aikit] write prompt templates and config', location: opts.at([]) }]
        : []),
    ];
    return {
      base: runtime.base,
      layers,
      image: imageConfig(spec, opts.platform, opts.labels, runtime.image),
    };
  },
};
