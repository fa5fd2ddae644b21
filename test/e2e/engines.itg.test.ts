import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fixtureBytes, localaiStandIn, sha256Hex } from '../fixtures/artifacts.js';
import { buildRuntimeStandIns, standInBuildArgs } from '../fixtures/runtime-images.js';
import { startFixtureServer, type FixtureServer } from '../fixtures/server.js';
import { engineEnv, makeContext, ROOT, run, type RunResult } from './harness.js';

// The same aikitfile on the three engines of decisions.md#three-engines gives the same files:
//   modern  Docker 28.5, BuildKit v0.25, containerd store: layers are merged (mergeop)
//   stable  Docker 26.1, BuildKit v0.13, classic store: mergeop disabled, a copy chain
//   legacy  Docker 20.10, BuildKit v0.8, no buildx (DOCKER_BUILDKIT=1 docker build): a copy chain
// Classic stores hold one platform per image, so these builds are linux/amd64 only.

type Engine = 'modern' | 'stable' | 'legacy';
const ENGINES: Engine[] = ['modern', 'stable', 'legacy'];
const modelHttp = fixtureBytes('engines-http.gguf', 256 * 1024);
const modelLocal = fixtureBytes('engines-local.gguf', 128 * 1024);

const envs = new Map<Engine, NodeJS.ProcessEnv>();
let server: FixtureServer;

/** Starts a side engine (global setup started modern) and gives it the frontend image. */
async function startEngine(engine: Engine): Promise<NodeJS.ProcessEnv> {
  if (engine === 'modern') return { ...process.env, ...inject('engine') };
  const up = await run('scripts/engine.sh', ['up'], { env: { ...process.env, ENGINE: engine } });
  if (up.code !== 0) throw new Error(`ENGINE=${engine} scripts/engine.sh up failed:\n${up.output}`);
  const env = await engineEnv(engine);
  const have = await run('docker', ['image', 'inspect', 'aikit:test'], { env });
  if (have.code !== 0 || !process.env['AIKIT_E2E_REUSE_FRONTEND']) {
    const fe = await run('scripts/frontend-image.sh', ['aikit:test'], { env });
    if (fe.code !== 0) throw new Error(`frontend image on ${engine} failed:\n${fe.output}`);
  }
  return env;
}

beforeAll(async () => {
  server = await startFixtureServer(
    new Map([
      ['/localai/local-ai-amd64', localaiStandIn('amd64')],
      ['/models/engines-http.gguf', modelHttp],
    ]),
  );
  await Promise.all(
    ENGINES.map(async (e) => {
      const env = await startEngine(e);
      await buildRuntimeStandIns(env, { engine: e });
      envs.set(e, env);
    }),
  );
});

afterAll(async () => {
  await server?.close();
});

function aikitfile(runtime: string, template = '{{.Input}}\n'): string {
  return `#syntax=aikit:test
apiVersion: v1alpha1
debug: true
runtime: "${runtime}"
models:
  - name: remote
    source: ${server.url}/models/engines-http.gguf
    sha256: ${sha256Hex(modelHttp)}
    promptTemplates:
      - name: chat
        template: ${JSON.stringify(template)}
  - name: nested/local
    source: weights/engines-local.gguf
config: |
  - name: remote
    backend: llama-cpp
    parameters:
      model: engines-http.gguf
    template:
      chat: chat
`;
}

const context = (text: string) =>
  makeContext({ 'aikitfile.yaml': text, 'weights/engines-local.gguf': modelLocal });

/** One build on one engine; `output` is a --output value or `tag:<name>` to store an image. */
function build(engine: Engine, dir: string, output: string): Promise<RunResult> {
  const env = envs.get(engine)!;
  const args = engine === 'legacy' ? ['build', '--progress=plain'] : ['buildx', 'build', '--progress=plain'];
  for (const [k, v] of Object.entries(standInBuildArgs(server.url))) args.push('--build-arg', `${k}=${v}`);
  args.push('-f', join(dir, 'aikitfile.yaml'), '--platform', 'linux/amd64');
  if (output.startsWith('tag:')) {
    args.push('-t', output.slice(4));
    if (engine !== 'legacy') args.push('--load');
  } else {
    args.push('--output', output);
  }
  args.push(dir);
  return run('docker', args, { env, cwd: ROOT });
}

/** path → type, mode, owner and content digest of every entry of a filesystem tarball. */
async function tree(path: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (h, stream, next) => {
      const hash = createHash('sha256');
      stream.on('data', (c: unknown) => hash.update(c as Buffer));
      stream.on('end', () => {
        const name = h.name.replace(/^\.?\//, '').replace(/\/$/, '');
        const mode = ((h.mode ?? 0) & 0o7777).toString(8);
        const what =
          h.type === 'symlink'
            ? `-> ${h.linkname}`
            : h.type === 'file'
              ? hash.digest('hex').slice(0, 16)
              : '';
        out[name] = `${h.type} ${mode} ${h.uid}:${h.gid} ${what}`.trim();
        next();
      });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  Readable.from(await readFile(path)).pipe(extract);
  await done;
  return out;
}

describe('the same aikitfile on three engines', () => {
  it.each([
    ['CPU', ''],
    ['CUDA', 'cuda'],
  ])('%s: modern (merged), stable and legacy (copy chain) give the same files', async (_name, runtime) => {
    const dir = await context(aikitfile(runtime));
    const trees: Partial<Record<Engine, Record<string, string>>> = {};
    for (const engine of ENGINES) {
      const out = join(dir, `${engine}.tar`);
      const r = await build(engine, dir, `type=tar,dest=${out}`);
      expect(r.code, `${engine}:\n${r.output}`).toBe(0);
      // Only the engine with an enabled mergeop merges; the others chain the same file ops.
      expect(r.output.includes('stack '), engine).toBe(engine === 'modern');
      trees[engine] = await tree(out);
    }
    // The bill of materials comes along as an in-toto statement from engines that take
    // attestations (not v0.8); it is not a file of the image.
    expect(trees.modern!['aikit.spdx.json']).toMatch(/^file /);
    for (const t of Object.values(trees)) delete t['aikit.spdx.json'];
    const modern = trees.modern!;
    expect(modern['models/engines-http.gguf']).toBe(`file 444 0:0 ${sha256Hex(modelHttp).slice(0, 16)}`);
    expect(modern['models/nested/engines-local.gguf']).toBe(
      `file 444 0:0 ${sha256Hex(modelLocal).slice(0, 16)}`,
    );
    expect(Object.keys(modern).filter((p) => p.startsWith('backends/') && p.endsWith('/run.sh'))).toEqual(
      runtime === 'cuda'
        ? ['backends/cpu-llama-cpp/run.sh', 'backends/cuda12-llama-cpp/run.sh'].sort()
        : ['backends/cpu-llama-cpp/run.sh'],
    );
    expect(trees.stable).toEqual(modern);
    expect(trees.legacy).toEqual(modern);
  });

  it.each(['stable', 'legacy'] as const)(
    '%s: a template edit keeps every layer below the templates+config layer',
    async (engine) => {
      const env = envs.get(engine)!;
      const tag = `aikit-e2e/engines-${engine}:test`;
      const layers = async (template: string) => {
        const dir = await context(aikitfile('', template));
        const r = await build(engine, dir, `tag:${tag}`);
        expect(r.code, r.output).toBe(0);
        const inspect = await run(
          'docker',
          ['image', 'inspect', tag, '--format', '{{json .RootFS.Layers}}'],
          { env },
        );
        expect(inspect.code, inspect.output).toBe(0);
        return JSON.parse(inspect.stdout) as string[];
      };
      const before = await layers('{{.Input}}\n');
      const after = await layers('edited {{.Input}}\n');
      // base + 2 models + LocalAI + backend + templates/config
      expect(before).toHaveLength(6);
      expect(after.slice(0, -1)).toEqual(before.slice(0, -1));
      expect(after.at(-1)).not.toBe(before.at(-1));
    },
  );
});
