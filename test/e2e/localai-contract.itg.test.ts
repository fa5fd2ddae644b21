import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fixtureBytes, sha256Hex } from '../fixtures/artifacts.js';
import {
  buildRuntimeStandIns,
  pythonStandInBuildArgs,
  standInBuildArgs,
} from '../fixtures/runtime-images.js';
import { startFixtureServer, type FixtureServer } from '../fixtures/server.js';
import { buildx } from './harness.js';
import { checkContract, describeProblems, registeredBackends, RULES } from './localai-contract.js';
import { readOciTar, type PlatformImage } from './oci.js';

// The LocalAI contract test: every image kind aikit builds (CPU, CUDA, ROCm, Apple Silicon and
// each Python backend), built on a real engine from stand-ins of the catalog's artifacts, then
// held to the rules LocalAI applies at start (./localai-contract.ts, each rule read from a named
// LocalAI source file). LocalAI itself cannot run here; its rules can.

const env = { ...process.env, ...inject('engine') };
// The frontend under test; AIKIT_E2E_FRONTEND names another tag (a private build).
const frontend = process.env['AIKIT_E2E_FRONTEND'] ?? 'aikit:test';
const model = fixtureBytes('contract-model.gguf', 64 * 1024);
const localai = (version: string, arch: string) =>
  Buffer.concat([
    Buffer.from(`#!/bin/sh\necho local-ai ${version} ${arch}\n`),
    fixtureBytes(`${version}-${arch}`, 1024),
  ]);

let server: FixtureServer;
let args: Record<string, string>;

beforeAll(async () => {
  await buildRuntimeStandIns(env);
  const files = new Map<string, Buffer>([['/models/contract-model.gguf', model]]);
  for (const v of ['v4.7.1', 'v3.12.1', 'v3.10.1'])
    for (const a of ['amd64', 'arm64']) files.set(`/localai/${v}/local-ai-${a}`, localai(v, a));
  server = await startFixtureServer(files);
  args = {
    ...standInBuildArgs(server.url),
    ...pythonStandInBuildArgs(),
    AIKIT_LOCALAI_URL: `${server.url}/localai/{version}/local-ai-{arch}`,
    BUILDKIT_SYNTAX: frontend,
  };
});

afterAll(async () => {
  await server?.close();
});

interface Kind {
  name: string;
  runtime: string;
  backend?: string;
  platforms: string[];
  /** The model config's `backend:` and `parameters.model`. */
  serves: { backend: string; model: string };
  /** A GGUF file and a prompt template in /models. */
  gguf: boolean;
  /** Leave the config out (CONFIG_FILE must then be absent). */
  noConfig?: boolean;
  /** The directory LocalAI must run for the model. */
  runs: string;
}

const KINDS: Kind[] = [
  {
    name: 'CPU',
    runtime: '',
    platforms: ['linux/amd64', 'linux/arm64'],
    serves: { backend: 'llama-cpp', model: 'contract-model.gguf' },
    gguf: true,
    runs: 'cpu-llama-cpp',
  },
  {
    name: 'CPU without a config',
    runtime: '',
    platforms: ['linux/amd64'],
    serves: { backend: 'llama-cpp', model: 'contract-model.gguf' },
    gguf: true,
    noConfig: true,
    runs: 'cpu-llama-cpp',
  },
  {
    name: 'CUDA',
    runtime: 'cuda',
    platforms: ['linux/amd64'],
    serves: { backend: 'llama-cpp', model: 'contract-model.gguf' },
    gguf: true,
    runs: 'cuda12-llama-cpp',
  },
  {
    name: 'ROCm',
    runtime: 'rocm',
    platforms: ['linux/amd64'],
    serves: { backend: 'llama-cpp', model: 'contract-model.gguf' },
    gguf: true,
    runs: 'rocm-llama-cpp',
  },
  {
    name: 'Apple Silicon',
    runtime: 'applesilicon',
    platforms: ['linux/arm64'],
    serves: { backend: 'llama-cpp', model: 'contract-model.gguf' },
    gguf: true,
    runs: 'vulkan-llama-cpp',
  },
  ...(
    [
      ['diffusers', 'diffusers', 'cuda12-diffusers'],
      ['vllm', 'vllm', 'cuda12-vllm'],
      ['mamba', 'mamba', 'cuda12-transformers'],
      ['exllama2', 'exllama2', 'cuda12-exllama2'],
    ] as const
  ).map(([backend, configured, runs]) => ({
    name: `Python backend ${backend}`,
    runtime: 'cuda',
    backend,
    platforms: ['linux/amd64'],
    serves: { backend: configured, model: 'org/some-model' },
    gguf: false,
    runs,
  })),
];

function aikitfile(k: Kind): string {
  const config = [
    `- name: m`,
    `  backend: ${k.serves.backend}`,
    `  parameters:`,
    `    model: ${k.serves.model}`,
    ...(k.gguf ? ['  template:', '    chat: chat'] : []),
  ].join('\n');
  return [
    `#syntax=${frontend}`,
    'apiVersion: v1alpha1',
    'debug: true',
    `runtime: "${k.runtime}"`,
    ...(k.backend ? [`backends: [${k.backend}]`] : []),
    ...(k.gguf
      ? [
          'models:',
          '  - name: m',
          `    source: ${server.url}/models/contract-model.gguf`,
          `    sha256: ${sha256Hex(model)}`,
          '    promptTemplates:',
          '      - name: chat',
          '        template: "{{.Input}}"',
        ]
      : []),
    ...(k.noConfig ? [] : ['config: |', config.replace(/^/gm, '  ')]),
    '',
  ].join('\n');
}

async function build(k: Kind): Promise<{ code: number; output: string; images: PlatformImage[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'aikit-contract-'));
  await writeFile(join(dir, 'aikitfile.yaml'), aikitfile(k));
  const out = join(dir, 'image.tar');
  const r = await buildx(env, {
    file: join(dir, 'aikitfile.yaml'),
    context: dir,
    platforms: k.platforms,
    buildArgs: args,
    output: `type=oci,dest=${out}`,
  });
  return { code: r.code, output: r.output, images: r.code === 0 ? await readOciTar(out) : [] };
}

describe('the LocalAI contract, for every image kind', () => {
  it.each(KINDS.map((k) => [k.name, k] as const))('%s', async (_name, k) => {
    const { code, output, images } = await build(k);
    expect(code, output).toBe(0);
    expect(images.map((i) => i.platform).sort()).toEqual([...k.platforms].sort());
    for (const img of images) {
      const view = { files: img.files, config: img.config.config };
      const release = view.config['Labels'] as Record<string, string>;
      const problems = describeProblems(checkContract(view), release['ai.kaito.aikit.localai.version']);
      expect(problems, `${k.name} ${img.platform}`).toEqual([]);
      // The model's backend is registered and, with the image's capability, is the one meant.
      const registered = registeredBackends(view);
      const alias = { mamba: 'transformers' }[k.serves.backend] ?? k.serves.backend;
      const expected = img.platform === 'linux/arm64' && k.runtime === '' ? 'cpu-llama-cpp' : k.runs;
      expect(registered.get(alias), `${k.name} ${img.platform}`).toBe(expected);
      expect(img.files.has('config.yaml')).toBe(!k.noConfig);
    }
  });

  it('names a LocalAI release and source file for every rule it applied', () => {
    for (const r of RULES)
      expect(`${r.localai.join('/')} ${r.source}`).toMatch(/^v\d.*\s(core|pkg|backend|cmd)\//);
  });
});
