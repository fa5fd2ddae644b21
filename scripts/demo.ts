// `make demo`: the README's main job, fully offline. Starts the engine, builds the frontend
// image and llama.cpp's server from Debian's packages, generates a tiny GGUF model into the build
// context, builds test/aikitfile-tiny.yaml (server: llama-server) for linux/amd64, shows what came
// out, runs it and asks it one question.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeTinyLlamaGguf } from '../test/fixtures/gguf.js';
import { engineEnv, ROOT, run } from '../test/e2e/harness.js';
import { docker, oneLine, seconds, sh, step } from './lib/demo.js';
import { readOciTar } from '../test/e2e/oci.js';

const SERVER_IMAGE = 'aikit-test/llama-server:sid';
const TAG = 'aikit-demo/tiny:latest';

const started = Date.now();
step('starting the BuildKit engine (scripts/engine.sh up)');
await sh('scripts/engine.sh', ['up']);
const env = await engineEnv();
await sh('scripts/engine.sh', ['info'], env);

step('building the frontend image aikit:test');
await sh('scripts/frontend-image.sh', ['aikit:test'], env);

step(`building llama.cpp's server from Debian packages as ${SERVER_IMAGE} (scripts/llama-server-image.sh)`);
await sh('scripts/llama-server-image.sh', [SERVER_IMAGE], env);

const context = join(ROOT, '.aikit/demo');
await mkdir(context, { recursive: true });
const model = writeTinyLlamaGguf({ seed: 'demo', name: 'tiny' });
await writeFile(join(context, 'tiny.gguf'), model);
console.log(`\nwrote a tiny random-weight llama model, ${model.length} bytes, to ${context}/tiny.gguf`);
const out = join(context, 'image.tar');

step(`docker buildx build -f test/aikitfile-tiny.yaml --platform linux/amd64 --load -t ${TAG}`);
await sh(
  'docker',
  [
    'buildx',
    'build',
    '-f',
    'test/aikitfile-tiny.yaml',
    '--platform',
    'linux/amd64',
    '--build-arg',
    `AIKIT_LLAMA_SERVER_IMAGE=${SERVER_IMAGE}`,
    '--provenance=false',
    '--load',
    '--output',
    `type=oci,dest=${out}`,
    '-t',
    TAG,
    context,
  ],
  env,
);
const built = Date.now();

step(`the image's layers: aikit inspect ${TAG}`);
await sh('npx', ['tsx', 'src/cli/main.ts', 'inspect', TAG], env);

step('the image');
for (const img of await readOciTar(out)) {
  console.log(`\nplatform ${img.platform}  manifest ${img.manifestDigest}`);
  console.log(
    `  entrypoint ${JSON.stringify(img.config.config['Entrypoint'])} cmd ${JSON.stringify(img.config.config['Cmd'])}`,
  );
  const files = [...img.files].filter(([, f]) => f.type === 'file').sort(([a], [b]) => a.localeCompare(b));
  const ours = files.filter(([path]) => path.startsWith('models/') || path === 'app/llama-server');
  console.log(`  files (${files.length - ours.length} more from the server image):`);
  for (const [path, f] of ours) {
    console.log(
      `    ${(f.mode & 0o777).toString(8).padStart(4, '0')}  ${String(f.data.length).padStart(9)}  /${path}`,
    );
  }
  const preset = img.files.get('models/presets.ini');
  if (preset) console.log(`  /models/presets.ini:\n${preset.data.toString().replace(/^/gm, '    ')}`);
}
const size = Number(await docker(env, ['image', 'inspect', '--format', '{{.Size}}', TAG]));
console.log(`loaded as ${TAG}: ${size} bytes (${(size / 2 ** 20).toFixed(1)} MiB)`);

step(`docker run ${TAG} and ask the model "tiny"`);
const runAt = Date.now();
const id = await docker(env, ['run', '-d', '-p', '127.0.0.1::8080', TAG]);
try {
  const port = /:(\d+)\s*$/m.exec(await docker(env, ['port', id, '8080/tcp']))?.[1];
  if (!port) throw new Error('the container published no port');
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2_000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (i > 240) throw new Error(`${base}/health did not answer:\n${await docker(env, ['logs', id])}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  console.log(`ready after ${seconds(Date.now() - runAt)}`);
  const res = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'tiny',
      messages: [{ role: 'user', content: 'Say hello.' }],
      max_tokens: 16,
    }),
    signal: AbortSignal.timeout(60_000),
  });
  const body = (await res.json()) as { choices?: { message?: { content?: unknown } }[] };
  const content = body.choices?.[0]?.message?.content;
  if (!res.ok || typeof content !== 'string') {
    throw new Error(`POST /v1/chat/completions: HTTP ${res.status} ${JSON.stringify(body)}`);
  }
  console.log(
    `first answer ${seconds(Date.now() - runAt)} after docker run (random weights: the text is noise)`,
  );
  console.log(`answer: ${oneLine(content)}`);
} finally {
  await run('docker', ['rm', '-f', id], { env });
  console.log(`removed container ${id.slice(0, 12)}`);
}
console.log(
  `\ndemo finished in ${seconds(Date.now() - started)} (build done after ${seconds(built - started)}); image ${TAG}, OCI layout at ${out}`,
);
