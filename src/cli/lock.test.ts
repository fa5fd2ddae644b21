import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../test/fixtures/cli.js';
import { lockAikitfile, lockBuildArgs, lockSummary } from './lock.js';
import { formatPins } from './pins.js';

describe('aikit lock', () => {
  it('runs the lock target with the build-args, platforms, secrets and entitlements of a build', () => {
    const args = lockBuildArgs(
      {
        file: 'deploy/llama.yaml',
        platforms: 'linux/amd64,linux/arm64',
        buildArgs: { AIKIT_BASE_IMAGE: 'mirror/base:1' },
        secrets: ['id=hf-token,env=HF_TOKEN'],
        allow: ['network.host'],
      },
      '/tmp/out',
    );
    expect(args.join(' ')).toBe(
      'buildx build -f deploy/llama.yaml --target lock --provenance=false --output type=local,dest=/tmp/out ' +
        '--platform linux/amd64,linux/arm64 --build-arg AIKIT_BASE_IMAGE=mirror/base:1 ' +
        '--secret id=hf-token,env=HF_TOKEN --allow network.host deploy',
    );
  });

  it('hands HF_TOKEN to the Hub reads as a secret (never as a build-arg value), unless a secret is named', () => {
    const base = { file: 'aikitfile.yaml', buildArgs: {}, secrets: [], allow: [], hfToken: 'hf_secret' };
    const args = lockBuildArgs(base, '/o').join(' ');
    expect(args).toContain('--build-arg AIKIT_HF_TOKEN_SECRET=aikit-lock-hf-token');
    expect(args).toContain('--secret id=aikit-lock-hf-token,env=AIKIT_LOCK_HF_AUTH');
    expect(args).not.toContain('hf_secret');
    const own = lockBuildArgs({ ...base, buildArgs: { AIKIT_HF_TOKEN_SECRET: 'mine' } }, '/o').join(' ');
    expect(own).toContain('AIKIT_HF_TOKEN_SECRET=mine');
    expect(own).not.toContain('aikit-lock-hf-token');
  });

  it('gives the lock build the token in the variable its --secret names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aikit-lock-env-'));
    const seen = join(dir, 'seen');
    // A stand-in docker that records what the real one would read for the secret.
    const docker = join(dir, 'docker');
    writeFileSync(docker, `#!/bin/sh\nprintf '%s' "$AIKIT_LOCK_HF_AUTH" > ${seen}\nexit 3\n`, {
      mode: 0o755,
    });
    const run = lockAikitfile({
      file: join(dir, 'aikitfile.yaml'),
      docker,
      buildArgs: {},
      secrets: [],
      allow: [],
      hfToken: 'hf_secret',
      progress: new PassThrough(),
    });
    await expect(run).rejects.toThrow();
    expect(readFileSync(seen, 'utf8')).toBe('Bearer hf_secret');
    rmSync(dir, { recursive: true, force: true });
  });

  it('says which program is missing when docker cannot be run, without a stack trace', async () => {
    const run = lockAikitfile({
      file: 'aikitfile.yaml',
      docker: '/nonexistent/docker',
      buildArgs: {},
      secrets: [],
      allow: [],
      progress: new PassThrough(),
    });
    await expect(run).rejects.toMatchObject({
      code: 'DOCKER_NOT_FOUND',
      message: 'cannot run /nonexistent/docker: ENOENT',
    });
  });

  it('says a missing or invalid aikitfile at its line before starting a build', async () => {
    const missing = await runCliCaptured(['lock', '/nonexistent/aikitfile.yaml']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot read /nonexistent/aikitfile.yaml: ENOENT');
    const dir = mkdtempSync(join(tmpdir(), 'aikit-lock-test-'));
    const bad = join(dir, 'aikitfile.yaml');
    writeFileSync(bad, 'apiVersion: v1alpha1\nruntime: cpu\n');
    const invalid = await runCliCaptured(['lock', bad]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain(`${bad}:2:10: runtime: runtime "cpu" is not supported`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('says what it wrote', () => {
    const line = lockSummary({
      path: 'aikitfile.lock',
      seconds: 2.345,
      lock: {
        version: 1,
        platforms: ['linux/amd64'],
        models: { a: { source: 'x' } },
        images: {},
        localai: {},
      },
    });
    expect(line).toBe(
      'wrote aikitfile.lock: 1 model, 0 images, 0 LocalAI downloads for linux/amd64 in 2.3 s',
    );
  });
});

describe('aikit artifacts, the release pins', () => {
  it('shows each default with its pin or unpinned', () => {
    const d = `sha256:${'d'.repeat(64)}`;
    const lines = formatPins({
      images: { 'ghcr.io/kaito-project/aikit/base:latest': { digest: d, platforms: {} } },
      localai: {},
    });
    expect(lines[0]).toMatch(/^release pins of the defaults \(1 of \d+ pinned/);
    const at = lines.indexOf('  ghcr.io/kaito-project/aikit/base:latest');
    expect(lines[at + 1]).toBe(`    ${d}`);
    expect(lines.filter((l) => l === '    unpinned').length).toBe((lines.length - 1) / 2 - 1);
  });
});
