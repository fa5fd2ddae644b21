import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { expectGolden } from '../../test/fixtures/golden.js';
import { aikitJsonSchema } from './index.js';
import { aikitfileKind, kindSchema, schemaErrors } from './schema-check.js';

const SCHEMA_FILE = new URL('../../schema/aikitfile.schema.json', import.meta.url);

describe('aikitJsonSchema', () => {
  it('matches the committed schema/aikitfile.schema.json (regenerate with npm run golden:update)', () => {
    expectGolden(`${JSON.stringify(aikitJsonSchema(), null, 2)}\n`, SCHEMA_FILE);
  });

  it('documents every property', () => {
    const undocumented: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const n = node as Record<string, unknown>;
      for (const [key, sub] of Object.entries((n['properties'] as Record<string, unknown>) ?? {})) {
        if (!(sub as Record<string, unknown>)['description']) undocumented.push(`${at}.${key}`);
      }
      for (const [key, sub] of Object.entries(n)) walk(sub, `${at}.${key}`);
    };
    walk(aikitJsonSchema(), '$');
    expect(undocumented).toEqual([]);
  });

  it('is the schema the build checks files against, one anyOf branch per kind', () => {
    expect(aikitJsonSchema()['anyOf']).toEqual([kindSchema('inference'), kindSchema('finetune')]);
  });

  const sha = 'e4650dd6b45ef456066b11e4927f775eef4dd1e0e8473c3c0f27dd19ee13cc4e';

  // prettier-ignore
  it.each([
    ['args', 'apiVersion: v1alpha1\ndebug: true\n', true],
    ['llama', `apiVersion: v1alpha1\nmodels: [{name: m, source: "https://h.io/m.gguf", sha256: ${sha}, promptTemplates: [{name: chat, template: x}]}]\nconfig: "- name: m"\n`, true],
    ['unsloth', 'apiVersion: v1alpha1\nbaseModel: a/b\ndatasets: [{source: c/d, type: alpaca}]\nconfig: {unsloth: {seed: 0}}\noutput: {name: model}\n', true],
    ['llama-server', 'apiVersion: v1alpha1\nserver: llama-server\nmodels: [{name: m, source: m.gguf, contextSize: 4096, chatTemplate: x, stop: [y], gpuLayers: all}]\n', true],
    ['two stop words', 'apiVersion: v1alpha1\nserver: llama-server\nmodels: [{name: m, source: m.gguf, stop: [x, y]}]\n', false],
    ['bad gpuLayers', 'apiVersion: v1alpha1\nserver: llama-server\nmodels: [{name: m, source: m.gguf, gpuLayers: most}]\n', false],
    ['bad server', 'apiVersion: v1alpha1\nserver: ollama\n', false],
    ['unknown key', 'apiVersion: v1alpha1\nruntme: cuda\n', false],
    ['bad runtime', 'apiVersion: v1alpha1\nruntime: avx2\n', false],
    ['bad sha256', 'apiVersion: v1alpha1\nmodels: [{name: m, source: m.gguf, sha256: abc}]\n', false],
    ['template missing', 'apiVersion: v1alpha1\nmodels: [{name: m, source: m.gguf, promptTemplates: [{name: chat}]}]\n', false],
    ['two datasets', 'apiVersion: v1alpha1\nbaseModel: a/b\ndatasets: [{source: c/d, type: alpaca}, {source: e/f, type: messages}]\n', true],
    ['dpo', 'apiVersion: v1alpha1\nbaseModel: a/b\nobjective: {type: dpo, beta: 0.2, lossType: sigmoid, maxPromptLength: 256}\ndatasets: [{source: c/d, type: preference, loader: {type: huggingface, split: train_prefs, revision: 0123456789abcdef0123456789abcdef01234567}}]\n', true],
    ['llama-cpp', 'apiVersion: v1alpha1\ntarget: llama-cpp\nbaseModel: m.gguf\ndatasets: [{source: "https://h.io/d.jsonl", type: text, loader: {type: json, checksum: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}}]\nconfig: {llamaCpp: {epochs: 2}}\noutput: {quantize: q8_0}\n', true],
    ['adapter', 'apiVersion: v1alpha1\nbaseModel: a/b\ndatasets: [{source: c/d, type: alpaca}]\noutput: {format: adapter, name: lora}\n', true],
    ['no datasets', 'apiVersion: v1alpha1\nbaseModel: a/b\ndatasets: []\n', false],
    ['unknown loader', 'apiVersion: v1alpha1\nbaseModel: a/b\ndatasets: [{source: c/d, type: alpaca, loader: {type: arrow}}]\n', false],
    ['split expression', 'apiVersion: v1alpha1\nbaseModel: a/b\ndatasets: [{source: c/d, type: alpaca, loader: {type: huggingface, split: "train[:10%]"}}]\n', false],
    ['short revision', 'apiVersion: v1alpha1\nbaseModel: a/b\ndatasets: [{source: c/d, type: alpaca, loader: {type: huggingface, revision: main}}]\n', false],
    ['dpo loss', 'apiVersion: v1alpha1\nbaseModel: a/b\nobjective: {type: dpo, lossType: hinge}\ndatasets: [{source: c/d, type: preference}]\n', false],
  ])('editors and the build see %s as valid=%s', (_title, yaml, valid) => {
    const data = parse(yaml) as Record<string, unknown>;
    expect(schemaErrors(aikitfileKind(data), data).length === 0).toBe(valid);
  });
});
