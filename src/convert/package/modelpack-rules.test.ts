import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeLayout } from './writer.js';
import { modelpackConfig } from './modelpack.js';
import { configProblems, manifestProblems, type Json } from '../../../test/fixtures/modelpack-rules.js';

// The ModelPack rules (test/fixtures/modelpack-rules.ts) checked on themselves and against
// configs and manifests the writer really produces.

describe('the ModelPack rules themselves', () => {
  it('reject what the spec forbids', () => {
    expect(configProblems({})).toEqual([
      'descriptor is required and must be an object',
      'config is required and must be an object',
      'modelfs is required and must be an object',
    ]);
    expect(
      configProblems({ descriptor: {}, config: {}, modelfs: { type: 'layers', diffIds: [] } }),
    ).toContain('modelfs.diffIds is required, with at least one entry');
    expect(
      configProblems({
        descriptor: { name: '' },
        config: { paramSize: '7' },
        modelfs: { type: 'x', diff_ids: [] },
      }),
    ).toEqual(
      expect.arrayContaining([
        'descriptor.name must not be empty',
        'config.paramSize is <count><prefix>',
        'modelfs.type must be "layers"',
        'unknown property modelfs.diff_ids',
      ]),
    );
  });
  it('accept the example of docs/config.md', () => {
    const d = `sha256:${'a'.repeat(64)}`;
    const example = {
      descriptor: {
        createdAt: '2025-01-01T00:00:00Z',
        authors: ['x'],
        name: 'xyz-3-8B',
        licenses: ['Apache-2.0'],
      },
      config: {
        paramSize: '8b',
        precision: 'float16',
        capabilities: {
          inputTypes: ['text'],
          outputTypes: ['text', 'image'],
          reasoning: true,
          languages: ['en'],
        },
      },
      modelfs: { type: 'layers', diffIds: [d, d] },
    };
    expect(configProblems(example)).toEqual([]);
  });
  it('accept the builder output and reject the reference writer’s {}', () => {
    const d = {
      descriptor: { mediaType: 'x', digest: `sha256:${'b'.repeat(64)}`, size: 1 },
      diffId: `sha256:${'c'.repeat(64)}`,
    };
    expect(
      configProblems(modelpackConfig({ name: 'm', createdAt: '2026-01-01T00:00:00.000Z' }, [d])),
    ).toEqual([]);
    expect(configProblems({}).length).toBeGreaterThan(0);
  });
});

describe('layouts the writer produces keep the rules', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aikit-pack-'));
    await mkdir(join(dir, 'in', 'sub'), { recursive: true });
    await writeFile(join(dir, 'in', 'model.gguf'), Buffer.alloc(3000, 7));
    await writeFile(join(dir, 'in', 'sub', 'b.safetensors'), 'weights');
    await writeFile(join(dir, 'in', 'config.json'), '{"a":1}');
    await writeFile(join(dir, 'in', 'README.md'), '# hi');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  for (const packaging of ['raw', 'tar', 'tar+gzip', 'tar+zstd'] as const) {
    it(`with layer_packaging=${packaging}`, async () => {
      const out = join(dir, `out-${packaging}`);
      const { config } = await writeLayout({
        kind: 'modelpack',
        name: 'tiny',
        packaging,
        exclude: [],
        input: join(dir, 'in'),
        output: out,
        epoch: 1700000000,
      });
      expect(configProblems(config)).toEqual([]);
      const index = JSON.parse(await readFile(join(out, 'layout', 'index.json'), 'utf8')) as Json;
      const [desc] = index['manifests'] as Json[];
      expect((desc!['annotations'] as Json)['org.opencontainers.image.ref.name']).toBe('tiny');
      const blob = (d: string) => readFile(join(out, 'layout', 'blobs', 'sha256', d.slice(7)));
      const manifest = JSON.parse((await blob(desc!['digest'] as string)).toString()) as Json;
      expect(manifestProblems(manifest)).toEqual([]);
      const stored = JSON.parse(
        (await blob((manifest['config'] as Json)['digest'] as string)).toString(),
      ) as unknown;
      expect(stored).toEqual(config);
      const layers = manifest['layers'] as Json[];
      const weights = layers.filter((l) => /\.weight\.v1\./.test(l['mediaType'] as string));
      // One layer per weight file, each naming its file.
      expect(weights.map((l) => (l['annotations'] as Json)['org.cncf.model.filepath'])).toEqual([
        'model.gguf',
        'sub/b.safetensors',
      ]);
      expect((stored as { modelfs: { diffIds: unknown[] } }).modelfs.diffIds).toHaveLength(layers.length);
    });
  }
});
