import type { FinetuneSpec } from '../../aikitfile/index.js';
import { LLAMA_CPP_FULL_IMAGE, LLAMA_CPP_FULL_IMAGE_ARG, llamaCppFinetune } from './llama-cpp.js';
import {
  UNSLOTH_BASE_IMAGE,
  UNSLOTH_BASE_IMAGE_ARG,
  UNSLOTH_CDI_DEVICE_ARG,
  unslothFinetune,
} from './unsloth.js';
import type { FinetuneOptions, FinetuneResult } from './options.js';

export { LLAMA_CPP_FULL_IMAGE, LLAMA_CPP_FULL_IMAGE_ARG };
export type { FinetuneOptions, FinetuneResult } from './options.js';
export { UNSLOTH_BASE_IMAGE, UNSLOTH_BASE_IMAGE_ARG, UNSLOTH_CDI_DEVICE_ARG };

/** The `AIKIT_*` build-args of fine-tune builds, with their defaults, for `aikit artifacts` and the docs. */
export const FINETUNE_ARGS = [
  {
    name: LLAMA_CPP_FULL_IMAGE_ARG,
    description:
      "target llama-cpp: the image with llama-finetune, llama-quantize and python3 (llama.cpp's full image layout)",
    default: LLAMA_CPP_FULL_IMAGE,
  },
  {
    name: UNSLOTH_BASE_IMAGE_ARG,
    description: 'target unsloth: the CUDA development image the steps run in',
    default: UNSLOTH_BASE_IMAGE,
  },
  {
    name: UNSLOTH_CDI_DEVICE_ARG,
    description: 'target unsloth: the CDI device the GPU steps get on engines with CDI',
    default: 'nvidia.com/gpu=all',
  },
] as const;

/** Converts a fine-tune aikitfile into the LLB of its target; the result is a directory, not an image. */
export function convertFinetune(spec: FinetuneSpec, opts: FinetuneOptions): FinetuneResult {
  switch (spec.target) {
    case 'llama-cpp':
      return llamaCppFinetune(spec, opts);
    case 'unsloth':
      return unslothFinetune(spec, opts);
  }
}
