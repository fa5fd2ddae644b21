import { describe, expect, it } from 'vitest';
import { loadAikitfile, type InferenceSpec } from '../index.js';
import { isRunner } from './runner.js';

const H = 'apiVersion: v1alpha1\n';
const spec = (yaml: string, buildArgs?: Record<string, string>) =>
  loadAikitfile(yaml, 'f.yaml', buildArgs ? { buildArgs } : {}).spec as InferenceSpec;

describe('a runner image: a server and no models', () => {
  it.each([
    ['LocalAI with backends and no models', `${H}backends: [llama-cpp]\n`, true],
    ['LocalAI with backends, no models and runtime cuda', `${H}runtime: cuda\nbackends: [vllm]\n`, true],
    ['LocalAI with an empty models list', `${H}backends: [diffusers]\nruntime: cuda\nmodels: []\n`, true],
    ['LocalAI without backends', H, false],
    [
      'LocalAI whose config names the models',
      `${H}runtime: cuda\nbackends: [vllm]\nconfig: |\n  - name: q\n`,
      false,
    ],
    ['LocalAI with a model', `${H}backends: [llama-cpp]\nmodels: [{name: m, source: m.gguf}]\n`, false],
    ['llama-server without models', `${H}server: llama-server\n`, true],
    ['llama-server with an empty models list', `${H}server: llama-server\nmodels: []\n`, true],
    ['llama-server with a model', `${H}server: llama-server\nmodels: [{name: m, source: m.gguf}]\n`, false],
  ])('%s: %s', (_title, yaml, runner) => {
    expect(isRunner(spec(yaml))).toBe(runner);
  });

  it('is not a runner when --build-arg model gives the model', () => {
    const args = { model: 'huggingface://o/r/m.gguf' };
    expect(isRunner(spec(`${H}backends: [llama-cpp]\n`, args))).toBe(false);
    expect(isRunner(spec(`${H}server: llama-server\n`, args))).toBe(false);
  });

  it('keeps every other rule located: a llama-server runner with LocalAI parts', () => {
    let issues: { code: string; range?: { line: number } }[] = [];
    try {
      loadAikitfile(`${H}server: llama-server\nbackends: [llama-cpp]\nconfig: x\n`, 'f.yaml');
    } catch (e) {
      issues = (e as { issues: typeof issues }).issues;
    }
    expect(issues.map((i) => [i.code, i.range?.line])).toEqual([
      ['LOCALAI_ONLY', 3],
      ['LOCALAI_ONLY', 4],
    ]);
  });

  it('warns about a loadToMemory name, which a runner has no model for', () => {
    const loaded = loadAikitfile(`${H}server: llama-server\nloadToMemory: [m]\n`, 'f.yaml');
    expect(loaded.warnings.map((w) => w.code)).toEqual(['UNKNOWN_LOAD_TO_MEMORY']);
  });
});
