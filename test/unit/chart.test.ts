// charts/aikit rendered without Helm (scripts/chart/render.sh: Go's text/template + sprig) and
// every object checked against the Kubernetes schemas, for the default values, values-gpu.yaml
// and the switches the chart adds over the reference's.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { parseAllDocuments } from 'yaml';
import {
  podSpecOf,
  restrictedViolations,
  schemaErrors,
  unknownFields,
  type K8sObject,
} from '../chart/k8s.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const chartDir = path.join(root, 'charts', 'aikit');
const renderSh = path.join(root, 'scripts', 'chart', 'render.sh');

const hasGo = spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
const enabled = hasGo || process.env['AIKIT_CHART_TESTS'] === '1';
if (!enabled) {
  console.log(
    'charts/aikit: rendering tests skipped: go is not installed (AIKIT_CHART_TESTS=1 installs it with apt)',
  );
}
const title = enabled
  ? 'charts/aikit'
  : 'charts/aikit (skipped: go is not installed; set AIKIT_CHART_TESTS=1 to install it with apt and run these)';

interface Container {
  name: string;
  image: string;
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { limits?: Record<string, unknown>; requests?: Record<string, unknown> };
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string }[];
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  failureThreshold?: number;
  periodSeconds?: number;
}
interface PodSpec {
  runtimeClassName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: Record<string, unknown>;
  containers: Container[];
  volumes?: ({ name: string } & Record<string, unknown>)[];
  tolerations?: Record<string, unknown>[];
  nodeSelector?: Record<string, string>;
}

function render(...args: string[]): K8sObject[] {
  // --strict: a template reading a key the values lack fails, as in `helm lint --strict`.
  const out = execFileSync('bash', [renderSh, '--strict', '--namespace', 'aikit', ...args], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
  });
  return parseAllDocuments(out).map((d) => {
    if (d.errors.length > 0) throw new Error(`rendered YAML does not parse: ${d.errors[0]!.message}`);
    return d.toJS() as K8sObject;
  });
}

/** The render error of an invalid configuration (its stderr). */
function renderError(...args: string[]): string {
  const r = spawnSync('bash', [renderSh, ...args], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  expect(r.status, 'render should have failed').not.toBe(0);
  return r.stderr;
}

const find = (objs: K8sObject[], kind: string) => objs.filter((o) => o.kind === kind);
function deployment(objs: K8sObject[]): {
  spec: { replicas?: number; strategy?: { type: string } };
  pod: PodSpec;
} {
  const [d] = find(objs, 'Deployment');
  expect(d, 'a Deployment').toBeDefined();
  const spec = d!['spec'] as { replicas?: number; strategy?: { type: string }; template: { spec: PodSpec } };
  return { spec, pod: spec.template.spec };
}
const server = (pod: PodSpec) => pod.containers[0]!;
const envOf = (c: Container, name: string) => c.env?.find((e) => e.name === name);

async function expectValid(objs: K8sObject[]): Promise<void> {
  expect(objs.length).toBeGreaterThan(0);
  expect(await schemaErrors(objs)).toEqual([]);
  expect(unknownFields(objs)).toEqual([]);
  for (const o of objs) {
    const pod = podSpecOf(o);
    if (pod) expect(restrictedViolations(pod), `${o.kind} meets Pod Security "restricted"`).toEqual([]);
  }
}

let scratch = '';
function valuesFile(name: string, text: string): string {
  const file = path.join(scratch, name);
  writeFileSync(file, text);
  return file;
}

// Type-checking a new set of kinds takes seconds on a busy machine.
describe.skipIf(!enabled)(title, { timeout: 60_000 }, () => {
  beforeAll(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'aikit-chart-'));
    // The first call installs missing Debian packages and builds the renderer.
    execFileSync('bash', [renderSh], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
  }, 600_000);
  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  describe('default values', () => {
    let objs: K8sObject[] = [];
    beforeAll(() => {
      objs = render();
    });

    it('renders the reference set of objects, all valid against the Kubernetes schemas', async () => {
      expect(objs.map((o) => o.kind).sort()).toEqual([
        'ClusterRole',
        'ClusterRoleBinding',
        'Deployment',
        'Job',
        'Service',
        'ServiceAccount',
      ]);
      await expectValid(objs);
    });

    it('runs the default model image', () => {
      const { spec, pod } = deployment(objs);
      expect(spec.replicas).toBe(1);
      expect(server(pod).image).toBe('ghcr.io/kaito-project/aikit/llama3.1:8b');
      expect(pod.runtimeClassName).toBeUndefined();
      expect(pod.automountServiceAccountToken).toBe(false);
    });

    it("probes LocalAI's real endpoints, with a startup probe", () => {
      const c = server(deployment(objs).pod);
      expect(c.startupProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(c.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(
        (c.startupProbe?.failureThreshold ?? 0) * (c.startupProbe?.periodSeconds ?? 0),
      ).toBeGreaterThanOrEqual(600);
    });

    it("runs non-root on a read-only root with emptyDirs over LocalAI's writable paths", () => {
      const { pod } = deployment(objs);
      const c = server(pod);
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        runAsNonRoot: true,
        runAsUser: 1000,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, fsGroup: 999 });
      const mounts = Object.fromEntries((c.volumeMounts ?? []).map((m) => [m.mountPath, m.name]));
      const volumes = Object.fromEntries((pod.volumes ?? []).map((v) => [v.name, v]));
      for (const p of ['/tmp', '/data', '/configuration', '/models/.cache']) {
        expect(mounts[p], `a volume at ${p}`).toBeDefined();
        expect(volumes[mounts[p]!]).toHaveProperty('emptyDir');
      }
      expect(envOf(c, 'HF_HOME')?.value).toBe('/models/.cache/huggingface');
      expect(envOf(c, 'HOME')?.value).toBe('/tmp');
    });

    it('asks for no GPU and sets no Hugging Face token', () => {
      const c = server(deployment(objs).pod);
      expect(Object.keys(c.resources?.limits ?? {})).toEqual(['memory']);
      expect(envOf(c, 'HF_TOKEN')).toBeUndefined();
    });

    it('labels the release namespace for Pod Security "restricted" from a post-install hook', () => {
      const [job] = find(objs, 'Job');
      const meta = job!.metadata as { annotations: Record<string, string>; namespace: string };
      expect(meta.annotations['helm.sh/hook']).toBe('post-install');
      expect(meta.namespace).toBe('aikit');
      const args = (podSpecOf(job!) as PodSpec).containers[0] as unknown as { args: string[] };
      expect(args.args).toContain('pod-security.kubernetes.io/enforce=restricted');
      const [role] = find(objs, 'ClusterRole');
      expect((role!['rules'] as { resourceNames: string[] }[])[0]!.resourceNames).toEqual(['aikit']);
    });
  });

  describe('values-gpu.yaml', () => {
    let objs: K8sObject[] = [];
    beforeAll(() => {
      objs = render(path.join(chartDir, 'values-gpu.yaml'));
    });

    it('renders objects valid against the Kubernetes schemas, with a cache claim', async () => {
      expect(find(objs, 'PersistentVolumeClaim')).toHaveLength(1);
      await expectValid(objs);
    });

    it('asks for a GPU on a GPU node with the nvidia runtime class', () => {
      const { spec, pod } = deployment(objs);
      expect(server(pod).resources?.limits?.['nvidia.com/gpu']).toBe(1);
      expect(pod.runtimeClassName).toBe('nvidia');
      expect(pod.tolerations).toContainEqual({
        key: 'nvidia.com/gpu',
        operator: 'Exists',
        effect: 'NoSchedule',
      });
      expect(pod.nodeSelector).toEqual({ 'nvidia.com/gpu.present': 'true' });
      // A ReadWriteOnce claim cannot be shared by two pods during a rolling update.
      expect(spec.strategy).toEqual({ type: 'Recreate' });
    });

    it('mounts the claim as the cache, shared memory, and the token from a Secret', () => {
      const { pod } = deployment(objs);
      const c = server(pod);
      const cache = pod.volumes?.find((v) => v.name === 'cache');
      expect(cache?.['persistentVolumeClaim']).toEqual({ claimName: 'aikit-cache' });
      expect(c.volumeMounts).toContainEqual({ name: 'cache', mountPath: '/models/.cache' });
      expect(pod.volumes?.find((v) => v.name === 'dshm')?.['emptyDir']).toEqual({
        medium: 'Memory',
        sizeLimit: '2Gi',
      });
      expect(envOf(c, 'HF_TOKEN')?.valueFrom?.secretKeyRef).toEqual({ name: 'hf-token', key: 'token' });
      const [pvc] = find(objs, 'PersistentVolumeClaim');
      expect(pvc!['spec']).toMatchObject({
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '50Gi' } },
      });
      expect(pvc!.metadata).toMatchObject({ annotations: { 'helm.sh/resource-policy': 'keep' } });
    });
  });

  describe('switches', () => {
    it('server: llama-server probes /health and needs only /tmp', async () => {
      const objs = render('--set', 'server=llama-server');
      await expectValid(objs);
      const c = server(deployment(objs).pod);
      for (const p of [c.startupProbe, c.livenessProbe, c.readinessProbe]) {
        expect(p?.httpGet).toEqual({ path: '/health', port: 'http' });
      }
      expect(c.volumeMounts?.map((m) => m.mountPath)).toEqual(['/tmp', '/models/.cache']);
      expect(envOf(c, 'LLAMA_CACHE')?.value).toBe('/models/.cache/llama.cpp');
      expect(envOf(c, 'HF_HOME')).toBeUndefined();
    });

    it('keeps a probe handler the values give (reference-style values) and drops disabled probes', async () => {
      const file = valuesFile(
        'probes.yaml',
        'livenessProbe:\n  httpGet:\n    path: /\n    port: http\nstartupProbe:\n  enabled: false\n',
      );
      const objs = render(file);
      await expectValid(objs);
      const c = server(deployment(objs).pod);
      expect(c.livenessProbe?.httpGet).toEqual({ path: '/', port: 'http' });
      expect(c.startupProbe).toBeUndefined();
    });

    it('autoscaling replaces replicas with a valid HorizontalPodAutoscaler', async () => {
      const objs = render(
        '--set',
        'autoscaling.enabled=true',
        '--set',
        'autoscaling.targetMemoryUtilizationPercentage=70',
      );
      await expectValid(objs);
      expect(deployment(objs).spec.replicas).toBeUndefined();
      const [hpa] = find(objs, 'HorizontalPodAutoscaler');
      expect((hpa!['spec'] as { metrics: unknown[] }).metrics).toHaveLength(2);
    });

    it('env, envFrom (through tpl), an existing claim and a service account', async () => {
      const file = valuesFile(
        'extras.yaml',
        [
          'env:',
          '  - name: RELEASE',
          '    value: "{{ .Release.Name }}-x"',
          'envFrom:',
          '  - secretRef:',
          '      name: api-keys',
          'persistence:',
          '  enabled: true',
          '  existingClaim: shared-models',
          'serviceAccount:',
          '  create: true',
          'extraVolumes:',
          '  - name: extra',
          '    configMap:',
          '      name: extra',
          'extraVolumeMounts:',
          '  - name: extra',
          '    mountPath: /etc/extra',
          '',
        ].join('\n'),
      );
      const objs = render(file, '--release-name', 'demo');
      await expectValid(objs);
      expect(find(objs, 'PersistentVolumeClaim')).toHaveLength(0);
      expect(find(objs, 'ServiceAccount').map((o) => o.metadata?.name)).toContain('demo-aikit');
      const { pod } = deployment(objs);
      const c = server(pod) as Container & { envFrom?: unknown[] };
      expect(envOf(c, 'RELEASE')?.value).toBe('demo-x');
      expect(c.envFrom).toEqual([{ secretRef: { name: 'api-keys' } }]);
      expect(pod.volumes?.find((v) => v.name === 'cache')?.['persistentVolumeClaim']).toEqual({
        claimName: 'shared-models',
      });
      expect(c.volumeMounts).toContainEqual({ name: 'extra', mountPath: '/etc/extra' });
    });

    it('GPU count and resource name are configurable; a bad server or GPU count fails', async () => {
      const objs = render(
        '--set',
        'gpu.enabled=true',
        '--set',
        'gpu.count=2',
        '--set',
        'gpu.resourceName=amd.com/gpu',
      );
      await expectValid(objs);
      expect(server(deployment(objs).pod).resources?.limits).toEqual({ memory: '8Gi', 'amd.com/gpu': 2 });
      expect(renderError('--set', 'server=vllm')).toContain('server must be localai or llama-server');
      expect(renderError('--set', 'gpu.enabled=true', '--set', 'gpu.count=0')).toContain(
        'gpu.count must be at least 1',
      );
    });

    it('the strict check catches a field Kubernetes does not know', async () => {
      const file = valuesFile('typo.yaml', 'securityContext:\n  readOnlyRootFilesytem: true\n');
      const objs = render(file);
      expect(await schemaErrors(objs)).toEqual([]);
      expect(unknownFields(objs)).toEqual([
        'Deployment/aikit: unknown field .spec.template.spec.containers[0].securityContext.readOnlyRootFilesytem',
      ]);
    });

    it('a LocalAI CPU image with an API key from a Secret: LOCALAI_API_KEY, read-only root', async () => {
      const objs = render('--set', 'apiKey.secret.name=localai-key');
      await expectValid(objs);
      const c = server(deployment(objs).pod);
      expect(envOf(c, 'LOCALAI_API_KEY')?.valueFrom?.secretKeyRef).toEqual({
        name: 'localai-key',
        key: 'api-key',
      });
      expect(c.securityContext?.['readOnlyRootFilesystem']).toBe(true);
      // No switch that lets LocalAI accept a public bind without authentication.
      expect(c.env?.map((e) => e.name)).not.toContain('LOCALAI_ALLOW_INSECURE_PUBLIC_BIND');
      expect(envOf(server(deployment(render()).pod), 'LOCALAI_API_KEY')).toBeUndefined();
      // llama-server does not read LocalAI's variable.
      const llama = server(
        deployment(render('--set', 'apiKey.secret.name=k', '--set', 'server=llama-server')).pod,
      );
      expect(envOf(llama, 'LOCALAI_API_KEY')).toBeUndefined();
      const notes = execFileSync(
        'bash',
        [renderSh, '--notes', '--namespace', 'ai', '--set', 'apiKey.secret.name=localai-key'],
        { cwd: root, encoding: 'utf8' },
      );
      expect(notes).toContain('Authorization: Bearer ${API_KEY}');
      expect(notes).toContain('get secret localai-key');
    });

    it('a Python-backend image: a writable root for the venv LocalAI rewrites, still restricted', async () => {
      const file = valuesFile('python.yaml', 'pythonBackend: true\nshm:\n  enabled: true\n');
      const objs = render(file);
      await expectValid(objs);
      const { pod } = deployment(objs);
      const c = server(pod);
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: false,
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 999,
        allowPrivilegeEscalation: false,
      });
      expect(c.volumeMounts?.map((m) => m.mountPath)).toEqual([
        '/tmp',
        '/data',
        '/configuration',
        '/models/.cache',
        '/dev/shm',
      ]);
    });

    it('prints NOTES.txt with the service to port-forward', () => {
      const notes = execFileSync('bash', [renderSh, '--notes', '--namespace', 'ai'], {
        cwd: root,
        encoding: 'utf8',
      });
      expect(notes).toContain('kubectl --namespace ai port-forward service/aikit 8080:8080');
      expect(notes).toContain('/v1/chat/completions');
    });
  });

  describe('a runner image (runner.enabled)', () => {
    const runner = (...set: string[]) =>
      render('--set', 'runner.enabled=true', ...set.flatMap((s) => ['--set', s]));

    it('gives a llama-server runner its model with -hf, a URL with -mu, then the args', async () => {
      const extra = valuesFile('runner-args.yaml', 'args: ["--ctx-size", "512"]\n');
      const objs = render(
        extra,
        ...['runner.enabled=true', 'server=llama-server', 'runner.model=org/repo:Q4_K_M'].flatMap((s) => [
          '--set',
          s,
        ]),
      );
      await expectValid(objs);
      const c = server(deployment(objs).pod) as Container & { args?: string[] };
      expect(c.args).toEqual(['-hf', 'org/repo:Q4_K_M', '--ctx-size', '512']);
      const url = 'https://example.com/m/tiny.gguf';
      const byUrl = server(
        deployment(runner('server=llama-server', `runner.model=${url}`)).pod,
      ) as Container & {
        args?: string[];
      };
      expect(byUrl.args).toEqual(['-mu', url]);
    });

    it('gives a LocalAI runner the model as its first argument', () => {
      const c = server(deployment(runner('runner.model=org/repo')).pod) as Container & { args?: string[] };
      expect(c.args).toEqual(['org/repo']);
    });

    it('keeps the downloads on a claim at /models with the size and StorageClass asked for', async () => {
      const objs = runner(
        'runner.model=org/repo',
        'runner.cache.size=5Gi',
        'runner.cache.storageClassName=fast',
        'persistence.enabled=true',
      );
      await expectValid(objs);
      const claims = find(objs, 'PersistentVolumeClaim');
      expect(claims.map((o) => (o.metadata as { name: string }).name)).toEqual(['aikit-models']);
      expect(claims[0]!['spec']).toEqual({
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'fast',
        resources: { requests: { storage: '5Gi' } },
      });
      const { spec, pod } = deployment(objs);
      expect(spec.strategy).toEqual({ type: 'Recreate' });
      const c = server(pod);
      const mount = c.volumeMounts?.find((m) => m.mountPath === '/models');
      expect(pod.volumes?.find((v) => v.name === mount?.name)).toMatchObject({
        persistentVolumeClaim: { claimName: 'aikit-models' },
      });
      expect(c.volumeMounts?.some((m) => m.mountPath === '/models/.cache')).toBe(false);
      // The runner image points its caches into /models itself.
      expect(envOf(c, 'HF_HOME')).toBeUndefined();
      expect(envOf(c, 'LLAMA_CACHE')).toBeUndefined();
    });

    it('mounts an existing claim without creating one', () => {
      const objs = runner('runner.model=org/repo', 'runner.cache.existingClaim=shared-models');
      expect(find(objs, 'PersistentVolumeClaim')).toEqual([]);
      expect(deployment(objs).pod.volumes?.find((v) => v.name === 'cache')).toMatchObject({
        persistentVolumeClaim: { claimName: 'shared-models' },
      });
    });

    it('refuses a runner without a model, and says what it downloads in NOTES', () => {
      expect(renderError('--set', 'runner.enabled=true')).toContain('runner.model is required');
      const notes = execFileSync(
        'bash',
        [renderSh, '--notes', '--set', 'runner.enabled=true', '--set', 'runner.model=org/repo'],
        { cwd: root, encoding: 'utf8' },
      );
      expect(notes).toContain('downloads org/repo into /models, the claim aikit-models');
    });
  });
});

// Needs no renderer: values.schema.json, which Helm applies to the values before rendering.
describe('charts/aikit/values.schema.json', () => {
  const schema = JSON.parse(readFileSync(path.join(chartDir, 'values.schema.json'), 'utf8')) as object;
  const validate = new Ajv({ strict: false }).compile(schema);
  const values = parseAllDocuments(
    readFileSync(path.join(chartDir, 'values.yaml'), 'utf8'),
  )[0]!.toJS() as Record<string, unknown>;
  const withRunner = (runner: Record<string, unknown>) => ({
    ...values,
    runner: { ...(values['runner'] as object), ...runner },
  });

  it('accepts the default values and a runner with a model', () => {
    expect(validate(values), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(withRunner({ enabled: true, model: 'org/repo:Q4_K_M' }))).toBe(true);
  });

  it('refuses a runner without a model, a bad cache size and an unknown runner key', () => {
    expect(validate(withRunner({ enabled: true }))).toBe(false);
    expect(validate(withRunner({ cache: { size: 'lots' } }))).toBe(false);
    expect(validate(withRunner({ modle: 'org/repo' }))).toBe(false);
  });
});

// Needs no renderer. `make release-manifest` bumps the chart with sed on ^version: and
// ^appVersion:, so each must be one plain line, in step with package.json.
it('charts/aikit/Chart.yaml keeps the two lines make release-manifest rewrites plain', () => {
  const chart = readFileSync(path.join(chartDir, 'Chart.yaml'), 'utf8');
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    version: string;
  };
  expect(chart.match(/^version: .*$/gm)).toEqual([`version: ${version}`]);
  expect(chart.match(/^appVersion: .*$/gm)).toEqual([`appVersion: v${version}`]);
  const bumped = chart
    .replace(/^version: .*/m, 'version: 9.8.7')
    .replace(/^appVersion: .*/m, 'appVersion: v9.8.7');
  expect(parseAllDocuments(bumped)[0]!.toJS()).toMatchObject({ version: '9.8.7', appVersion: 'v9.8.7' });
});
