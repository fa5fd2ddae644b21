import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { formatInspectReport, inspectImage } from '../../src/cli/inspect.js';
import { fixtureBytes, localaiStandIn, sha256Hex } from '../fixtures/artifacts.js';
import { buildRuntimeStandIns, standInBuildArgs } from '../fixtures/runtime-images.js';
import { startFixtureServer, type FixtureServer } from '../fixtures/server.js';
import { buildx, run } from './harness.js';

// `aikit inspect` on an image the engine built and loaded: every part of the layout (D12) is
// found in the layer that holds it, read back through `docker save`.

const env = { ...process.env, ...inject('engine') };
const TAG = 'aikit-e2e/inspect:latest';
const model = fixtureBytes('inspect-a.gguf', 2 * 1024 * 1024);
let server: FixtureServer;

beforeAll(async () => {
  await buildRuntimeStandIns(env);
  server = await startFixtureServer(
    new Map([
      ['/localai/local-ai-amd64', localaiStandIn('amd64')],
      ['/models/inspect-a.gguf', model],
    ]),
  );
});

afterAll(async () => {
  await run('docker', ['image', 'rm', '-f', TAG], { env });
  await server?.close();
});

it('names the model, runtime, backend and config layers of a loaded image', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aikit-inspect-'));
  await mkdir(join(dir, 'weights'));
  await writeFile(join(dir, 'weights/inspect-b.gguf'), fixtureBytes('inspect-b.gguf', 1024 * 1024));
  await writeFile(
    join(dir, 'aikitfile.yaml'),
    `#syntax=aikit:test
apiVersion: v1alpha1
models:
  - name: a
    source: ${server.url}/models/inspect-a.gguf
    sha256: ${sha256Hex(model)}
    promptTemplates:
      - name: chat
        template: "{{.Input}}"
  - name: b
    source: weights/inspect-b.gguf
config: |
  - name: a
    backend: llama-cpp
    parameters:
      model: inspect-a.gguf
`,
  );
  const r = await buildx(env, {
    file: join(dir, 'aikitfile.yaml'),
    context: dir,
    platforms: ['linux/amd64'],
    buildArgs: standInBuildArgs(server.url),
    tag: TAG,
    load: true,
  });
  expect(r.code, r.output).toBe(0);

  const report = await inspectImage(TAG, env);
  console.log(formatInspectReport(report).join('\n'));
  expect(report.platform).toBe('linux/amd64');
  const holding = (part: string) => report.layers.filter((l) => l.parts.length === 1 && l.parts[0] === part);
  expect(holding('model').map((l) => l.content)).toEqual([
    '/models/inspect-a.gguf',
    '/models/inspect-b.gguf',
  ]);
  expect(holding('runtime').map((l) => l.content)).toEqual(['/usr/bin/local-ai']);
  expect(holding('backend').map((l) => l.content)).toEqual(['/backends/cpu-llama-cpp']);
  expect(report.layers.at(-1)).toMatchObject({
    parts: ['templates and config'],
    content: '/config.yaml, /models/chat.tmpl',
  });
  expect(report.layers[0]!.parts).toEqual(['base']);
  // Sizes are the layers' own: the 2 MiB model layer holds at least its bytes.
  expect(holding('model')[0]!.size).toBeGreaterThanOrEqual(model.length);
});
