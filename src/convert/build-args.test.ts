import { describe, expect, it } from 'vitest';
import { LANGUAGE_ARGS } from '../aikitfile/index.js';
import { ARTIFACT_ARGS, resolveArtifacts } from './artifacts.js';
import { BUILD_ARGS, buildArgsReadBy, unusedBuildArgs } from './build-args.js';
import { FINETUNE_ARGS } from './finetune/args.js';
import { SOURCE_ARGS, sourceSettings } from './models.js';

describe('the register of build-args', () => {
  it('lists every name once, the language first, then artifacts, sources, the frontend and fine-tune images', () => {
    const names = BUILD_ARGS.map((a) => a.name);
    expect(new Set(names).size).toBe(names.length);
    expect(BUILD_ARGS.map((a) => a.readBy)).toEqual([
      ...LANGUAGE_ARGS.map(() => 'aikitfile'),
      ...ARTIFACT_ARGS.map(() => 'artifacts'),
      ...SOURCE_ARGS.map(() => 'sources'),
      'frontend',
      'frontend',
      'frontend',
      ...buildArgsReadBy('packager').map(() => 'packager'),
      ...FINETUNE_ARGS.map(() => 'finetune'),
    ]);
    expect(buildArgsReadBy('packager').map((a) => a.name)).toEqual([
      'source',
      'name',
      'layer_packaging',
      'exclude',
      'generic_output_mode',
      'AIKIT_PACKAGER_IMAGE',
    ]);
    expect(buildArgsReadBy('frontend').map((a) => a.name)).toEqual([
      'AIKIT_LOCKED',
      'AIKIT_CHECK',
      'AIKIT_SBOM',
    ]);
    expect(buildArgsReadBy('aikitfile').map((a) => a.name)).toEqual(['model', 'runtime']);
    for (const a of BUILD_ARGS) expect(a.description, a.name).not.toBe('');
  });

  it('holds every build-arg resolveArtifacts consumes', () => {
    const args = Object.fromEntries(ARTIFACT_ARGS.map((a) => [a.name, a.default || 'x']));
    // Values that parse: a real digest for the pins, a known mode for the CUDA libraries.
    for (const k of Object.keys(args)) if (k.includes('SHA256')) args[k] = 'e'.repeat(64);
    args['AIKIT_CUDA_LIBRARIES'] = 'base';
    const { used } = resolveArtifacts(args);
    expect(used.sort()).toEqual(
      BUILD_ARGS.filter((a) => a.readBy === 'artifacts')
        .map((a) => a.name)
        .sort(),
    );
    expect(() => sourceSettings({ AIKIT_HF_ENDPOINT: 'https://hf.example' })).not.toThrow();
  });
});

describe('unusedBuildArgs', () => {
  it('warns about every arg nothing reads, sorted, naming what aikit reads', () => {
    const issues = unusedBuildArgs({
      AIKIT_LOCALAI_URl: 'x',
      model: 'https://example.com/m.gguf',
      AIKIT_BASE_IMAGE: 'b:1',
      BUILDKIT_SYNTAX: 'aikit',
      SOURCE_DATE_EPOCH: '0',
      Aardvark: '1',
    });
    expect(issues.map((i) => i.message)).toEqual([
      'build-arg AIKIT_LOCALAI_URl is not used by aikit',
      'build-arg Aardvark is not used by aikit',
    ]);
    expect(issues.every((i) => i.severity === 'warning' && i.code === 'UNUSED_BUILD_ARG')).toBe(true);
    expect(issues[0]!.hint).toBe(
      `aikit reads ${BUILD_ARGS.map((a) => a.name)
        .sort()
        .join(', ')}`,
    );
    expect(issues[0]!.hint).toContain('AIKIT_HF_ENDPOINT, AIKIT_HF_TOKEN_SECRET');
    expect(issues[0]!.hint).toMatch(/, model, name, runtime, source$/);
  });
});
