import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectGolden } from '../../../test/fixtures/golden.js';
import { loadAikitfile, type InferenceSpec } from '../../aikitfile/index.js';
import { parsePlatform } from '../../llb/index.js';
import { resolveArtifacts } from '../artifacts.js';
import { sourceSettings, type Metadata } from '../models.js';
import { readMetadata } from '../resolve.js';
import { inventory, toolImageRefs } from './inventory.js';
import { serializeSpdx, spdxDocument, spdxTime, type SpdxDocument, type SpdxPackage } from './spdx.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const hex = (s: string) => createHash('sha256').update(s).digest('hex');
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

const WEIGHTS_SHA = hex('weights');
const HTTP_SHA = hex('http model');
const COMMIT = 'b'.repeat(40);
const OLLAMA_LAYER = `sha256:${hex('ollama layer')}`;

const AIKITFILE = `apiVersion: v1alpha1
models:
  - name: pinned
    source: https://example.com/models/pinned.gguf?token=secret
    sha256: ${HTTP_SHA}
  - name: local
    source: models/local.gguf
  - name: whole
    source: huggingface://acme/whole
  - name: ollama
    source: oci://registry.ollama.ai/library/tiny:1b
config: |
  - name: pinned
`;

const LISTING = json({
  id: 'acme/whole',
  sha: COMMIT,
  cardData: { license: 'llama3' },
  tags: ['license:llama3'],
  siblings: [
    { rfilename: '.gitattributes', size: 10 },
    { rfilename: 'config.json', size: 42 },
    { rfilename: 'w/weights.gguf', size: 1234, lfs: { sha256: WEIGHTS_SHA, size: 1234 } },
  ],
});
const OLLAMA_MANIFEST = json({
  schemaVersion: 2,
  layers: [
    { mediaType: 'application/vnd.ollama.image.license', digest: `sha256:${hex('license')}`, size: 7 },
    { mediaType: 'application/vnd.ollama.image.model', digest: OLLAMA_LAYER, size: 5678 },
  ],
});
const OLLAMA_INDEX = json({
  schemaVersion: 2,
  manifests: [{ digest: `sha256:${hex('manifest')}`, platform: { os: 'linux', architecture: 'amd64' } }],
});

function spec(text = AIKITFILE): InferenceSpec {
  const loaded = loadAikitfile(text, 'aikitfile.yaml');
  if (loaded.spec.kind !== 'inference') throw new Error('not an inference file');
  return loaded.spec;
}

/** The documents a frontend would have read, answered from the fixtures above. */
async function metadataFor(s: InferenceSpec, index = true): Promise<Metadata> {
  return readMetadata(s, sourceSettings({}), (req) => {
    if (req.kind === 'hf-listing') return Promise.resolve(LISTING);
    if (index && req.url.endsWith('/manifests/1b')) return Promise.resolve(OLLAMA_INDEX);
    return Promise.resolve(OLLAMA_MANIFEST);
  });
}

async function document(
  opts: {
    digests?: Record<string, string>;
    text?: string;
    platform?: string;
    index?: boolean;
    buildArgs?: Record<string, string>;
  } = {},
): Promise<SpdxDocument> {
  const s = spec(opts.text);
  const settings = sourceSettings({});
  const { artifacts } = resolveArtifacts(opts.buildArgs ?? {});
  const inv = inventory(s, {
    platform: parsePlatform(opts.platform ?? 'linux/amd64'),
    artifacts,
    settings,
    metadata: await metadataFor(s, opts.index),
    imageDigests: opts.digests ?? {
      'docker.io/library/ubuntu:22.04': `sha256:${hex('ubuntu')}`,
      'ghcr.io/kaito-project/aikit/base:latest': `sha256:${hex('base')}`,
    },
    toolImages: toolImageRefs(s, settings),
  });
  return spdxDocument(inv, { created: spdxTime(1767225600) });
}

const pkg = (doc: SpdxDocument, fileName: string): SpdxPackage => {
  const p = doc.packages.find((x) => x.packageFileName === fileName);
  if (!p) throw new Error(`no package for ${fileName}: ${doc.packages.map((x) => x.name).join(', ')}`);
  return p;
};

describe('the SPDX bill of materials', () => {
  it('matches the golden document for a file with every kind of source', async () => {
    const doc = await document();
    expectGolden(
      serializeSpdx(doc).toString(),
      join(ROOT, 'test/golden/bom/aikitfile-sources.linux-amd64.spdx.json'),
    );
  });

  it('lists a Hub file with its commit, sha256, size and license, and a file without LFS with neither', async () => {
    const doc = await document();
    const weights = pkg(doc, '/models/acme/whole/w/weights.gguf');
    expect(weights.versionInfo).toBe(COMMIT);
    expect(weights.checksums).toEqual([{ algorithm: 'SHA256', checksumValue: WEIGHTS_SHA }]);
    expect(weights.comment).toContain('size 1234 bytes');
    expect(weights.downloadLocation).toBe(
      `https://huggingface.co/acme/whole/resolve/${COMMIT}/w/weights.gguf`,
    );
    expect(weights.externalRefs?.[0]?.referenceLocator).toBe(`pkg:huggingface/acme/whole@${COMMIT}`);
    // llama3 is no SPDX license: a LicenseRef that quotes the Hub's id.
    expect(weights.licenseDeclared).toBe('LicenseRef-llama3');
    expect(doc.hasExtractedLicensingInfos).toEqual([
      expect.objectContaining({ licenseId: 'LicenseRef-llama3', name: 'llama3' }),
    ]);
    const config = pkg(doc, '/models/acme/whole/config.json');
    expect(config.checksums).toBeUndefined();
    expect(config.comment).toContain('size 42 bytes');
    expect(doc.packages.some((p) => p.packageFileName?.endsWith('.gitattributes'))).toBe(false);
  });

  it('maps a license the SPDX list knows to its identifier', async () => {
    const mit = LISTING.toString().replaceAll('llama3', 'mit');
    const s = spec();
    const inv = inventory(s, {
      platform: parsePlatform('linux/amd64'),
      artifacts: resolveArtifacts({}).artifacts,
      settings: sourceSettings({}),
      metadata: await readMetadata(s, sourceSettings({}), (req) =>
        Promise.resolve(req.kind === 'hf-listing' ? Buffer.from(mit) : OLLAMA_MANIFEST),
      ),
      imageDigests: {},
    });
    const doc = spdxDocument(inv, { created: spdxTime(0) });
    expect(pkg(doc, '/models/acme/whole/w/weights.gguf').licenseDeclared).toBe('MIT');
    expect(doc.hasExtractedLicensingInfos).toBeUndefined();
  });

  it('gives an OCI model its layer digest and size and the digest the tag resolved to', async () => {
    const doc = await document();
    const model = pkg(doc, '/models/tiny');
    expect(model.checksums).toEqual([{ algorithm: 'SHA256', checksumValue: OLLAMA_LAYER.slice(7) }]);
    expect(model.comment).toContain('size 5678 bytes');
    // The index the tag named is the revision, not the manifest read after it.
    const indexDigest = `sha256:${createHash('sha256').update(OLLAMA_INDEX).digest('hex')}`;
    expect(model.versionInfo).toBe(indexDigest);
    expect(model.downloadLocation).toBe(`https://registry.ollama.ai/v2/library/tiny/blobs/${OLLAMA_LAYER}`);
    const direct = pkg(await document({ index: false }), '/models/tiny');
    expect(direct.versionInfo).toBe(`sha256:${createHash('sha256').update(OLLAMA_MANIFEST).digest('hex')}`);
  });

  it('keeps credentials and query strings out and says what is not pinned', async () => {
    const doc = await document();
    expect(JSON.stringify(doc)).not.toContain('secret');
    const pinned = pkg(doc, '/models/pinned.gguf');
    expect(pinned.downloadLocation).toBe('https://example.com/models/pinned.gguf');
    expect(pinned.checksums).toEqual([{ algorithm: 'SHA256', checksumValue: HTTP_SHA }]);
    const local = pkg(doc, '/models/local.gguf');
    expect(local.downloadLocation).toBe('NOASSERTION');
    expect(local.comment).toContain('no checksum');
  });

  it('lists LocalAI with its pinned checksum and every image with its digest and role', async () => {
    const runtimeOf = (d: SpdxDocument) => d.packages.find((p) => p.SPDXID === 'SPDXRef-Runtime')!;
    const unpinned = runtimeOf(await document());
    expect(unpinned.checksums).toBeUndefined();
    expect(unpinned.comment).toContain('AIKIT_LOCALAI_SHA256');
    const doc = await document({
      buildArgs: {
        AIKIT_LOCALAI_URL: 'https://mirror.example/{arch}/local-ai',
        AIKIT_LOCALAI_SHA256: HTTP_SHA,
      },
    });
    const runtime = runtimeOf(doc);
    expect(runtime.packageFileName).toBe('/usr/bin/local-ai');
    expect(runtime.downloadLocation).toBe('https://mirror.example/amd64/local-ai');
    expect(runtime.checksums).toEqual([{ algorithm: 'SHA256', checksumValue: HTTP_SHA }]);
    expect(runtime.externalRefs?.[0]?.referenceLocator).toContain(`checksum=sha256%3A${HTTP_SHA}`);
    const images = doc.packages.filter((p) => p.SPDXID.startsWith('SPDXRef-SourceImage-'));
    expect(images.map((p) => p.name)).toContain('ghcr.io/oras-project/oras:v1.3.6');
    const base = images[0]!;
    const relation = doc.relationships.find((r) => r.relatedSpdxElement === base.SPDXID);
    expect(relation?.relationshipType).toBe('DESCENDANT_OF');
    const unresolved = images.filter((p) => !p.checksums);
    expect(unresolved.length).toBeGreaterThan(0);
    for (const p of unresolved) expect(p.comment).toContain('no digest');
  });

  it('differs per platform and has a namespace that follows the content', async () => {
    const amd = await document();
    const arm = await document({ platform: 'linux/arm64' });
    expect(arm.name).toBe('aikit-linux-arm64');
    expect(arm.packages.find((p) => p.SPDXID === 'SPDXRef-Runtime')!.downloadLocation).toMatch(/arm64/);
    expect((await document()).documentNamespace).toBe(amd.documentNamespace);
    const moved = await document({ digests: { 'docker.io/library/ubuntu:22.04': `sha256:${hex('other')}` } });
    expect(moved.documentNamespace).not.toBe(amd.documentNamespace);
  });

  it('has no runtime package for llama-server, whose server comes with its image', async () => {
    const doc = await document({
      text: `apiVersion: v1alpha1\nserver: llama-server\nmodels:\n  - name: pinned\n    source: https://example.com/m.gguf\n    sha256: ${HTTP_SHA}\n`,
    });
    expect(doc.packages.some((p) => p.SPDXID === 'SPDXRef-Runtime')).toBe(false);
    expect(doc.packages.filter((p) => p.primaryPackagePurpose === 'CONTAINER').length).toBeGreaterThan(1);
  });

  it('writes SOURCE_DATE_EPOCH as an RFC 3339 time without fractions', () => {
    expect(spdxTime(1767225600)).toBe('2026-01-01T00:00:00Z');
    expect(spdxTime(undefined, new Date('2026-12-01T18:00:00.123Z'))).toBe('2026-12-01T18:00:00Z');
  });
});
