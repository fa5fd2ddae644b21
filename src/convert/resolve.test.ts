import { describe, expect, it } from 'vitest';
import { dumpDefinition, marshal, parsePlatform } from '../llb/index.js';
import { loadAikitfile, type InferenceSpec } from '../aikitfile/index.js';
import { AikitError } from '../util/errors.js';
import { resolveArtifacts } from './artifacts.js';
import { convert } from './convert.js';
import { sourceSettings, type MetadataRequest } from './models.js';
import { imageKey, readMetadata, resolveImages, type MetadataFetcher } from './resolve.js';

const amd64 = parsePlatform('linux/amd64');
const settings = sourceSettings({});
const LAYER = `sha256:${'a'.repeat(64)}`;
const CHILD = `sha256:${'e'.repeat(64)}`;

function spec(models: string): InferenceSpec {
  const loaded = loadAikitfile(`apiVersion: v1alpha1\nmodels:\n${models}`, 'aikitfile.yaml');
  if (loaded.spec.kind !== 'inference') throw new Error('not inference');
  return loaded.spec;
}

const OCI = spec('  - name: m\n    source: oci://registry.example/acme/model:v1\n');
const HF = spec('  - name: repo\n    source: huggingface://acme/whole\n');

const json = (doc: unknown) => Buffer.from(JSON.stringify(doc));

/** A fetcher that answers from a table by request kind and URL ending, recording what it was asked. */
function fake(answer: (req: MetadataRequest) => unknown) {
  const asked: string[] = [];
  const fetch: MetadataFetcher = (req) => {
    asked.push(req.url);
    return Promise.resolve(json(answer(req)));
  };
  return { asked, fetch };
}

function modelSource(s: InferenceSpec, metadata: ReadonlyMap<string, Uint8Array>): string {
  const { state } = convert(s, {
    platform: amd64,
    artifacts: resolveArtifacts({}).artifacts,
    sources: { settings, metadata },
  });
  return blobPulls(state)[0] ?? '';
}

/** The references the graph pulls blobs by: oras steps' arguments and docker-image+blob sources. */
function blobPulls(state: Parameters<typeof marshal>[0]): string[] {
  const ops = dumpDefinition(marshal(state)) as {
    Op: { source?: { identifier: string }; exec?: { meta: { args: string[] } } };
  }[];
  return ops.flatMap((o) => {
    const args = o.Op.exec?.meta.args ?? [];
    if (args[4] === 'blob') return [args[5]!];
    const id = o.Op.source?.identifier ?? '';
    return id.startsWith('docker-image+blob://') ? [id] : [];
  });
}

describe('readMetadata', () => {
  it('reads an OCI index, then the manifest it names, in a second round', async () => {
    const { asked, fetch } = fake((req) =>
      req.url.endsWith('/manifests/v1')
        ? {
            manifests: [
              { digest: `sha256:${'f'.repeat(64)}`, platform: { os: 'unknown' } },
              { digest: CHILD },
            ],
          }
        : { layers: [{ digest: LAYER, size: 1 }] },
    );
    const metadata = await readMetadata(OCI, settings, fetch);
    expect(asked).toEqual([
      'https://registry.example/v2/acme/model/manifests/v1',
      `https://registry.example/v2/acme/model/manifests/${CHILD}`,
    ]);
    expect(modelSource(OCI, metadata)).toContain(LAYER);
  });

  it('stops when nothing is left to read', async () => {
    const { asked, fetch } = fake(() => ({ sha: '1'.repeat(40), siblings: [] }));
    await readMetadata(HF, settings, fetch);
    expect(asked).toHaveLength(1);
    expect(
      await readMetadata(spec('  - name: x\n    source: https://example.com/x.gguf\n'), settings, fetch),
    ).toEqual(new Map());
    expect(asked).toHaveLength(1);
  });

  it("passes the fetcher's error through", async () => {
    const fetch: MetadataFetcher = () => Promise.reject(new AikitError('MODEL_METADATA_FAILED', 'no'));
    await expect(readMetadata(HF, settings, fetch)).rejects.toMatchObject({ code: 'MODEL_METADATA_FAILED' });
  });
});

describe('remote documents', () => {
  const bad = async (s: InferenceSpec, doc: unknown) => {
    try {
      modelSource(s, await readMetadata(s, settings, () => Promise.resolve(json(doc))));
    } catch (e) {
      return e instanceof AikitError ? `${e.code}: ${e.message}` : `not an AikitError: ${String(e)}`;
    }
    return 'no error';
  };

  it.each([
    [{ siblings: [] }],
    [{ sha: 'not-a-commit', siblings: [] }],
    [{ sha: '1'.repeat(40), siblings: 'x' }],
    [null],
  ])('a Hub listing %j has no commit or files', async (doc) => {
    expect(await bad(HF, doc)).toBe(
      'BAD_MODEL_METADATA: model repo: the Hugging Face file list has no commit or files',
    );
  });

  it('skips Hub entries it cannot use and keeps only well-formed sha256 pins', async () => {
    const doc = {
      sha: '1'.repeat(40),
      siblings: [
        null,
        { rfilename: 7 },
        { rfilename: 'README.md' },
        { rfilename: 'a.gguf', lfs: { sha256: 'b'.repeat(64) } },
        { rfilename: 'b.json', lfs: { sha256: 'short' } },
      ],
    };
    const metadata = await readMetadata(HF, settings, () => Promise.resolve(json(doc)));
    const { state } = convert(HF, {
      platform: amd64,
      artifacts: resolveArtifacts({}).artifacts,
      sources: { settings, metadata },
    });
    const ops = JSON.stringify(dumpDefinition(marshal(state)));
    expect(ops).toContain(`/resolve/${'1'.repeat(40)}/a.gguf`);
    expect(ops).toContain(`sha256:${'b'.repeat(64)}`);
    expect(ops).toContain('/b.json');
    expect(ops).not.toContain('README.md');
  });

  it('an OCI index without a usable manifest is refused', async () => {
    expect(await bad(OCI, { manifests: [{ platform: { os: 'unknown' }, digest: CHILD }, { size: 3 }] })).toBe(
      'BAD_MODEL_METADATA: model m: the OCI index lists no manifest',
    );
  });

  it.each([[{ layers: [{ digest: 'sha256:short' }] }], [{ layers: 'x' }], [{}], [null]])(
    'an OCI manifest %j has no layer to use',
    async (doc) => {
      expect(await bad(OCI, doc)).toMatch(
        /^BAD_MODEL_METADATA: model m: oci:\/\/.* has no layer to use as the model$/,
      );
    },
  );

  it('picks the largest layer when no rule names one', async () => {
    const small = `sha256:${'1'.repeat(64)}`;
    const large = `sha256:${'2'.repeat(64)}`;
    const doc = {
      layers: [
        { digest: small, size: 1 },
        { digest: large, size: 9, mediaType: 5 },
      ],
    };
    const metadata = await readMetadata(OCI, settings, () => Promise.resolve(json(doc)));
    expect(modelSource(OCI, metadata)).toContain(large);
  });
});

describe('resolveImages', () => {
  it('keys digests by the normalised reference, once per image, leaving out images without one', async () => {
    const asked: string[] = [];
    const digests = await resolveImages(
      ['base:1', 'docker.io/library/base:1', 'ghcr.io/x/y:2'],
      amd64,
      (ref) => {
        asked.push(ref);
        return Promise.resolve({ digest: ref.startsWith('ghcr.io') ? '' : `sha256:${'d'.repeat(64)}` });
      },
    );
    expect(asked).toEqual(['docker.io/library/base:1', 'ghcr.io/x/y:2']);
    expect(digests).toEqual({ 'docker.io/library/base:1': `sha256:${'d'.repeat(64)}` });
  });

  it('takes the normalised form of a build-arg image from resolveArtifacts', () => {
    const { artifacts } = resolveArtifacts({ AIKIT_BASE_IMAGE: 'base:1' });
    expect(artifacts.normalisedImages?.get('base:1')).toBe('docker.io/library/base:1');
    expect(imageKey('base:1', artifacts)).toBe('docker.io/library/base:1');
    expect(imageKey('alpine')).toBe('docker.io/library/alpine:latest');
  });

  it('pins the base a build-arg names, by the digest resolved for its normalised reference', async () => {
    const { artifacts } = resolveArtifacts({ AIKIT_BASE_IMAGE: 'base:1' });
    const digest = `sha256:${'d'.repeat(64)}`;
    const imageDigests = await resolveImages(['base:1'], amd64, () => Promise.resolve({ digest }), artifacts);
    const s = spec(
      '  - name: x\n    source: https://example.com/x.gguf\n    sha256: ' + 'c'.repeat(64) + '\n',
    );
    const { state } = convert(s, { platform: amd64, artifacts, imageDigests });
    expect(JSON.stringify(dumpDefinition(marshal(state)))).toContain(
      `docker-image://docker.io/library/base:1@${digest}`,
    );
  });
});
