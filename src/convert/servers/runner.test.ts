import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dumpDefinition, marshal, parsePlatform } from '../../llb/index.js';
import { loadAikitfile, type InferenceSpec } from '../../aikitfile/index.js';
import { resolveArtifacts } from '../artifacts.js';
import { convert } from '../convert.js';
import { runtimeImageRefs } from './index.js';
import { runnerScript } from './localai/runner-script.js';

const H = 'apiVersion: v1alpha1\n';
const platform = parsePlatform('linux/amd64');
const { artifacts } = resolveArtifacts({});
const spec = (yaml: string) => loadAikitfile(yaml, 'f.yaml').spec as InferenceSpec;
const build = (yaml: string) => {
  const s = spec(yaml);
  const r = convert(s, { platform, artifacts });
  return {
    ...r,
    llb: JSON.stringify(dumpDefinition(marshal(r.state, { platform }))),
    refs: runtimeImageRefs(s, artifacts, platform),
  };
};

describe('a llama-server runner', () => {
  const r = build(`${H}server: llama-server\ndebug: true\n`);

  it('takes the model arguments after its entrypoint and caches downloads in /models', () => {
    expect(r.image.config.Entrypoint).toEqual([
      '/app/llama-server',
      '--host',
      '0.0.0.0',
      '--port',
      '8080',
      '--verbose',
    ]);
    expect(r.image.config.Cmd).toEqual([]);
    expect(r.image.config.Env).toContain('LLAMA_CACHE=/models');
    expect(r.image.config.Labels['ai.kaito.aikit.runner']).toBe('true');
    expect(r.image.config.Labels['ai.kaito.aikit.models']).toBeUndefined();
  });

  it('has a /models the chart user owns, and no preset', () => {
    expect(r.llb).toContain('"path":"/models"');
    expect(r.llb).toContain('"owner":{"user":{"byID":1000},"group":{"byID":1000}}');
    expect(r.llb).not.toContain('presets.ini');
  });
});

describe('a LocalAI runner', () => {
  it('builds llama-cpp on Ubuntu with curl and the hf CLI, and starts with aikit-runner', () => {
    const r = build(`${H}backends: [llama-cpp]\n`);
    expect(r.refs[0]).toBe('docker.io/library/ubuntu:22.04');
    expect(r.llb).toContain('huggingface-hub==1.26.0');
    expect(r.llb).toContain('curl ca-certificates python3 python3-pip');
    expect(r.llb).toContain('/usr/local/bin/aikit-runner');
    expect(r.image.config.Entrypoint).toEqual(['/usr/local/bin/aikit-runner']);
    expect(r.image.config.Cmd).toEqual([]);
    expect(r.image.config.Env).toContain('HF_HOME=/models/.cache/huggingface');
    expect(r.image.config.Env.some((e) => e.startsWith('CONFIG_FILE='))).toBe(false);
    expect(r.image.config.Labels).toMatchObject({
      'ai.kaito.aikit.runner': 'true',
      'ai.kaito.aikit.backend': 'llama-cpp',
    });
  });

  it('leaves the downloader out for vllm, which fetches from the Hub itself', () => {
    const r = build(`${H}runtime: cuda\nbackends: [vllm]\n`);
    expect(r.llb).not.toContain('huggingface-hub==');
    expect(r.llb).toContain('backend: vllm');
  });

  it('keeps a LocalAI image with a config a complete image', () => {
    const r = build(`${H}runtime: cuda\nbackends: [vllm]\nconfig: |\n  - name: q\n`);
    expect(r.image.config.Entrypoint).toEqual(['local-ai']);
    expect(r.llb).not.toContain('aikit-runner');
  });
});

// The script itself, run by bash with /models and LocalAI moved into a temporary directory and
// curl and hf replaced by programs that log their arguments and write the file.
function runScript(backend: 'llama-cpp' | 'vllm', args: string[], dir?: string) {
  const root = dir ?? mkdtempSync(join(tmpdir(), 'aikit-runner-'));
  const models = join(root, 'models');
  execFileSync('mkdir', ['-p', models, join(root, 'bin')]);
  const tool = (name: string, body: string) => {
    writeFileSync(join(root, 'bin', name), `#!/bin/bash\necho "${name} $*" >> ${root}/calls\n${body}\n`);
    chmodSync(join(root, 'bin', name), 0o755);
  };
  tool('curl', 'while [[ $# -gt 0 ]]; do [[ $1 == -o ]] && echo gguf > "$2"; shift; done');
  tool('hf', `echo gguf > ${models}/repo-Q4_K_M.gguf`);
  tool('local-ai', '');
  const text = runnerScript({ backend, debug: true })
    .replaceAll('/usr/bin/local-ai', join(root, 'bin', 'local-ai'))
    .replaceAll('/models', models);
  writeFileSync(join(root, 'runner'), text);
  const r = spawnSync('bash', [join(root, 'runner'), ...args], {
    env: { PATH: `${join(root, 'bin')}:/usr/bin:/bin`, HF_TOKEN: 'hf_x' },
    encoding: 'utf8',
  });
  const calls = existsSync(join(root, 'calls'))
    ? readFileSync(join(root, 'calls'), 'utf8').trim().split('\n')
    : [];
  return { root, models, code: r.status, out: r.stdout + r.stderr, calls };
}

describe('the runner script', () => {
  it('prints its usage and fails without a model', () => {
    const r = runScript('llama-cpp', []);
    expect(r.code).toBe(1);
    expect(r.out).toContain('Usage: docker run <image> <model-ref>');
  });

  it('downloads a URL once, writes its config, and passes other flags to LocalAI', () => {
    const first = runScript('llama-cpp', ['https://example.com/m/tiny-Q2_K.gguf', '--threads', '2']);
    expect(first.code, first.out).toBe(0);
    expect(first.calls).toEqual([
      `curl -fL --progress-bar -o ${first.models}/tiny-Q2_K.gguf https://example.com/m/tiny-Q2_K.gguf`,
      `local-ai --models-path ${first.models} --log-level=debug --threads 2`,
    ]);
    expect(readFileSync(join(first.models, 'tiny-Q2_K.yaml'), 'utf8')).toBe(
      'name: tiny-Q2_K\nbackend: llama-cpp\nparameters:\n  model: tiny-Q2_K.gguf\n',
    );
    const again = runScript('llama-cpp', ['--model=https://example.com/m/tiny-Q2_K.gguf'], first.root);
    expect(again.calls.slice(2)).toEqual([`local-ai --models-path ${first.models} --log-level=debug`]);
  });

  it('fetches a Hub repository with hf and the token, replacing another cached model', () => {
    const first = runScript('llama-cpp', ['https://example.com/other.gguf']);
    const r = runScript('llama-cpp', ['--model', 'huggingface://org/repo'], first.root);
    expect(r.calls[2]).toBe(`hf download org/repo --local-dir ${r.models} --include *.gguf --token hf_x`);
    expect(existsSync(join(r.models, 'other.gguf'))).toBe(false);
    expect(readFileSync(join(r.models, '.aikit-model-ref'), 'utf8')).toBe('org/repo\n');
  });

  it('writes a vllm config named after the repository', () => {
    const r = runScript('vllm', ['Qwen/Qwen2.5-0.5B-Instruct']);
    expect(r.code, r.out).toBe(0);
    expect(readFileSync(join(r.models, 'aikit-model.yaml'), 'utf8')).toBe(
      'name: Qwen2.5-0.5B-Instruct\nbackend: vllm\nparameters:\n  model: Qwen/Qwen2.5-0.5B-Instruct\n',
    );
  });
});
