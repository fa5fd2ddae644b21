import type { Platform } from '../../../llb/index.js';
import { isRunner, type Backend, type InferenceSpec } from '../../../aikitfile/index.js';
import { BACKEND_IMAGES, LOCALAI_STACKS, type LocalAIStack, type LocalAIVersion } from '../../catalog.js';
import { planTarget, type PlanOptions, type TargetPlan } from '../../matrix.js';

/** What one platform's LocalAI image is made of, after the matrix said yes. */
export interface LocalAIPlan extends TargetPlan {
  /** The aikitfile's backend (llama-cpp when it names none). */
  backend: Backend;
  /** The base and backend images of the runtime the image is built for. */
  stack: LocalAIStack;
  /** The LocalAI release of the first backend image (decisions.md#d13). */
  localai: LocalAIVersion;
  /** No models: the image fetches the one it is given at start-up (runner.ts). */
  runner: boolean;
}

/** Checks the matrix for one platform and picks the catalog's images; throws a located AikitError. */
export function planLocalAI(spec: InferenceSpec, platform: Platform, opts: PlanOptions = {}): LocalAIPlan {
  const target = planTarget(spec, platform, opts);
  // LocalAI has backends, so the matrix always names one (its default when the file names none).
  const backend = target.backend!;
  const stack = LOCALAI_STACKS.find((s) => s.runtime === target.runtime && s.backend === backend);
  if (!stack) throw new Error(`the catalog has no LocalAI images for runtime ${target.runtime} × ${backend}`);
  return {
    ...target,
    backend,
    stack,
    localai: BACKEND_IMAGES[stack.images[0]!].localai,
    runner: isRunner(spec),
  };
}
