import { describe, expect, it } from 'vitest';
import { modelNameFromArg } from './args.js';
import { generateInferenceConfig } from './servers/localai.js';
import { parseModelSource } from './sources.js';

describe('build-arg model', () => {
  it('generates exactly the reference config (decisions.md#build-args)', () => {
    expect(generateInferenceConfig('x.gguf')).toBe(
      '\n- name: x.gguf\n  backend: llama\n  parameters:\n    model: x.gguf',
    );
  });

  // The MODEL_URL / MODEL_NAME pairs of the reference's test-docker-args workflow, plus a local file.
  // prettier-ignore
  it.each([
    ['oci://registry.ollama.ai/library/llama3.2:1b', 'llama3.2'],
    ['huggingface://MaziyarPanahi/Llama-3.2-1B-Instruct-GGUF/Llama-3.2-1B-Instruct.Q4_K_M.gguf', 'Llama-3.2-1B-Instruct.Q4_K_M.gguf'],
    ['https://huggingface.co/MaziyarPanahi/Llama-3.2-1B-Instruct-GGUF/resolve/main/Llama-3.2-1B-Instruct.Q4_K_M.gguf', 'Llama-3.2-1B-Instruct.Q4_K_M.gguf'],
    ['oci://ghcr.io/a/b/model:tag', 'model'],
    ['models/nested/local-model.gguf', 'local-model.gguf'],
  ])('%s is named %s', (arg, name) => {
    const r = parseModelSource(arg);
    expect(r.ok && modelNameFromArg(r.source)).toBe(name);
  });
});
