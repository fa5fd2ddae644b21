import { describe, expect, it } from 'vitest';
import { parsePlatform } from '../llb/index.js';
import { loadAikitfile, MATRIX, type InferenceSpec } from '../aikitfile/index.js';
import { AikitError } from '../util/errors.js';
import { BACKEND_IMAGES, BASE_IMAGES, LOCALAI_STACKS } from './catalog.js';
import { checkMatrix, planTarget } from './matrix.js';
import { planLocalAI } from './servers/localai/plan.js';

function spec(runtime: string, backend?: string): InferenceSpec {
  const text = `apiVersion: v1alpha1\nruntime: "${runtime}"\n${backend ? `backends: [${backend}]\n` : ''}`;
  const s = loadAikitfile(text, 'aikitfile.yaml').spec;
  if (s.kind !== 'inference') throw new Error('not inference');
  return s;
}

const plan = (runtime: string, backend: string | undefined, platform: string) =>
  planLocalAI(spec(runtime, backend), parsePlatform(platform));

function errorOf(f: () => unknown): AikitError {
  try {
    f();
  } catch (e) {
    if (e instanceof AikitError) return e;
    throw e;
  }
  throw new Error('expected an AikitError');
}

describe('the platform × runtime × backend matrix (decisions.md#d15)', () => {
  // Every combination the spec lets through, with what each platform gets.
  it.each([
    ['', undefined, 'linux/amd64', '', ['cpu-llama-cpp'], 'cpu', 'v4.7.1'],
    ['', undefined, 'linux/arm64', '', ['cpu-llama-cpp'], 'cpu', 'v4.7.1'],
    ['', 'llama-cpp', 'linux/arm64', '', ['cpu-llama-cpp'], 'cpu', 'v4.7.1'],
    ['cuda', undefined, 'linux/amd64', 'cuda', ['cuda12-llama-cpp', 'cpu-llama-cpp'], 'cpu', 'v4.7.1'],
    ['cuda', undefined, 'linux/arm64', '', ['cpu-llama-cpp'], 'cpu', 'v4.7.1'],
    ['cuda', 'diffusers', 'linux/amd64', 'cuda', ['cuda12-diffusers'], 'python', 'v3.12.1'],
    ['cuda', 'vllm', 'linux/amd64', 'cuda', ['cuda12-vllm'], 'python', 'v4.7.1'],
    ['cuda', 'mamba', 'linux/amd64', 'cuda', ['cuda12-transformers'], 'python', 'v4.7.1'],
    ['cuda', 'exllama2', 'linux/amd64', 'cuda', ['cuda12-exllama2'], 'python', 'v3.10.1'],
    ['rocm', undefined, 'linux/amd64', 'rocm', ['rocm-llama-cpp', 'cpu-llama-cpp'], 'rocm', 'v4.7.1'],
    [
      'applesilicon',
      undefined,
      'linux/arm64',
      'applesilicon',
      ['vulkan-llama-cpp'],
      'applesilicon',
      'v3.12.1',
    ],
  ])(
    'runtime %j backend %j on %s builds %j with %j',
    (runtime, backend, platform, effective, images, base, localai) => {
      const p = plan(runtime, backend, platform);
      expect(p.runtime).toBe(effective);
      expect(p.stack.images).toEqual(images);
      expect(p.stack.base).toBe(base);
      expect(p.localai).toBe(localai);
    },
  );

  it('runtime cuda on arm64 builds the CPU image with a warning (decisions.md#d8)', () => {
    const p = plan('cuda', undefined, 'linux/arm64');
    expect(p.warnings).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'CUDA_ON_ARM64', path: ['runtime'] }),
    ]);
    expect(p.warnings[0]!.message).toBe(
      'runtime cuda on linux/arm64 builds the CPU image: LocalAI has no CUDA backend for arm64',
    );
    expect(plan('cuda', undefined, 'linux/amd64').warnings).toEqual([]);
  });

  // One clear message per forbidden combination.
  it.each([
    [
      'rocm',
      undefined,
      'linux/arm64',
      'ROCM_NEEDS_AMD64',
      'runtime rocm builds linux/amd64 images only; linux/arm64 was requested',
    ],
    [
      'applesilicon',
      undefined,
      'linux/amd64',
      'APPLESILICON_NEEDS_ARM64',
      'runtime applesilicon builds linux/arm64 images only (Apple Silicon runs arm64 Linux VMs); linux/amd64 was requested',
    ],
    [
      'cuda',
      'diffusers',
      'linux/arm64',
      'BACKEND_NEEDS_AMD64',
      'backend diffusers is published for linux/amd64 only; only llama-cpp builds for linux/arm64',
    ],
    [
      'cuda',
      'vllm',
      'linux/arm64',
      'BACKEND_NEEDS_AMD64',
      'backend vllm is published for linux/amd64 only; only llama-cpp builds for linux/arm64',
    ],
    [
      'cuda',
      'mamba',
      'linux/arm64',
      'BACKEND_NEEDS_AMD64',
      'backend mamba is published for linux/amd64 only; only llama-cpp builds for linux/arm64',
    ],
    [
      'cuda',
      'exllama2',
      'linux/arm64',
      'BACKEND_NEEDS_AMD64',
      'backend exllama2 is published for linux/amd64 only; only llama-cpp builds for linux/arm64',
    ],
    [
      '',
      undefined,
      'linux/arm/v7',
      'UNSUPPORTED_PLATFORM',
      'LocalAI is published for linux/amd64 and linux/arm64 only; linux/arm/v7 was requested',
    ],
    [
      'cuda',
      undefined,
      'linux/ppc64le',
      'UNSUPPORTED_PLATFORM',
      'LocalAI is published for linux/amd64 and linux/arm64 only; linux/ppc64le was requested',
    ],
    [
      '',
      undefined,
      'windows/amd64',
      'UNSUPPORTED_PLATFORM',
      'aikit builds linux images; windows/amd64 was requested',
    ],
  ])('runtime %j backend %j on %s: %s', (runtime, backend, platform, code, message) => {
    const e = errorOf(() => plan(runtime, backend, platform));
    expect(e.code).toBe(code);
    expect(e.message).toBe(message);
    expect(e.hint).toBeTruthy();
    expect(e.issues).toEqual([expect.objectContaining({ severity: 'error', code, message })]);
  });

  it('guards combinations the spec rejects, for specs made by hand', () => {
    const s = { ...spec('rocm'), backends: ['vllm' as const] };
    expect(errorOf(() => planTarget(s, parsePlatform('linux/amd64'))).code).toBe('RUNTIME_BACKEND_CONFLICT');
    const cpu = { ...spec(''), backends: ['diffusers' as const] };
    expect(errorOf(() => planTarget(cpu, parsePlatform('linux/amd64'))).code).toBe('BACKEND_NEEDS_CUDA');
  });

  it('points at the aikitfile line of the runtime', () => {
    const loaded = loadAikitfile('apiVersion: v1alpha1\nruntime: rocm\n', 'aikitfile.yaml');
    const e = errorOf(() =>
      planTarget(loaded.spec as InferenceSpec, parsePlatform('linux/arm64'), {
        locate: (p) => loaded.locate(p),
        file: 'aikitfile.yaml',
      }),
    );
    expect(e.file).toBe('aikitfile.yaml');
    expect(e.issues[0]!.range).toMatchObject({ line: 2 });
  });

  it('checks every platform at once: all forbidden ones in one error, else all warnings', () => {
    const both = [parsePlatform('linux/amd64'), parsePlatform('linux/arm64')];
    expect(checkMatrix(spec('cuda'), both).map((w) => w.code)).toEqual(['CUDA_ON_ARM64']);
    expect(checkMatrix(spec(''), both)).toEqual([]);
    const e = errorOf(() => checkMatrix(spec('applesilicon'), [...both, parsePlatform('linux/s390x')]));
    expect(e.issues.map((i) => i.code)).toEqual(['APPLESILICON_NEEDS_ARM64', 'UNSUPPORTED_PLATFORM']);
  });

  it('has LocalAI images for every LocalAI combination, on every architecture it builds for', () => {
    const used = new Set<string>();
    for (const c of MATRIX.localai.combinations) {
      const builds = [
        ...c.arches.map((arch) => ({ runtime: c.runtime, arch })),
        ...(c.fallback ? [{ runtime: c.fallback.runtime, arch: c.fallback.arch }] : []),
      ];
      for (const { runtime, arch } of builds) {
        const stack = LOCALAI_STACKS.find((s) => s.runtime === runtime && s.backend === c.backend);
        expect(stack, `${runtime} × ${c.backend}`).toBeDefined();
        for (const id of stack!.images) {
          expect(BACKEND_IMAGES[id].arches).toContain(arch);
          used.add(id);
        }
        expect(BASE_IMAGES[stack!.base].arches).toContain(arch);
      }
    }
    // Every backend image of the catalog is used somewhere, and every stack by some combination.
    expect([...used].sort()).toEqual(Object.keys(BACKEND_IMAGES).sort());
    for (const s of LOCALAI_STACKS) {
      expect(
        MATRIX.localai.combinations.some((c) => c.runtime === s.runtime && c.backend === s.backend),
      ).toBe(true);
    }
  });
});
