import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectGolden } from '../../../test/fixtures/golden.js';
import { dumpDefinition, marshal, parsePlatform } from '../../llb/index.js';
import { AikitError } from '../../util/errors.js';
import { modelFiles } from '../models.js';
import { isPackageTarget, packageArgs } from './args.js';
import { packageGraph, type PackageGraphOptions } from './graph.js';
import { huggingFaceSpec } from './hf.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const platform = parsePlatform('linux/amd64');
const tool = { image: 'aikit:test', command: ['/usr/bin/node', '/aikit/main.cjs'] };
const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

function graph(
  target: 'packager/modelpack' | 'packager/generic',
  buildArgs: Record<string, string>,
  extra: Partial<PackageGraphOptions> = {},
) {
  const args = packageArgs(target, buildArgs);
  const state = packageGraph({
    target,
    args,
    tool,
    contextLocal: 'context',
    sessionId: 'golden',
    platform,
    ...extra,
  });
  return dumpDefinition(marshal(state, { platform }));
}

/** The job the packaging step is started with, from a dumped graph. */
function job(dump: ReturnType<typeof graph>): Record<string, unknown> {
  const exec = dump.flatMap((e) => {
    const args = (e as { Op?: { exec?: { meta?: { args?: string[] } } } }).Op?.exec?.meta?.args;
    return args ? [args] : [];
  });
  expect(exec).toHaveLength(1);
  expect(exec[0]!.slice(0, 3)).toEqual([...tool.command, 'package']);
  return JSON.parse(exec[0]![3]!) as Record<string, unknown>;
}

describe('packaging targets', () => {
  it('are the reference target names', () => {
    expect(isPackageTarget('packager/modelpack')).toBe(true);
    expect(isPackageTarget('packager/generic')).toBe(true);
    expect(isPackageTarget('')).toBe(false);
    expect(isPackageTarget('packager/other')).toBe(false);
  });
});

describe('packageArgs', () => {
  it('reads every kind of source', () => {
    expect(packageArgs('packager/modelpack', {}).source).toEqual({ kind: 'context', path: '' });
    expect(packageArgs('packager/modelpack', { source: 'models/' }).source).toEqual({
      kind: 'context',
      path: 'models',
    });
    expect(packageArgs('packager/modelpack', { source: './tiny.gguf' }).source).toEqual({
      kind: 'context',
      path: 'tiny.gguf',
    });
    expect(
      packageArgs('packager/modelpack', { source: 'https://h.example/a/b%20c.gguf?x=1' }).source,
    ).toEqual({
      kind: 'http',
      url: 'https://h.example/a/b%20c.gguf?x=1',
      filename: 'b c.gguf',
    });
    expect(packageArgs('packager/modelpack', { source: 'huggingface://Qwen/Qwen3-0.6B' }).source).toEqual({
      kind: 'huggingface',
      repo: 'Qwen/Qwen3-0.6B',
      revision: 'main',
    });
    expect(
      packageArgs('packager/modelpack', { source: 'huggingface://Qwen/Qwen3-0.6B@abc' }).source,
    ).toMatchObject({
      revision: 'abc',
    });
  });

  it('names the artifact after the source unless told', () => {
    expect(packageArgs('packager/modelpack', { source: 'huggingface://Qwen/Qwen3-0.6B' }).name).toBe(
      'qwen3-0.6b',
    );
    expect(packageArgs('packager/modelpack', { source: 'tiny.gguf' }).name).toBe('tiny');
    expect(packageArgs('packager/modelpack', { source: 'tiny.gguf', name: 'qwen3' }).name).toBe('qwen3');
  });

  it('refuses bad values with a hint naming the accepted ones', () => {
    const bad = (t: 'packager/modelpack' | 'packager/generic', a: Record<string, string>) => {
      try {
        packageArgs(t, a);
      } catch (e) {
        expect(e).toBeInstanceOf(AikitError);
        return (e as AikitError).hint;
      }
      return 'accepted';
    };
    expect(bad('packager/modelpack', { layer_packaging: 'zip' })).toContain('raw, tar, tar+gzip, tar+zstd');
    expect(bad('packager/modelpack', { generic_output_mode: 'files' })).toContain('packager/generic');
    expect(bad('packager/generic', { generic_output_mode: 'layout' })).toContain('files');
    expect(bad('packager/modelpack', { source: '../up' })).toContain('inside the build context');
    expect(bad('packager/modelpack', { source: 's3://b/k' })).toContain('huggingface://');
    expect(bad('packager/modelpack', { name: 'a b' })).toContain('a tag');
    expect(bad('packager/modelpack', { SOURCE_DATE_EPOCH: 'yesterday' })).toContain('seconds');
  });
});

describe('packageGraph', () => {
  it('a context subdirectory: only it crosses the wire, the job names it', () => {
    const dump = graph('packager/modelpack', {
      source: 'models/',
      name: 'qwen3',
      layer_packaging: 'tar+zstd',
      exclude: "'original/**'",
      SOURCE_DATE_EPOCH: '1700000000',
    });
    expectGolden(json(dump), join(ROOT, 'test/golden/package-modelpack-context.linux-amd64.llb.json'));
    expect(job(dump)).toEqual({
      kind: 'modelpack',
      name: 'qwen3',
      packaging: 'tar+zstd',
      exclude: ['original/**'],
      input: '/in/models',
      output: '/out',
      epoch: 1700000000,
    });
    const text = JSON.stringify(dump);
    expect(text).toContain('\\"models\\"'); // followpaths
    expect(text).toContain('models/original/**'); // excludepatterns, relative to the context
  });

  it('an http file: the download is the input, the URL the sourceURL', () => {
    const dump = graph('packager/generic', { source: 'https://h.example/tiny.gguf', layer_packaging: 'tar' });
    expectGolden(json(dump), join(ROOT, 'test/golden/package-generic-http.linux-amd64.llb.json'));
    expect(job(dump)).toMatchObject({
      kind: 'generic',
      name: 'tiny',
      input: '/in/tiny.gguf',
      sourceURL: 'https://h.example/tiny.gguf',
    });
  });

  it('generic_output_mode=files exports the source itself, with no packaging step', () => {
    const dump = graph('packager/generic', {
      source: 'https://h.example/tiny.gguf',
      generic_output_mode: 'files',
    });
    expect(JSON.stringify(dump)).not.toContain('exec');
    expect(JSON.stringify(dump)).toContain('https://h.example/tiny.gguf');
  });

  it('a Hugging Face repository: every listed file at the listed commit, in one tree', () => {
    const spec = huggingFaceSpec('Qwen/Qwen3-0.6B', 'main');
    const listing = {
      sha: 'c'.repeat(40),
      siblings: [
        { rfilename: 'config.json' },
        { rfilename: 'model.safetensors', lfs: { sha256: 'd'.repeat(64) } },
        { rfilename: 'README.md' },
      ],
    };
    const metadata = new Map([['hf:Qwen/Qwen3-0.6B@main', Buffer.from(JSON.stringify(listing))]]);
    const hfFiles = modelFiles(spec, { locate: () => undefined, metadata });
    const dump = graph('packager/modelpack', { source: 'huggingface://Qwen/Qwen3-0.6B' }, { hfFiles });
    expectGolden(json(dump), join(ROOT, 'test/golden/package-modelpack-hf.linux-amd64.llb.json'));
    const text = JSON.stringify(dump);
    expect(text).toContain(`/Qwen/Qwen3-0.6B/resolve/${'c'.repeat(40)}/model.safetensors`);
    expect(text).toContain(`sha256:${'d'.repeat(64)}`);
    expect(text).toContain('"dest":"/model.safetensors"');
    expect(job(dump)).toMatchObject({
      input: '/in',
      revision: 'main',
      sourceURL: 'huggingface://Qwen/Qwen3-0.6B',
    });
  });
});
