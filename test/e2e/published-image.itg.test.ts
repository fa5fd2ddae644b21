import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { fixtureBytes, sha256Hex } from '../fixtures/artifacts.js';
import { cpuBuildArgs } from '../fixtures/runtime-images.js';
import { buildx, makeContext, ociTarPath, run } from './harness.js';
import { readOciTar } from './oci.js';

// The image users pull is built from the repository's Dockerfile, not by scripts/frontend-image.sh:
// build that file on the engine (its FROM images stood in under their real names, the checkout's
// packages as its `deps` stage) and use the result as the frontend of one tiny build. Its size
// and start-up are figures of `npm run bench` (scripts/bench/image-size.ts), not assertions here.

const fixtureUrl = inject('fixtureUrl');
const env = { ...process.env, ...inject('engine') };
const TAG = 'aikit-e2e/published:latest';
const model = fixtureBytes('tiny-http.gguf', 64 * 1024);

describe('the published Dockerfile', () => {
  beforeAll(async () => {
    const r = await run('scripts/frontend-image.sh', ['--published', TAG], { env });
    expect(r.code, r.output.slice(-4000)).toBe(0);
  }, 600_000);

  it('builds an image that BuildKit runs as the frontend of an aikitfile build', async () => {
    const inspect = await run(
      'docker',
      ['image', 'inspect', TAG, '--format', '{{json .Config.Entrypoint}} {{json .Config.Labels}}'],
      { env },
    );
    expect(inspect.code, inspect.output).toBe(0);
    expect(inspect.stdout).toContain('["/nodejs/bin/node","/aikit/main.cjs"]');
    expect(inspect.stdout).toContain('"moby.buildkit.frontend.caps"');

    const config = '- name: tiny\n  backend: llama-cpp\n  parameters:\n    model: tiny-http.gguf\n';
    const context = await makeContext({
      'aikitfile.yaml': [
        `#syntax=${TAG}`,
        'apiVersion: v1alpha1',
        'models:',
        '  - name: tiny',
        `    source: ${fixtureUrl}/models/tiny-http.gguf`,
        `    sha256: ${sha256Hex(model)}`,
        'config: |',
        ...config
          .trimEnd()
          .split('\n')
          .map((l) => `  ${l}`),
        '',
      ].join('\n'),
    });
    const out = await ociTarPath('published');
    const r = await buildx(env, {
      file: join(context, 'aikitfile.yaml'),
      context,
      buildArgs: cpuBuildArgs(fixtureUrl),
      output: `type=oci,dest=${out}`,
    });
    expect(r.code, r.output.slice(-4000)).toBe(0);
    // The frontend ran from the published image, not from aikit:test.
    expect(r.output).toContain(`resolve image config for docker-image://docker.io/${TAG}`);
    const [image] = await readOciTar(out);
    expect(image?.files.get('models/tiny-http.gguf')?.data.equals(model)).toBe(true);
    expect(image?.files.get('config.yaml')?.data.toString()).toBe(config);
    expect(image?.config.config['Entrypoint']).toEqual(['local-ai']);
  });
});
