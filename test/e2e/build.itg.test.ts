import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { fixtureBytes, localaiStandIn, sha256Hex } from '../fixtures/artifacts.js';
import { cpuBuildArgs } from '../fixtures/runtime-images.js';
import { buildx, fixtureCounts, makeContext, ociTarPath, resetFixtureCounts, run } from './harness.js';
import { readOciTar } from './oci.js';

const fixtureUrl = inject('fixtureUrl');
const env = { ...process.env, ...inject('engine') };
const httpModel = fixtureBytes('tiny-http.gguf', 64 * 1024);
const localModel = fixtureBytes('tiny-local.gguf', 32 * 1024);

const templates = {
  chatMsg: '{{.RoleName}}: {{.Content}}\n',
  // Quotes, backslashes, dollars and backticks must land byte for byte (decisions.md#d3).
  function: 'call `{{.Function}}` with {"a": "$HOME \\" \\\\n"}\n',
  chat: '{{.Input}}\n<|assistant|>',
};
const config = `- name: tiny
  backend: llama-cpp
  parameters:
    model: tiny-http.gguf
  template:
    chat: chat
`;

function twoModelAikitfile(opts: { sha?: string; config?: string } = {}): string {
  const tmpl = (name: keyof typeof templates) =>
    `      - name: ${name}\n        template: ${JSON.stringify(templates[name])}\n`;
  return `#syntax=aikit:test
apiVersion: v1alpha1
debug: true
models:
  - name: tiny
    source: ${fixtureUrl}/models/tiny-http.gguf
    sha256: ${opts.sha ?? sha256Hex(httpModel)}
    promptTemplates:
${tmpl('chatMsg')}${tmpl('function')}${tmpl('chat')}  - name: local
    source: weights/tiny-local.gguf
config: |
${(opts.config ?? config)
  .split('\n')
  .map((l) => (l ? `  ${l}` : l))
  .join('\n')}`;
}

const artifactArgs = cpuBuildArgs(fixtureUrl);

describe('an aikitfile becomes a LocalAI image on a real engine', () => {
  let context: string;
  beforeAll(async () => {
    context = await makeContext({
      'aikitfile.yaml': twoModelAikitfile(),
      'weights/tiny-local.gguf': localModel,
    });
  });

  it('builds both platforms with byte-exact models, templates, config and image config', async () => {
    const out = await ociTarPath('oci');
    const r = await buildx(env, {
      file: join(context, 'aikitfile.yaml'),
      context,
      platforms: ['linux/amd64', 'linux/arm64'],
      buildArgs: artifactArgs,
      output: `type=oci,dest=${out}`,
    });
    expect(r.code, r.output).toBe(0);
    const images = await readOciTar(out);
    expect(images.map((i) => i.platform).sort()).toEqual(['linux/amd64', 'linux/arm64']);

    for (const img of images) {
      const f = (p: string) => {
        const e = img.files.get(p);
        if (!e) throw new Error(`${img.platform}: ${p} missing; have ${[...img.files.keys()].join(', ')}`);
        return e;
      };
      expect(f('models/tiny-http.gguf').data.equals(httpModel)).toBe(true);
      expect(f('models/tiny-http.gguf').mode).toBe(0o444);
      expect(f('models/tiny-local.gguf').data.equals(localModel)).toBe(true);
      expect(f('models/tiny-local.gguf').mode).toBe(0o444);
      for (const [name, body] of Object.entries(templates)) {
        expect(f(`models/${name}.tmpl`).data.toString()).toBe(body);
      }
      expect(f('config.yaml').data.toString()).toBe(config);
      const localai = f('usr/bin/local-ai');
      expect(localai.mode & 0o111).toBe(0o111);
      expect(localai.data.equals(localaiStandIn(img.config.architecture))).toBe(true);
      expect(f('etc/os-release').data.toString()).toContain('aikit test base');

      expect(img.config.architecture).toBe(img.platform.split('/')[1]);
      expect(img.config.os).toBe('linux');
      const c = img.config.config;
      expect(c['Entrypoint']).toEqual(['local-ai']);
      expect(c['Cmd']).toEqual(['--log-level=debug', '--config-file=/config.yaml']);
      expect(c['Env']).toEqual([
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'CONFIG_FILE=/config.yaml',
      ]);
      expect(c['WorkingDir']).toBe('/');
      expect(c['ExposedPorts']).toEqual({ '8080/tcp': {} });
      const labels = c['Labels'] as Record<string, string>;
      expect(JSON.parse(labels['ai.kaito.aikit.models']!)).toEqual([
        { name: 'tiny', source: `${fixtureUrl}/models/tiny-http.gguf`, sha256: sha256Hex(httpModel) },
        { name: 'local', source: 'context:weights/tiny-local.gguf' },
      ]);
    }
  });

  it('loads a tagged image into the engine', async () => {
    const r = await buildx(env, {
      file: join(context, 'aikitfile.yaml'),
      context,
      buildArgs: artifactArgs,
      tag: 'aikit-e2e/two-models:test',
      load: true,
    });
    expect(r.code, r.output).toBe(0);
    const inspect = await run(
      'docker',
      ['image', 'inspect', 'aikit-e2e/two-models:test', '--format', '{{json .Config.Entrypoint}}'],
      { env },
    );
    expect(inspect.stdout.trim()).toBe('["local-ai"]');
  });

  it('rebuilding after a config change downloads no model again; --no-cache does', async () => {
    await resetFixtureCounts(fixtureUrl);
    await writeFile(join(context, 'aikitfile.yaml'), twoModelAikitfile({ config: `${config}# changed\n` }));
    const changed = await buildx(env, {
      file: join(context, 'aikitfile.yaml'),
      context,
      buildArgs: artifactArgs,
    });
    expect(changed.code, changed.output).toBe(0);
    expect((await fixtureCounts(fixtureUrl))['/models/tiny-http.gguf'] ?? 0).toBe(0);

    const fresh = await buildx(env, {
      file: join(context, 'aikitfile.yaml'),
      context,
      buildArgs: artifactArgs,
      noCache: true,
    });
    expect(fresh.code, fresh.output).toBe(0);
    expect((await fixtureCounts(fixtureUrl))['/models/tiny-http.gguf']).toBeGreaterThanOrEqual(1);
  });
});

describe('bad input fails with the aikitfile line', () => {
  it('a wrong sha256 fails the build at the model line and tags nothing', async () => {
    const wrong = 'a'.repeat(64);
    const ctx = await makeContext({
      'aikitfile.yaml': twoModelAikitfile({ sha: wrong }),
      'weights/tiny-local.gguf': localModel,
    });
    const tag = 'aikit-e2e/wrong-sha:test';
    await run('docker', ['image', 'rm', '-f', tag], { env });
    const r = await buildx(env, {
      file: join(ctx, 'aikitfile.yaml'),
      context: ctx,
      buildArgs: artifactArgs,
      tag,
      load: true,
    });
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(`digest mismatch sha256:${sha256Hex(httpModel)}: sha256:${wrong}`);
    const text = await readFile(join(ctx, 'aikitfile.yaml'), 'utf8');
    const line = text.split('\n').findIndex((l) => l.includes('- name: tiny')) + 1;
    expect(r.output).toContain(`aikitfile.yaml:${line}`);
    expect(r.output).toMatch(new RegExp(`>>>\\s+- name: tiny`));
    const inspect = await run('docker', ['image', 'inspect', tag], { env });
    expect(inspect.code).not.toBe(0);
  });

  it.each([
    ['an unsupported apiVersion', 'apiVersion: v2\n', 2, /apiVersion/],
    ['a field of the wrong type', 'apiVersion: v1alpha1\ndebug: maybe\n', 3, /debug/],
  ])('%s shows the offending line', async (_name, body, line, pattern) => {
    const ctx = await makeContext({ 'aikitfile.yaml': `#syntax=aikit:test\n${body}` });
    const r = await buildx(env, { file: join(ctx, 'aikitfile.yaml'), context: ctx, buildArgs: artifactArgs });
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(`aikitfile.yaml:${line}`);
    expect(r.output).toMatch(/>>>/);
    expect(r.output).toMatch(pattern);
    expect(r.output).not.toMatch(/internal error|at .*\.js:\d+/);
  });
});
