import type { AikitSpec } from '../aikitfile/index.js';

// The register of every `--target` aikit builds: one table, so `--call=targets`, `--call=outline`
// and the docs read the same rows. A new target (a packaging format, a fine-tune method) is a row.

export interface TargetInfo {
  /** The `--target` value; '' is the target built without one. */
  name: string;
  /** The kind of aikitfile the target builds from; `any` for targets that read none (packaging). */
  kind: AikitSpec['kind'] | 'any';
  description: string;
}

export const TARGETS: readonly TargetInfo[] = [
  {
    name: '',
    kind: 'inference',
    description: 'the model-serving image: the server, its backends and the models',
  },
  {
    name: 'lock',
    kind: 'inference',
    description:
      'resolve every model, image and download of the build to its digest: the lock file in the --output directory (aikit lock)',
  },
  {
    name: 'unsloth',
    kind: 'finetune',
    description: 'fine-tune baseModel with Unsloth on an NVIDIA GPU; the output is the model file',
  },
  {
    name: 'llama-cpp',
    kind: 'finetune',
    description:
      "fine-tune a GGUF baseModel with llama.cpp's llama-finetune on any CPU; the output is the model file",
  },
  {
    name: 'packager/modelpack',
    kind: 'any',
    description:
      'package the build-arg source as a CNCF ModelPack artifact: an OCI layout in the --output directory',
  },
  {
    name: 'packager/generic',
    kind: 'any',
    description:
      'package the build-arg source as a generic OCI artifact: an OCI layout in the --output directory',
  },
];

/**
 * The targets an aikitfile of this kind can be built as, its default marked: inference builds
 * the image without `--target`; a fine-tune builds the file's `target` (decisions.md#d14).
 */
export function targetsFor(spec: AikitSpec): (TargetInfo & { default: boolean })[] {
  const fallback = spec.kind === 'finetune' ? spec.target : '';
  return TARGETS.filter((t) => t.kind === spec.kind || t.kind === 'any').map((t) => ({
    ...t,
    default: t.name === fallback,
  }));
}
