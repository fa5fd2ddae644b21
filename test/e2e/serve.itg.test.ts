import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { join } from 'node:path';
import { smoke } from '../../src/cli/smoke.js';
import { TINY_CHAT_TEMPLATE, writeTinyLlamaGguf } from '../fixtures/gguf.js';
import { buildx, makeContext, run } from './harness.js';

// The whole path from aikitfile to answer: two tiny random-weight GGUF models (generated here),
// `server: llama-server`, built on the real engine with llama.cpp's server from Debian standing
// in for llama.cpp's image (AIKIT_LLAMA_SERVER_IMAGE), loaded, run and asked.

const env = { ...process.env, ...inject('engine') };
const SERVER_IMAGE = 'aikit-test/llama-server:sid';
const TAG = 'aikit-e2e/serve:test';

const AIKITFILE = `#syntax=aikit:test
apiVersion: v1alpha1
server: llama-server
models:
  - name: alpha
    source: alpha.gguf
    contextSize: 256
    stop: ["<|im_end|>"]
  - name: team/beta
    source: weights/beta.gguf
    chatTemplate: ${JSON.stringify(TINY_CHAT_TEMPLATE)}
    gpuLayers: 0
loadToMemory: [alpha]
`;

// An embedding model beside a chat one: llama-server answers /v1/embeddings only for a model
// started with --embeddings, and a random-weight llama needs a pooling to give one vector.
const EMBED_AIKITFILE = `#syntax=aikit:test
apiVersion: v1alpha1
server: llama-server
models:
  - name: embed
    source: embed.gguf
    embeddings: mean
  - name: alpha
    source: alpha.gguf
`;
const EMBED_TAG = 'aikit-e2e/serve-embed:test';

interface ChatAnswer {
  status: number;
  body: {
    model?: string;
    choices?: { message?: { content?: unknown }; finish_reason?: string }[];
    error?: { code?: number; message?: string; type?: string };
  };
}

// The router relays a model's answer and then closes the connection, though the answer's headers
// announce keep-alive: a pooled client that sends its next request on that connection within
// milliseconds gets "other side closed" (website/docs/llama-server.md). Asking for the close
// keeps each relayed answer off the pool.
async function chat(base: string, model: string): Promise<ChatAnswer> {
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Say hello.' }], max_tokens: 8 }),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: res.status, body: (await res.json()) as ChatAnswer['body'] };
}

async function docker(args: string[]): Promise<string> {
  const r = await run('docker', args, { env });
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} failed:\n${r.output}`);
  return r.stdout.trim();
}

let context: string;

beforeAll(async () => {
  const img = await run('scripts/llama-server-image.sh', [SERVER_IMAGE], { env });
  if (img.code !== 0) throw new Error(`scripts/llama-server-image.sh failed:\n${img.output}`);
  context = await makeContext({
    'aikitfile.yaml': AIKITFILE,
    'alpha.gguf': writeTinyLlamaGguf({ seed: 'alpha', name: 'alpha' }),
    'weights/beta.gguf': writeTinyLlamaGguf({ seed: 'beta', name: 'beta' }),
    'embed.yaml': EMBED_AIKITFILE,
    'embed.gguf': writeTinyLlamaGguf({ seed: 'embed', name: 'embed' }),
  });
});

afterAll(async () => {
  await run('docker', ['image', 'rm', '-f', TAG, EMBED_TAG], { env });
});

describe('a llama-server image answers chat requests', () => {
  it('builds with --load and carries the server, the models and its labels', async () => {
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
      Cmd: string[];
      ExposedPorts: Record<string, unknown>;
      Labels: Record<string, string>;
    };
    expect(config.Entrypoint).toEqual(['/app/llama-server']);
    expect(config.Cmd).toEqual([
      '--host',
      '0.0.0.0',
      '--port',
      '8080',
      '--models-preset',
      '/models/presets.ini',
    ]);
    expect(Object.keys(config.ExposedPorts)).toEqual(['8080/tcp']);
    expect(config.Labels['ai.kaito.aikit.server']).toBe('llama-server');
    expect(config.Labels['ai.kaito.aikit.llama-server.image']).toBe(SERVER_IMAGE);
    expect(JSON.parse(config.Labels['ai.kaito.aikit.models']!)).toEqual([
      { name: 'alpha', source: 'context:alpha.gguf' },
      { name: 'team/beta', source: 'context:weights/beta.gguf' },
    ]);
    const size = Number(await docker(['image', 'inspect', '--format', '{{.Size}}', TAG]));
    const base = Number(await docker(['image', 'inspect', '--format', '{{.Size}}', SERVER_IMAGE]));
    console.log(
      `[serve] image ${TAG}: ${size} B (${(size / 2 ** 20).toFixed(1)} MiB); server image ${SERVER_IMAGE}: ${base} B; two models: ${size - base} B`,
    );
    expect(size).toBeGreaterThan(base);
  });

  it('serves each model under its name, with its preset settings, and refuses an unknown one', async () => {
    const started = Date.now();
    const id = await docker(['run', '-d', '-p', '127.0.0.1::8080', TAG]);
    try {
      const port = /:(\d+)\s*$/m.exec(await docker(['port', id, '8080/tcp']))![1];
      const base = `http://127.0.0.1:${port}`;
      let ready = -1;
      for (let i = 0; i < 240 && ready < 0; i++) {
        const ok = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2_000) })
          .then((r) => r.ok)
          .catch(() => false);
        if (ok) ready = Date.now() - started;
        else await new Promise((r) => setTimeout(r, 250));
      }
      expect(ready, await docker(['logs', id])).toBeGreaterThanOrEqual(0);

      const first = await chat(base, 'alpha');
      const firstAnswer = Date.now() - started;
      expect(first.status, JSON.stringify(first.body)).toBe(200);
      expect(typeof first.body.choices?.[0]?.message?.content).toBe('string');
      expect(first.body.model).toBe('alpha');
      console.log(`[serve] docker run → /health ${ready} ms → first answer ${firstAnswer} ms`);

      const second = await chat(base, 'team/beta');
      expect(second.status, JSON.stringify(second.body)).toBe(200);
      expect(typeof second.body.choices?.[0]?.message?.content).toBe('string');
      expect(second.body.model).toBe('team/beta');

      const unknown = await chat(base, 'nope');
      expect(unknown).toEqual({
        status: 400,
        body: { error: { code: 400, message: "model 'nope' not found", type: 'invalid_request_error' } },
      });

      // The router shows what each model runs with: the preset's settings reached the children.
      const models = (await (await fetch(`${base}/v1/models`)).json()) as {
        data: { id: string; status: { value: string; args?: string[] } }[];
      };
      const args = Object.fromEntries(models.data.map((m) => [m.id, (m.status.args ?? []).join(' ')]));
      expect(Object.keys(args).sort()).toEqual(['alpha', 'team/beta']);
      expect(args['alpha']).toContain('--model /models/alpha.gguf');
      expect(args['alpha']).toContain('--ctx-size 256');
      expect(args['alpha']).toContain('--reverse-prompt <|im_end|>');
      expect(args['team/beta']).toContain('--model /models/team/beta.gguf');
      expect(args['team/beta']).toContain('--chat-template-file /models/team/beta.jinja');
      expect(args['team/beta']).toContain('--n-gpu-layers 0');
    } finally {
      await run('docker', ['rm', '-f', id], { env });
    }
  });

  it('passes aikit smoke, which removes its container', async () => {
    const report = await smoke(TAG, { env, timeoutMs: 120_000 });
    expect(report.error, report.logs).toBeUndefined();
    expect(report).toMatchObject({ ok: true, server: 'llama-server' });
    expect(report.results.map((r) => [r.model, r.ok])).toEqual([
      ['alpha', true],
      ['team/beta', true],
    ]);
    console.log(`[serve] aikit smoke: ready ${report.readyMs} ms, first answer ${report.firstAnswerMs} ms`);
    const left = await docker([
      'ps',
      '-a',
      '-q',
      '--filter',
      'label=ai.kaito.aikit.smoke=1',
      '--filter',
      `ancestor=${TAG}`,
    ]);
    expect(left).toBe('');
  });
});

describe('a llama-server image serves embeddings', () => {
  it('answers POST /v1/embeddings with a vector from the model with embeddings, and chat from the other', async () => {
    const r = await buildx(env, {
      file: join(context, 'embed.yaml'),
      context,
      platforms: ['linux/amd64'],
      buildArgs: { AIKIT_LLAMA_SERVER_IMAGE: SERVER_IMAGE },
      tag: EMBED_TAG,
      load: true,
    });
    expect(r.code, r.output).toBe(0);
    const id = await docker(['run', '-d', '-p', '127.0.0.1::8080', EMBED_TAG]);
    try {
      const port = /:(\d+)\s*$/m.exec(await docker(['port', id, '8080/tcp']))![1];
      const base = `http://127.0.0.1:${port}`;
      let ok = false;
      for (let i = 0; i < 240 && !ok; i++) {
        ok = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2_000) })
          .then((x) => x.ok)
          .catch(() => false);
        if (!ok) await new Promise((res) => setTimeout(res, 250));
      }
      expect(ok, await docker(['logs', id])).toBe(true);
      const res = await fetch(`${base}/v1/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ model: 'embed', input: ['hello', 'world'] }),
        signal: AbortSignal.timeout(60_000),
      });
      const body = (await res.json()) as { data?: { index: number; embedding: number[] }[] };
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body.data?.map((d) => d.index)).toEqual([0, 1]);
      const [a, b] = body.data!.map((d) => d.embedding);
      expect(a!.length).toBeGreaterThan(0);
      expect(a!.every((x) => typeof x === 'number' && Number.isFinite(x))).toBe(true);
      expect(b).toHaveLength(a!.length);
      expect(b).not.toEqual(a);
      console.log(`[serve] /v1/embeddings: ${a!.length} dimensions`);
      const chatted = await chat(base, 'alpha');
      expect(chatted.status, JSON.stringify(chatted.body)).toBe(200);
    } finally {
      await run('docker', ['rm', '-f', id], { env });
    }
  });
});
