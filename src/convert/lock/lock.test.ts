import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { expectGolden } from '../../../test/fixtures/golden.js';
import { loadAikitfile, type InferenceSpec } from '../../aikitfile/index.js';
import { dumpDefinition, marshal, parsePlatform } from '../../llb/index.js';
import { AikitError, type Locate } from '../../util/errors.js';
import { resolveArtifacts } from '../artifacts.js';
import { convert } from '../convert.js';
import { sourceSettings } from '../models.js';
import { readMetadata } from '../resolve.js';
import { pinBuild, lockMode, type PinOptions } from './apply.js';
import { formatLock, lockFileName, lockJsonSchema, parseLock, type Lock } from './format.js';
import { lockPlan, sourceText } from './plan.js';
import { defaultArtifacts, pinOfDefault } from './pins.js';

const amd64 = parsePlatform('linux/amd64');
const arm64 = parsePlatform('linux/arm64');
const hex = (c: string) => c.repeat(64);
const sha = (c: string) => `sha256:${hex(c)}`;
const COMMIT = 'c0ffee'.repeat(6) + 'c0ff';
const ARGS = {
  AIKIT_BASE_IMAGE: 'registry.example/base:1',
  AIKIT_BACKEND_IMAGE_LLAMA_CPP: 'registry.example/llama:1',
  AIKIT_LOCALAI_URL: 'https://mirror.example/local-ai-{arch}',
};

const TEXT = `apiVersion: v1alpha1
models:
  - name: web
    source: https://example.com/web.gguf
  - name: one
    source: huggingface://acme/tiny-GGUF@main/tiny.gguf
  - name: whole
    source: huggingface://acme/whole
  - name: ollama
    source: oci://registry.example/models/tiny:v1
  - name: here
    source: weights/here.gguf
`;

function load(text = TEXT): { spec: InferenceSpec; locate: Locate } {
  const loaded = loadAikitfile(text, 'aikitfile.yaml');
  if (loaded.spec.kind !== 'inference') throw new Error('not inference');
  return { spec: loaded.spec, locate: (p) => loaded.locate(p) };
}

/** The lock the lock target would write for TEXT and ARGS on amd64 and arm64. */
function lockFor(): Lock {
  return {
    version: 1,
    platforms: ['linux/amd64', 'linux/arm64'],
    models: {
      web: { source: 'https://example.com/web.gguf', sha256: sha('1') },
      one: { source: 'huggingface://acme/tiny-GGUF@main/tiny.gguf', commit: COMMIT, sha256: sha('2') },
      whole: {
        source: 'huggingface://acme/whole@main',
        commit: COMMIT,
        files: { 'config.json': sha('3'), 'w/weights.gguf': sha('4') },
      },
      ollama: { source: 'oci://registry.example/models/tiny:v1', digest: sha('5') },
    },
    images: {
      'registry.example/base:1': {
        digest: sha('6'),
        platforms: { 'linux/amd64': sha('7'), 'linux/arm64': sha('8') },
      },
      'registry.example/llama:1': {
        digest: sha('9'),
        platforms: { 'linux/amd64': sha('a'), 'linux/arm64': sha('b') },
      },
    },
    localai: {
      'https://mirror.example/local-ai-amd64': sha('d'),
      'https://mirror.example/local-ai-arm64': sha('e'),
    },
  };
}

function pin(over: Partial<PinOptions> = {}, text = TEXT) {
  const { spec, locate } = load(text);
  const { artifacts } = resolveArtifacts(ARGS);
  return pinBuild(spec, {
    lock: lockFor(),
    pins: { images: {}, localai: {} },
    mode: 'use',
    artifacts,
    settings: sourceSettings({}),
    platforms: [amd64, arm64],
    locate,
    file: 'aikitfile.yaml',
    lockFile: 'aikitfile.lock',
    ...over,
  });
}

describe('the lock format', () => {
  it('names the lock after the aikitfile', () => {
    expect(lockFileName('aikitfile.yaml')).toBe('aikitfile.lock');
    expect(lockFileName('deploy/llama.yml')).toBe('deploy/llama.lock');
    expect(lockFileName('aikitfile')).toBe('aikitfile.lock');
  });

  it('writes sorted keys, version first, and reads back what it wrote', () => {
    const text = formatLock(lockFor());
    const body = text.split('\n').filter((l) => !l.startsWith('#'));
    expect(body[0]).toBe('version: 1');
    const top = body.filter((l) => /^[a-z]/.test(l)).map((l) => l.split(':')[0]);
    expect(top).toEqual(['version', 'images', 'localai', 'models', 'platforms']);
    const models = Object.keys((parse(text) as Lock).models);
    expect(models).toEqual([...models].sort());
    expect(parseLock(text, 'aikitfile.lock')).toEqual(lockFor());
  });

  it('gives the same bytes whatever order the content was built in', () => {
    const a = lockFor();
    const b: Lock = { ...a, models: Object.fromEntries(Object.entries(a.models).reverse()) };
    expect(formatLock(b)).toBe(formatLock(a));
  });

  it('refuses another version, a bad digest and unknown keys, naming the file', () => {
    const text = formatLock(lockFor());
    expect(() => parseLock(text.replace('version: 1', 'version: 2'), 'x.lock')).toThrow(
      /x.lock has lock version 2/,
    );
    expect(() => parseLock(text.replace(hex('1'), 'nope'), 'x.lock')).toThrow(/x.lock: models.web.sha256/);
    expect(() => parseLock(`${text}extra: 1\n`, 'x.lock')).toThrow(AikitError);
    expect(() => parseLock('{{', 'x.lock')).toThrow(/x.lock is not YAML/);
  });

  it('matches the committed schema/aikitfile-lock.schema.json (regenerate with npm run golden:update)', () => {
    expectGolden(
      `${JSON.stringify(lockJsonSchema(), null, 2)}\n`,
      new URL('../../../schema/aikitfile-lock.schema.json', import.meta.url),
    );
  });
});

describe('what a lock covers', () => {
  it('lists remote models, every image per platform and the LocalAI download per platform', () => {
    const { spec } = load();
    const plan = lockPlan(spec, resolveArtifacts(ARGS).artifacts, [amd64, arm64]);
    expect(plan.models.map((m) => m.source)).toEqual([
      'https://example.com/web.gguf',
      'huggingface://acme/tiny-GGUF@main/tiny.gguf',
      'huggingface://acme/whole@main',
      'oci://registry.example/models/tiny:v1',
    ]);
    expect(plan.images.map((i) => `${i.key} ${i.platformKey}`)).toEqual([
      'registry.example/base:1 linux/amd64',
      'registry.example/llama:1 linux/amd64',
      'registry.example/base:1 linux/arm64',
      'registry.example/llama:1 linux/arm64',
    ]);
    expect(plan.localai.map((l) => l.url)).toEqual([
      'https://mirror.example/local-ai-amd64',
      'https://mirror.example/local-ai-arm64',
    ]);
  });

  it('writes sources canonically, the default revision included', () => {
    const { spec } = load();
    expect(spec.models.map((m) => sourceText(m.source))).toContain('huggingface://acme/whole@main');
  });
});

describe('a build pinned by its lock', () => {
  it('converts to image@sha256, http with checksums, Hugging Face at the commit and oci by digest', async () => {
    const pinned = pin();
    expect(pinned.problems).toEqual([]);
    expect(pinned.unpinned).toEqual([]);
    const settings = sourceSettings({});
    // Only the oci manifest is read at build time: the lock holds the Hub listing.
    const asked: string[] = [];
    const manifest = {
      schemaVersion: 2,
      layers: [{ mediaType: 'application/vnd.ollama.image.model', digest: sha('f'), size: 1 }],
    };
    const metadata = await readMetadata(
      pinned.spec,
      settings,
      (req) => {
        asked.push(req.description);
        return Promise.resolve(Buffer.from(JSON.stringify(manifest)));
      },
      pinned.metadata,
    );
    expect(asked).toEqual([`the manifest of oci://registry.example/models/tiny@${sha('5')}`]);
    const { state } = convert(pinned.spec, {
      platform: arm64,
      artifacts: pinned.artifacts,
      imageDigests: pinned.imageDigests(arm64),
      sources: { settings, metadata },
    });
    const llb = JSON.stringify(dumpDefinition(marshal(state)));
    expect(llb).toContain(`docker-image://registry.example/base:1@${sha('6')}`);
    expect(llb).toContain(`docker-image://registry.example/llama:1@${sha('9')}`);
    expect(llb).toContain(`"http.checksum":"${sha('1')}"`);
    expect(llb).toContain(`"http.checksum":"${sha('e')}"`); // LocalAI, arm64
    expect(llb).toContain(`https://huggingface.co/acme/tiny-GGUF/resolve/${COMMIT}/tiny.gguf`);
    expect(llb).toContain(`"http.checksum":"${sha('2')}"`);
    expect(llb).toContain(`https://huggingface.co/acme/whole/resolve/${COMMIT}/w/weights.gguf`);
    expect(llb).toContain(`"http.checksum":"${sha('4')}"`);
    expect(llb).not.toContain('/resolve/main/');
  });

  it('without a lock or pins changes nothing and says what is unpinned', () => {
    const { spec } = load();
    const pinned = pin({ lock: undefined });
    expect(pinned.spec.models).toEqual(spec.models);
    expect(pinned.imageDigests(amd64)).toEqual({});
    expect(pinned.metadata.size).toBe(0);
    expect(pinned.unpinned).toEqual([
      'image registry.example/base:1',
      'image registry.example/llama:1',
      'the LocalAI binary for linux/amd64',
      'the LocalAI binary for linux/arm64',
    ]);
  });

  it('takes the release pins for defaults the lock does not cover', () => {
    const pinned = pin({
      lock: undefined,
      pins: {
        images: { 'registry.example/base:1': { digest: sha('6'), platforms: { 'linux/amd64': sha('7') } } },
        localai: { 'https://mirror.example/local-ai-amd64': sha('d') },
      },
    });
    expect(pinned.imageDigests(amd64)).toEqual({ 'registry.example/base:1': sha('6') });
    // The pin names only amd64: arm64 stays unpinned.
    expect(pinned.imageDigests(arm64)).toEqual({});
    expect(pinned.artifacts.localaiSha256ByArch).toEqual({ amd64: sha('d') });
    expect(pinned.unpinned).toContain('image registry.example/base:1');
    expect(pinned.unpinned).not.toContain('the LocalAI binary for linux/amd64');
  });

  it('warns where the build and the lock disagree, at the aikitfile line', () => {
    const changed = TEXT.replace('https://example.com/web.gguf', 'https://example.com/web2.gguf');
    const pinned = pin({}, `${changed}  - name: new\n    source: https://example.com/new.gguf\n`);
    expect(pinned.problems.map((p) => [p.severity, p.message, p.range?.line])).toEqual([
      [
        'warning',
        'model web: the source is https://example.com/web2.gguf, the lock has https://example.com/web.gguf',
        4,
      ],
      ['warning', 'model new is not in aikitfile.lock', 14],
    ]);
    // The disagreeing models build as before, unpinned; the rest stays pinned.
    expect(pinned.spec.models[0]!.sha256).toBeUndefined();
    expect(pinned.spec.models[1]!.sha256).toBe(sha('2'));
  });

  it('fails in strict mode at each line the lock does not pin, and without a lock at all', () => {
    const extra = `${TEXT}  - name: new\n    source: https://example.com/new.gguf\n`;
    let err: unknown;
    try {
      pin({ mode: 'strict', platforms: [amd64, parsePlatform('linux/arm64')] }, extra);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AikitError);
    const e = err as AikitError;
    expect(e.code).toBe('LOCK_MISMATCH');
    expect(e.issues.map((i) => [i.severity, i.code, i.path?.join('.'), i.range?.line])).toEqual([
      ['error', 'LOCK_MISMATCH', 'models.5.source', 14],
    ]);
    expect(e.issues[0]!.hint).toContain('aikit lock');
    expect(() => pin({ mode: 'strict', lock: undefined })).toThrow(/no aikitfile.lock beside aikitfile.yaml/);
    // An image for a platform the lock was not made for is not pinned either.
    const lock = lockFor();
    delete lock.images['registry.example/llama:1']!.platforms['linux/arm64'];
    let imageErr: AikitError | undefined;
    try {
      pin({ mode: 'strict', lock });
    } catch (e) {
      imageErr = e as AikitError;
    }
    expect(imageErr?.message).toMatch(/not pinned by aikitfile.lock/);
    // The file names no runtime: the issue points at the whole file.
    expect(imageErr?.issues.map((i) => [i.message, i.range?.line])).toEqual([
      ['image registry.example/llama:1 (linux/arm64) is not in aikitfile.lock', 1],
    ]);
  });

  it('keeps a sha256 the aikitfile gives, and calls a different one a mismatch', () => {
    const withSha = TEXT.replace(
      'source: https://example.com/web.gguf',
      `source: https://example.com/web.gguf\n    sha256: ${'ab'.repeat(32)}`,
    );
    expect(() => pin({ mode: 'strict' }, withSha)).toThrow(/not pinned/);
    expect(pin({}, withSha).spec.models[0]!.sha256).toBe(`sha256:${'ab'.repeat(32)}`);
  });

  it('reads AIKIT_LOCKED', () => {
    expect(lockMode({})).toBe('use');
    expect(lockMode({ AIKIT_LOCKED: 'strict' })).toBe('strict');
    expect(lockMode({ AIKIT_LOCKED: 'off' })).toBe('off');
    expect(() => lockMode({ AIKIT_LOCKED: 'yes please' })).toThrow(/AIKIT_LOCKED must be strict or off/);
    expect(pin({ mode: 'off' }).imageDigests(amd64)).toEqual({});
  });
});

describe('the release pins', () => {
  it('list every default image and LocalAI download of the catalog, unpinned until a release fills them', () => {
    const all = defaultArtifacts();
    expect(all.some((a) => a.key === 'ghcr.io/kaito-project/aikit/base:latest')).toBe(true);
    expect(all.filter((a) => a.kind === 'localai')).toHaveLength(6);
    const pins = {
      images: { 'ghcr.io/kaito-project/aikit/base:latest': { digest: sha('1'), platforms: {} } },
      localai: {},
    };
    expect(
      pinOfDefault(
        all.find((a) => a.key.endsWith('aikit/base:latest'))!,
        pins,
      ),
    ).toBe(sha('1'));
    expect(
      pinOfDefault(
        all.find((a) => a.kind === 'localai')!,
        pins,
      ),
    ).toBeUndefined();
  });
});
