import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runnerScript } from '../../src/convert/servers/localai/runner-script.js';
import { writeTinyLlamaGguf } from '../fixtures/gguf.js';
import { startHub, type Hub } from '../fixtures/hub.js';
import { buildRuntimeStandIns, standInBuildArgs } from '../fixtures/runtime-images.js';
import { buildx, freePort, makeContext, run } from './harness.js';
import { imageFile, readOciTar } from './oci.js';

// Runner images on the real engine. A llama-server runner (no models in its aikitfile) is
// started with `docker run <image> -hf org/repo` against a loopback Hugging Face Hub
// (../fixtures/hub.ts, reached through HF_ENDPOINT), downloads the tiny model into its /models
// volume and answers a chat request; started again on the same volume it answers without
// downloading the model again. llama.cpp's server is Debian's (scripts/llama-server-image.sh).

const env = { ...process.env, ...inject('engine') };
const fixtureUrl = inject('fixtureUrl');
const SERVER_IMAGE = 'aikit-test/llama-server:sid';
const TAG = 'aikit-e2e/runner-llama-server:test';
const VOLUME = 'aikit-e2e-runner-models';
const REPO = 'aikit-test/tiny-GGUF';

const Q4 = writeTinyLlamaGguf({ seed: 'runner-q4', name: 'tiny' });
const Q8 = writeTinyLlamaGguf({ seed: 'runner-q8', name: 'tiny-q8' });

let hub: Hub;

async function docker(args: string[]): Promise<string> {
  const r = await run('docker', args, { env });
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed:\n${r.output}`);
  return r.stdout.trim();
}

beforeAll(async () => {
  const img = await run('scripts/llama-server-image.sh', [SERVER_IMAGE], { env });
  if (img.code !== 0) throw new Error(`scripts/llama-server-image.sh failed:\n${img.output}`);
  hub = await startHub([
    {
      id: REPO,
      files: [
        { path: 'README.md', body: Buffer.from('# tiny\nA random-weight llama for tests.\n') },
        { path: 'tiny-Q4_K_M.gguf', body: Q4 },
        { path: 'tiny-Q8_0.gguf', body: Q8 },
      ],
    },
  ]);
  await run('docker', ['volume', 'rm', '-f', VOLUME], { env });
});

afterAll(async () => {
  await hub?.close();
  await run('docker', ['image', 'rm', '-f', TAG], { env });
  await run('docker', ['volume', 'rm', '-f', VOLUME], { env });
});

/** Starts the runner on the host network, asks it one chat question, and stops it; times it. */
async function startAndAsk(
  modelArgs: string[] = ['-hf', REPO],
  model = REPO,
): Promise<{ ms: number; content: unknown; logs: string; port: number }> {
  const port = await freePort();
  const started = Date.now();
  const id = await docker([
    'run',
    '-d',
    '--network',
    'host',
    '-e',
    `HF_ENDPOINT=${hub.url}`,
    '-v',
    `${VOLUME}:/models`,
    TAG,
    ...modelArgs,
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
  ]);
  try {
    for (let i = 0; i < 480; i++) {
      const answer = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({
          model,
          messages: [{ role: 'user', content: 'Say hello.' }],
          max_tokens: 8,
        }),
        signal: AbortSignal.timeout(30_000),
      }).catch(() => undefined);
      if (answer?.ok) {
        const ms = Date.now() - started;
        const body = (await answer.json()) as { choices?: { message?: { content?: unknown } }[] };
        const models =
          modelArgs.length === 0 ? await (await fetch(`http://127.0.0.1:${port}/v1/models`)).text() : '';
        return {
          ms,
          content: body.choices?.[0]?.message?.content,
          logs: models + (await docker(['logs', id])),
          port,
        };
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`the runner never answered:\n${(await run('docker', ['logs', id], { env })).output}`);
  } finally {
    await run('docker', ['rm', '-f', id], { env });
  }
}

describe('a llama-server runner', () => {
  it('builds from an aikitfile without models, with the model arguments after its entrypoint', async () => {
    const context = await makeContext({
      'aikitfile.yaml': '#syntax=aikit:test\napiVersion: v1alpha1\nserver: llama-server\n',
    });
    const r = await buildx(env, {
      file: join(context, 'aikitfile.yaml'),
      context,
      platforms: ['linux/amd64'],
      buildArgs: { AIKIT_LLAMA_SERVER_IMAGE: SERVER_IMAGE },
      tag: TAG,
      load: true,
    });
    expect(r.code, r.output).toBe(0);
    const config = JSON.parse(await docker(['image', 'inspect', '--format', '{{json .Config}}', TAG])) as {
      Entrypoint: string[];
      Cmd: string[] | null;
      Env: string[];
      Labels: Record<string, string>;
    };
    expect(config.Entrypoint).toEqual(['/app/llama-server', '--host', '0.0.0.0', '--port', '8080']);
    expect(config.Cmd ?? []).toEqual([]);
    expect(config.Env).toContain('LLAMA_CACHE=/models');
    expect(config.Labels['ai.kaito.aikit.runner']).toBe('true');
  });

  it('downloads the model on the first start, and answers from the volume on the second', async () => {
    const model = `GET ${hub.cdnPath(Q4)}`;
    const first = await startAndAsk();
    expect(typeof first.content, first.logs).toBe('string');
    const afterFirst = hub.counts();
    // The Hub's protocol: the branch's commit, the file list, then the file (HEAD and GET of
    // resolve, each redirected to the CDN). Only the Q4_K_M file, llama.cpp's default.
    const commit = hub.commitOf(REPO);
    expect(afterFirst[`GET /api/models/${REPO}/refs`]).toBe(1);
    expect(afterFirst[`GET /api/models/${REPO}/tree/${commit}`]).toBe(1);
    expect(afterFirst[`GET /${REPO}/resolve/${commit}/tiny-Q4_K_M.gguf`]).toBe(1);
    expect(afterFirst[model]).toBe(1);
    expect(afterFirst[`GET ${hub.cdnPath(Q8)}`]).toBeUndefined();

    const second = await startAndAsk();
    expect(typeof second.content, second.logs).toBe('string');
    const afterSecond = hub.counts();
    expect(afterSecond[model]).toBe(1);
    expect(afterSecond[`GET /${REPO}/resolve/${commit}/tiny-Q4_K_M.gguf`]).toBe(1);
    const requests = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
    console.log(
      `[runners] llama-server runner: first start → first answer ${first.ms} ms (${requests(afterFirst)} Hub requests, model ${Q4.length} B downloaded once); ` +
        `second start → first answer ${second.ms} ms (${requests(afterSecond) - requests(afterFirst)} Hub requests, none for the model)`,
    );
    console.log(`[runners] Hub requests: ${JSON.stringify(afterSecond)}`);
  });

  it('without a model argument serves what the volume holds (router mode), downloading nothing', async () => {
    const before = hub.counts();
    const cached = `${REPO}:Q4_K_M`;
    const r = await startAndAsk([], cached);
    expect(typeof r.content, r.logs).toBe('string');
    expect(r.logs).toContain(`"id":"${cached}"`);
    expect(hub.counts()[`GET ${hub.cdnPath(Q4)}`]).toBe(before[`GET ${hub.cdnPath(Q4)}`]);
    console.log(
      `[runners] llama-server runner without arguments: first answer from ${cached} (cache) ${r.ms} ms`,
    );
  });
});

// A LocalAI runner is built from the catalog's stand-ins: LocalAI cannot run here (its binary
// is a stand-in from the fixture server), and the stand-in Ubuntu base has no shell, so the
// llama-cpp runner's apt step cannot run either. The diffusers runner has no such step: it is
// built, and its entrypoint, arguments and script are checked.
describe('a LocalAI runner', () => {
  it('builds with /usr/local/bin/aikit-runner as its entrypoint and the model as its argument', async () => {
    await buildRuntimeStandIns(env);
    const dir = await mkdtemp(join(tmpdir(), 'aikit-runner-'));
    await writeFile(
      join(dir, 'aikitfile.yaml'),
      '#syntax=aikit:test\napiVersion: v1alpha1\nruntime: cuda\nbackends:\n  - diffusers\n',
    );
    const out = join(dir, 'image.tar');
    const r = await buildx(env, {
      file: join(dir, 'aikitfile.yaml'),
      context: dir,
      platforms: ['linux/amd64'],
      buildArgs: standInBuildArgs(fixtureUrl),
      output: `type=oci,dest=${out}`,
    });
    expect(r.code, r.output).toBe(0);
    const [img] = await readOciTar(out);
    const config = img!.config.config as {
      Entrypoint: string[];
      Cmd?: string[];
      Env: string[];
      Labels: Record<string, string>;
    };
    expect(config.Entrypoint).toEqual(['/usr/local/bin/aikit-runner']);
    expect(config.Cmd ?? []).toEqual([]);
    expect(config.Env).toContain('HF_HOME=/models/.cache/huggingface');
    expect(config.Labels).toMatchObject({
      'ai.kaito.aikit.runner': 'true',
      'ai.kaito.aikit.backend': 'diffusers',
    });
    const script = imageFile(img!, 'usr/local/bin/aikit-runner');
    expect(script.mode & 0o777).toBe(0o755);
    expect(script.data.toString()).toBe(runnerScript({ backend: 'diffusers', debug: false }));
    const models = imageFile(img!, 'models');
    expect([models.type, models.uid, models.gid]).toEqual(['directory', 1000, 1000]);
    expect(imageFile(img!, 'usr/bin/local-ai').type).toBe('file');
  });
});
