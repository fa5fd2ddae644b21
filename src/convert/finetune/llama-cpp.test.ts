import { describe, expect, it } from 'vitest';
import { dumpDefinition, marshal, parsePlatform } from '../../llb/index.js';
import { loadAikitfile, type FinetuneSpec } from '../../aikitfile/index.js';
import { convertFinetune, LLAMA_CPP_FULL_IMAGE, LLAMA_CPP_FULL_IMAGE_ARG } from './index.js';

const platform = parsePlatform('linux/amd64');
const SUM = `sha256:${'ab'.repeat(32)}`;
const FILE = (extra = '') =>
  `apiVersion: v1alpha1\ntarget: llama-cpp\nbaseModel: https://h.io/tiny.gguf\ndatasets:\n  - {source: "https://h.io/d.jsonl", type: messages, loader: {type: json, checksum: "${SUM}"}}\n  - {source: "https://h.io/e.txt?sig=secret", type: text, loader: {type: text}}\n${extra}`;
const specOf = (yaml: string) => loadAikitfile(yaml, 'f.yaml').spec as FinetuneSpec;

type Op = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
function ops(yaml: string, buildArgs: Record<string, string> = {}) {
  const result = convertFinetune(specOf(yaml), { platform, buildArgs });
  const def = marshal(result.state, { platform });
  const dump = dumpDefinition(def);
  const execs = dump
    .filter((e) => (e.Op as Op)['exec'])
    .map((e) => ({ exec: (e.Op as Op)['exec'], meta: e.OpMetadata }));
  const sources = dump.flatMap((e) => ((e.Op as Op)['source'] ? [(e.Op as Op)['source']] : []));
  return { result, dump, execs, sources, def };
}

describe('target llama-cpp', () => {
  it('prepares the text, trains and leaves only the model in the output', () => {
    const { execs, result } = ops(FILE());
    expect(execs.map((e) => e.exec.meta.args[0])).toEqual(['/usr/bin/python3', '/app/llama-finetune']);
    expect(result.file).toBe('aikit-model.gguf');
    const train = execs[1]!.exec;
    const args: string[] = train.meta.args;
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
    for (const e of execs) expect(e.exec.network).toBe('NONE');
    expect(train.mounts.map((m: Op) => [m.dest, Boolean(m.readonly)])).toEqual([
      ['/', false],
      ['/model', true],
      ['/out', false],
      ['/text', true],
    ]);
  });

  it('downloads each dataset with its checksum, names steps without secrets, and reads the plan', () => {
    const { sources, execs, dump } = ops(FILE());
    const https = sources.filter((s: Op) => String(s.identifier).startsWith('https://'));
    expect(https.map((s: Op) => [s.identifier, s.attrs?.['http.checksum']])).toEqual([
      ['https://h.io/tiny.gguf', undefined],
      ['https://h.io/d.jsonl', SUM],
      ['https://h.io/e.txt?sig=secret', undefined],
    ]);
    const names = dump.map(
      (e) => (e.OpMetadata['description'] as Record<string, string> | undefined)?.['llb.customname'],
    );
    expect(names.filter((n) => n?.includes('secret'))).toEqual([]);
    const plan = JSON.parse(execs[0]!.exec.meta.args[2]);
    expect(plan.datasets.map((d: Op) => [d.path, d.type, d.loader])).toEqual([
      ['/data/0/dataset.json', 'messages', 'json'],
      ['/data/1/dataset.txt', 'text', 'text'],
    ]);
    expect(plan.model).toBe('/model/tiny.gguf');
  });

  it('quantizes when asked, and passes the training settings', () => {
    const { execs, result } = ops(
      FILE(
        'config: {llamaCpp: {epochs: 3, threads: 2, contextSize: 512}}\noutput: {quantize: q8_0, name: m}\n',
      ),
    );
    expect(execs.map((e) => e.exec.meta.args[0])).toEqual([
      '/usr/bin/python3',
      '/app/llama-finetune',
      '/app/llama-quantize',
    ]);
    expect(execs[2]!.exec.meta.args.slice(1)).toEqual(['/in/trained.gguf', '/out/m-q8_0.gguf', 'Q8_0']);
    const args: string[] = execs[1]!.exec.meta.args;
    expect(args.join(' ')).toContain('--epochs 3');
    expect(args.join(' ')).toContain('--threads 2');
    expect(args.join(' ')).toContain('--batch-size 512 --ubatch-size 512');
    expect(result.file).toBe('m-q8_0.gguf');
  });

  it("runs in llama.cpp's full image unless a build-arg names another", () => {
    const images = (args?: Record<string, string>) =>
      ops(FILE(), args)
        .sources.filter((s: Op) => String(s.identifier).startsWith('docker-image://'))
        .map((s: Op) => s.identifier);
    expect(images()).toEqual([`docker-image://${LLAMA_CPP_FULL_IMAGE}`]);
    expect(images({ [LLAMA_CPP_FULL_IMAGE_ARG]: 'aikit-test/llama-finetune:sid' })).toEqual([
      'docker-image://docker.io/aikit-test/llama-finetune:sid',
    ]);
  });

  it('is deterministic', () => {
    expect(ops(FILE()).def.def).toEqual(ops(FILE()).def.def);
  });
});
