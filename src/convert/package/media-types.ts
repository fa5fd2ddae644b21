// The media types and file classes of the two packaging targets. ModelPack's are the CNCF
// ModelPack specification's (modelpack/model-spec docs/spec.md, "OCI Image Manifest
// Specification For Model Artifacts"); the generic target uses the OCI image spec's own.

/** How files become layers: one untouched blob per file, or tar archives (optionally compressed). */
export type LayerPackaging = 'raw' | 'tar' | 'tar+gzip' | 'tar+zstd';
export const LAYER_PACKAGINGS: readonly LayerPackaging[] = ['raw', 'tar', 'tar+gzip', 'tar+zstd'];

/** ModelPack's file classes, in the order their layers appear in a manifest. */
export type FileCategory = 'weight' | 'weight.config' | 'doc' | 'code' | 'dataset';
export const CATEGORIES: readonly FileCategory[] = ['weight', 'weight.config', 'doc', 'code', 'dataset'];

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
export const MODELPACK_ARTIFACT = 'application/vnd.cncf.model.manifest.v1+json';
export const MODELPACK_CONFIG = 'application/vnd.cncf.model.config.v1+json';
/** The generic target's artifactType: aikit's own, since the files have no standard type. */
export const GENERIC_ARTIFACT = 'application/vnd.kaito-project.aikit.generic.v1';

/** `application/vnd.cncf.model.<category>.v1.<packaging>`, e.g. `…weight.v1.tar+zstd`. */
export function modelpackLayerType(category: FileCategory, packaging: LayerPackaging): string {
  return `application/vnd.cncf.model.${category}.v1.${packaging}`;
}

/** Generic layers: octet-stream for a raw file, the OCI layer types for archives. */
export function genericLayerType(packaging: LayerPackaging): string {
  return packaging === 'raw' ? 'application/octet-stream' : `application/vnd.oci.image.layer.v1.${packaging}`;
}

const WEIGHT_RE = /\.(safetensors|bin|gguf|pt|pth|ckpt|onnx|h5)$/i;
const DOC_RE = /(^|\/)(readme|license|licence|notice|copying)([.-][^/]*)?$|\.(md|rst|pdf)$/i;
const CODE_RE = /\.(py|sh|ipynb|go|js|ts)$/i;
const DATASET_RE = /\.(csv|tsv|jsonl|parquet|arrow|npz)$/i;
/** Files the reference does not recognise count as weights above this size (10 MiB). */
export const LARGE_FILE_BYTES = 10 << 20;

/**
 * The class of a file by its path and size, the reference's rules: weight extensions, docs,
 * code, datasets, then any other file over 10 MiB is a weight and the rest configuration.
 */
export function categoryOf(path: string, size: number): FileCategory {
  if (WEIGHT_RE.test(path)) return 'weight';
  if (DOC_RE.test(path)) return 'doc';
  if (CODE_RE.test(path)) return 'code';
  if (DATASET_RE.test(path)) return 'dataset';
  return size > LARGE_FILE_BYTES ? 'weight' : 'weight.config';
}
