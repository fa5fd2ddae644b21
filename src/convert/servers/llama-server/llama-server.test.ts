import { describe, expect, it } from 'vitest';
import { dumpDefinition, marshal, parsePlatform } from '../../../llb/index.js';
import { loadAikitfile, type InferenceSpec } from '../../../aikitfile/index.js';
import { AikitError } from '../../../util/errors.js';
import { ARTIFACT_ARGS, resolveArtifacts } from '../../artifacts.js';
import { LLAMA_SERVER_IMAGES } from '../../catalog.js';
import { convert } from '../../convert.js';
import { checkMatrix } from '../../matrix.js';
import { runtimeImageRefs } from '../index.js';
import { llamaServerPreset } from './preset.js';

const amd64 = parsePlatform('linux/amd64');

function spec(body: string): InferenceSpec {
  const s = loadAikitfile(`apiVersion: v1alpha1\nserver: llama-server\n${body}`, 'aikitfile.yaml').spec;
  if (s.kind !== 'inference') throw new Error('not inference');
  return s;
}

const TWO = spec(`debug: true
models:
  - name: alpha
    source: alpha.gguf
    contextSize: 512
    chatTemplate: "{% for m in messages %}{{ m.content }}{% endfor %}"
    stop: ["</s>"]
    gpuLayers: all
  - name: team/beta
    source: weights/beta.gguf
    chatTemplate: "x"
loadToMemory: [team/beta]
`);

function build(s: InferenceSpec, platform = amd64, args: Record<string, string> = {}) {
  const { artifacts } = resolveArtifacts(args);
  const r = convert(s, { platform, artifacts, sessionId: 's', contextLocal: 'context' });
  return { ...r, dump: dumpDefinition(marshal(r.state, { platform })) };
}

describe('server: llama-server', () => {
  it('writes one preset section per model with its settings, and nothing per model on the command line', () => {
    expect(llamaServerPreset(TWO)).toBe(
      [
        '; llama-server model presets, written by aikit from the aikitfile.',
        '; Each section is one model; its name is the "model" of a request.',
        '',
        '[alpha]',
        'model = /models/alpha.gguf',
        'ctx-size = 512',
        'chat-template-file = /models/alpha.jinja',
        'reverse-prompt = </s>',
        'n-gpu-layers = all',
        '',
        '[team/beta]',
        'model = /models/team/beta.gguf',
        'chat-template-file = /models/team/beta.jinja',
        'load-on-startup = true',
        '',
      ].join('\n'),
    );
    const { image } = build(TWO);
    expect(image.config.Entrypoint).toEqual(['/app/llama-server']);
    expect(image.config.Cmd).toEqual([
      '--host',
      '0.0.0.0',
      '--port',
      '8080',
      '--models-preset',
      '/models/presets.ini',
      '--verbose',
    ]);
    expect(image.config.WorkingDir).toBe('/app');
    expect(image.config.ExposedPorts).toEqual({ '8080/tcp': {} });
    expect(image.config.Env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
    expect(image.config.Labels).toMatchObject({
      'ai.kaito.aikit.server': 'llama-server',
      'ai.kaito.aikit.runtime': 'cpu',
      'ai.kaito.aikit.llama-server.image': LLAMA_SERVER_IMAGES.cpu.ref,
    });
    expect(JSON.parse(image.config.Labels['ai.kaito.aikit.models']!)).toEqual([
      { name: 'alpha', source: 'context:alpha.gguf' },
      { name: 'team/beta', source: 'context:weights/beta.gguf' },
    ]);
  });

  it('serves embeddings from a model that asks for them, with the pooling it names', () => {
    const s = spec(`models:
  - name: own
    source: a.gguf
    embeddings: true
  - name: pooled
    source: b.gguf
    embeddings: mean
  - name: chat
    source: c.gguf
    embeddings: false
`);
    const sections = llamaServerPreset(s).split('\n\n').slice(1);
    expect(sections).toEqual([
      '[own]\nmodel = /models/a.gguf\nembeddings = true',
      '[pooled]\nmodel = /models/b.gguf\nembeddings = true\npooling = mean',
      '[chat]\nmodel = /models/c.gguf\n',
    ]);
  });

  it('refuses a pooling llama-server has no OpenAI vector for, and embeddings with LocalAI', () => {
    expect(() => spec('models:\n  - name: m\n    source: a.gguf\n    embeddings: rank\n')).toThrow(
      AikitError,
    );
    const localai = () =>
      loadAikitfile(
        'apiVersion: v1alpha1\nmodels:\n  - name: m\n    source: a.gguf\n    embeddings: true\n',
        'f.yaml',
      );
    let e: AikitError | undefined;
    try {
      localai();
    } catch (err) {
      e = err as AikitError;
    }
    expect(e?.issues.map((x) => x.path)).toEqual([['models', 0, 'embeddings']]);
  });

  it('builds on the server image with the models and one small layer, and no LocalAI', () => {
    const { dump } = build(TWO);
    const text = JSON.stringify(dump);
    expect(text).not.toMatch(/local-ai|LocalAI|\/backends\//);
    const sources = dump.flatMap((e) => {
      const src = (e.Op as { source?: { identifier: string } }).source;
      return src ? [src.identifier] : [];
    });
    expect(sources).toEqual([`docker-image://${LLAMA_SERVER_IMAGES.cpu.ref}`, 'local://context']);
    const files = dump.flatMap((e) =>
      (
        (e.Op as { file?: { actions: Record<string, { path?: string; dest?: string }>[] } }).file?.actions ??
        []
      ).map((a) => a['mkfile']?.path ?? a['copy']?.dest),
    );
    expect(files.filter(Boolean)).toEqual([
      '/models/alpha.gguf',
      '/models/team/beta.gguf',
      '/models/presets.ini',
      '/models/alpha.jinja',
      '/models/team/beta.jinja',
    ]);
  });

  // prettier-ignore
  it.each([
    ['', 'linux/amd64', 'cpu', []],
    ['', 'linux/arm64', 'cpu', []],
    ['cuda', 'linux/amd64', 'cuda', ['NVIDIA_VISIBLE_DEVICES=all', 'NVIDIA_DRIVER_CAPABILITIES=compute,utility', 'LD_LIBRARY_PATH=/usr/local/nvidia/lib:/usr/local/nvidia/lib64']],
    ['cuda', 'linux/arm64', 'cuda', ['NVIDIA_VISIBLE_DEVICES=all', 'NVIDIA_DRIVER_CAPABILITIES=compute,utility', 'LD_LIBRARY_PATH=/usr/local/nvidia/lib:/usr/local/nvidia/lib64']],
    ['applesilicon', 'linux/arm64', 'applesilicon', []],
    ['rocm', 'linux/amd64', 'rocm', []],
  ] as const)('runtime %j on %s uses the %s server image', (runtime, platform, id, env) => {
    const s = spec(`runtime: "${runtime}"\nmodels: [{name: m, source: m.gguf}]\n`);
    const p = parsePlatform(platform);
    const { image, warnings, dump } = build(s, p);
    expect(warnings).toEqual([]);
    expect(image.config.Env.slice(1)).toEqual(env);
    expect(image.config.Labels['ai.kaito.aikit.runtime']).toBe(runtime || 'cpu');
    expect(JSON.stringify(dump[0])).toContain(`docker-image://${LLAMA_SERVER_IMAGES[id].ref}`);
    expect(runtimeImageRefs(s, resolveArtifacts({}).artifacts, p)).toEqual([LLAMA_SERVER_IMAGES[id].ref]);
    expect(checkMatrix(s, [p])).toEqual([]);
  });

  it('pins every server image to one llama.cpp build', () => {
    const refs = Object.values(LLAMA_SERVER_IMAGES).map((i) => i.ref);
    expect(refs).toEqual([
      'ghcr.io/ggml-org/llama.cpp:server-b11347',
      'ghcr.io/ggml-org/llama.cpp:server-cuda-b11347',
      'ghcr.io/ggml-org/llama.cpp:server-vulkan-b11347',
      'ghcr.io/ggml-org/llama.cpp:server-rocm-b11347',
    ]);
  });

  it('takes AIKIT_LLAMA_SERVER_IMAGE for every runtime and lists it among the artifacts', () => {
    const arg = ARTIFACT_ARGS.find((a) => a.name === 'AIKIT_LLAMA_SERVER_IMAGE');
    expect(arg?.default).toBe(LLAMA_SERVER_IMAGES.cpu.ref);
    expect(arg?.description).toContain(LLAMA_SERVER_IMAGES.rocm.ref);
    const s = spec('runtime: cuda\nmodels: [{name: m, source: m.gguf}]\n');
    const { image, dump } = build(s, amd64, { AIKIT_LLAMA_SERVER_IMAGE: 'mirror.internal/llama:server' });
    expect(JSON.stringify(dump[0])).toContain('docker-image://mirror.internal/llama:server');
    expect(image.config.Labels['ai.kaito.aikit.llama-server.image']).toBe('mirror.internal/llama:server');
    expect(() => resolveArtifacts({ AIKIT_LLAMA_SERVER_IMAGE: 'Not An Image' })).toThrow(AikitError);
  });

  // prettier-ignore
  it.each([
    ['rocm', 'linux/arm64', 'ROCM_NEEDS_AMD64', 'runtime rocm builds linux/amd64 images only; linux/arm64 was requested'],
    ['applesilicon', 'linux/amd64', 'APPLESILICON_NEEDS_ARM64', 'runtime applesilicon builds linux/arm64 images only (Apple Silicon runs arm64 Linux VMs); linux/amd64 was requested'],
    ['', 'linux/s390x', 'UNSUPPORTED_PLATFORM', 'llama-server images are built for linux/amd64 and linux/arm64; linux/s390x was requested'],
  ])('refuses runtime %j on %s', (runtime, platform, code, message) => {
    const s = spec(`runtime: "${runtime}"\nmodels: [{name: m, source: m.gguf}]\n`);
    let err: unknown;
    try {
      checkMatrix(s, [parsePlatform(platform)]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AikitError);
    expect([(err as AikitError).code, (err as AikitError).message]).toEqual([code, message]);
  });

  it('uses the digest the frontend resolved for the server image', () => {
    const s = spec('models: [{name: m, source: m.gguf}]\n');
    const { artifacts } = resolveArtifacts({});
    const digest = `sha256:${'d'.repeat(64)}`;
    const r = convert(s, {
      platform: amd64,
      artifacts,
      imageDigests: { [LLAMA_SERVER_IMAGES.cpu.ref]: digest },
    });
    expect(JSON.stringify(dumpDefinition(marshal(r.state, { platform: amd64 }))[0])).toContain(
      `${LLAMA_SERVER_IMAGES.cpu.ref}@${digest}`,
    );
  });
});
