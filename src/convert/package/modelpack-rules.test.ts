import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeLayout } from './writer.js';
import { modelpackConfig } from './modelpack.js';

// The ModelPack config's rules, written from the CNCF ModelPack specification (modelpack/model-spec
// docs/config.md: "Properties", and docs/spec.md: "OCI Image Manifest Specification For Model
// Artifacts"), checked against configs and manifests the writer really produces.

const MODALITIES = ['text', 'image', 'audio', 'video', 'embedding', 'other'];
const PRECISION =
  /^(float(16|32|64)|bfloat16|float8_e4m3|float8_e5m2|complex(32|64|128)|u?int(8|16|32|64)|bool)$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Every way `doc` breaks the config rules; empty when it keeps them all. */
export function configProblems(doc: unknown): string[] {
  const p: string[] = [];
  if (!isObject(doc)) return ['the config is not an object'];
  for (const k of Object.keys(doc)) {
    if (!['descriptor', 'config', 'modelfs'].includes(k)) p.push(`unknown property ${k}`);
  }
  const { descriptor, config, modelfs } = doc;
  // descriptor: REQUIRED object; every property OPTIONAL; name non-empty; createdAt RFC 3339.
  if (!isObject(descriptor)) p.push('descriptor is required and must be an object');
  else {
    const str = [
      'family',
      'name',
      'docURL',
      'sourceURL',
      'version',
      'revision',
      'vendor',
      'title',
      'description',
    ];
    const arr = ['authors', 'datasetsURL', 'licenses'];
    for (const [k, v] of Object.entries(descriptor)) {
      if (k === 'createdAt') {
        if (typeof v !== 'string' || !RFC3339.test(v)) p.push('descriptor.createdAt must be RFC 3339');
      } else if (str.includes(k)) {
        if (typeof v !== 'string') p.push(`descriptor.${k} must be a string`);
      } else if (arr.includes(k)) {
        if (!strings(v)) p.push(`descriptor.${k} must be an array of strings`);
      } else p.push(`unknown property descriptor.${k}`);
    }
    if (descriptor['name'] === '') p.push('descriptor.name must not be empty');
  }
  // config: REQUIRED object of OPTIONAL technical metadata.
  if (!isObject(config)) p.push('config is required and must be an object');
  else {
    for (const [k, v] of Object.entries(config)) {
      if (['architecture', 'format', 'quantization'].includes(k)) {
        if (typeof v !== 'string') p.push(`config.${k} must be a string`);
      } else if (k === 'paramSize') {
        if (typeof v !== 'string' || !/^\d+(\.\d)?[qtbmkQTBMK]$/.test(v))
          p.push('config.paramSize is <count><prefix>');
      } else if (k === 'precision') {
        if (typeof v !== 'string' || !v.split(',').every((x) => PRECISION.test(x)))
          p.push('config.precision');
      } else if (k === 'capabilities') {
        if (!isObject(v)) p.push('config.capabilities must be an object');
        else
          for (const [c, cv] of Object.entries(v)) {
            if (c === 'inputTypes' || c === 'outputTypes') {
              if (!Array.isArray(cv) || !cv.every((x) => MODALITIES.includes(x as string)))
                p.push(`config.capabilities.${c}`);
            } else if (c === 'knowledgeCutoff') {
              if (typeof cv !== 'string' || !RFC3339.test(cv)) p.push('config.capabilities.knowledgeCutoff');
            } else if (['reasoning', 'toolUsage', 'reward'].includes(c)) {
              if (typeof cv !== 'boolean') p.push(`config.capabilities.${c} must be a boolean`);
            } else if (c === 'languages') {
              if (!Array.isArray(cv) || !cv.every((x) => /^[a-z]{2}$/.test(x as string))) p.push('languages');
            } else p.push(`unknown property config.capabilities.${c}`);
          }
      } else p.push(`unknown property config.${k}`);
    }
  }
  // modelfs: REQUIRED; type "layers"; diffIds REQUIRED, at least one layer digest.
  if (!isObject(modelfs)) p.push('modelfs is required and must be an object');
  else {
    for (const k of Object.keys(modelfs))
      if (!['type', 'diffIds'].includes(k)) p.push(`unknown property modelfs.${k}`);
    if (modelfs['type'] !== 'layers') p.push('modelfs.type must be "layers"');
    const ids = modelfs['diffIds'];
    if (!Array.isArray(ids) || ids.length === 0)
      p.push('modelfs.diffIds is required, with at least one entry');
    else if (!ids.every((d) => typeof d === 'string' && DIGEST.test(d)))
      p.push('modelfs.diffIds are digests');
  }
  return p;
}

const WEIGHT_TYPES =
  /^application\/vnd\.cncf\.model\.(weight|weight\.config|doc|code|dataset)\.v1\.(raw|tar|tar\+gzip|tar\+zstd)$/;

/** The manifest rules of docs/spec.md. */
function manifestProblems(m: Json): string[] {
  const p: string[] = [];
  if (m['schemaVersion'] !== 2) p.push('schemaVersion must be 2');
  if (m['mediaType'] !== 'application/vnd.oci.image.manifest.v1+json') p.push('mediaType');
  if (m['artifactType'] !== 'application/vnd.cncf.model.manifest.v1+json') p.push('artifactType');
  const config = m['config'] as Json;
  if (config?.['mediaType'] !== 'application/vnd.cncf.model.config.v1+json') p.push('config.mediaType');
  for (const l of m['layers'] as Json[]) {
    if (!WEIGHT_TYPES.test(l['mediaType'] as string)) p.push(`layer media type ${String(l['mediaType'])}`);
    if (!DIGEST.test(l['digest'] as string)) p.push('layer digest');
  }
  return p;
}

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
