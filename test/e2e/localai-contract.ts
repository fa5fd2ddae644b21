import { parse } from 'yaml';
import type { FileEntry } from './oci.js';

// What LocalAI does with an image's files when it starts, written down from its source at the
// releases the catalog pins, as rules over an image's merged filesystem and config. LocalAI
// cannot run here (no GPU, no network to its gallery), so the LocalAI contract test builds every
// image kind and holds it to these rules instead. Each rule names the LocalAI releases and the
// source file it was read from (decisions.md#localai-startup): when LocalAI moves, re-read those
// files and these rules together.

/** The LocalAI releases images are built from (src/convert/catalog.ts). */
export type LocalAIRelease = 'v4.7.1' | 'v3.12.1' | 'v3.10.1';
const ALL: readonly LocalAIRelease[] = ['v4.7.1', 'v3.12.1', 'v3.10.1'];

/** One image as LocalAI sees it: its files (paths without a leading slash) and its config. */
export interface ContractImage {
  files: ReadonlyMap<string, FileEntry>;
  config: {
    Env?: string[];
    Entrypoint?: string[];
    Cmd?: string[];
    WorkingDir?: string;
    Labels?: Record<string, string>;
  };
}

export interface Rule {
  id: string;
  /** The LocalAI releases whose source the rule was read from; it applies to images of those. */
  localai: readonly LocalAIRelease[];
  /** The file of mudler/LocalAI the rule comes from. */
  source: string;
  /** What LocalAI does, in a sentence. */
  says: string;
  /** The ways the image breaks the rule (empty when it keeps it). */
  check(img: ContractImage): string[];
}

/** The chart's user and group (charts/aikit/values.yaml securityContext). */
export const CHART_USER = { uid: 1000, gid: 999 } as const;

/** Where LocalAI looks for things, from WorkingDir `/` (cmd/local-ai/main.go: basepath "."). */
const BACKENDS = 'backends';
const MODELS = 'models';
const CAPABILITY_FILE = 'run/localai/capability';

// pkg/system/capabilities.go BackendPreferenceTokens (v3.10.1 to v4.7.1 alike).
export function preferenceTokens(capability: string): string[] {
  const c = capability.toLowerCase();
  if (c.startsWith('nvidia')) return ['cuda', 'vulkan', 'cpu'];
  if (c.startsWith('amd')) return ['rocm', 'hip', 'vulkan', 'cpu'];
  if (c.startsWith('intel')) return ['sycl', 'intel', 'cpu'];
  if (c.startsWith('metal')) return ['metal', 'cpu'];
  if (c.startsWith('darwin-x86')) return ['darwin-x86', 'cpu'];
  if (c.startsWith('vulkan')) return ['vulkan', 'cpu'];
  return ['cpu'];
}

/** core/gallery/backend_types.go BackendMetadata, v4.7.1 (v3.x has the first five). */
const METADATA_FIELDS = [
  'alias',
  'meta_backend_for',
  'name',
  'gallery_url',
  'installed_at',
  'version',
  'uri',
  'digest',
];

/** Env names the image config may set, and who reads each (LocalAI's file, or another program). */
const ENV_READERS: Record<string, string> = {
  PATH: 'the shell: local-ai is found on it',
  CONFIG_FILE: 'core/cli/run.go (ModelsConfigFile)',
  LOCALAI_LOAD_TO_MEMORY: 'core/cli/run.go (LoadToMemory)',
  LOCALAI_FORCE_META_BACKEND_CAPABILITY: 'pkg/system/capabilities.go',
  BUILD_TYPE: 'backend/python/common/libbackend.sh (getBuildProfile)',
  NVIDIA_REQUIRE_CUDA: 'the NVIDIA container toolkit',
  NVIDIA_DRIVER_CAPABILITIES: 'the NVIDIA container toolkit',
  NVIDIA_VISIBLE_DEVICES: 'the NVIDIA container toolkit',
  LD_LIBRARY_PATH: 'the dynamic loader',
  VK_ICD_FILENAMES: 'the Vulkan loader',
};

/** Settings that belong to whoever runs the image, never baked into it. */
const USER_ONLY_ENV = [
  'LOCALAI_API_KEY',
  'API_KEY',
  'LOCALAI_ALLOW_INSECURE_PUBLIC_BIND',
  'LOCALAI_AUTO_UPGRADE_BACKENDS',
  'AUTO_UPGRADE_BACKENDS',
];
const USER_ONLY_FLAGS = ['--api-keys', '--allow-insecure-public-bind', '--auto-upgrade-backends'];

// ---- reading an image -------------------------------------------------------------------------

export function releaseOf(img: ContractImage): LocalAIRelease | undefined {
  const v = img.config.Labels?.['ai.kaito.aikit.localai.version'];
  return ALL.find((r) => r === v);
}

export function envOf(img: ContractImage): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of img.config.Env ?? []) {
    const i = e.indexOf('=');
    m.set(i < 0 ? e : e.slice(0, i), i < 0 ? '' : e.slice(i + 1));
  }
  return m;
}

const text = (img: ContractImage, path: string) => {
  const f = img.files.get(path);
  return f?.type === 'file' ? f.data.toString() : undefined;
};

/** The directories under /backends, as os.ReadDir lists them (sorted by name). */
export function backendDirs(img: ContractImage): string[] {
  return [...img.files.entries()]
    .filter(([p, f]) => f.type === 'directory' && /^backends\/[^/]+$/.test(p))
    .map(([p]) => p.slice(BACKENDS.length + 1))
    .sort();
}

interface Backend {
  dir: string;
  runnable: boolean;
  metadata: Record<string, unknown> | undefined;
  metadataError?: string;
}

function backends(img: ContractImage): Backend[] {
  return backendDirs(img).map((dir) => {
    const run = img.files.get(`${BACKENDS}/${dir}/run.sh`);
    const raw = text(img, `${BACKENDS}/${dir}/metadata.json`);
    let metadata: Record<string, unknown> | undefined;
    let metadataError: string | undefined;
    if (raw !== undefined) {
      try {
        metadata = JSON.parse(raw) as Record<string, unknown>;
      } catch (e) {
        metadataError = (e as Error).message;
      }
    }
    return {
      dir,
      runnable: run !== undefined && (run.type === 'file' || run.type === 'symlink'),
      metadata,
      ...(metadataError ? { metadataError } : {}),
    };
  });
}

/**
 * The capability LocalAI settles on in this image on a host where detection finds nothing:
 * the env variable, else the capability file, else `default`.
 */
export function capabilityOf(img: ContractImage): string {
  const forced = envOf(img).get('LOCALAI_FORCE_META_BACKEND_CAPABILITY');
  if (forced) return forced;
  const file = text(img, CAPABILITY_FILE);
  return file !== undefined ? file.trim() : 'default';
}

/** What RegisterBackends registers: directory names with run.sh, then each alias's pick. */
export function registeredBackends(img: ContractImage, capability = capabilityOf(img)): Map<string, string> {
  const out = new Map<string, string>();
  const groups = new Map<string, Backend[]>();
  for (const b of backends(img)) {
    if (b.runnable) out.set(b.dir, b.dir);
    const alias = typeof b.metadata?.['alias'] === 'string' ? (b.metadata['alias'] as string) : '';
    if (alias) groups.set(alias, [...(groups.get(alias) ?? []), b]);
  }
  const tokens = preferenceTokens(capability);
  for (const [alias, cands] of groups) {
    const runnable = cands.filter((c) => c.runnable);
    const chosen =
      tokens.map((t) => runnable.find((c) => c.dir.toLowerCase().includes(t))).find(Boolean) ?? runnable[0];
    if (chosen) out.set(alias, chosen.dir);
  }
  return out;
}

interface ModelConfig {
  name?: string;
  backend?: string;
  parameters?: { model?: string };
  template?: Record<string, unknown>;
}

function modelConfigs(img: ContractImage): ModelConfig[] {
  const raw = text(img, 'config.yaml');
  if (raw === undefined) return [];
  const doc = parse(raw) as unknown;
  return Array.isArray(doc) ? (doc as ModelConfig[]) : [];
}

// pkg/model/initializers.go Aliases (v4.7.1; v3.x has the same entries for these names).
const BACKEND_ALIASES: Record<string, string> = {
  'go-llama': 'llama-cpp',
  llama: 'llama-cpp',
  mamba: 'transformers',
  'huggingface-embeddings': 'transformers',
  sentencetransformers: 'transformers',
  'transformers-musicgen': 'transformers',
};

const primaryBackend = (img: ContractImage): string | undefined => {
  const label = img.config.Labels?.['ai.kaito.aikit.backends'];
  if (!label) return undefined;
  const list = JSON.parse(label) as { name: string }[];
  return list[0]?.name;
};

function writableBy(e: FileEntry | undefined, who: { uid: number; gid: number }): boolean {
  if (!e) return false;
  if (e.uid === who.uid) return (e.mode & 0o300) === 0o300;
  if (e.gid === who.gid) return (e.mode & 0o030) === 0o030;
  return (e.mode & 0o003) === 0o003;
}

// ---- the rules --------------------------------------------------------------------------------

export const RULES: readonly Rule[] = [
  {
    id: 'binary',
    localai: ALL,
    source: 'cmd/local-ai/main.go',
    says: 'the image runs `local-ai` from PATH with WorkingDir /, the base path of /backends and /models',
    check(img) {
      const out: string[] = [];
      const bin = img.files.get('usr/bin/local-ai');
      if (!bin || bin.type !== 'file' || (bin.mode & 0o111) !== 0o111)
        out.push('/usr/bin/local-ai is missing or not executable by everyone');
      if (JSON.stringify(img.config.Entrypoint) !== '["local-ai"]')
        out.push(`Entrypoint is ${JSON.stringify(img.config.Entrypoint)}`);
      if (img.config.WorkingDir !== '/') out.push(`WorkingDir is ${JSON.stringify(img.config.WorkingDir)}`);
      return out;
    },
  },
  {
    id: 'backends-registered',
    localai: ALL,
    source: 'core/gallery/backends.go (ListSystemBackends)',
    says: 'a directory under /backends is a backend only when it holds run.sh',
    check(img) {
      const dirs = backends(img);
      if (dirs.length === 0) return ['no directory under /backends'];
      return dirs.filter((b) => !b.runnable).map((b) => `/backends/${b.dir} has no run.sh`);
    },
  },
  {
    id: 'metadata-parses',
    localai: ALL,
    source: 'core/gallery/backends.go (readBackendMetadata), core/gallery/backend_types.go',
    says: 'a metadata.json that does not parse stops the listing; alias groups a backend, name is the directory',
    check(img) {
      const out: string[] = [];
      for (const b of backends(img)) {
        const where = `/backends/${b.dir}/metadata.json`;
        if (b.metadataError) out.push(`${where} does not parse: ${b.metadataError}`);
        if (!b.metadata) {
          if (!b.metadataError) out.push(`${where} is missing: the backend joins no alias group`);
          continue;
        }
        for (const k of Object.keys(b.metadata))
          if (!METADATA_FIELDS.includes(k)) out.push(`${where} has a field LocalAI does not know: ${k}`);
        if (b.metadata['name'] !== b.dir) out.push(`${where} names ${String(b.metadata['name'])}`);
        if (typeof b.metadata['alias'] !== 'string' || !b.metadata['alias'])
          out.push(`${where} has no alias`);
        const mode = img.files.get(`${BACKENDS}/${b.dir}/metadata.json`)!.mode;
        if ((mode & 0o444) !== 0o444) out.push(`${where} is not readable by everyone`);
      }
      return out;
    },
  },
  {
    id: 'metadata-pinned',
    localai: ['v4.7.1'],
    source: 'core/gallery/upgrade.go (CheckUpgradesAgainst)',
    says: "the upgrade check compares the installed version and digest with the gallery's; uri records the image",
    check(img) {
      const out: string[] = [];
      const release = releaseOf(img);
      for (const b of backends(img)) {
        const m = b.metadata ?? {};
        const where = `/backends/${b.dir}/metadata.json`;
        if (m['version'] !== release)
          out.push(`${where}: version ${String(m['version'])}, image is ${release}`);
        if (typeof m['uri'] !== 'string' || !m['uri'] || String(m['uri']).includes('@'))
          out.push(`${where}: uri ${String(m['uri'])} is not an image reference without a digest`);
        if (m['digest'] !== undefined && !/^sha256:[a-f0-9]{64}$/.test(String(m['digest'])))
          out.push(`${where}: digest ${String(m['digest'])} is not a sha256 digest`);
      }
      return out;
    },
  },
  {
    id: 'capability-words',
    localai: ALL,
    source: 'pkg/system/capabilities.go (BackendPreferenceTokens, IsBackendCompatible)',
    says: 'backends of one alias are told apart by capability words in their directory names',
    check(img) {
      const out: string[] = [];
      const words = ['cpu', 'cuda', 'rocm', 'hip', 'vulkan', 'sycl', 'intel', 'metal'];
      const groups = new Map<string, string[]>();
      for (const b of backends(img)) {
        const alias = String(b.metadata?.['alias'] ?? '');
        groups.set(alias, [...(groups.get(alias) ?? []), b.dir]);
        if (!words.some((w) => b.dir.toLowerCase().includes(w)))
          out.push(`/backends/${b.dir} names no capability (${words.join(', ')})`);
      }
      // `LOCALAI_FORCE_META_BACKEND_CAPABILITY=default` must reach the CPU build of a group.
      for (const [alias, dirs] of groups)
        if (
          dirs.length > 1 &&
          registeredBackends(img, 'default').get(alias) !== dirs.find((d) => d.includes('cpu'))
        )
          out.push(`alias ${alias}: capability default does not pick a CPU backend among ${dirs.join(', ')}`);
      return out;
    },
  },
  {
    id: 'capability-forced',
    localai: ALL,
    source: 'pkg/system/capabilities.go (getSystemCapabilities), LocalAI Dockerfile',
    says: "the env variable, else /run/localai/capability, decides the capability; LocalAI's CUDA image writes nvidia-cuda-12",
    check(img) {
      const out: string[] = [];
      const runtime = img.config.Labels?.['ai.kaito.aikit.runtime'];
      const file = img.files.get(CAPABILITY_FILE);
      if (runtime === 'cuda') {
        if (!file || file.type !== 'file') out.push('a CUDA image without /run/localai/capability');
        else {
          if (file.data.toString().trim() !== 'nvidia-cuda-12')
            out.push(`/run/localai/capability says ${JSON.stringify(file.data.toString())}`);
          if ((file.mode & 0o444) !== 0o444) out.push('/run/localai/capability is not readable by everyone');
        }
      } else if (file) out.push(`a ${runtime} image with /run/localai/capability`);
      // The image's first backend is the one LocalAI runs (src/convert/catalog.ts LOCALAI_STACKS).
      const primary = primaryBackend(img);
      const picked = [...registeredBackends(img).entries()].filter(([name, dir]) => name !== dir);
      if (primary && !picked.some(([, dir]) => dir === primary))
        out.push(`capability ${capabilityOf(img)} picks ${JSON.stringify(picked)}, not ${primary}`);
      return out;
    },
  },
  {
    id: 'backend-resolvable',
    localai: ALL,
    source: 'pkg/model/initializers.go (Aliases, spawnGRPCModel)',
    says: 'a model config names a registered backend, else LocalAI reports "backend not found" or goes to the gallery',
    check(img) {
      const registered = registeredBackends(img);
      const out: string[] = [];
      for (const c of modelConfigs(img)) {
        if (!c.backend) continue;
        const name = BACKEND_ALIASES[c.backend] ?? c.backend;
        if (!registered.has(name))
          out.push(
            `model ${c.name}: backend ${c.backend} (${name}) is not among ${[...registered.keys()].join(', ')}`,
          );
      }
      return out;
    },
  },
  {
    id: 'model-paths',
    localai: ALL,
    source: 'core/templates/cache.go (loadTemplateIfExists), core/config/model_config.go',
    says: 'models and `<name>.tmpl` templates are read from /models; a template name without a file is used as the template text',
    check(img) {
      const out: string[] = [];
      for (const c of modelConfigs(img)) {
        const model = c.parameters?.model;
        if (model) {
          const path = model.startsWith('/') ? model.slice(1) : `${MODELS}/${model}`;
          const local = model.startsWith('/') || /\.(gguf|bin|safetensors)$/.test(model);
          if (local && !img.files.has(path)) out.push(`model ${c.name}: ${model} is not in the image`);
        }
        for (const [kind, v] of Object.entries(c.template ?? {})) {
          if (typeof v !== 'string' || v.includes('{{')) continue;
          if (!img.files.has(`${MODELS}/${v}.tmpl`))
            out.push(`model ${c.name}: template.${kind} ${v} has no /models/${v}.tmpl`);
        }
      }
      for (const [p, f] of img.files)
        if (p.startsWith(`${MODELS}/`) && f.type === 'file' && (f.mode & 0o444) !== 0o444)
          out.push(`/${p} is not readable by everyone`);
      return out;
    },
  },
  {
    id: 'python-venv-writable',
    localai: ALL,
    source: 'backend/python/common/libbackend.sh (_makeVenvPortable, startBackend)',
    says: "a Python backend rewrites venv/bin/python* and venv/pyvenv.cfg at every start, so the chart's user must write venv/ and venv/bin/",
    check(img) {
      const out: string[] = [];
      for (const b of backendDirs(img)) {
        const root = `${BACKENDS}/${b}`;
        if (!img.files.has(`${root}/venv`)) continue;
        for (const d of ['venv', 'venv/bin']) {
          const e = img.files.get(`${root}/${d}`);
          if (!e || e.type !== 'directory') out.push(`/${root}/${d} is not a directory`);
          else if (!writableBy(e, CHART_USER))
            out.push(
              `/${root}/${d} (${e.uid}:${e.gid} ${e.mode.toString(8)}) is not writable by ${CHART_USER.uid}:${CHART_USER.gid}`,
            );
        }
      }
      return out;
    },
  },
  {
    id: 'environment',
    localai: ALL,
    source: 'core/cli/run.go, core/cli/context/context.go, core/application/startup.go',
    says: 'every variable the image sets is read by LocalAI or its runtime; CONFIG_FILE names a file that exists; --log-level replaces the deprecated --debug',
    check(img) {
      const out: string[] = [];
      const env = envOf(img);
      for (const k of env.keys())
        if (!ENV_READERS[k]) out.push(`Env ${k} is read by nothing the contract knows`);
      const config = env.get('CONFIG_FILE');
      if (config !== undefined && !img.files.has(config.replace(/^\//, '')))
        out.push(`CONFIG_FILE=${config} names no file in the image`);
      const cmd = img.config.Cmd ?? [];
      if (cmd.includes('--debug')) out.push('Cmd uses the deprecated --debug');
      for (const a of cmd) {
        const m = /^--config-file=(.*)$/.exec(a);
        if (m && !img.files.has(m[1]!.replace(/^\//, ''))) out.push(`${a} names no file in the image`);
      }
      return out;
    },
  },
  {
    id: 'public-bind',
    localai: ['v4.7.1'],
    source: 'core/cli/run_safety.go (requireAuthOrTrustedBind)',
    says: 'a public bind needs authentication; keys and the insecure switch are the user’s to give, never the image’s',
    check(img) {
      const env = envOf(img);
      const cmd = img.config.Cmd ?? [];
      return [
        ...USER_ONLY_ENV.filter((k) => env.has(k)).map((k) => `Env sets ${k}`),
        ...cmd
          .filter((a) => USER_ONLY_FLAGS.some((f) => a === f || a.startsWith(`${f}=`)))
          .map((a) => `Cmd has ${a}`),
      ];
    },
  },
];

/** The problems of an image under every rule that applies to its LocalAI release. */
export function checkContract(img: ContractImage): { rule: Rule; problems: string[] }[] {
  const release = releaseOf(img);
  if (!release)
    return [{ rule: RULES[0]!, problems: ['the image names no LocalAI release it was built from'] }];
  return RULES.filter((r) => r.localai.includes(release))
    .map((rule) => ({ rule, problems: rule.check(img) }))
    .filter((r) => r.problems.length > 0);
}

/** One line per problem, naming the rule's LocalAI file, for test output. */
export function describeProblems(results: ReturnType<typeof checkContract>, release?: string): string[] {
  return results.flatMap(({ rule, problems }) =>
    problems.map((p) => `[${rule.id}, LocalAI ${release ?? rule.localai.join('/')} ${rule.source}] ${p}`),
  );
}
