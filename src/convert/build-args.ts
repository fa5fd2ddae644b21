import { LANGUAGE_ARGS } from '../aikitfile/index.js';
import type { Issue } from '../util/errors.js';
import {
  BACKEND_IMAGES,
  BASE_IMAGES,
  LLAMA_SERVER_IMAGE_ARG,
  LLAMA_SERVER_IMAGES,
  LOCALAI_BINARY,
  VLLM_TOOLCHAIN,
} from './catalog.js';
import { FINETUNE_ARGS } from './finetune/args.js';
import { ORAS_IMAGE, REGISTRY_SECRET } from './oci-pull.js';

// The register of every build-arg aikit reads: one table, so the unused-arg warning, `aikit
// artifacts`, the docs check and any later listing all read the same rows.

/** What a user sees of a build-arg. */
export interface BuildArgInfo {
  name: string;
  description: string;
  /** The value used when the build-arg is absent or empty; '' when there is none. */
  default: string;
}

/** A row of the register. */
export interface BuildArg extends BuildArgInfo {
  /**
   * Which part of aikit reads it: the aikitfile language (src/aikitfile/args.ts), the artifact
   * overrides (artifacts.ts, resolveArtifacts), the remote model sources (models.ts, sourceSettings),
   * the frontend itself (src/frontend/subrequests.ts, the checks), the packaging targets
   * (package/args.ts, packageArgs) or the fine-tune graphs (finetune/).
   */
  readBy: 'aikitfile' | 'artifacts' | 'sources' | 'frontend' | 'packager' | 'finetune';
}

export const CUDA_LIBRARIES_ARG = 'AIKIT_CUDA_LIBRARIES';

const ARTIFACTS: readonly BuildArgInfo[] = [
  {
    name: 'AIKIT_BASE_IMAGE',
    description:
      'base image of CPU, llama-cpp CUDA and ROCm images (any image reference; its config is not inherited)',
    default: BASE_IMAGES.cpu.ref ?? '',
  },
  {
    name: 'AIKIT_LOCALAI_URL',
    description: 'LocalAI core binary download; {arch} becomes amd64 or arm64, {version} the LocalAI version',
    default: LOCALAI_BINARY.urlTemplate,
  },
  {
    name: 'AIKIT_LOCALAI_SHA256',
    description: 'sha256 the LocalAI download must have (hex); without it an overridden URL is not pinned',
    default: '',
  },
  {
    name: 'AIKIT_LOCALAI_SHA256_AMD64',
    description: 'sha256 of the linux/amd64 LocalAI download; wins over AIKIT_LOCALAI_SHA256',
    default: '',
  },
  {
    name: 'AIKIT_LOCALAI_SHA256_ARM64',
    description: 'sha256 of the linux/arm64 LocalAI download; wins over AIKIT_LOCALAI_SHA256',
    default: '',
  },
  ...(['cuda', 'applesilicon', 'rocm', 'python'] as const).map((id) => ({
    name: BASE_IMAGES[id].arg,
    description: BASE_IMAGES[id].description,
    default: BASE_IMAGES[id].ref ?? '',
  })),
  {
    name: VLLM_TOOLCHAIN.arg,
    description: `image for vllm that already has a C compiler; default: AIKIT_PYTHON_BASE_IMAGE plus ${VLLM_TOOLCHAIN.packages.join(' and ')} from apt`,
    default: '',
  },
  {
    name: CUDA_LIBRARIES_ARG,
    description:
      'where CUDA images get the CUDA runtime libraries: backend (the backend image bundles them) or base (AIKIT_CUDA_BASE_IMAGE)',
    default: 'backend',
  },
  ...Object.values(BACKEND_IMAGES).map((b) => ({
    name: b.arg,
    description: `${b.description}; copied to /backends/${b.dir}/`,
    default: b.ref,
  })),
  {
    name: LLAMA_SERVER_IMAGE_ARG,
    description: `server: llama-server only: the llama.cpp server image the image is built on (/app/llama-server); default per runtime: ${(
      ['cuda', 'applesilicon', 'rocm'] as const
    )
      .map((id) => `${id} ${LLAMA_SERVER_IMAGES[id].ref}`)
      .join(', ')}`,
    default: LLAMA_SERVER_IMAGES.cpu.ref,
  },
];

const SOURCES: readonly BuildArgInfo[] = [
  {
    name: 'AIKIT_HF_ENDPOINT',
    description: 'Hugging Face Hub base URL (a mirror)',
    default: 'https://huggingface.co',
  },
  {
    name: 'AIKIT_HF_TOKEN_SECRET',
    description: 'id of a --secret holding "Bearer <token>" for private Hugging Face repositories',
    default: '',
  },
  {
    name: 'AIKIT_ORAS_IMAGE',
    description: 'image (with oras and /bin/sh) of the build steps that pull oci:// models from registries',
    default: ORAS_IMAGE,
  },
  {
    name: 'AIKIT_REGISTRY_SECRET',
    description:
      'id of an optional --secret holding a Docker config.json with registry credentials, for private oci:// models',
    default: REGISTRY_SECRET,
  },
  {
    name: 'AIKIT_OCI_NETWORK',
    description:
      'network of the oci:// pull steps: auto (host network for loopback registries, needs --allow network.host), sandbox or host',
    default: 'auto',
  },
];

export const CHECK_ARG = 'AIKIT_CHECK';
/** How a build holds to the lock beside its aikitfile (lock/apply.ts, lockMode). */
export const LOCKED_ARG = 'AIKIT_LOCKED';
export const SBOM_ARG = 'AIKIT_SBOM';

const FRONTEND: readonly BuildArgInfo[] = [
  {
    name: LOCKED_ARG,
    description:
      'the lock beside the aikitfile (aikitfile.lock): empty uses it when present, strict fails the build on anything it does not pin, off ignores it',
    default: '',
  },
  {
    name: CHECK_ARG,
    description:
      'checks, as BUILDKIT_DOCKERFILE_CHECK: skip=<Rule,...|all> drops warnings, error=true fails --check and the build on warnings',
    default: '',
  },
  {
    name: SBOM_ARG,
    description:
      'false leaves out the SPDX bill of materials every inference image carries as an attestation (buildx does not pass --sbom=false on)',
    default: 'true',
  },
];

/** The packaging targets' (`--target packager/modelpack|generic`); the lowercase names are the reference's. */
const PACKAGER: readonly BuildArgInfo[] = [
  {
    name: 'source',
    description:
      'packager targets: what to package: the build context (empty), a file or directory in it, an http(s) URL or huggingface://org/repo[@rev]',
    default: '',
  },
  {
    name: 'name',
    description: 'packager targets: the artifact name, its tag in the OCI layout (index.json ref.name)',
    default: '',
  },
  {
    name: 'layer_packaging',
    description: 'packager targets: raw (a layer per file), tar, tar+gzip or tar+zstd',
    default: 'raw',
  },
  {
    name: 'exclude',
    description:
      "packager targets: space-separated glob patterns to leave out, e.g. \"'original/**' '*.md'\"",
    default: '',
  },
  {
    name: 'generic_output_mode',
    description: 'packager/generic: files exports the source files themselves instead of an OCI layout',
    default: '',
  },
  {
    name: 'AIKIT_PACKAGER_IMAGE',
    description:
      'packager targets: image the packaging step runs in (an aikit frontend image); default: the frontend image of the build',
    default: '',
  },
];

/** Every build-arg aikit reads, the language's own first. */
export const BUILD_ARGS: readonly BuildArg[] = [
  ...LANGUAGE_ARGS.map((a) => ({ ...a, readBy: 'aikitfile' as const })),
  ...ARTIFACTS.map((a) => ({ ...a, readBy: 'artifacts' as const })),
  ...SOURCES.map((a) => ({ ...a, readBy: 'sources' as const })),
  ...FRONTEND.map((a) => ({ ...a, readBy: 'frontend' as const })),
  ...PACKAGER.map((a) => ({ ...a, readBy: 'packager' as const })),
  ...FINETUNE_ARGS.map((a) => ({ ...a, readBy: 'finetune' as const })),
];

/** The rows one part of aikit reads, in register order, without the `readBy` column. */
export function buildArgsReadBy(reader: BuildArg['readBy']): BuildArgInfo[] {
  return BUILD_ARGS.filter((a) => a.readBy === reader).map(({ name, description, default: d }) => ({
    name,
    description,
    default: d,
  }));
}

/**
 * A build-arg nothing reads is almost always a typo (AIKIT_LOCALAI_URl) that would silently
 * build the default. BuildKit's own BUILDKIT_* and the SOURCE_DATE_EPOCH convention are fine.
 */
export function unusedBuildArgs(buildArgs: Readonly<Record<string, string>>): Issue[] {
  const known = new Set(BUILD_ARGS.map((a) => a.name));
  const reads = [...known].sort().join(', ');
  return Object.keys(buildArgs)
    .filter((k) => !known.has(k) && !k.startsWith('BUILDKIT_') && k !== 'SOURCE_DATE_EPOCH')
    .sort()
    .map((k) => ({
      severity: 'warning' as const,
      code: 'UNUSED_BUILD_ARG',
      message: `build-arg ${k} is not used by aikit`,
      hint: `aikit reads ${reads}`,
    }));
}
