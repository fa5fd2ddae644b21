import { copy, image, mkfile, scratch, type RunMount, type RunOptions, type State } from '../../llb/index.js';
import type { FinetuneSpec } from '../../aikitfile/index.js';
import { AikitError, type Issue } from '../../util/errors.js';
import {
  DEFAULT_CDI_DEVICE,
  UNSLOTH_BASE_IMAGE,
  UNSLOTH_BASE_IMAGE_ARG,
  UNSLOTH_CDI_DEVICE_ARG,
  UNSLOTH_NETWORK_ARG,
  UNSLOTH_REQUIREMENTS_ARG,
  UNSLOTH_TRAINER_ARG,
} from './args.js';
import type { FinetuneOptions, FinetuneResult } from './options.js';
import { UNSLOTH_REQUIREMENTS, UNSLOTH_VERSION } from './unsloth-requirements.js';
import {
  CONFIG_DIR,
  EXPORT_DIR,
  TRAINED_DIR,
  TRAINER_DIR,
  TRAINER_PROGRAM,
  TRAINER_SCRIPT,
} from './unsloth-trainer.js';

// target unsloth, the reference's graph shape: a CUDA development image gets the OS packages,
// then the Python packages from a hash-locked list in a venv; a train step and (for gguf) an
// export step run with the GPU; the result is copied to scratch for --output type=local.
//
// The GPU: on engines with CDI (BuildKit >= v0.20 with the NVIDIA CDI spec generated, cap
// exec.cdidevices) each GPU step asks for the device `nvidia.com/gpu=all`; the user passes
// nothing extra. On older engines the steps run with security mode insecure, the reference's
// earlier route: the engine's default runtime must be nvidia, and the build needs
// `--allow security.insecure` (and a builder started with that entitlement).
//
// Without a GPU the graph still runs with AIKIT_UNSLOTH_REQUIREMENTS (a hash-locked list of
// one's own), AIKIT_UNSLOTH_TRAINER (a stand-in for the trainer) and AIKIT_UNSLOTH_BASE_IMAGE;
// absent, they leave the graph exactly as it is for a GPU.

const VENV = '/opt/aikit-venv';
const LOCK_DIR = '/aikit-lock';
const DATASETS_CACHE = '/tmp/aikit-datasets-cache';
const ENV = [
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/cuda/bin',
  'LD_LIBRARY_PATH=/usr/local/cuda/lib64',
  'PIP_CACHE_DIR=/root/.cache/pip',
  'HF_HOME=/root/.cache/huggingface',
  `HF_DATASETS_CACHE=${DATASETS_CACHE}`,
];

// Cache ids carry what their content depends on, so that a new pin never reads an old cache.
const cache = (dest: string, id: string, sharing: 'shared' | 'locked' = 'shared'): RunMount => ({
  dest,
  type: 'cache',
  cacheId: `aikit-finetune-${id}`,
  cacheSharing: sharing,
});
const GPU_CACHES = [
  cache('/root/.cache/huggingface', 'huggingface-v1'),
  cache(DATASETS_CACHE, 'datasets-v1'),
  cache('/root/.cache/torch', 'torch-v1'),
  cache('/root/.triton', 'triton-v1'),
];

const sh = (script: string) => ['/bin/sh', '-c', script];

/** The LLB of an Unsloth fine-tune on an NVIDIA GPU; its state is the output directory. */
export function unslothFinetune(spec: FinetuneSpec, opts: FinetuneOptions): FinetuneResult {
  const at = (path: readonly (string | number)[]) => {
    const l = opts.at?.(path);
    return l ? { location: l } : {};
  };
  const warnings: Issue[] = [];
  const ref = opts.buildArgs?.[UNSLOTH_BASE_IMAGE_ARG] || UNSLOTH_BASE_IMAGE;
  let state: State = image(ref, {
    platform: opts.platform,
    ...(opts.imageResolveMode ? { resolveMode: opts.imageResolveMode } : {}),
  });
  const run = (o: RunOptions) => state.run({ env: ENV, ...o }).root();

  state = run({
    args: sh(
      'rm -f /etc/apt/apt.conf.d/docker-clean && apt-get update && apt-get install -y --no-install-recommends cmake git python3 python3-dev python3-pip python3-venv',
    ),
    mounts: [
      cache('/var/cache/apt', 'apt-v1', 'locked'),
      cache('/var/lib/apt/lists', 'apt-lists-v1', 'locked'),
    ],
    name: '[aikit] install the OS packages of the Unsloth steps',
  });
  const requirements = opts.buildArgs?.[UNSLOTH_REQUIREMENTS_ARG] || UNSLOTH_REQUIREMENTS;
  const lock = scratch().file(mkfile('requirements.txt', 0o444, withNewline(requirements)), {
    name: '[aikit] write the hash-locked Python requirements',
  });
  state = run({
    args: sh(
      `python3 -m venv ${VENV} && ${VENV}/bin/pip install --disable-pip-version-check --no-deps --only-binary=:all: --require-hashes -r ${LOCK_DIR}/requirements.txt`,
    ),
    mounts: [
      { dest: LOCK_DIR, source: lock, readonly: true },
      cache('/root/.cache/pip', `pip-py310-cu126-unsloth-${UNSLOTH_VERSION}`),
    ],
    name:
      requirements === UNSLOTH_REQUIREMENTS
        ? `[aikit] install Unsloth ${UNSLOTH_VERSION} and its pinned dependencies`
        : `[aikit] install the hash-locked Python packages of ${UNSLOTH_REQUIREMENTS_ARG}`,
  });

  const program = scratch().file(mkfile('trainer.py', 0o444, TRAINER_PROGRAM), {
    name: '[aikit] write the trainer',
  });
  const plan = {
    baseModel: spec.baseModel,
    objective: spec.objective,
    datasets: spec.datasets,
    config: { unsloth: spec.config.unsloth },
    output: spec.output,
  };
  const config = scratch().file(mkfile('config.json', 0o444, `${JSON.stringify(plan, null, 2)}\n`), {
    name: '[aikit] write the training plan',
  });
  const gpu = gpuAccess(opts, warnings);
  const trainer = opts.buildArgs?.[UNSLOTH_TRAINER_ARG] || `${VENV}/bin/python ${TRAINER_SCRIPT}`;
  const network = unslothNetwork(opts.buildArgs?.[UNSLOTH_NETWORK_ARG]);
  const phase = (name: 'train' | 'export', extra: RunMount[], title: string, location: object) =>
    run({
      args: sh(`ldconfig && nvidia-smi && ${trainer} ${name}`),
      mounts: [
        { dest: TRAINER_DIR, source: program, readonly: true },
        { dest: CONFIG_DIR, source: config, readonly: true },
        ...GPU_CACHES,
        ...extra,
      ],
      ...gpu,
      ...(network === 'host' ? { network } : {}),
      name: title,
      ...location,
    });

  const steps = `${spec.config.unsloth.maxSteps} step${spec.config.unsloth.maxSteps === 1 ? '' : 's'}`;
  state = phase(
    'train',
    [],
    `[aikit] fine-tune ${spec.baseModel} with Unsloth (${spec.objective.type}, ${steps})`,
    at(['datasets']),
  );

  const out = spec.output;
  if (out.format === 'adapter') {
    const result = scratch().file(
      copy(state, `${TRAINED_DIR}/`, `${out.name}/`, { dirCopyContents: true, createDestPath: true }),
      { name: `[aikit] copy the adapter to ${out.name}/` },
    );
    return { state: result, file: out.name, warnings };
  }
  const quantize = out.quantize ?? 'q4_k_m';
  state = phase(
    'export',
    [cache('/root/.unsloth', 'llama-cpp-v1')],
    `[aikit] export the merged model as GGUF (${quantize})`,
    at(['output']),
  );
  const file = `${out.name}-${quantize}.gguf`;
  const result = scratch().file(copy(state, `${EXPORT_DIR}/*.gguf`, file, { allowWildcard: true }), {
    name: `[aikit] copy the model to ${file}`,
  });
  return { state: result, file, warnings };
}

const withNewline = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);

/** Reads AIKIT_UNSLOTH_NETWORK, failing on a value it does not know. */
function unslothNetwork(value: string | undefined): 'sandbox' | 'host' {
  const v = value || 'sandbox';
  if (v === 'sandbox' || v === 'host') return v;
  throw new AikitError(
    'BAD_BUILD_ARG',
    `${UNSLOTH_NETWORK_ARG} must be sandbox or host, got ${JSON.stringify(v)}`,
    { hint: 'host (for datasets on a loopback server) needs --allow network.host' },
  );
}

function gpuAccess(opts: FinetuneOptions, warnings: Issue[]): Pick<RunOptions, 'cdiDevices' | 'security'> {
  if (opts.cdiDevices !== false) {
    return { cdiDevices: [{ name: opts.buildArgs?.[UNSLOTH_CDI_DEVICE_ARG] || DEFAULT_CDI_DEVICE }] };
  }
  warnings.push({
    severity: 'warning',
    code: 'GPU_NEEDS_INSECURE',
    message: 'this engine has no CDI devices, so the GPU steps run with security mode insecure',
    hint: 'build with --allow security.insecure, on an engine whose default runtime is nvidia and a builder that grants the entitlement: docker buildx create --driver docker-container --buildkitd-flags \'--allow-insecure-entitlement security.insecure\', or for Docker\'s own builder "builder": {"entitlements": {"security-insecure": true}} in daemon.json',
  });
  return { security: 'insecure' };
}
