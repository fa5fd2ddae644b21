import type { Platform } from '../llb/index.js';
import type { InferenceSpec, Model } from '../aikitfile/index.js';
import { digestHex } from '../oci/index.js';
import { redactUrl } from '../util/url.js';

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The OCI image config the exporter receives; it fills in rootfs.diff_ids and history. */
export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  config: {
    Env: string[];
    Entrypoint: string[];
    Cmd?: string[];
    WorkingDir: string;
    ExposedPorts: Record<string, Record<string, never>>;
    Labels: Record<string, string>;
  };
  rootfs: { type: 'layers'; diff_ids: string[] };
}

/**
 * The image config of a LocalAI image (reference inference/image.go), plus the port and the
 * labels of decisions.md#d10. The base image's config is never inherited, as in the reference;
 * `runtime` adds the runtime's env (decisions.md#d8) and labels naming runtime, backend and LocalAI version.
 */
export function imageConfig(
  spec: InferenceSpec,
  platform: Platform,
  labels: Record<string, string>,
  runtime: { env: readonly string[]; labels: Record<string, string> } = { env: [], labels: {} },
): ImageConfig {
  // Every pinned LocalAI line (v3.10.1 to v4.7.1, core/cli/context/context.go) marks --debug
  // deprecated for --log-level=debug.
  const cmd = [
    ...(spec.debug ? ['--log-level=debug'] : []),
    ...(spec.config ? ['--config-file=/config.yaml'] : []),
  ];
  // Reference order (decisions.md#image-config): PATH, CONFIG_FILE, LOCALAI_LOAD_TO_MEMORY, runtime.
  // CONFIG_FILE only with a config: LocalAI logs an error at every start for a missing one
  // (core/application/startup.go).
  const env = [
    DEFAULT_PATH,
    ...(spec.config ? ['CONFIG_FILE=/config.yaml'] : []),
    ...(spec.loadToMemory.length > 0 ? [`LOCALAI_LOAD_TO_MEMORY=${spec.loadToMemory.join(',')}`] : []),
    ...runtime.env,
  ];
  return {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: {
      Env: env,
      Entrypoint: ['local-ai'],
      ...(cmd.length > 0 ? { Cmd: cmd } : {}),
      WorkingDir: '/',
      ExposedPorts: { '8080/tcp': {} },
      Labels: { ...modelLabels(spec.models), ...runtime.labels, ...labels },
    },
    rootfs: { type: 'layers', diff_ids: [] },
  };
}

/** Labels that say what is inside without pulling the image. */
export function modelLabels(models: readonly Model[]): Record<string, string> {
  const list = models.map((m) => ({
    name: m.name,
    source: publicSource(m),
    ...(m.sha256 ? { sha256: digestHex(m.sha256) } : {}),
  }));
  return {
    'org.opencontainers.image.description': 'LocalAI OpenAI-compatible model server built by aikit',
    'ai.kaito.aikit.models': JSON.stringify(list),
  };
}

// Labels are readable by anyone who can pull the image.
function publicSource(m: Model): string {
  const s = m.source;
  return s.kind === 'http' ? redactUrl(s.url) : s.kind === 'local' ? `context:${s.path}` : s.kind;
}
