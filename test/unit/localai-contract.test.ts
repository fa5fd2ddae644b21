// The LocalAI contract's rules on hand-made images: a good image keeps every rule, and each
// breakage the rules exist for is caught by the rule that names it.
import { describe, expect, it } from 'vitest';
import {
  capabilityOf,
  checkContract,
  describeProblems,
  registeredBackends,
  RULES,
  type ContractImage,
} from '../e2e/localai-contract.js';
import type { FileEntry } from '../e2e/oci.js';

const file = (data: string, mode = 0o644, uid = 0, gid = 0): FileEntry => ({
  type: 'file',
  mode,
  uid,
  gid,
  data: Buffer.from(data),
});
const dir = (mode = 0o755, uid = 0, gid = 0): FileEntry => ({
  type: 'directory',
  mode,
  uid,
  gid,
  data: Buffer.alloc(0),
});
const meta = (alias: string, name: string, extra: Record<string, string> = {}) =>
  file(
    JSON.stringify(
      {
        alias,
        name,
        gallery_url: 'github:mudler/LocalAI/backend/index.yaml@master',
        version: 'v4.7.1',
        uri: `r/b:v4.7.1-${name}`,
        ...extra,
      },
      null,
      2,
    ),
  );

const CONFIG =
  '- name: m\n  backend: llama-cpp\n  parameters:\n    model: m.gguf\n  template:\n    chat: chat\n';

/** A CUDA llama-cpp image as aikit builds it. */
function cudaImage(): { files: Map<string, FileEntry>; config: ContractImage['config'] } {
  const files = new Map<string, FileEntry>([
    ['usr/bin/local-ai', file('elf', 0o755)],
    ['run/localai', dir()],
    ['run/localai/capability', file('nvidia-cuda-12\n')],
    ['models', dir()],
    ['models/m.gguf', file('gguf', 0o444)],
    ['models/chat.tmpl', file('{{.Input}}')],
    ['config.yaml', file(CONFIG)],
    ['backends', dir()],
  ]);
  for (const d of ['cuda12-llama-cpp', 'cpu-llama-cpp']) {
    files.set(`backends/${d}`, dir());
    files.set(`backends/${d}/run.sh`, file('#!/bin/bash', 0o755));
    files.set(`backends/${d}/metadata.json`, meta('llama-cpp', d));
  }
  return {
    files,
    config: {
      Env: ['PATH=/usr/bin', 'CONFIG_FILE=/config.yaml', 'BUILD_TYPE=cublas'],
      Entrypoint: ['local-ai'],
      Cmd: ['--log-level=debug', '--config-file=/config.yaml'],
      WorkingDir: '/',
      Labels: {
        'ai.kaito.aikit.runtime': 'cuda',
        'ai.kaito.aikit.localai.version': 'v4.7.1',
        'ai.kaito.aikit.backends': JSON.stringify([{ name: 'cuda12-llama-cpp' }, { name: 'cpu-llama-cpp' }]),
      },
    },
  };
}

const failing = (img: ContractImage) => checkContract(img).map((r) => r.rule.id);

describe('the LocalAI contract rules', () => {
  it('every rule names the LocalAI releases and the source file it was read from', () => {
    for (const r of RULES) {
      expect(r.localai.length, r.id).toBeGreaterThan(0);
      expect(r.source, r.id).toMatch(/^(core|pkg|backend|cmd)\/\S+/);
    }
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
  });

  it('a CUDA image as aikit builds it keeps every rule, and LocalAI picks its CUDA backend', () => {
    const img = cudaImage();
    expect(describeProblems(checkContract(img))).toEqual([]);
    expect(capabilityOf(img)).toBe('nvidia-cuda-12');
    expect(registeredBackends(img).get('llama-cpp')).toBe('cuda12-llama-cpp');
    expect(registeredBackends(img, 'default').get('llama-cpp')).toBe('cpu-llama-cpp');
  });

  it.each<[string, (img: ReturnType<typeof cudaImage>) => void, string]>([
    [
      'a backend without run.sh',
      (i) => i.files.delete('backends/cpu-llama-cpp/run.sh'),
      'backends-registered',
    ],
    [
      'metadata.json that does not parse',
      (i) => i.files.set('backends/cpu-llama-cpp/metadata.json', file('{')),
      'metadata-parses',
    ],
    [
      'metadata.json naming another directory',
      (i) => i.files.set('backends/cpu-llama-cpp/metadata.json', meta('llama-cpp', 'other')),
      'metadata-parses',
    ],
    [
      'metadata.json without a version',
      (i) =>
        i.files.set(
          'backends/cpu-llama-cpp/metadata.json',
          meta('llama-cpp', 'cpu-llama-cpp', { version: '' }),
        ),
      'metadata-pinned',
    ],
    [
      'no capability file in a CUDA image',
      (i) => i.files.delete('run/localai/capability'),
      'capability-forced',
    ],
    [
      'a directory name without a capability word',
      (i) => {
        i.files.set('backends/llama-cpp-fallback', dir());
        i.files.set('backends/llama-cpp-fallback/run.sh', file('', 0o755));
        i.files.set('backends/llama-cpp-fallback/metadata.json', meta('llama-cpp', 'llama-cpp-fallback'));
      },
      'capability-words',
    ],
    [
      'a config naming a backend the image lacks',
      (i) => i.files.set('config.yaml', file(CONFIG.replace('llama-cpp', 'whisper'))),
      'backend-resolvable',
    ],
    ['a missing model file', (i) => i.files.delete('models/m.gguf'), 'model-paths'],
    ['a template name without its .tmpl', (i) => i.files.delete('models/chat.tmpl'), 'model-paths'],
    ['CONFIG_FILE without /config.yaml', (i) => i.files.delete('config.yaml'), 'environment'],
    ['the deprecated --debug', (i) => (i.config.Cmd = ['--debug']), 'environment'],
    ['an env variable nothing reads', (i) => i.config.Env!.push('LOCALAI_THREADZ=4'), 'environment'],
    ['a baked API key', (i) => i.config.Env!.push('LOCALAI_API_KEY=k'), 'public-bind'],
    [
      'a baked insecure switch',
      (i) => i.config.Env!.push('LOCALAI_ALLOW_INSECURE_PUBLIC_BIND=true'),
      'public-bind',
    ],
    ['a non-executable local-ai', (i) => i.files.set('usr/bin/local-ai', file('elf', 0o644)), 'binary'],
  ])('catches %s', (_what, breakIt, rule) => {
    const img = cudaImage();
    breakIt(img);
    expect(failing(img)).toContain(rule);
  });

  it("a Python backend's venv must be writable by the chart's user", () => {
    const img = cudaImage();
    img.files.set('backends/cuda12-llama-cpp/venv', dir(0o755, 1000, 999));
    img.files.set('backends/cuda12-llama-cpp/venv/bin', dir(0o755, 1000, 999));
    expect(failing(img)).not.toContain('python-venv-writable');
    img.files.set('backends/cuda12-llama-cpp/venv/bin', dir(0o755, 0, 0));
    expect(describeProblems(checkContract(img))).toEqual([
      '[python-venv-writable, LocalAI v4.7.1/v3.12.1/v3.10.1 backend/python/common/libbackend.sh (_makeVenvPortable, startBackend)] /backends/cuda12-llama-cpp/venv/bin (0:0 755) is not writable by 1000:999',
    ]);
  });

  it('applies v4-only rules to v4 images only', () => {
    const img = cudaImage();
    img.config.Labels!['ai.kaito.aikit.localai.version'] = 'v3.12.1';
    img.files.set(
      'backends/cpu-llama-cpp/metadata.json',
      meta('llama-cpp', 'cpu-llama-cpp', { version: '' }),
    );
    expect(failing(img)).not.toContain('metadata-pinned');
  });
});
