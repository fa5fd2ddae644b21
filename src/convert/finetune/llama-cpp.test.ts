import { describe, expect, it } from 'vitest';
import { marshal, parsePlatform } from '../../llb/index.js';
import { decodedOps } from '../../../test/unit/decoded-ops.js';
import { loadAikitfile, type FinetuneSpec } from '../../aikitfile/index.js';
import { convertFinetune, LLAMA_CPP_FULL_IMAGE, LLAMA_CPP_FULL_IMAGE_ARG } from './index.js';

const platform = parsePlatform('linux/amd64');
const SUM = `sha256:${'ab'.repeat(32)}`;
const FILE = (extra = '') =>
  `apiVersion: v1alpha1\ntarget: llama-cpp\nbaseModel: https://h.io/tiny.gguf\ndatasets:\n  - {source: "https://h.io/d.jsonl", type: messages, loader: {type: json, checksum: "${SUM}"}}\n  - {source: "https://h.io/e.txt?sig=secret", type: text, loader: {type: text}}\n${extra}`;
const specOf = (yaml: string) => loadAikitfile(yaml, 'f.yaml').spec as FinetuneSpec;

function ops(yaml: string, buildArgs: Record<string, string> = {}) {
  const result = convertFinetune(specOf(yaml), { platform, buildArgs });
  const def = marshal(result.state, { platform });
  return { result, def, ...decodedOps(def) };
}

describe('target llama-cpp', () => {
  it('prepares the text, trains and leaves only the model in the output', () => {
    const { execs, result } = ops(FILE());
    expect(execs.map((e) => e.meta.args[0])).toEqual(['/usr/bin/python3', '/app/llama-finetune']);
    expect(result.file).toBe('aikit-model.gguf');
    const train = execs[1]!;
    const args = train.meta.args;
    expect(args.slice(args.indexOf('--output'), args.indexOf('--output') + 2)).toEqual([
      '--output',
      '/out/aikit-model.gguf',
    ]);
    expect(args.slice(args.indexOf('--ctx-size'), args.indexOf('--ctx-size') + 2)).toEqual([
      '--ctx-size',
      '256',
    ]);
    expect(args).not.toContain('--threads');
    // No step reaches the network: everything it reads is a pinned source.
    for (const e of execs) expect(e.network).toBe('NONE');
    expect(train.mounts.map((m) => [m.dest, Boolean(m.readonly)])).toEqual([
      ['/', false],
      ['/model', true],
      ['/out', false],
      ['/text', true],
    ]);
  });

  it('downloads each dataset with its checksum, names steps without secrets, and reads the plan', () => {
    const { sources, execs, names } = ops(FILE());
    const https = sources.filter((s) => s.identifier.startsWith('https://'));
    expect(https.map((s) => [s.identifier, s.attrs?.['http.checksum']])).toEqual([
      ['https://h.io/tiny.gguf', undefined],
      ['https://h.io/d.jsonl', SUM],
      ['https://h.io/e.txt?sig=secret', undefined],
    ]);
    expect(names.filter((n) => n.includes('secret'))).toEqual([]);
    expect(names).toContain('[aikit] download datasets[1] from https://h.io/e.txt');
    const plan = JSON.parse(execs[0]!.meta.args[2]!) as {
      model: string;
      datasets: { path: string; type: string; loader: string }[];
    };
    expect(plan.datasets.map((d) => [d.path, d.type, d.loader])).toEqual([
      ['/data/0/dataset.json', 'messages', 'json'],
      ['/data/1/dataset.txt', 'text', 'text'],
    ]);
    expect(plan.model).toBe('/model/tiny.gguf');
  });

  it('reads datasets from the build context: only the named files, mounted read-only', () => {
    const yaml = FILE().replace(
      '  - {source: "https://h.io/e.txt?sig=secret", type: text, loader: {type: text}}\n',
      '  - {source: data/days.txt, type: text, loader: {type: text}}\n  - {source: data/more/chat.jsonl, type: messages, loader: {type: json}}\n',
    );
    const result = convertFinetune(specOf(yaml), { platform, sessionId: 's1', contextLocal: 'ctx' });
    const { sources, execs, names } = decodedOps(marshal(result.state, { platform }));
    const locals = sources.filter((s) => s.identifier.startsWith('local://'));
    expect(
      locals.map((s) => [s.identifier, s.attrs?.['local.followpaths'], s.attrs?.['local.session']]),
    ).toEqual([['local://ctx', '["data/days.txt","data/more/chat.jsonl"]', 's1']]);
    expect(names).toContain('[aikit] load datasets from the build context');
    const plan = JSON.parse(execs[0]!.meta.args[2]!) as { datasets: { path: string }[] };
    expect(plan.datasets.map((d) => d.path)).toEqual([
      '/data/0/dataset.json',
      '/data/1/data/days.txt',
      '/data/2/data/more/chat.jsonl',
    ]);
    expect(
      execs[0]!.mounts.filter((m) => m.dest.startsWith('/data/')).map((m) => [m.dest, m.readonly]),
    ).toEqual([
      ['/data/0', true],
      ['/data/1', true],
      ['/data/2', true],
    ]);
  });

  it('quantizes when asked, and passes the training settings', () => {
    const { execs, result } = ops(
      FILE(
        'config: {llamaCpp: {epochs: 3, threads: 2, contextSize: 512}}\noutput: {quantize: q8_0, name: m}\n',
      ),
    );
    expect(execs.map((e) => e.meta.args[0])).toEqual([
      '/usr/bin/python3',
      '/app/llama-finetune',
      '/app/llama-quantize',
    ]);
    expect(execs[2]!.meta.args.slice(1)).toEqual(['/in/trained.gguf', '/out/m-q8_0.gguf', 'Q8_0']);
    const args = execs[1]!.meta.args;
    expect(args.join(' ')).toContain('--epochs 3');
    expect(args.join(' ')).toContain('--threads 2');
    expect(args.join(' ')).toContain('--batch-size 512 --ubatch-size 512');
    expect(result.file).toBe('m-q8_0.gguf');
  });

  it("runs in llama.cpp's full image unless a build-arg names another", () => {
    const images = (args?: Record<string, string>) =>
      ops(FILE(), args)
        .sources.filter((s) => s.identifier.startsWith('docker-image://'))
        .map((s) => s.identifier);
    expect(images()).toEqual([`docker-image://${LLAMA_CPP_FULL_IMAGE}`]);
    expect(images({ [LLAMA_CPP_FULL_IMAGE_ARG]: 'aikit-test/llama-finetune:sid' })).toEqual([
      'docker-image://docker.io/aikit-test/llama-finetune:sid',
    ]);
  });

  it('is deterministic', () => {
    expect(ops(FILE()).def.def).toEqual(ops(FILE()).def.def);
  });
});
