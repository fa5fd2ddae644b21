import type { FinetuneSpec } from '../../aikitfile/index.js';
import { AikitError } from '../../util/errors.js';
import type { FinetuneOptions, FinetuneResult } from './options.js';

/** The LLB of an Unsloth fine-tune on an NVIDIA GPU. */
export function unslothFinetune(_spec: FinetuneSpec, _opts: FinetuneOptions): FinetuneResult {
  throw new AikitError('UNSUPPORTED_SPEC', 'target unsloth cannot be converted yet', {
    hint: 'use target: llama-cpp to fine-tune on CPU',
  });
}
