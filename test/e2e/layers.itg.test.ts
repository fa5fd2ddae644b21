import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fixtureBytes, localaiStandIn, sha256Hex } from '../fixtures/artifacts.js';
import { buildRuntimeStandIns, standInBuildArgs } from '../fixtures/runtime-images.js';
import { startFixtureServer, type FixtureServer } from '../fixtures/server.js';
import { startRegistry } from '../fixtures/registry.js';
import { buildx, makeContext } from './harness.js';
import { untar } from './oci.js';

// decisions.md#d12 on a real engine: one layer per model file, templates and config in one small
// layer, runtime layers apart; and what that buys: after a template edit, pushing the rebuilt
// image to a registry uploads almost nothing and every model layer keeps its digest.

const env = { ...process.env, ...inject('engine') };
const MiB = 1024 * 1024;
// Random bytes: they do not compress, so re-pushing either would cost megabytes.
const modelA = fixtureBytes('layers-a.gguf', 3 * MiB);
const modelB = fixtureBytes('layers-b.gguf', 2 * MiB);

let server: FixtureServer;
let args: Record<string, string>;

beforeAll(async () => {
  await buildRuntimeStandIns(env);
  server = await startFixtureServer(
    new Map([
      ['/localai/local-ai-amd64', localaiStandIn('amd64')],
      ['/localai/local-ai-arm64', localaiStandIn('arm64')],
      ['/models/layers-a.gguf', modelA],
    ]),
  );
  args = standInBuildArgs(server.url);
});

afterAll(async () => {
  await server?.close();
});

function aikitfile(o: { runtime?: string; template?: string } = {}): string {
  return `#syntax=aikit:test
apiVersion: v1alpha1
debug: true
runtime: "${o.runtime ?? ''}"
models:
  - name: a
    source: ${server.url}/models/layers-a.gguf
    sha256: ${sha256Hex(modelA)}
    promptTemplates:
      - name: chat
        template: ${JSON.stringify(o.template ?? '{{.Input}}\n')}
  - name: b
    source: weights/layers-b.gguf
config: |
  - name: a
    backend: llama-cpp
    parameters:
      model: layers-a.gguf
    template:
      chat: chat
`;
}

const context = (text: string) => makeContext({ 'aikitfile.yaml': text, 'weights/layers-b.gguf': modelB });

interface Layer {
  digest: string;
  size: number;
  /** Regular files and symlinks of the layer (directories left out). */
  files: string[];
}

/** The layers of the one image in an OCI layout tarball, each with the files it holds. */
async function ociLayers(path: string): Promise<Layer[]> {
  const blobs = new Map<string, Buffer>();
  for (const e of await untar(await readFile(path))) {
    const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(e.name);
    if (m) blobs.set(`sha256:${m[1]}`, e.data);
    if (e.name === 'index.json') blobs.set('index', e.data);
  }
  let doc = JSON.parse(blobs.get('index')!.toString()) as {
    manifests?: { digest: string }[];
    layers?: { digest: string; size: number }[];
  };
  while (doc.manifests) doc = JSON.parse(blobs.get(doc.manifests[0]!.digest)!.toString()) as typeof doc;
  const out: Layer[] = [];
  for (const l of doc.layers ?? []) {
    const entries = await untar(gunzipSync(blobs.get(l.digest)!));
    const files = entries
      .filter((e) => e.header.type !== 'directory')
      .map((e) => e.name.replace(/^\.?\//, ''))
      .sort();
    out.push({ digest: l.digest, size: l.size, files });
  }
  return out;
}

function table(title: string, layers: Layer[]): string {
  const rows = layers.map(
    (l, i) =>
      `  ${String(i + 1).padStart(2)}  ${l.digest.slice(7, 19)}  ${String(l.size).padStart(9)} B  ${
        l.files.length > 4
          ? `${l.files.slice(0, 3).join(' ')} … (${l.files.length} files)`
          : l.files.join(' ')
      }`,
  );
  return `${title}\n${rows.join('\n')}`;
}

describe('layers (decisions.md#d12)', () => {
  it.each([
    ['CPU', ''],
    ['CUDA', 'cuda'],
  ])(
    '%s: each model file, LocalAI, each backend and the templates+config are layers of their own',
    async (name, runtime) => {
      const dir = await context(aikitfile({ runtime }));
      const out = join(dir, 'image.tar');
      const r = await buildx(env, {
        file: join(dir, 'aikitfile.yaml'),
        context: dir,
        platforms: ['linux/amd64'],
        buildArgs: args,
        output: `type=oci,dest=${out}`,
      });
      expect(r.code, r.output).toBe(0);
      const layers = await ociLayers(out);
      console.log(table(`${name} image (linux/amd64, stand-in artifacts):`, layers));

      const only = (pred: (f: string) => boolean) =>
        layers.filter((l) => l.files.length > 0 && l.files.every(pred));
      expect(only((f) => f === 'models/layers-a.gguf')).toHaveLength(1);
      expect(only((f) => f === 'models/layers-b.gguf')).toHaveLength(1);
      // CUDA images force LocalAI's backend choice with a capability file beside the binary
      // (decisions.md#startup-capability).
      const localai =
        runtime === 'cuda' ? ['run/localai/capability', 'usr/bin/local-ai'] : ['usr/bin/local-ai'];
      expect(only((f) => localai.includes(f)).map((l) => [...l.files].sort())).toEqual([localai]);
      const backends = runtime === 'cuda' ? ['cuda12-llama-cpp', 'cpu-llama-cpp'] : ['cpu-llama-cpp'];
      for (const b of backends)
        expect(
          only((f) => f.startsWith(`backends/${b}/`)),
          b,
        ).toHaveLength(1);
      expect(layers.at(-1)!.files).toEqual(['config.yaml', 'models/chat.tmpl']);
      expect(layers.at(-1)!.size).toBeLessThan(4096);
      // base + 2 models + LocalAI + backends + templates/config: nothing else.
      expect(layers).toHaveLength(1 + 2 + 1 + backends.length + 1);
    },
  );

  it('after a template edit, a push uploads less than 1 MiB and every model layer keeps its digest', async () => {
    const registry = await startRegistry();
    try {
      const ref = `${registry.host}/aikit-e2e/layers:latest`;
      const push = async (template: string) => {
        const dir = await context(aikitfile({ template }));
        const r = await buildx(env, {
          file: join(dir, 'aikitfile.yaml'),
          context: dir,
          platforms: ['linux/amd64'],
          buildArgs: args,
          output: `type=image,name=${ref},push=true,registry.insecure=true`,
        });
        expect(r.code, r.output).toBe(0);
        return registry.layers('aikit-e2e/layers', 'latest');
      };

      const first = await push('{{.Input}}\n');
      const before = await registry.storedBytes();
      expect(before).toBeGreaterThan(5 * MiB); // both models went up once
      const second = await push('<|user|>{{.Input}}<|assistant|>\n');
      const uploaded = (await registry.storedBytes()) - before;
      console.log(
        `template-only change: ${uploaded} bytes uploaded; layers before ${first.map((l) => l.size).join(', ')}; after ${second.map((l) => l.size).join(', ')}`,
      );
      expect(uploaded).toBeGreaterThan(0);
      expect(uploaded).toBeLessThan(MiB);

      const models = first.filter((l) => l.size > MiB);
      expect(models).toHaveLength(2);
      for (const m of models) expect(second.map((l) => l.digest)).toContain(m.digest);
      // Only the small templates+config layer differs.
      expect(second.slice(0, -1)).toEqual(first.slice(0, -1));
      expect(second.at(-1)!.digest).not.toBe(first.at(-1)!.digest);
    } finally {
      await registry.stop();
    }
  });
});
