// Validation of rendered Kubernetes objects without a cluster:
//  1. the schema of each kind, from the `kubernetes-models` package (Kubernetes' OpenAPI schemas
//     compiled to ajv validators): types, required fields, enums, formats such as quantities;
//  2. unknown fields, which those schemas let through (Kubernetes' OpenAPI has no
//     additionalProperties: false): every key is looked up in the package's TypeScript types,
//     like `kubeconform -strict`;
//  3. Pod Security "restricted" for every pod template, since the chart labels its namespace so.
import { createRequire } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

const require = createRequire(import.meta.url);

/** `kubernetes-models/<group>/<version>/<Kind>` for an object's apiVersion and kind. */
export function modelModule(obj: Pick<K8sObject, 'apiVersion' | 'kind'>): string {
  return `kubernetes-models/${obj.apiVersion}/${obj.kind}`;
}

const id = (o: K8sObject) => `${o.kind}/${o.metadata?.name ?? '?'}`;

/** Schema errors of each object (empty when all are valid). */
export async function schemaErrors(objects: K8sObject[]): Promise<string[]> {
  const errors: string[] = [];
  for (const obj of objects) {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(modelModule(obj))) as Record<string, unknown>;
    } catch {
      errors.push(`${id(obj)}: no schema for ${obj.apiVersion} ${obj.kind}`);
      continue;
    }
    const Model = mod[obj.kind] as (new (data: unknown) => { validate(): void }) | undefined;
    if (!Model) {
      errors.push(`${id(obj)}: ${modelModule(obj)} has no ${obj.kind}`);
      continue;
    }
    try {
      new Model(obj).validate();
    } catch (e) {
      errors.push(`${id(obj)}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return errors;
}

interface TypeIndex {
  checker: ts.TypeChecker;
  roots: Map<string, ts.Type>;
  problems: string[];
}
const typeIndexes = new Map<string, TypeIndex>();

/** A type checker that knows the model type of each module, one program per set of modules. */
function typeIndex(modules: string[]): TypeIndex {
  const key = modules.join('\n');
  const cached = typeIndexes.get(key);
  if (cached) return cached;
  const pkgDir = path.dirname(require.resolve('kubernetes-models/package.json'));
  // A virtual file at the project root, so that module resolution finds node_modules.
  const file = path.join(pkgDir, '..', '..', '__aikit_strict_check__.ts');
  const source = modules
    .map(
      (m, i) =>
        `import type { I${path.posix.basename(m)} as T${i} } from ${JSON.stringify(m)};\ndeclare const v${i}: T${i};`,
    )
    .join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, lang, ...rest) =>
    path.resolve(name) === file
      ? ts.createSourceFile(name, source, lang)
      : getSourceFile(name, lang, ...rest);
  host.fileExists = (name) => path.resolve(name) === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  const checker = program.getTypeChecker();
  const sf = program.getSourceFile(file)!;
  const problems = ts
    .getPreEmitDiagnostics(program, sf)
    .map((d) => `strict check: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
  const roots = new Map<string, ts.Type>();
  sf.forEachChild((node) => {
    if (!ts.isVariableStatement(node)) return;
    for (const decl of node.declarationList.declarations) {
      const i = Number(decl.name.getText(sf).slice(1));
      roots.set(modules[i]!, checker.getTypeAtLocation(decl.name));
    }
  });
  const index = { checker, roots, problems };
  typeIndexes.set(key, index);
  return index;
}

/** Fields that no schema of the object's kind knows, as `Kind/name: unknown field .path.to.field`. */
export function unknownFields(objects: K8sObject[]): string[] {
  if (objects.length === 0) return [];
  const modules = [...new Set(objects.map(modelModule))].sort();
  const { checker, roots, problems: typeProblems } = typeIndex(modules);
  const problems = [...typeProblems];

  const walk = (value: unknown, type: ts.Type, at: string, out: string[]): void => {
    if (value === null || typeof value !== 'object') return;
    let t = checker.getNonNullableType(type);
    if (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
    if (t.isUnion()) {
      const objectLike = t.types.filter((m) => m.flags & ts.TypeFlags.Object);
      if (objectLike.length !== 1) return;
      t = objectLike[0]!;
    }
    if (Array.isArray(value)) {
      const element = checker.isArrayType(t)
        ? checker.getTypeArguments(t as ts.TypeReference)[0]
        : checker.getIndexTypeOfType(t, ts.IndexKind.Number);
      if (element) value.forEach((v, i) => walk(v, element, `${at}[${i}]`, out));
      return;
    }
    const index = checker.getIndexTypeOfType(t, ts.IndexKind.String);
    for (const [key, v] of Object.entries(value)) {
      const prop = checker.getPropertyOfType(t, key);
      if (prop) walk(v, checker.getTypeOfSymbol(prop), `${at}.${key}`, out);
      else if (index) walk(v, index, `${at}.${key}`, out);
      else out.push(`${at}.${key}`);
    }
  };

  for (const obj of objects) {
    const root = roots.get(modelModule(obj));
    if (!root) {
      problems.push(`${id(obj)}: no type I${obj.kind} in ${modelModule(obj)}`);
      continue;
    }
    const found: string[] = [];
    walk(obj, root, '', found);
    for (const f of found) problems.push(`${id(obj)}: unknown field ${f}`);
  }
  return problems;
}

interface PodSpecLike {
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: SecurityContextLike;
  containers?: ContainerLike[];
  initContainers?: ContainerLike[];
  volumes?: Record<string, unknown>[];
}
interface SecurityContextLike {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string };
}
interface ContainerLike {
  name: string;
  securityContext?: SecurityContextLike;
  ports?: { hostPort?: number }[];
}

// Volume sources the "restricted" profile allows.
const RESTRICTED_VOLUMES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

/** The pod template of a workload, or undefined for other kinds. */
export function podSpecOf(obj: K8sObject): PodSpecLike | undefined {
  const spec = obj['spec'] as { template?: { spec?: PodSpecLike } } | undefined;
  if (obj.kind === 'Pod') return obj['spec'] as PodSpecLike;
  return spec?.template?.spec;
}

/** Violations of Pod Security Standards "restricted" (latest) by a pod spec. */
export function restrictedViolations(pod: PodSpecLike): string[] {
  const v: string[] = [];
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) v.push('host namespaces');
  for (const vol of pod.volumes ?? []) {
    const kinds = Object.keys(vol).filter((k) => k !== 'name');
    for (const k of kinds) if (!RESTRICTED_VOLUMES.has(k)) v.push(`volume ${String(vol['name'])} uses ${k}`);
  }
  const podSc = pod.securityContext ?? {};
  if (podSc.runAsUser === 0) v.push('pod runs as UID 0');
  const podSeccomp = podSc.seccompProfile?.type;
  if (podSeccomp && !['RuntimeDefault', 'Localhost'].includes(podSeccomp))
    v.push(`pod seccomp ${podSeccomp}`);
  for (const c of [...(pod.containers ?? []), ...(pod.initContainers ?? [])]) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) v.push(`${c.name}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) v.push(`${c.name}: allowPrivilegeEscalation is not false`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) v.push(`${c.name}: capabilities do not drop ALL`);
    const added = (sc.capabilities?.add ?? []).filter((a) => a !== 'NET_BIND_SERVICE');
    if (added.length > 0) v.push(`${c.name}: adds capabilities ${added.join(',')}`);
    if (!(sc.runAsNonRoot ?? podSc.runAsNonRoot)) v.push(`${c.name}: runAsNonRoot is not true`);
    if (sc.runAsUser === 0) v.push(`${c.name}: runs as UID 0`);
    const seccomp = sc.seccompProfile?.type ?? podSeccomp;
    if (!seccomp || !['RuntimeDefault', 'Localhost'].includes(seccomp)) {
      v.push(`${c.name}: seccompProfile is not RuntimeDefault or Localhost`);
    }
    if ((c.ports ?? []).some((p) => p.hostPort)) v.push(`${c.name}: hostPort`);
  }
  return v;
}
