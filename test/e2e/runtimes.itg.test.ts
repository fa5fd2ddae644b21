import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fixtureBytes, sha256Hex } from '../fixtures/artifacts.js';
import {
  buildRuntimeStandIns,
  STAND_IN_IMAGES,
  standInBuildArgs,
  standInFiles,
} from '../fixtures/runtime-images.js';
import { startFixtureServer, type FixtureServer } from '../fixtures/server.js';
import { buildx, makeContext } from './harness.js';
import { imageFile, readOciTar, type PlatformImage } from './oci.js';

// CUDA, Apple Silicon, ROCm and Python-backend images built on a real engine from stand-ins of
// every catalog artifact, then inspected: files, env, labels. Nothing runs (no GPU here).

const env = { ...process.env, ...inject('engine') };
const model = fixtureBytes('runtimes-model.gguf', 96 * 1024);
// A LocalAI stand-in per release and arch, so a test sees which release an image got (decisions.md#d13).
const localai = (version: string, arch: string) =>
  Buffer.concat([
    Buffer.from(`#!/bin/sh\necho local-ai ${version} ${arch}\n`),
    fixtureBytes(`localai-${version}-${arch}`, 2048),
  ]);
const VERSIONS = ['v4.7.1', 'v3.12.1'];
const ARCHES = ['amd64', 'arm64'];
const BASE_ENV = [
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'CONFIG_FILE=/config.yaml',
];
const CUDA_ENV = [
  'NVIDIA_REQUIRE_CUDA=cuda>=12.0',
  'NVIDIA_DRIVER_CAPABILITIES=compute,utility',
  'NVIDIA_VISIBLE_DEVICES=all',
  'BUILD_TYPE=cublas',
];
const CONFIG = '- name: m\n  backend: llama-cpp\n  parameters:\n    model: runtimes-model.gguf\n';

let server: FixtureServer;
let args: Record<string, string>;

beforeAll(async () => {
  await buildRuntimeStandIns(env);
  const files = new Map<string, Buffer>([['/models/runtimes-model.gguf', model]]);
  for (const v of VERSIONS) for (const a of ARCHES) files.set(`/localai/${v}/local-ai-${a}`, localai(v, a));
  server = await startFixtureServer(files);
  args = {
    ...standInBuildArgs(server.url),
    AIKIT_LOCALAI_URL: `${server.url}/localai/{version}/local-ai-{arch}`,
  };
});

afterAll(async () => {
  await server?.close();
});

function aikitfile(runtime: string, backend?: string): string {
  return `#syntax=aikit:test
apiVersion: v1alpha1
runtime: ${runtime}
${backend ? `backends: [${backend}]\n` : ''}models:
  - name: m
    source: ${server.url}/models/runtimes-model.gguf
    sha256: ${sha256Hex(model)}
    promptTemplates:
      - name: chat
        template: "{{.Input}}"
config: |
${CONFIG.replace(/^/gm, '  ').trimEnd()}
`;
}

async function build(
  runtime: string,
  platforms: string[],
  o: { backend?: string; args?: Record<string, string> } = {},
): Promise<{ code: number; output: string; images: PlatformImage[] }> {
  const dir = await makeContext({ 'aikitfile.yaml': aikitfile(runtime, o.backend) });
  const out = join(dir, 'image.tar');
  const r = await buildx(env, {
    file: join(dir, 'aikitfile.yaml'),
    context: dir,
    platforms,
    buildArgs: { ...args, ...o.args },
    output: `type=oci,dest=${out}`,
  });
  return { code: r.code, output: r.output, images: r.code === 0 ? await readOciTar(out) : [] };
}

const file = (img: PlatformImage, path: string) => imageFile(img, path).data;

/** Every file of a stand-in backend landed under /backends/<dir>/ with its mode. */
function expectBackend(
  img: PlatformImage,
  tag: string,
  dir: string,
  alias: string,
  arch: 'amd64' | 'arm64',
  skip: string[] = [],
) {
  for (const [path, f] of Object.entries(standInFiles(tag, arch))) {
    if (skip.includes(path)) continue;
    const e = img.files.get(`backends/${dir}/${path}`);
    expect(e, `${img.platform}: backends/${dir}/${path}`).toBeDefined();
    expect(e!.data.equals(Buffer.from(f.body))).toBe(true);
    expect(e!.mode).toBe(f.mode ?? 0o644);
  }
  const meta = img.files.get(`backends/${dir}/metadata.json`)!;
  expect(meta.mode).toBe(0o644);
  const release = labels(img)['ai.kaito.aikit.localai.version'];
  expect(meta.data.toString()).toBe(
    `{\n  "alias": "${alias}",\n  "name": "${dir}",\n  "gallery_url": "github:mudler/LocalAI/backend/index.yaml@master",\n  "version": "${release}",\n  "uri": "${tag}"\n}`,
  );
}

const backendDirs = (img: PlatformImage) =>
  [...img.files.keys()]
    .filter((p) => /^backends\/[^/]+$/.test(p))
    .map((p) => p.slice('backends/'.length))
    .sort();
const labels = (img: PlatformImage) => img.config.config['Labels'] as Record<string, string>;

function expectModelFiles(img: PlatformImage) {
  expect(file(img, 'models/runtimes-model.gguf').equals(model)).toBe(true);
  expect(img.files.get('models/runtimes-model.gguf')!.mode).toBe(0o444);
  expect(file(img, 'models/chat.tmpl').toString()).toBe('{{.Input}}');
  expect(file(img, 'config.yaml').toString()).toBe(CONFIG);
}

describe('runtime images from stand-in artifacts', () => {
  it('cuda: the CUDA and CPU llama-cpp backends on amd64, the CPU image on arm64 (decisions.md#d8)', async () => {
    const { code, output, images } = await build('cuda', ['linux/amd64', 'linux/arm64']);
    expect(code, output).toBe(0);
    const amd = images.find((i) => i.platform === 'linux/amd64')!;
    const arm = images.find((i) => i.platform === 'linux/arm64')!;

    expectModelFiles(amd);
    expect(backendDirs(amd)).toEqual(['cpu-llama-cpp', 'cuda12-llama-cpp']);
    expectBackend(
      amd,
      STAND_IN_IMAGES.backends['cuda12-llama-cpp'],
      'cuda12-llama-cpp',
      'llama-cpp',
      'amd64',
    );
    expectBackend(amd, STAND_IN_IMAGES.backends['cpu-llama-cpp'], 'cpu-llama-cpp', 'llama-cpp', 'amd64');
    expect(file(amd, 'usr/bin/local-ai').equals(localai('v4.7.1', 'amd64'))).toBe(true);
    expect(file(amd, 'etc/os-release').toString()).toContain('aikit test base');
    expect(amd.config.config['Env']).toEqual([...BASE_ENV, ...CUDA_ENV]);
    expect(amd.config.config['Entrypoint']).toEqual(['local-ai']);
    expect(labels(amd)).toMatchObject({
      'ai.kaito.aikit.runtime': 'cuda',
      'ai.kaito.aikit.backend': 'llama-cpp',
      'ai.kaito.aikit.localai.version': 'v4.7.1',
    });
    expect(JSON.parse(labels(amd)['ai.kaito.aikit.backends']!).map((b: { name: string }) => b.name)).toEqual([
      'cuda12-llama-cpp',
      'cpu-llama-cpp',
    ]);

    expectModelFiles(arm);
    expect(backendDirs(arm)).toEqual(['cpu-llama-cpp']);
    expectBackend(arm, STAND_IN_IMAGES.backends['cpu-llama-cpp'], 'cpu-llama-cpp', 'llama-cpp', 'arm64');
    expect(file(arm, 'usr/bin/local-ai').equals(localai('v4.7.1', 'arm64'))).toBe(true);
    expect(arm.config.config['Env']).toEqual(BASE_ENV);
    expect(labels(arm)['ai.kaito.aikit.runtime']).toBe('cpu');

    // The same model file is the same layer blob on both platforms (decisions.md#d12).
    const modelLayer = (img: PlatformImage) =>
      img.layers.filter((l) => l.size > 90 * 1024).map((l) => l.digest);
    expect(modelLayer(amd)).toHaveLength(1);
    expect(modelLayer(arm)).toEqual(modelLayer(amd));
  });

  it('cuda with AIKIT_CUDA_LIBRARIES=base: CUDA from the CUDA base, not twice', async () => {
    const { code, output, images } = await build('cuda', ['linux/amd64'], {
      args: { AIKIT_CUDA_LIBRARIES: 'base' },
    });
    expect(code, output).toBe(0);
    const [img] = images as [PlatformImage];
    expectModelFiles(img);
    expect(file(img, 'etc/os-release').toString()).toContain('aikit test cuda base');
    for (const lib of ['libcudart.so.12', 'libcublas.so.12', 'libcublasLt.so.12']) {
      expect(img.files.has(`usr/local/cuda-12.8/lib64/${lib}`), lib).toBe(true);
      expect(img.files.has(`backends/cuda12-llama-cpp/lib/${lib}`), lib).toBe(false);
    }
    expect(img.files.get('usr/local/cuda')).toMatchObject({ type: 'symlink', linkname: 'cuda-12.8' });
    const libs = ['lib/libcudart.so.12', 'lib/libcublas.so.12', 'lib/libcublasLt.so.12'];
    expectBackend(
      img,
      STAND_IN_IMAGES.backends['cuda12-llama-cpp'],
      'cuda12-llama-cpp',
      'llama-cpp',
      'amd64',
      libs,
    );
    expect(img.config.config['Env']).toEqual([
      ...BASE_ENV,
      ...CUDA_ENV,
      'LD_LIBRARY_PATH=/usr/local/cuda/lib64',
    ]);
  });

  it('applesilicon: the Vulkan backend of LocalAI v3.12.1 on the Apple Silicon base, arm64', async () => {
    const { code, output, images } = await build('applesilicon', ['linux/arm64']);
    expect(code, output).toBe(0);
    const [img] = images as [PlatformImage];
    expect(img.platform).toBe('linux/arm64');
    expectModelFiles(img);
    expect(backendDirs(img)).toEqual(['vulkan-llama-cpp']);
    expectBackend(
      img,
      STAND_IN_IMAGES.backends['vulkan-llama-cpp'],
      'vulkan-llama-cpp',
      'llama-cpp',
      'arm64',
    );
    expect(file(img, 'usr/bin/local-ai').equals(localai('v3.12.1', 'arm64'))).toBe(true);
    expect(file(img, 'etc/os-release').toString()).toContain('aikit test applesilicon base');
    expect(img.files.has('usr/share/vulkan/icd.d/virtio_icd.aarch64.json')).toBe(true);
    expect(img.config.config['Env']).toEqual([
      ...BASE_ENV,
      'VK_ICD_FILENAMES=/usr/share/vulkan/icd.d/virtio_icd.aarch64.json',
    ]);
    expect(labels(img)).toMatchObject({
      'ai.kaito.aikit.runtime': 'applesilicon',
      'ai.kaito.aikit.localai.version': 'v3.12.1',
    });
  });

  it('rocm: the hipBLAS backend plus the CPU fallback, amd64', async () => {
    const { code, output, images } = await build('rocm', ['linux/amd64']);
    expect(code, output).toBe(0);
    const [img] = images as [PlatformImage];
    expectModelFiles(img);
    expect(backendDirs(img)).toEqual(['cpu-llama-cpp', 'rocm-llama-cpp']);
    expectBackend(img, STAND_IN_IMAGES.backends['rocm-llama-cpp'], 'rocm-llama-cpp', 'llama-cpp', 'amd64');
    expect(file(img, 'etc/os-release').toString()).toContain('aikit test base');
    expect(img.config.config['Env']).toEqual([...BASE_ENV, 'LOCALAI_FORCE_META_BACKEND_CAPABILITY=amd']);
    expect(labels(img)['ai.kaito.aikit.runtime']).toBe('rocm');
  });

  it('diffusers: the Python backend of LocalAI v3.12.1 on the python base', async () => {
    const { code, output, images } = await build('cuda', ['linux/amd64'], { backend: 'diffusers' });
    expect(code, output).toBe(0);
    const [img] = images as [PlatformImage];
    expect(backendDirs(img)).toEqual(['cuda12-diffusers']);
    expectBackend(
      img,
      STAND_IN_IMAGES.backends['cuda12-diffusers'],
      'cuda12-diffusers',
      'diffusers',
      'amd64',
    );
    expect(file(img, 'usr/bin/local-ai').equals(localai('v3.12.1', 'amd64'))).toBe(true);
    expect(file(img, 'etc/os-release').toString()).toContain('aikit test python base');
    expect(img.config.config['Env']).toEqual([...BASE_ENV, ...CUDA_ENV]);
    expect(labels(img)).toMatchObject({
      'ai.kaito.aikit.backend': 'diffusers',
      'ai.kaito.aikit.localai.version': 'v3.12.1',
    });
  });

  it.each([
    [
      'applesilicon',
      undefined,
      ['linux/amd64', 'linux/arm64'],
      'runtime applesilicon builds linux/arm64 images only',
    ],
    [
      'rocm',
      undefined,
      ['linux/arm64'],
      'runtime rocm builds linux/amd64 images only; linux/arm64 was requested',
    ],
    ['cuda', 'vllm', ['linux/arm64'], 'backend vllm is published for linux/amd64 only'],
  ])(
    'refuses runtime %s backend %s on %j with one clear message',
    async (runtime, backend, platforms, message) => {
      const { code, output } = await build(runtime, platforms, backend ? { backend } : {});
      expect(code).not.toBe(0);
      expect(output).toContain(message);
      expect(output).toMatch(/hint: /);
      expect(output).not.toMatch(/internal error/);
    },
  );
});
