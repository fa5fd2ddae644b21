import { describe, expect, it } from 'vitest';
import { Caps, dumpDefinition, marshal, parsePlatform, type State } from '../llb/index.js';
import { loadAikitfile, type InferenceSpec } from '../aikitfile/index.js';
import { resolveArtifacts } from './artifacts.js';
import { convert } from './convert.js';
import { metadataRequests, modelFiles, sourceSettings, type Metadata } from './models.js';

const LAYER = `sha256:${'a'.repeat(64)}`;

function spec(models: string): InferenceSpec {
  const loaded = loadAikitfile(`apiVersion: v1alpha1\nmodels:\n${models}`, 'aikitfile.yaml');
  if (loaded.spec.kind !== 'inference') throw new Error('not inference');
  return loaded.spec;
}

const OCI = spec(
  '  - name: m\n    source: oci://registry.example/acme/model@sha256:' + 'b'.repeat(64) + '\n',
);
const HTTP = spec(`  - name: h\n    source: https://example.com/h.gguf\n    sha256: "${'c'.repeat(64)}"\n`);

/** The manifest every OCI request is answered with: one model layer. */
function metadataFor(s: InferenceSpec): Metadata {
  const doc = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      layers: [{ mediaType: 'application/vnd.ollama.image.model', digest: LAYER, size: 4 }],
    }),
  );
  return new Map(metadataRequests(s, sourceSettings({}), new Map()).map((r) => [r.key, doc]));
}

interface Dumped {
  Digest: string;
  Op: {
    inputs?: { digest: string }[];
    exec?: { meta: { args: string[] }; mounts: { dest: string; output?: number }[] };
    merge?: unknown;
    file?: { actions: { copy?: { src: string; dest: string } }[] };
  };
}
const ops = (st: State) => dumpDefinition(marshal(st)) as unknown as Dumped[];

describe('modelFiles', () => {
  it('has the registry step write an OCI model where the image wants it, so its output is the layer', () => {
    const [f] = modelFiles(OCI, { locate: () => undefined, metadata: metadataFor(OCI) });
    expect(f!.dest).toBe('/models/model');
    expect(f!.layer).toBe(f!.source);
    expect(f!.srcPath).toBe(f!.dest);
    const step = ops(f!.layer!).find((o) => o.Op.exec)!;
    expect(step.Op.exec!.meta.args.slice(4, 7)).toEqual([
      'blob',
      `registry.example/acme/model@${LAYER}`,
      'models/model',
    ]);
  });

  it('copies where the daemon hands out the blob (a bare file name) and for http downloads', () => {
    const settings = sourceSettings({}, new Set([Caps.SourceImageBlob]));
    const [oci] = modelFiles(OCI, { locate: () => undefined, metadata: metadataFor(OCI), settings });
    expect(oci!.layer).toBeUndefined();
    const [web] = modelFiles(HTTP, { locate: () => undefined });
    expect(web!.layer).toBeUndefined();
    expect(web!.srcPath).toBe('/h.gguf');
  });
});

describe('model layers in the image', () => {
  const artifacts = resolveArtifacts({}).artifacts;
  const platform = parsePlatform('linux/amd64');

  it('merges the registry step output itself: no file op copies the OCI model', () => {
    const { state } = convert(OCI, { platform, artifacts, sources: { metadata: metadataFor(OCI) } });
    const all = ops(state);
    const step = all.find((o) => o.Op.exec?.meta.args[4] === 'blob')!;
    const merge = all.find((o) => o.Op.merge)!;
    expect(merge.Op.inputs!.map((i) => i.digest)).toContain(step.Digest);
    const copies = all.flatMap((o) => o.Op.file?.actions.flatMap((a) => (a.copy ? [a.copy.dest] : [])) ?? []);
    expect(copies).not.toContain('/models/model');
  });

  it('still copies the model in a chain (engines without mergeop), from where the step wrote it', () => {
    const llbCaps = new Set(['source.image', 'source.local', 'source.http', 'file.base']);
    const { state } = convert(OCI, { platform, artifacts, llbCaps, sources: { metadata: metadataFor(OCI) } });
    const copies = ops(state).flatMap(
      (o) => o.Op.file?.actions.flatMap((a) => (a.copy ? [[a.copy.src, a.copy.dest]] : [])) ?? [],
    );
    expect(copies).toContainEqual(['/models/model', '/models/model']);
  });
});
