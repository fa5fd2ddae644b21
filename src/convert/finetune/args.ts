// The images and settings of fine-tune builds that a build-arg replaces. A leaf module: the
// build-arg register (../build-args.ts) reads it without loading the graphs.

/** llama.cpp's image with every tool (llama-finetune, llama-quantize, python3): its `full` variant. */
export const LLAMA_CPP_FULL_IMAGE = 'ghcr.io/ggml-org/llama.cpp:full-b11347';
/** The build-arg that replaces it (a mirror, or an image of the same layout). */
export const LLAMA_CPP_FULL_IMAGE_ARG = 'AIKIT_LLAMA_CPP_FULL_IMAGE';

/** The CUDA development image the steps run in (the reference's, pinned by digest). */
export const UNSLOTH_BASE_IMAGE =
  'nvcr.io/nvidia/cuda:12.6.3-devel-ubuntu22.04@sha256:d49bb8a4ff97fb5fe477947a3f02aa8c0a53eae77e11f00ec28618a0bcaa2ad1';
/** The build-arg that replaces it (a mirror, or an image with the same layout). */
export const UNSLOTH_BASE_IMAGE_ARG = 'AIKIT_UNSLOTH_BASE_IMAGE';
/** The build-arg that names the CDI device of the GPU steps (default all GPUs). */
export const UNSLOTH_CDI_DEVICE_ARG = 'AIKIT_CDI_DEVICE';
export const DEFAULT_CDI_DEVICE = 'nvidia.com/gpu=all';
/**
 * The build-args that let the graph run on an engine without a GPU, with every step but the GPU
 * work really executing: a hash-locked requirements list of one's own (a stand-in package from a
 * local wheel directory), a trainer command of one's own, and the host network for its steps.
 */
export const UNSLOTH_REQUIREMENTS_ARG = 'AIKIT_UNSLOTH_REQUIREMENTS';
export const UNSLOTH_TRAINER_ARG = 'AIKIT_UNSLOTH_TRAINER';
export const UNSLOTH_NETWORK_ARG = 'AIKIT_UNSLOTH_NETWORK';

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
    default: DEFAULT_CDI_DEVICE,
  },
  {
    name: UNSLOTH_REQUIREMENTS_ARG,
    description:
      'target unsloth: the requirements.txt the pip step installs with --require-hashes instead of the pinned Unsloth set (every line hashed; e.g. --no-index --find-links DIR and a stand-in package, to test the graph without a GPU)',
    default: '',
  },
  {
    name: UNSLOTH_TRAINER_ARG,
    description:
      "target unsloth: the command (run by /bin/sh, the phase train or export appended) the GPU steps run instead of the venv's python with aikit's trainer program; a stand-in trainer tests the graph without a GPU",
    default: '',
  },
  {
    name: UNSLOTH_NETWORK_ARG,
    description:
      'target unsloth: network of the train and export steps: sandbox, or host (needs --allow network.host; datasets on a loopback server)',
    default: 'sandbox',
  },
] as const;
