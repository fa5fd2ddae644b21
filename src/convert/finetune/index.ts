import type { FinetuneSpec } from '../../aikitfile/index.js';
import { llamaCppFinetune } from './llama-cpp.js';
import { unslothFinetune } from './unsloth.js';
import type { FinetuneOptions, FinetuneResult } from './options.js';

export type { FinetuneOptions, FinetuneResult } from './options.js';
export {
  FINETUNE_ARGS,
  LLAMA_CPP_FULL_IMAGE,
  LLAMA_CPP_FULL_IMAGE_ARG,
  UNSLOTH_BASE_IMAGE,
  UNSLOTH_BASE_IMAGE_ARG,
  UNSLOTH_CDI_DEVICE_ARG,
} from './args.js';

/** Converts a fine-tune aikitfile into the LLB of its target; the result is a directory, not an image. */
export function convertFinetune(spec: FinetuneSpec, opts: FinetuneOptions): FinetuneResult {
  switch (spec.target) {
    case 'llama-cpp':
      return llamaCppFinetune(spec, opts);
    case 'unsloth':
      return unslothFinetune(spec, opts);
  }
}
