import { copy, http, image, mkdir, type Platform, type State } from '../../llb/index.js';
import type { InferenceSpec } from '../../aikitfile/index.js';
import { AikitError } from '../../util/errors.js';
import {
  backendImageRef,
  baseImageRef,
  localaiSha256For,
  localaiUrlFor,
  type Artifacts,
} from '../artifacts.js';
import {
  BACKEND_IMAGES,
  CUDA_BASE_LIBRARIES,
  GALLERY_URL,
  VLLM_TOOLCHAIN,
  type BackendImageId,
  type BaseImageId,
} from '../catalog.js';
import type { Layer } from '../layers.js';
import { planRuntime, runtimeEnv, type RuntimePlan } from '../matrix.js';
import { redactUrl } from '../naming.js';
import { llamaServerImageRefs } from './llama-server.js';

/** What a runtime adds to the image config. */
export interface RuntimeImage {
  env: string[];
  labels: Record<string, string>;
}

/** The runtime half of an image: its base, its layers and its config. */
export interface RuntimeParts {
  base: State;
  /** The base image reference, for resolving its config and digest. */
  baseRef: string;
  /** Every image the parts read, the base first. */
  imageRefs: string[];
  /** The LocalAI binary, then each backend: separate layers (D12). */
  layers: Layer[];
  image: RuntimeImage;
}

export interface RuntimeOptions {
  platform: Platform;
  artifacts: Artifacts;
  /** Step name prefix, e.g. `[aikit]`. */
  tag: string;
  imageDigest?: (ref: string) => string | undefined;
  imageResolveMode?: 'default' | 'pull' | 'local';
}

/** Builds the base, LocalAI and backend parts of one platform's image from the catalog. */
export function runtimeParts(plan: RuntimePlan, opts: RuntimeOptions): RuntimeParts {
  const { artifacts, tag } = opts;
  const cudaFromBase = plan.runtime === 'cuda' && cudaLibrariesFromBase(plan, artifacts);
  const baseId: BaseImageId = cudaFromBase ? 'cuda' : plan.row.base;
  const img = (ref: string, name: string): State => {
    const digest = opts.imageDigest?.(ref);
    return image(ref, {
      platform: opts.platform,
      ...(digest ? { digest } : {}),
      ...(opts.imageResolveMode && opts.imageResolveMode !== 'default'
        ? { resolveMode: opts.imageResolveMode }
        : {}),
      name,
    });
  };

  let baseRef = baseImageRef(artifacts, baseId);
  let base: State;
  if (plan.row.toolchain === 'vllm' && artifacts.vllmBaseImage) {
    baseRef = artifacts.vllmBaseImage;
    base = img(baseRef, `${tag} base image ${baseRef}`);
  } else {
    base = img(baseRef, `${tag} base image ${baseRef}`);
    if (plan.row.toolchain === 'vllm') base = withVllmToolchain(base, tag);
  }

  const url = localaiUrlFor(artifacts, plan.arch, plan.localai);
  const sha256 = localaiSha256For(artifacts, plan.arch, plan.localai);
  const localai = http(url, {
    filename: 'local-ai',
    perm: 0o755,
    ...(sha256 ? { checksum: sha256 } : {}),
    name: `${tag} download LocalAI ${redactUrl(url)}`,
  });
  const layers: Layer[] = [
    {
      action: copy(localai, '/local-ai', '/usr/bin/local-ai', { createDestPath: true }),
      name: `${tag} add LocalAI ${plan.localai} to /usr/bin/local-ai`,
    },
  ];

  const installed: { name: string; alias: string; image: string }[] = [];
  plan.row.images.forEach((id, i) => {
    const b = BACKEND_IMAGES[id];
    const ref = backendImageRef(artifacts, id);
    const dir = `/backends/${b.dir}`;
    // The primary backend of a CUDA image that takes CUDA from the base leaves its own copy out.
    const exclude = cudaFromBase && i === 0 && b.bundlesGpuLibraries ? [...CUDA_BASE_LIBRARIES] : [];
    layers.push({
      action: mkdir(dir, 0o755, { makeParents: true })
        .copy(img(ref, `${tag} backend image ${ref}`), '/', `${dir}/`, {
          dirCopyContents: true,
          ...(exclude.length > 0 ? { excludePatterns: exclude } : {}),
        })
        .mkfile(`${dir}/metadata.json`, 0o644, backendMetadata(b.alias, b.dir)),
      name: `${tag} add backend ${b.dir} to ${dir}`,
    });
    installed.push({ name: b.dir, alias: b.alias, image: ref });
  });

  return {
    base,
    baseRef,
    imageRefs: [baseRef, ...installed.map((b) => b.image)],
    layers,
    image: {
      env: runtimeEnv(plan, cudaFromBase),
      labels: {
        'ai.kaito.aikit.runtime': plan.runtime === '' ? 'cpu' : plan.runtime,
        'ai.kaito.aikit.backend': plan.backend,
        'ai.kaito.aikit.localai.version': plan.localai,
        'ai.kaito.aikit.backends': JSON.stringify(installed),
      },
    },
  };
}

/**
 * LocalAI's metadata.json for a backend directory, byte for byte as the reference writes it
 * (runtime-catalog.md §2.3: Go's two-space MarshalIndent, no trailing newline).
 */
export function backendMetadata(alias: string, name: string): string {
  return JSON.stringify({ alias, name, gallery_url: GALLERY_URL }, null, 2);
}

function cudaLibrariesFromBase(plan: RuntimePlan, artifacts: Artifacts): boolean {
  const primary = BACKEND_IMAGES[plan.row.images[0] as BackendImageId];
  const wanted = artifacts.cudaLibraries === 'base' || !primary.bundlesGpuLibraries;
  if (wanted && plan.row.base !== 'cpu') {
    throw new AikitError(
      'CUDA_LIBRARIES_CONFLICT',
      `AIKIT_CUDA_LIBRARIES=base does not apply to the ${plan.backend} backend: its image brings CUDA in its Python packages`,
      { hint: 'drop the build-arg; it works with the llama-cpp backend' },
    );
  }
  return wanted;
}

/** vLLM's Triton compiles at run time: gcc and libc headers, in their own layer on the base. */
function withVllmToolchain(base: State, tag: string): State {
  const packages = VLLM_TOOLCHAIN.packages.join(' ');
  return base
    .run({
      args: [
        '/bin/sh',
        '-c',
        `apt-get update && apt-get install -y --no-install-recommends ${packages} && apt-get clean && rm -rf /var/lib/apt/lists/*`,
      ],
      env: ['DEBIAN_FRONTEND=noninteractive'],
      name: `${tag} install ${packages} for vllm`,
    })
    .root();
}

/**
 * The images one platform's build reads, the base first: what a frontend resolves (for digests
 * and `ConvertOptions.imageDigests`) before converting. Throws for a forbidden combination.
 */
export function runtimeImageRefs(spec: InferenceSpec, artifacts: Artifacts, platform: Platform): string[] {
  if (spec.server === 'llama-server') return llamaServerImageRefs(spec, artifacts, platform);
  return runtimeParts(planRuntime(spec, platform), { platform, artifacts, tag: '' }).imageRefs;
}
