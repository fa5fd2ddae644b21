import { describe, expect, it } from 'vitest';
import { dumpDefinition, marshal, parsePlatform, type DumpEntry } from '../llb/index.js';
import { loadAikitfile, type InferenceSpec } from '../aikitfile/index.js';
import { AikitError } from '../util/errors.js';
import { resolveArtifacts } from './artifacts.js';
import { convert, type ConvertOptions } from './convert.js';
import { backendMetadata, pinOf } from './servers/localai/runtime.js';

const SHA = 'c'.repeat(64);
const amd64 = parsePlatform('linux/amd64');
const arm64 = parsePlatform('linux/arm64');
// Caps every engine we support has (BuildKit v0.8, Docker 20.10), per decisions.md#engine-caps.
const LEGACY_CAPS = new Set([
  'source.image',
  'source.local',
  'source.local.sessionid',
  'source.local.followpaths',
  'source.local.includepatterns',
  'source.local.excludepatterns',
  'source.local.sharedkeyhint',
  'source.local.unique',
  'source.http',
  'source.http.checksum',
  'source.http.perm',
  'exec.meta.base',
  'exec.mount.bind',
  'exec.meta.network',
  'file.base',
  'constraints',
  'platform',
  'meta.description',
  'meta.ignorecache',
]);

function aikitfile(
  opts: {
    runtime?: string;
    backend?: string;
    template?: string;
    extra?: string;
    sha?: string;
    config?: false;
  } = {},
): InferenceSpec {
  const text = `apiVersion: v1alpha1
debug: true
runtime: "${opts.runtime ?? ''}"
${opts.backend ? `backends: [${opts.backend}]\n` : ''}models:
  - name: a
    source: https://example.com/a.gguf
    sha256: ${opts.sha ?? SHA}
    promptTemplates:
      - name: chat
        template: ${JSON.stringify(opts.template ?? '{{.Input}}')}
  - name: b
    source: weights/b.gguf
${opts.config === false ? '' : 'config: |\n  - name: a\n    parameters:\n      model: a.gguf\n'}${opts.extra ?? ''}`;
  const s = loadAikitfile(text, 'aikitfile.yaml').spec;
  if (s.kind !== 'inference') throw new Error('not inference');
  return s;
}

function build(spec: InferenceSpec, o: Partial<ConvertOptions> & { args?: Record<string, string> } = {}) {
  const { args, ...rest } = o;
  const result = convert(spec, {
    platform: amd64,
    artifacts: resolveArtifacts(args ?? {}).artifacts,
    sessionId: 's',
    ...rest,
  });
  const ops = dumpDefinition(marshal(result.state, { platform: rest.platform ?? amd64 }));
  return { ...result, ops };
}

const named = (ops: DumpEntry[], prefix: string) =>
  ops.filter((o) =>
    String(
      (o.OpMetadata.description as Record<string, string> | undefined)?.['llb.customname'] ?? '',
    ).startsWith(prefix),
  );
const one = (ops: DumpEntry[], prefix: string) => {
  const found = named(ops, prefix);
  expect(found, prefix).toHaveLength(1);
  return found[0]!;
};
const fileActions = (op: DumpEntry) =>
  (op.Op['file'] as { actions: Record<string, Record<string, unknown>>[] }).actions;

describe('image config per runtime', () => {
  it('keeps the CPU config as before and adds labels for runtime, backend and LocalAI', () => {
    const { image, warnings } = build(aikitfile());
    expect(warnings).toEqual([]);
    expect(image.config.Env).toEqual([
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'CONFIG_FILE=/config.yaml',
    ]);
    expect(image.config.Entrypoint).toEqual(['local-ai']);
    expect(image.config.Cmd).toEqual(['--log-level=debug', '--config-file=/config.yaml']);
    expect(image.config.ExposedPorts).toEqual({ '8080/tcp': {} });
    expect(image.config.WorkingDir).toBe('/');
    expect(JSON.parse(image.config.Labels['ai.kaito.aikit.models']!)).toHaveLength(2);
    expect(image.config.Labels).toMatchObject({
      'ai.kaito.aikit.runtime': 'cpu',
      'ai.kaito.aikit.backend': 'llama-cpp',
      'ai.kaito.aikit.localai.version': 'v4.7.1',
    });
    expect(JSON.parse(image.config.Labels['ai.kaito.aikit.backends']!)).toEqual([
      {
        name: 'cpu-llama-cpp',
        alias: 'llama-cpp',
        image: 'quay.io/go-skynet/local-ai-backends:v4.7.1-cpu-llama-cpp',
      },
    ]);
  });

  it('sets the CUDA env only where CUDA is in the image (decisions.md#d8)', () => {
    const cuda = [
      'NVIDIA_REQUIRE_CUDA=cuda>=12.0',
      'NVIDIA_DRIVER_CAPABILITIES=compute,utility',
      'NVIDIA_VISIBLE_DEVICES=all',
      'BUILD_TYPE=cublas',
    ];
    const amd = build(aikitfile({ runtime: 'cuda' }));
    expect(amd.image.config.Env.slice(2)).toEqual(cuda);
    expect(amd.image.config.Env.filter((e) => e.startsWith('PATH='))).toHaveLength(1);
    expect(amd.image.config.Labels['ai.kaito.aikit.runtime']).toBe('cuda');

    const arm = build(aikitfile({ runtime: 'cuda' }), { platform: arm64 });
    expect(arm.image.config.Env).toHaveLength(2);
    expect(arm.image.config.Labels['ai.kaito.aikit.runtime']).toBe('cpu');
    expect(arm.warnings.map((w) => w.code)).toEqual(['CUDA_ON_ARM64']);

    const fromBase = build(aikitfile({ runtime: 'cuda' }), { args: { AIKIT_CUDA_LIBRARIES: 'base' } });
    expect(fromBase.image.config.Env.slice(2)).toEqual([...cuda, 'LD_LIBRARY_PATH=/usr/local/cuda/lib64']);
  });

  it.each([
    ['applesilicon', arm64, ['VK_ICD_FILENAMES=/usr/share/vulkan/icd.d/virtio_icd.aarch64.json'], 'v3.12.1'],
    ['rocm', amd64, ['LOCALAI_FORCE_META_BACKEND_CAPABILITY=amd'], 'v4.7.1'],
  ])('%s adds its env after PATH and CONFIG_FILE', (runtime, platform, env, localai) => {
    const { image } = build(aikitfile({ runtime }), { platform });
    expect(image.config.Env.slice(2)).toEqual(env);
    expect(image.config.Labels['ai.kaito.aikit.localai.version']).toBe(localai);
  });

  it('puts loadToMemory in the env before the runtime entries', () => {
    const { image } = build(aikitfile({ runtime: 'rocm', extra: 'loadToMemory: [a, b]\n' }));
    expect(image.config.Env.slice(2)).toEqual([
      'LOCALAI_LOAD_TO_MEMORY=a,b',
      'LOCALAI_FORCE_META_BACKEND_CAPABILITY=amd',
    ]);
  });
});

describe('runtime layers', () => {
  it('copies each backend image to /backends/<name>/ with its metadata.json in the same layer', () => {
    const { ops } = build(aikitfile({ runtime: 'cuda' }));
    const cuda = fileActions(one(ops, '[aikit] add backend cuda12-llama-cpp'));
    expect(cuda.map((a) => Object.keys(a).find((k) => ['mkdir', 'copy', 'mkfile'].includes(k)))).toEqual([
      'mkdir',
      'copy',
      'mkfile',
    ]);
    expect(cuda[1]!['copy']).toMatchObject({
      src: '/',
      dest: '/backends/cuda12-llama-cpp/',
      dirCopyContents: true,
    });
    expect(cuda[2]!['mkfile']).toMatchObject({
      path: '/backends/cuda12-llama-cpp/metadata.json',
      mode: 0o644,
      data: backendMetadata('llama-cpp', 'cuda12-llama-cpp', {
        version: 'v4.7.1',
        uri: 'quay.io/go-skynet/local-ai-backends:v4.7.1-gpu-nvidia-cuda-12-llama-cpp',
      }),
    });
    one(ops, '[aikit] add backend cpu-llama-cpp');
    expect(
      named(ops, '[aikit] backend image').map((o) => (o.Op['source'] as { identifier: string }).identifier),
    ).toEqual([
      'docker-image://quay.io/go-skynet/local-ai-backends:v4.7.1-gpu-nvidia-cuda-12-llama-cpp',
      'docker-image://quay.io/go-skynet/local-ai-backends:v4.7.1-cpu-llama-cpp',
    ]);
  });

  it('writes metadata.json byte for byte as the reference does', () => {
    expect(backendMetadata('llama-cpp', 'cpu-llama-cpp')).toBe(
      '{\n  "alias": "llama-cpp",\n  "name": "cpu-llama-cpp",\n  "gallery_url": "github:mudler/LocalAI/backend/index.yaml@master"\n}',
    );
  });

  it('pins metadata.json with the version, uri and digest LocalAI v4.7.1 upgrade checks read', () => {
    expect(
      backendMetadata('llama-cpp', 'cpu-llama-cpp', {
        version: 'v4.7.1',
        ...pinOf('r.example/b:v4.7.1-cpu-llama-cpp@sha256:' + 'a'.repeat(64)),
      }),
    ).toBe(
      `{\n  "alias": "llama-cpp",\n  "name": "cpu-llama-cpp",\n  "gallery_url": "github:mudler/LocalAI/backend/index.yaml@master",\n  "version": "v4.7.1",\n  "uri": "r.example/b:v4.7.1-cpu-llama-cpp",\n  "digest": "sha256:${'a'.repeat(64)}"\n}`,
    );
    // Without a digest in the ref, the one the frontend resolved; else none.
    expect(pinOf('r.example/b:t', () => 'sha256:' + 'b'.repeat(64))).toEqual({
      uri: 'r.example/b:t',
      digest: 'sha256:' + 'b'.repeat(64),
    });
    expect(pinOf('r.example/b:t')).toEqual({ uri: 'r.example/b:t' });
    const { ops } = build(aikitfile(), {
      args: { AIKIT_BACKEND_IMAGE_LLAMA_CPP: 'r.example/b:t@sha256:' + 'c'.repeat(64) },
    });
    const meta = fileActions(one(ops, '[aikit] add backend cpu-llama-cpp'))[2]!['mkfile'] as { data: string };
    expect(JSON.parse(meta.data)).toMatchObject({ uri: 'r.example/b:t', digest: 'sha256:' + 'c'.repeat(64) });
  });

  it('forces the CUDA capability in CUDA images only, the way LocalAI images do', () => {
    const cuda = fileActions(one(build(aikitfile({ runtime: 'cuda' })).ops, '[aikit] add LocalAI'));
    expect(cuda.find((a) => a['mkfile'])?.['mkfile']).toMatchObject({
      path: '/run/localai/capability',
      mode: 0o644,
      data: 'nvidia-cuda-12\n',
    });
    for (const [runtime, platform] of [
      ['', amd64],
      ['cuda', arm64],
      ['rocm', amd64],
      ['applesilicon', arm64],
    ] as const) {
      const ops = build(aikitfile(runtime ? { runtime } : {}), { platform }).ops;
      expect(fileActions(one(ops, '[aikit] add LocalAI')).some((a) => a['mkfile'])).toBe(false);
    }
  });

  it("gives a Python backend's files to the chart's user, in the backend's one copy", () => {
    const { ops } = build(aikitfile({ runtime: 'cuda', backend: 'diffusers' }));
    const copies = fileActions(one(ops, '[aikit] add backend cuda12-diffusers')).filter((a) => a['copy']);
    expect(copies).toHaveLength(1);
    expect(copies[0]!['copy']).toMatchObject({
      src: '/',
      dest: '/backends/cuda12-diffusers/',
      owner: { user: { byID: 1000 }, group: { byID: 999 } },
    });
    // Compiled backends stay root's.
    const llama = fileActions(one(build(aikitfile()).ops, '[aikit] add backend cpu-llama-cpp'));
    expect(llama.find((a) => a['copy'])!['copy']).not.toHaveProperty('owner');
  });

  it('sets CONFIG_FILE only when /config.yaml is written', () => {
    const { image } = build(aikitfile({ config: false }));
    expect(image.config.Env.some((e) => e.startsWith('CONFIG_FILE='))).toBe(false);
    expect(image.config.Cmd ?? []).not.toContain('--config-file=/config.yaml');
  });

  it('takes CUDA from the base and leaves the backend copies out with AIKIT_CUDA_LIBRARIES=base', () => {
    const { ops } = build(aikitfile({ runtime: 'cuda' }), { args: { AIKIT_CUDA_LIBRARIES: 'base' } });
    const base = one(ops, '[aikit] base image');
    expect((base.Op['source'] as { identifier: string }).identifier).toBe(
      'docker-image://ghcr.io/kaito-project/aikit/cuda/base:latest',
    );
    const copyOp = fileActions(one(ops, '[aikit] add backend cuda12-llama-cpp'))[1]!['copy'];
    expect(copyOp).toMatchObject({
      exclude_patterns: ['lib/libcudart.so*', 'lib/libcublas.so*', 'lib/libcublasLt.so*'],
    });
    // The CPU fallback has no CUDA to leave out.
    expect(fileActions(one(ops, '[aikit] add backend cpu-llama-cpp'))[1]!['copy']).not.toHaveProperty(
      'exclude_patterns',
    );
    expect(() =>
      build(aikitfile({ runtime: 'cuda', backend: 'diffusers' }), { args: { AIKIT_CUDA_LIBRARIES: 'base' } }),
    ).toThrow(AikitError);
  });

  it('downloads the LocalAI release of the backend (decisions.md#d13) with its pin', () => {
    const { ops } = build(aikitfile({ runtime: 'applesilicon' }), {
      platform: arm64,
      args: { AIKIT_LOCALAI_SHA256_ARM64: SHA },
    });
    const dl = one(ops, '[aikit] download LocalAI');
    expect(dl.Op['source']).toEqual({
      identifier: 'https://github.com/mudler/LocalAI/releases/download/v3.12.1/local-ai-v3.12.1-linux-arm64',
      attrs: { 'http.checksum': `sha256:${SHA}`, 'http.filename': 'local-ai', 'http.perm': '0755' },
    });
  });

  it('gives vLLM a C compiler on the python base unless AIKIT_VLLM_BASE_IMAGE has one', () => {
    const { ops } = build(aikitfile({ runtime: 'cuda', backend: 'vllm' }));
    const exec = one(ops, '[aikit] install gcc libc6-dev for vllm');
    expect(JSON.stringify(exec.Op['exec'])).toContain(
      'apt-get install -y --no-install-recommends gcc libc6-dev',
    );
    const own = build(aikitfile({ runtime: 'cuda', backend: 'vllm' }), {
      args: { AIKIT_VLLM_BASE_IMAGE: 'mirror/vllm-base:1' },
    });
    expect(named(own.ops, '[aikit] install')).toEqual([]);
    expect((one(own.ops, '[aikit] base image').Op['source'] as { identifier: string }).identifier).toBe(
      'docker-image://docker.io/mirror/vllm-base:1',
    );
  });

  it('pins a resolved base digest only on the image it was resolved for', () => {
    const digest = `sha256:${'d'.repeat(64)}`;
    const cpu = build(aikitfile(), { imageDigests: { 'ghcr.io/kaito-project/aikit/base:latest': digest } });
    expect((one(cpu.ops, '[aikit] base image').Op['source'] as { identifier: string }).identifier).toBe(
      `docker-image://ghcr.io/kaito-project/aikit/base:latest@${digest}`,
    );
    const apple = build(aikitfile({ runtime: 'applesilicon' }), {
      platform: arm64,
      imageDigests: { 'ghcr.io/kaito-project/aikit/base:latest': digest },
    });
    expect((one(apple.ops, '[aikit] base image').Op['source'] as { identifier: string }).identifier).toBe(
      'docker-image://ghcr.io/kaito-project/aikit/applesilicon/base:latest',
    );
    const pinned = build(aikitfile({ runtime: 'applesilicon' }), {
      platform: arm64,
      imageDigests: { 'ghcr.io/kaito-project/aikit/applesilicon/base:latest': digest },
    });
    expect(
      (one(pinned.ops, '[aikit] base image').Op['source'] as { identifier: string }).identifier,
    ).toContain(`@${digest}`);
  });
});

describe('layers (decisions.md#d12)', () => {
  const STABLE = new Set([...LEGACY_CAPS, 'diffop', 'file.copy.includeexcludepatterns']); // mergeop disabled

  it('merges one layer per model file, the runtime layers and one small layer', () => {
    const { ops } = build(aikitfile());
    const mergeOps = ops.filter((o) => 'merge' in o.Op);
    expect(mergeOps).toHaveLength(1);
    // base, a, b, LocalAI, backend, templates+config
    expect((mergeOps[0]!.Op['inputs'] as unknown[]).length).toBe(6);
    for (const name of [
      '[aikit] add model a',
      '[aikit] add model b',
      '[aikit] add LocalAI',
      '[aikit] add backend',
    ]) {
      expect(fileActions(one(ops, name))[0]!['input'], name).toBe(-1); // built on scratch
    }
    const small = fileActions(one(ops, '[aikit] write prompt templates and config'));
    expect(small[0]!['input']).toBe(-1);
    expect(small.map((a) => (a['mkfile'] ?? a['mkdir']) as { path: string }).map((x) => x.path)).toEqual([
      '/models',
      '/models/chat.tmpl',
      '/configuration',
      '/config.yaml',
    ]);
  });

  it('chains the same file ops where mergeop is not enabled', () => {
    const merged = build(aikitfile());
    const chained = build(aikitfile(), { llbCaps: STABLE });
    expect(chained.ops.filter((o) => 'merge' in o.Op || 'diff' in o.Op)).toEqual([]);
    const names = (ops: DumpEntry[]) =>
      ops
        .map((o) => (o.OpMetadata.description as Record<string, string> | undefined)?.['llb.customname'])
        .filter((n) => n && !n.includes('stack'));
    expect(names(chained.ops).sort()).toEqual(names(merged.ops).sort());
    // Each layer sits on the one below: model a on the base, the small layer last.
    expect(fileActions(one(chained.ops, '[aikit] add model a'))[0]!['input']).toBe(0);
    const last = chained.ops.at(-2)!; // the op before the terminal
    expect((last.OpMetadata.description as Record<string, string>)['llb.customname']).toBe(
      '[aikit] write prompt templates and config',
    );
  });

  it.each([
    ['merge', undefined],
    ['chain', STABLE],
  ] as const)('a template edit changes no model or runtime layer (%s)', (_name, llbCaps) => {
    const before = build(aikitfile(), llbCaps ? { llbCaps } : {});
    const after = build(aikitfile({ template: '{{.Input}} edited' }), llbCaps ? { llbCaps } : {});
    for (const name of [
      '[aikit] add model a',
      '[aikit] add model b',
      '[aikit] add LocalAI',
      '[aikit] add backend',
    ]) {
      expect(one(after.ops, name).Digest, name).toBe(one(before.ops, name).Digest);
    }
    expect(one(after.ops, '[aikit] write prompt templates and config').Digest).not.toBe(
      one(before.ops, '[aikit] write prompt templates and config').Digest,
    );
  });

  it('in a merge, a model edit changes that model layer only', () => {
    const before = build(aikitfile());
    const after = build(aikitfile({ sha: 'e'.repeat(64) }));
    expect(one(after.ops, '[aikit] add model a').Digest).not.toBe(
      one(before.ops, '[aikit] add model a').Digest,
    );
    for (const name of [
      '[aikit] add model b',
      '[aikit] add LocalAI',
      '[aikit] add backend',
      '[aikit] write prompt',
    ]) {
      expect(one(after.ops, name).Digest, name).toBe(one(before.ops, name).Digest);
    }
  });

  it('needs only caps BuildKit v0.8 has, as a chain; a merge needs mergeop', () => {
    for (const runtime of ['', 'cuda', 'rocm']) {
      const { state } = convert(aikitfile({ runtime }), {
        platform: amd64,
        artifacts: resolveArtifacts({}).artifacts,
        sessionId: 's',
        llbCaps: LEGACY_CAPS,
      });
      expect(() => marshal(state, { caps: LEGACY_CAPS })).not.toThrow();
    }
    const { state } = convert(aikitfile(), {
      platform: amd64,
      artifacts: resolveArtifacts({}).artifacts,
      sessionId: 's',
    });
    expect(() => marshal(state, { caps: LEGACY_CAPS })).toThrow(/mergeop/);
  });
});
