import { describe, expect, it } from 'vitest';
import {
  ARTIFACT_ARGS,
  backendImageRef,
  baseImageRef,
  localaiSha256For,
  localaiUrlFor,
  resolveArtifacts,
} from './artifacts.js';
import { BACKEND_IMAGES, BASE_IMAGES } from './catalog.js';

const SHA = 'a'.repeat(64);
const SHA2 = 'b'.repeat(64);

describe('the runtime catalog and its AIKIT_* overrides (decisions.md#d11)', () => {
  it('keeps the first three build-args and lists one per catalog entry, each once', () => {
    const names = ARTIFACT_ARGS.map((a) => a.name);
    expect(names.slice(0, 3)).toEqual(['AIKIT_BASE_IMAGE', 'AIKIT_LOCALAI_URL', 'AIKIT_LOCALAI_SHA256']);
    expect(new Set(names).size).toBe(names.length);
    for (const b of Object.values(BACKEND_IMAGES)) expect(names).toContain(b.arg);
    for (const b of Object.values(BASE_IMAGES)) expect(names).toContain(b.arg);
    for (const a of ARTIFACT_ARGS) {
      expect(a.name).toMatch(/^AIKIT_[A-Z0-9_]+$/);
      expect(a.description).not.toBe('');
    }
  });

  it('defaults to the catalog', () => {
    const { artifacts, used } = resolveArtifacts({});
    expect(used).toEqual([]);
    expect(artifacts.baseImage).toBe('ghcr.io/kaito-project/aikit/base:latest');
    expect(baseImageRef(artifacts, 'cuda')).toBe('ghcr.io/kaito-project/aikit/cuda/base:latest');
    expect(baseImageRef(artifacts, 'applesilicon')).toBe(
      'ghcr.io/kaito-project/aikit/applesilicon/base:latest',
    );
    expect(baseImageRef(artifacts, 'python')).toBe('docker.io/library/ubuntu:22.04');
    // The ROCm backend brings ROCm: the CPU base is enough, and follows its override.
    expect(baseImageRef(artifacts, 'rocm')).toBe(artifacts.baseImage);
    expect(backendImageRef(artifacts, 'cpu-llama-cpp')).toBe(
      'quay.io/go-skynet/local-ai-backends:v4.7.1-cpu-llama-cpp',
    );
    expect(backendImageRef(artifacts, 'vulkan-llama-cpp')).toBe(
      'quay.io/go-skynet/local-ai-backends:v3.12.1-gpu-vulkan-llama-cpp',
    );
    expect(artifacts.cudaLibraries).toBe('backend');
    expect(localaiUrlFor(artifacts, 'arm64', 'v3.12.1')).toBe(
      'https://github.com/mudler/LocalAI/releases/download/v3.12.1/local-ai-v3.12.1-linux-arm64',
    );
  });

  it('takes every override and reports which args it used', () => {
    const args = {
      AIKIT_BASE_IMAGE: 'mirror.internal/base:1',
      AIKIT_ROCM_BASE_IMAGE: 'mirror.internal/rocm:1',
      AIKIT_CUDA_BASE_IMAGE: `mirror.internal/cuda@sha256:${SHA}`,
      AIKIT_BACKEND_IMAGE_LLAMA_CPP: 'mirror.internal/llama:cpu',
      AIKIT_BACKEND_IMAGE_EXLLAMA2: 'mirror.internal/exllama2:x',
      AIKIT_VLLM_BASE_IMAGE: 'mirror.internal/vllm-base:1',
      AIKIT_CUDA_LIBRARIES: 'base',
      AIKIT_LOCALAI_URL: 'https://mirror.internal/localai/{version}/{arch}',
    };
    const { artifacts, used } = resolveArtifacts(args);
    expect(used.sort()).toEqual(Object.keys(args).sort());
    expect(baseImageRef(artifacts, 'rocm')).toBe('mirror.internal/rocm:1');
    expect(baseImageRef(artifacts, 'cuda')).toBe(`mirror.internal/cuda@sha256:${SHA}`);
    expect(backendImageRef(artifacts, 'cpu-llama-cpp')).toBe('mirror.internal/llama:cpu');
    expect(backendImageRef(artifacts, 'cuda12-exllama2')).toBe('mirror.internal/exllama2:x');
    expect(artifacts.vllmBaseImage).toBe('mirror.internal/vllm-base:1');
    expect(artifacts.cudaLibraries).toBe('base');
    expect(localaiUrlFor(artifacts, 'amd64', 'v3.10.1')).toBe(
      'https://mirror.internal/localai/v3.10.1/amd64',
    );
  });

  it('pins LocalAI per arch before the common pin; a mirror URL gets no catalog checksum', () => {
    const { artifacts } = resolveArtifacts({
      AIKIT_LOCALAI_SHA256: SHA,
      AIKIT_LOCALAI_SHA256_ARM64: `sha256:${SHA2.toUpperCase()}`,
    });
    expect(localaiSha256For(artifacts, 'amd64')).toBe(`sha256:${SHA}`);
    expect(localaiSha256For(artifacts, 'arm64')).toBe(`sha256:${SHA2}`);
    const mirror = resolveArtifacts({ AIKIT_LOCALAI_URL: 'https://m/local-ai-{arch}' }).artifacts;
    expect(localaiSha256For(mirror, 'amd64')).toBeUndefined();
  });

  it.each([
    [
      { AIKIT_BACKEND_IMAGE_VLLM: 'Not A Ref' },
      'AIKIT_BACKEND_IMAGE_VLLM is not an image reference: "Not A Ref"',
    ],
    [{ AIKIT_CUDA_LIBRARIES: 'both' }, 'AIKIT_CUDA_LIBRARIES must be backend or base, got "both"'],
    [{ AIKIT_LOCALAI_SHA256_AMD64: 'xyz' }, 'AIKIT_LOCALAI_SHA256_AMD64 is not a sha256 digest: "xyz"'],
    [{ AIKIT_LOCALAI_URL: 'ftp://x' }, 'AIKIT_LOCALAI_URL must be an http(s) URL, got "ftp://x"'],
  ])('rejects %j', (args, message) => {
    expect(() => resolveArtifacts(args)).toThrow(message);
  });
});
