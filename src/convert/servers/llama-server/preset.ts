import { posix } from 'node:path';
import { mkdir, type FileAction } from '../../../llb/index.js';
import { modelDestination, type InferenceSpec, type Model } from '../../../aikitfile/index.js';

// The router's preset (INI: one `[name]` section per model) and the chat templates beside the
// models. Every per-model setting goes here, never on the command line: router flags override
// every preset section.

/** The preset file the router reads. */
export const LLAMA_SERVER_PRESET = '/models/presets.ini';

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
    // llama-server answers /v1/embeddings only for a model started with --embeddings (else 501).
    if (m.embeddings) lines.push('embeddings = true');
    if (typeof m.embeddings === 'string') lines.push(`pooling = ${m.embeddings}`);
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
