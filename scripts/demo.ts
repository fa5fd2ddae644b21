// `make demo`: the README's main job, fully offline. Starts the engine, builds the frontend
// image, builds test/aikitfile-tiny.yaml for two platforms with every artifact served from local
// fixtures, and shows what came out.
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultFixtures, fixtureBytes } from '../test/fixtures/artifacts.js';
import { TEST_BASE_IMAGE } from '../test/fixtures/images.js';
import { buildRuntimeStandIns, STAND_IN_IMAGES } from '../test/fixtures/runtime-images.js';
import { startFixtureServer } from '../test/fixtures/server.js';
import { engineEnv, ROOT } from '../test/e2e/harness.js';
import { readOciTar } from '../test/e2e/oci.js';

function step(title: string): void {
  console.log(`\n==> ${title}`);
}

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`)),
    );
  });
}

const started = Date.now();
step('starting the BuildKit engine (scripts/engine.sh up)');
await sh('scripts/engine.sh', ['up']);
const env = await engineEnv();
await sh('scripts/engine.sh', ['info'], env);

step('building the frontend image aikit:test');
await sh('scripts/frontend-image.sh', ['aikit:test'], env);

step(`building the stand-in base image ${TEST_BASE_IMAGE}`);
await buildRuntimeStandIns(env);

step('serving LocalAI stand-ins from a loopback fixture server');
const server = await startFixtureServer(defaultFixtures());
console.log(`fixtures at ${server.url}`);

const context = join(ROOT, '.aikit/demo');
await mkdir(context, { recursive: true });
await writeFile(join(context, 'tiny.gguf'), fixtureBytes('tiny.gguf', 256 * 1024));
const out = join(context, 'image.tar');

step('docker buildx build -f test/aikitfile-tiny.yaml --platform linux/amd64,linux/arm64');
try {
  await sh(
    'docker',
    [
      'buildx',
      'build',
      '-f',
      'test/aikitfile-tiny.yaml',
      '--platform',
      'linux/amd64,linux/arm64',
      '--build-arg',
      `AIKIT_BASE_IMAGE=${TEST_BASE_IMAGE}`,
      '--build-arg',
      `AIKIT_LOCALAI_URL=${server.url}/localai/local-ai-{arch}`,
      '--build-arg',
      `AIKIT_BACKEND_IMAGE_LLAMA_CPP=${STAND_IN_IMAGES.backends['cpu-llama-cpp']}`,
      '--provenance=false',
      '--output',
      `type=oci,dest=${out}`,
      '-t',
      'aikit-demo/tiny:latest',
      context,
    ],
    env,
  );
} finally {
  await server.close();
}

step('the image');
for (const img of await readOciTar(out)) {
  console.log(`\nplatform ${img.platform}  manifest ${img.manifestDigest}`);
  console.log(
    `  entrypoint ${JSON.stringify(img.config.config['Entrypoint'])} cmd ${JSON.stringify(img.config.config['Cmd'])}`,
  );
  console.log('  layers:');
  for (const l of img.layers)
    console.log(`    ${l.digest.slice(0, 19)}  ${String(l.size).padStart(9)} bytes`);
  console.log('  files:');
  for (const [path, f] of [...img.files].sort(([a], [b]) => a.localeCompare(b))) {
    if (f.type !== 'file') continue;
    console.log(
      `    ${(f.mode & 0o777).toString(8).padStart(4, '0')}  ${String(f.data.length).padStart(9)}  /${path}`,
    );
  }
}
console.log(`\ndemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s; OCI layout at ${out}`);
