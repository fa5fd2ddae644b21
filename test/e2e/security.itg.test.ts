import { readFile } from 'node:fs/promises';
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { cpuBuildArgs } from '../fixtures/runtime-images.js';
import { buildx, makeContext, run } from './harness.js';

// Issue 7: hostile build contexts and inputs on a real engine. Path traversal, absolute paths,
// deep YAML and alias bombs are unit-tested in src/convert/fuzz.test.ts; the secret canary is in
// sources.itg.test.ts.
const fixtureUrl = inject('fixtureUrl');
const env = { ...process.env, ...inject('engine') };
const artifactArgs = cpuBuildArgs(fixtureUrl);
const local = (source: string) =>
  `#syntax=aikit:test\napiVersion: v1alpha1\nmodels:\n  - name: m\n    source: ${source}\n`;

describe('hostile build contexts', () => {
  it.each([
    ['an absolute symlink', '/etc/passwd'],
    ['a relative symlink out of the context', '../../../../../../etc/passwd'],
  ])('a model file that is %s never brings a host file into the image', async (_what, target) => {
    const ctx = await makeContext({ 'aikitfile.yaml': local('models/link.gguf') });
    await symlink(target, join(ctx, 'models/link.gguf')).catch(async () => {
      await (await import('node:fs/promises')).mkdir(join(ctx, 'models'), { recursive: true });
      await symlink(target, join(ctx, 'models/link.gguf'));
    });
    const tag = `aikit-e2e/symlink:${Date.now().toString(36)}`;
    const r = await buildx(env, {
      file: join(ctx, 'aikitfile.yaml'),
      context: ctx,
      buildArgs: artifactArgs,
      tag,
      load: true,
    });
    const passwd = await readFile('/etc/passwd', 'utf8');
    const firstLine = passwd.split('\n')[0]!;
    if (r.code === 0) {
      // If the engine builds it at all, the link must resolve inside the context (to nothing of
      // the host's): no host /etc/passwd content in the model file.
      const out = await run('docker', ['run', '--rm', '--entrypoint', '', tag, 'cat', '/models/link.gguf'], {
        env,
      });
      expect(out.stdout).not.toContain(firstLine);
    } else {
      expect(r.output).toMatch(/models\/link\.gguf|link\.gguf/);
      expect(r.output).toMatch(/aikitfile\.yaml:\d+|not found|no such file/i);
      expect(r.output).not.toMatch(/aikit internal error/);
    }
    expect(r.output).not.toContain(firstLine);
  });

  it('an aikitfile over 1 MiB is refused with a clear error', async () => {
    const big = `${local('https://example.com/m.gguf')}config: |\n${'  # padding padding padding padding padding\n'.repeat(30_000)}`;
    const ctx = await makeContext({ 'aikitfile.yaml': big });
    const r = await buildx(env, { file: join(ctx, 'aikitfile.yaml'), context: ctx, buildArgs: artifactArgs });
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/aikitfile\.yaml is \d+ bytes; an aikitfile may have at most 1048576/);
    expect(r.output).not.toMatch(/aikit internal error/);
  });

  it('a path traversal in a model name fails at its line before anything is fetched', async () => {
    const ctx = await makeContext({
      'aikitfile.yaml':
        '#syntax=aikit:test\napiVersion: v1alpha1\nmodels:\n  - name: ../../etc/cron.d/x\n    source: https://example.com/m.gguf\n',
    });
    const r = await buildx(env, { file: join(ctx, 'aikitfile.yaml'), context: ctx, buildArgs: artifactArgs });
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('aikitfile.yaml:4');
    expect(r.output).toMatch(/must be a relative path/);
  });
});
