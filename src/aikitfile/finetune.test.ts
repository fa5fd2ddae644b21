import { describe, expect, it } from 'vitest';
import { AikitError, formatPath, type Issue } from '../util/errors.js';
import { loadAikitfile, type FinetuneSpec, type LoadOptions } from './index.js';

const H = 'apiVersion: v1alpha1\nbaseModel: unsloth/llama\n';
const DS = 'datasets: [{source: yahma/alpaca-cleaned, type: alpaca}]\n';
const L = 'apiVersion: v1alpha1\ntarget: llama-cpp\nbaseModel: "https://h.io/tiny-f32.gguf"\n';
const URL_DS = 'datasets: [{source: "https://h.io/d.jsonl", type: alpaca, loader: {type: json}}]\n';
const REV = '0123456789abcdef0123456789abcdef01234567';
const SUM = `sha256:${'0123456789abcdef'.repeat(4)}`;

function issuesOf(yaml: string, opts?: LoadOptions): readonly Issue[] {
  try {
    const { warnings } = loadAikitfile(yaml, 'f.yaml', opts);
    return warnings;
  } catch (e) {
    if (e instanceof AikitError) return e.issues;
    throw e;
  }
}
const pos = (i: Issue) => (i.range ? `${i.range.line}:${i.range.col}` : '');
const shown = (yaml: string, opts?: LoadOptions) =>
  issuesOf(yaml, opts).map((i) => [i.severity, i.code, formatPath(i.path ?? []), pos(i)]);
const spec = (yaml: string, opts?: LoadOptions) => loadAikitfile(yaml, 'f.yaml', opts).spec as FinetuneSpec;

describe('fine-tune rules, each located', () => {
  // prettier-ignore
  it.each([
    ['dpo setting with sft', `${H}objective: {beta: 0.2}\n${DS}`, 'error', 'DPO_ONLY', 'objective.beta', '3:19'],
    ['preference with sft', `${H}datasets: [{source: a/b, type: preference}]\n`, 'error', 'PREFERENCE_NEEDS_DPO', 'datasets[0].type', '3:32'],
    ['dpo with alpaca', `${H}objective: {type: dpo}\n${DS}`, 'error', 'DPO_NEEDS_PREFERENCE', 'datasets[0].type', '4:49'],
    ['dpo with two datasets', `${H}objective: {type: dpo}\ndatasets:\n  - {source: a/b, type: preference}\n  - {source: c/d, type: preference}\n`, 'error', 'DPO_ONE_DATASET', 'datasets[1]', '6:5'],
    ['dpo prompt too long', `${H}objective: {type: dpo, maxPromptLength: 4096}\ndatasets: [{source: a/b, type: preference}]\n`, 'error', 'PROMPT_LONGER_THAN_SEQUENCE', 'objective.maxPromptLength', '3:41'],
    ['dpo with packing', `${H}objective: {type: dpo}\ndatasets: [{source: a/b, type: preference}]\nconfig: {unsloth: {packing: true}}\n`, 'error', 'SFT_ONLY', 'config.unsloth.packing', '5:29'],
    ['response loss on alpaca', `${H}${DS}config: {unsloth: {loss: response}}\n`, 'error', 'INCOMPATIBLE_DATASETS', 'datasets[0].type', '3:49'],
    ['response loss with packing', `${H}datasets: [{source: a/b, type: messages}]\nconfig: {unsloth: {loss: response, packing: true}}\n`, 'error', 'PACKING_WITH_RESPONSE_LOSS', 'config.unsloth.packing', '4:45'],
    ['huggingface loader on a url', `${H}datasets: [{source: "https://h.io/d.json", type: alpaca, loader: {type: huggingface, revision: ${REV}}}]\n`, 'error', 'LOADER_SOURCE_MISMATCH', 'datasets[0].source', '3:21'],
    ['file loader on an id', `${H}datasets: [{source: a/b, type: alpaca, loader: {type: csv, checksum: "${SUM}"}}]\n`, 'error', 'LOADER_SOURCE_MISMATCH', 'datasets[0].source', '3:21'],
    ['revision on a file loader', `${H}datasets: [{source: "https://h.io/d.csv", type: alpaca, loader: {type: csv, revision: ${REV}, checksum: "${SUM}"}}]\n`, 'error', 'LOADER_FIELD', 'datasets[0].loader.revision', '3:87'],
    ['checksum on huggingface', `${H}datasets: [{source: a/b, type: alpaca, loader: {type: huggingface, revision: ${REV}, checksum: "${SUM}"}}]\n`, 'error', 'LOADER_FIELD', 'datasets[0].loader.checksum', '3:130'],
    ['text loader for alpaca', `${H}datasets: [{source: "https://h.io/d.txt", type: alpaca, loader: {type: text, checksum: "${SUM}"}}]\n`, 'error', 'LOADER_TYPE_MISMATCH', 'datasets[0].type', '3:49'],
    ['quantize with adapter', `${H}${DS}output: {format: adapter, quantize: q8_0}\n`, 'error', 'QUANTIZE_WITH_ADAPTER', 'output.quantize', '4:37'],
    ['unpinned hub dataset', `${H}datasets: [{source: a/b, type: alpaca, loader: {type: huggingface}}]\n`, 'warning', 'UNPINNED_DATASET', 'datasets[0].loader', '3:48'],
    ['unverified file', `${H}datasets: [{source: "https://h.io/d.csv", type: alpaca, loader: {type: csv}}]\n`, 'warning', 'UNVERIFIED_DOWNLOAD', 'datasets[0].loader', '3:65'],
    ['llama-cpp hub dataset', `${L}${DS}`, 'error', 'UNSUPPORTED_FOR_TARGET', 'datasets[0].source', '4:21'],
    ['llama-cpp whole repo', `apiVersion: v1alpha1\ntarget: llama-cpp\nbaseModel: huggingface://org/repo\n${URL_DS.replace('{type: json}', `{type: json, checksum: "${SUM}"}`)}`, 'error', 'BASE_MODEL_NOT_A_FILE', 'baseModel', '3:12'],
    ['llama-cpp dpo', `${L}objective: {type: dpo}\ndatasets: [{source: "https://h.io/d.json", type: preference, loader: {type: json, checksum: "${SUM}"}}]\n`, 'error', 'UNSUPPORTED_FOR_TARGET', 'objective.type', '4:19'],
    ['llama-cpp adapter', `${L}${URL_DS.replace('{type: json}', `{type: json, checksum: "${SUM}"}`)}output: {format: adapter}\n`, 'error', 'UNSUPPORTED_FOR_TARGET', 'output.format', '5:18'],
    ['llama-cpp bad quantize', `${L}${URL_DS.replace('{type: json}', `{type: json, checksum: "${SUM}"}`)}output: {quantize: q4_k_n}\n`, 'error', 'UNKNOWN_QUANTIZE', 'output.quantize', '5:20'],
  ])('%s', (_title, yaml, severity, code, path, at) => {
    expect(shown(yaml)).toEqual([[severity, code, path, at]]);
  });

  it('warns when the llama-cpp context is not a multiple of 256', () => {
    const ds = URL_DS.replace('{type: json}', `{type: json, checksum: "${SUM}"}`);
    expect(shown(`${L}${ds}config: {llamaCpp: {contextSize: 128}}\n`)).toEqual([
      ['warning', 'CONTEXT_NOT_PADDED', 'config.llamaCpp.contextSize', '5:34'],
    ]);
    expect(shown(`${L}${ds}config: {llamaCpp: {contextSize: 512}}\n`)).toEqual([]);
  });

  it('reads file datasets from the build context for llama-cpp only, unverified by design', () => {
    const ds = (src: string, extra = '') =>
      `datasets: [{source: ${src}, type: text, loader: {type: text${extra}}}]\n`;
    expect(shown(`${L}${ds('data/days.txt')}`)).toEqual([]);
    expect(shown(`${L}${ds('a/b/c.txt')}`)).toEqual([]);
    expect(shown(`${L}${ds('data/days.txt', `, checksum: "${SUM}"`)}`).map((i) => i[1])).toEqual([
      'LOADER_FIELD',
    ]);
    for (const bad of ['../x.txt', '/etc/passwd', 'a//b.txt', './x.txt']) {
      expect(shown(`${L}${ds(JSON.stringify(bad))}`).map((i) => i[1])).not.toEqual([]);
    }
    const unsloth = issuesOf(`${H}${ds('data/days.txt')}`).filter((i) => i.severity === 'error');
    expect(unsloth.map((i) => i.code)).toEqual(['LOADER_SOURCE_MISMATCH']);
    expect(unsloth[0]!.hint).toContain('target llama-cpp reads build-context files');
  });

  it('says that dpo needs --target unsloth, since llama-finetune trains sft only', () => {
    const yaml = `${L}objective: {type: dpo}\ndatasets: [{source: "https://h.io/d.json", type: preference, loader: {type: json, checksum: "${SUM}"}}]\n`;
    const dpo = issuesOf(yaml).find((i) => i.code === 'UNSUPPORTED_FOR_TARGET');
    expect(dpo?.hint).toMatch(/llama-finetune .*--target unsloth/);
  });

  it('checks the llama-cpp rules for a --target given on the command line', () => {
    expect(shown(`${H}${DS}`, { target: 'llama-cpp' }).map((i) => i[1])).toEqual(['UNSUPPORTED_FOR_TARGET']);
  });

  it('reports every mistake of a file in one pass', () => {
    const yaml = `${H}objective: {type: dpo, beta: -1, lossType: hinge}\ndatasets:\n  - {source: a/b, type: alpaca, loader: {type: huggingface, split: "train[:1%]", revision: main}}\n`;
    expect(shown(yaml).map((i) => [i[1], i[2]])).toEqual([
      ['OUT_OF_RANGE', 'objective.beta'],
      ['INVALID_VALUE', 'objective.lossType'],
      ['DPO_NEEDS_PREFERENCE', 'datasets[0].type'],
      ['INVALID_SPLIT', 'datasets[0].loader.split'],
      ['INVALID_REVISION', 'datasets[0].loader.revision'],
    ]);
  });
});

describe('fine-tune defaults', () => {
  it('fills in the dpo settings and its learning rate', () => {
    const s = spec(`${H}objective: {type: dpo}\ndatasets: [{source: a/b, type: preference}]\n`);
    expect(s.objective).toEqual({ type: 'dpo', beta: 0.1, lossType: 'sigmoid', maxPromptLength: 512 });
    expect(s.config.unsloth.learningRate).toBe(0.000001);
    expect(spec(`${H}${DS}`).config.unsloth.learningRate).toBe(0.0002);
    expect(spec(`${H}objective:\n${DS}`).objective).toEqual({ type: 'sft' });
  });

  it('keeps several datasets in order, with the loader split defaulting to train', () => {
    const s = spec(
      `${H}datasets:\n  - {source: a/b, type: messages, loader: {type: huggingface, revision: ${REV}}}\n  - {source: "https://h.io/x.jsonl", type: sharegpt, loader: {type: json, split: train_sft, checksum: "${SUM}"}}\n`,
    );
    expect(s.datasets.map((d) => [d.source, d.type, d.loader?.type, d.loader?.split])).toEqual([
      ['a/b', 'messages', 'huggingface', 'train'],
      ['https://h.io/x.jsonl', 'sharegpt', 'json', 'train_sft'],
    ]);
  });

  it('quantizes unsloth output to q4_k_m, leaves llama-cpp output as trained, and gives adapters no quantize', () => {
    expect(spec(`${H}${DS}`).output).toEqual({ format: 'gguf', quantize: 'q4_k_m', name: 'aikit-model' });
    const ds = URL_DS.replace('{type: json}', `{type: json, checksum: "${SUM}"}`);
    expect(spec(`${L}${ds}`).output).toEqual({ format: 'gguf', quantize: undefined, name: 'aikit-model' });
    expect(spec(`${L}${ds}output: {quantize: q8_0}\n`).output).toMatchObject({ quantize: 'q8_0' });
    expect(spec(`${H}${DS}output: {format: adapter, name: lora}\n`).output).toEqual({
      format: 'adapter',
      name: 'lora',
    });
  });

  it('takes llama-cpp as the target from the file or from --target', () => {
    const ds = URL_DS.replace('{type: json}', `{type: json, checksum: "${SUM}"}`);
    expect(spec(`${L}${ds}`).target).toBe('llama-cpp');
    expect(spec(`${L.replace('target: llama-cpp\n', '')}${ds}`, { target: 'llama-cpp' }).target).toBe(
      'llama-cpp',
    );
    expect(spec(`${L}${ds}`).config.llamaCpp).toEqual({
      epochs: 1,
      contextSize: 256,
      learningRate: 0.00001,
      threads: 0,
    });
  });
});
