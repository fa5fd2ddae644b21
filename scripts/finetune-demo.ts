// `make finetune-demo`: fine-tune, then serve, fully offline. Starts the engine, builds the
// frontend image and llama.cpp's training tools and server from Debian's packages, serves a tiny
// random-weight GGUF and two small datasets on loopback, fine-tunes the model on CPU (target
// llama-cpp; the loss shows in the build log as it falls), builds a llama-server image from the
// result with an inference aikitfile, runs it and asks it one question.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chatJsonl, textLines } from '../test/fixtures/finetune-data.js';
import { writeTinyLlamaGguf } from '../test/fixtures/gguf.js';
import { startFixtureServer } from '../test/fixtures/server.js';
import { engineEnv, ROOT, run } from '../test/e2e/harness.js';
import { docker, oneLine, seconds, sh, step } from './lib/demo.js';

const TOOLS_IMAGE = 'aikit-test/llama-finetune:sid';
const SERVER_IMAGE = 'aikit-test/llama-server:sid';
const TAG = 'aikit-demo/tiny-tuned:latest';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

const started = Date.now();
step('starting the BuildKit engine (scripts/engine.sh up)');
await sh('scripts/engine.sh', ['up']);
const env = await engineEnv();

step('building the frontend image aikit:test');
await sh('scripts/frontend-image.sh', ['aikit:test'], env);
step(`building llama.cpp's training tools and server from Debian packages`);
await sh('scripts/llama-finetune-image.sh', [TOOLS_IMAGE], env);
await sh('scripts/llama-server-image.sh', [SERVER_IMAGE], env);

const base = writeTinyLlamaGguf({ seed: 'demo', name: 'tiny' });
const chat = chatJsonl();
const text = textLines();
const server = await startFixtureServer(
  new Map([
    ['/tiny.gguf', base],
    ['/chat.jsonl', Buffer.from(chat)],
    ['/days.txt', Buffer.from(text)],
  ]),
);
const context = join(ROOT, '.aikit/finetune-demo');
await rm(context, { recursive: true, force: true });
await mkdir(context, { recursive: true });
const aikitfile = `#syntax=aikit:test
apiVersion: v1alpha1
target: llama-cpp
baseModel: ${server.url}/tiny.gguf
datasets:
  - source: ${server.url}/chat.jsonl
    type: messages
    loader: {type: json, checksum: "sha256:${sha256(chat)}"}
  - source: ${server.url}/days.txt
    type: text
    loader: {type: text, checksum: "sha256:${sha256(text)}"}
config:
  llamaCpp: {epochs: 2, contextSize: 256, learningRate: 0.001}
output:
  name: tiny-tuned
`;
await writeFile(join(context, 'finetune.yaml'), aikitfile);
console.log(`\nserving a ${base.length}-byte random-weight model and two datasets on ${server.url}`);
console.log(aikitfile);

try {
  step('docker buildx build -f finetune.yaml --output type=local,dest=out (the loss falls below)');
  const trainAt = Date.now();
  await sh(
    'docker',
    [
      'buildx',
      'build',
      '-f',
      join(context, 'finetune.yaml'),
      '--progress=plain',
      // Train every time, so that the loss is in the log (a cached step prints nothing).
      '--no-cache',
      '--build-arg',
      `AIKIT_LLAMA_CPP_FULL_IMAGE=${TOOLS_IMAGE}`,
      '--output',
      `type=local,dest=${join(context, 'out')}`,
      context,
    ],
    env,
  );
  const tuned = await readFile(join(context, 'out/tiny-tuned.gguf'));
  console.log(
    `\nfine-tuned in ${seconds(Date.now() - trainAt)}: ${base.length} -> ${tuned.length} bytes, sha256 ${sha256(base).slice(0, 12)} -> ${sha256(tuned).slice(0, 12)} (${sha256(base) === sha256(tuned) ? 'UNCHANGED' : 'changed'})`,
  );
  // CI runs this demo: a model that training did not change is a failure, not a line to read.
  if (sha256(base) === sha256(tuned)) throw new Error('fine-tuning left the model unchanged');

  step(`serving the result: docker buildx build (server: llama-server) --load -t ${TAG}`);
  await writeFile(
    join(context, 'out/aikitfile.yaml'),
    `#syntax=aikit:test\napiVersion: v1alpha1\nserver: llama-server\nmodels:\n  - name: tiny-tuned\n    source: tiny-tuned.gguf\n    contextSize: 256\n`,
  );
  await sh(
    'docker',
    [
      'buildx',
      'build',
      '-f',
      join(context, 'out/aikitfile.yaml'),
      '--build-arg',
      `AIKIT_LLAMA_SERVER_IMAGE=${SERVER_IMAGE}`,
      '--provenance=false',
      '--load',
      '-t',
      TAG,
      join(context, 'out'),
    ],
    env,
  );

  step(`docker run ${TAG} and ask the model "tiny-tuned"`);
  const id = await docker(env, ['run', '-d', '-p', '127.0.0.1::8080', TAG]);
  try {
    const port = /:(\d+)\s*$/m.exec(await docker(env, ['port', id, '8080/tcp']))?.[1];
    if (!port) throw new Error('the container published no port');
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) })
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) break;
      if (i > 240) throw new Error(`${url}/health did not answer:\n${await docker(env, ['logs', id])}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'tiny-tuned',
        messages: [{ role: 'user', content: 'What is 7 plus 7?' }],
        max_tokens: 16,
        // Greedy: training is deterministic, so the answer is too, and CI does not depend on luck.
        temperature: 0,
      }),
      signal: AbortSignal.timeout(60_000),
    });
    const body = (await res.json()) as { choices?: { message?: { content?: unknown } }[] };
    const content = body.choices?.[0]?.message?.content;
    if (!res.ok || typeof content !== 'string' || content.trim() === '') {
      throw new Error(`POST /v1/chat/completions: HTTP ${res.status} ${JSON.stringify(body)}`);
    }
    console.log(`answer: ${oneLine(content)}`);
  } finally {
    await run('docker', ['rm', '-f', id], { env });
  }
} finally {
  await server.close();
}
console.log(`\nfine-tune demo finished in ${seconds(Date.now() - started)}; model in ${context}/out`);
