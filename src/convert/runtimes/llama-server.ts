import { posix } from 'node:path';
import { formatPlatform, image, mkdir, type FileAction, type Platform, type State } from '../../llb/index.js';
import { modelDestination, type InferenceSpec, type Model, type Runtime } from '../../aikitfile/index.js';
import { AikitError, type Issue } from '../../util/errors.js';
import { llamaServerImageRef, type Artifacts } from '../artifacts.js';
import { LLAMA_SERVER_BINARY, LLAMA_SERVER_IMAGES, type Arch, type LlamaServerImageId } from '../catalog.js';
import { DEFAULT_PATH, modelLabels, type ImageConfig } from '../image-config.js';
import type { PlanOptions } from '../matrix.js';

// `server: llama-server`: the image is llama.cpp's own server image with the models on top. The
// server runs in router mode: one preset section per model, named as the aikitfile names it, and
// every per-model setting in the preset, never on the command line (router flags override every
// preset section). Nothing of LocalAI is in these images.

/** The preset file the router reads (INI: one `[name]` section per model). */
export const LLAMA_SERVER_PRESET = '/models/presets.ini';
/** Where llama-server listens in the container, as LocalAI images do. */
export const LLAMA_SERVER_PORT = 8080;

/** What one platform's llama-server image is built from. */
export interface LlamaServerPlan {
  runtime: Runtime;
  arch: Arch;
  image: LlamaServerImageId;
  warnings: Issue[];
}

/** Checks the platform for a llama-server image; throws an AikitError when it cannot be built. */
export function planLlamaServer(
  spec: InferenceSpec,
  platform: Platform,
  opts: PlanOptions = {},
): LlamaServerPlan {
  const target = formatPlatform(platform);
  const fail = (code: string, path: string[], message: string, hint: string): never => {
    const range = opts.locate?.(path);
    const issue: Issue = { severity: 'error', code, message, hint, path, ...(range ? { range } : {}) };
    throw new AikitError(code, message, { hint, issues: [issue], ...(opts.file ? { file: opts.file } : {}) });
  };
  const id: LlamaServerImageId = spec.runtime === '' ? 'cpu' : spec.runtime;
  const arch = platform.architecture;
  if (platform.os !== 'linux' || (arch !== 'amd64' && arch !== 'arm64')) {
    fail(
      'UNSUPPORTED_PLATFORM',
      [],
      `llama-server images are built for linux/amd64 and linux/arm64; ${target} was requested`,
      'use --platform linux/amd64, linux/arm64 or both',
    );
  }
  if (!LLAMA_SERVER_IMAGES[id].arches.includes(arch as Arch)) {
    if (id === 'rocm') {
      fail(
        'ROCM_NEEDS_AMD64',
        ['runtime'],
        `runtime rocm builds linux/amd64 images only; ${target} was requested`,
        'build with --platform linux/amd64, or without runtime rocm for a CPU image on arm64',
      );
    }
    fail(
      'APPLESILICON_NEEDS_ARM64',
      ['runtime'],
      `runtime applesilicon builds linux/arm64 images only (Apple Silicon runs arm64 Linux VMs); ${target} was requested`,
      'build with --platform linux/arm64',
    );
  }
  return { runtime: spec.runtime, arch: arch as Arch, image: id, warnings: [] };
}

/** The images one platform's llama-server build reads: just the server image. */
export function llamaServerImageRefs(
  spec: InferenceSpec,
  artifacts: Artifacts,
  platform: Platform,
): string[] {
  return [llamaServerImageRef(artifacts, planLlamaServer(spec, platform).image)];
}

/** Where a model's chat template is written. */
export function chatTemplatePath(model: Pick<Model, 'name'>): string {
  return `/models/${model.name}.jinja`;
}

/**
 * The router's preset: one section per model, named by the model's name (what clients send as
 * `model`), with its file and settings. Values were checked by the spec to be INI-safe.
 */
export function llamaServerPreset(spec: InferenceSpec): string {
  const startup = new Set(spec.loadToMemory);
  const lines = [
    '; llama-server model presets, written by aikit from the aikitfile.',
    '; Each section is one model; its name is the "model" of a request.',
  ];
  for (const m of spec.models) {
    lines.push('', `[${m.name}]`, `model = ${modelDestination(m)}`);
    if (m.contextSize !== undefined) lines.push(`ctx-size = ${m.contextSize}`);
    if (m.chatTemplate !== undefined) lines.push(`chat-template-file = ${chatTemplatePath(m)}`);
    if (m.stop?.[0] !== undefined) lines.push(`reverse-prompt = ${m.stop[0]}`);
    if (m.gpuLayers !== undefined) lines.push(`n-gpu-layers = ${m.gpuLayers}`);
    if (startup.has(m.name)) lines.push('load-on-startup = true');
  }
  return `${lines.join('\n')}\n`;
}

/** The small layer: the preset and every chat template, in one file op. */
export function llamaServerFiles(spec: InferenceSpec): FileAction {
  let action = mkdir('/models', 0o755, { makeParents: true }).mkfile(
    LLAMA_SERVER_PRESET,
    0o644,
    llamaServerPreset(spec),
  );
  for (const m of spec.models) {
    if (m.chatTemplate === undefined) continue;
    const path = chatTemplatePath(m);
    if (posix.dirname(path) !== '/models')
      action = action.mkdir(posix.dirname(path), 0o755, { makeParents: true });
    action = action.mkfile(path, 0o644, m.chatTemplate);
  }
  return action;
}

export interface LlamaServerParts {
  base: State;
  baseRef: string;
  files: FileAction;
  image: ImageConfig;
  warnings: Issue[];
}

export interface LlamaServerOptions extends PlanOptions {
  platform: Platform;
  artifacts: Artifacts;
  /** Step name prefix, e.g. `[aikit]`. */
  tag: string;
  imageDigest?: (ref: string) => string | undefined;
  imageResolveMode?: 'default' | 'pull' | 'local';
  /** Extra image labels (`--label`). */
  labels?: Record<string, string>;
}

/** The base, the small layer and the image config of one platform's llama-server image. */
export function llamaServerParts(spec: InferenceSpec, opts: LlamaServerOptions): LlamaServerParts {
  const plan = planLlamaServer(spec, opts.platform, opts);
  const baseRef = llamaServerImageRef(opts.artifacts, plan.image);
  const digest = opts.imageDigest?.(baseRef);
  const base = image(baseRef, {
    platform: opts.platform,
    ...(digest ? { digest } : {}),
    ...(opts.imageResolveMode && opts.imageResolveMode !== 'default'
      ? { resolveMode: opts.imageResolveMode }
      : {}),
    name: `${opts.tag} llama-server image ${baseRef}`,
  });
  return {
    base,
    baseRef,
    files: llamaServerFiles(spec),
    image: llamaServerImageConfig(spec, plan, opts.platform, baseRef, opts.labels ?? {}),
    warnings: plan.warnings,
  };
}

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
