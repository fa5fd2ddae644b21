import {
  GENERIC_ARTIFACT,
  MODELPACK_ARTIFACT,
  MODELPACK_CONFIG,
  OCI_EMPTY,
  OCI_INDEX,
  OCI_MANIFEST,
} from './media-types.js';

// The JSON documents of an OCI image layout holding one artifact: the ModelPack config, the
// manifest, index.json and oci-layout. Pure functions: the packaging step hashes the layers and
// hands them in; the bytes are JSON.stringify's, so one input always gives one digest.

/** An OCI content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** A layer as written: its descriptor and the digest of its uncompressed content (the DiffID). */
export interface LayerRecord {
  descriptor: Descriptor;
  diffId: string;
}

/** What the ModelPack config says about the model beyond its layers. */
export interface ModelDescription {
  name: string;
  /** RFC 3339 time from SOURCE_DATE_EPOCH; absent keeps the config free of build time. */
  createdAt?: string;
  sourceURL?: string;
  revision?: string;
  format?: string;
}

/**
 * The ModelPack config (`application/vnd.cncf.model.config.v1+json`, docs/config.md): the three
 * required objects, `modelfs.diffIds` in layer order.
 */
export function modelpackConfig(model: ModelDescription, layers: readonly LayerRecord[]) {
  return {
    descriptor: {
      ...(model.createdAt ? { createdAt: model.createdAt } : {}),
      name: model.name,
      ...(model.sourceURL ? { sourceURL: model.sourceURL } : {}),
      ...(model.revision ? { revision: model.revision } : {}),
    },
    config: { ...(model.format ? { format: model.format } : {}) },
    modelfs: { type: 'layers' as const, diffIds: layers.map((l) => l.diffId) },
  };
}

/** The OCI empty config the generic target's manifest points at (image-spec artifacts guidance). */
export const EMPTY_CONFIG_BYTES = Buffer.from('{}');

/** An image manifest of an artifact: modelpack's or the generic one. */
export function artifactManifest(
  kind: 'modelpack' | 'generic',
  config: Descriptor,
  layers: readonly LayerRecord[],
  annotations: Record<string, string>,
) {
  return {
    schemaVersion: 2 as const,
    mediaType: OCI_MANIFEST,
    artifactType: kind === 'modelpack' ? MODELPACK_ARTIFACT : GENERIC_ARTIFACT,
    config,
    layers: layers.map((l) => l.descriptor),
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
}

/** The config descriptor's media type for a target. */
export function configMediaType(kind: 'modelpack' | 'generic'): string {
  return kind === 'modelpack' ? MODELPACK_CONFIG : OCI_EMPTY;
}

/**
 * index.json of the layout: one manifest, tagged with the name so `oras cp --from-oci-layout
 * dir:<name>` and `skopeo copy oci:dir:<name>` find it.
 */
export function layoutIndex(manifest: Descriptor, name: string) {
  return {
    schemaVersion: 2 as const,
    mediaType: OCI_INDEX,
    manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': name } }],
  };
}

export const OCI_LAYOUT_FILE = { imageLayoutVersion: '1.0.0' } as const;

/** Canonical bytes of a document: compact JSON, keys in the order the builders above set them. */
export function jsonBytes(doc: unknown): Buffer {
  return Buffer.from(JSON.stringify(doc));
}
