import { describe, expect, it } from 'vitest';
import { marshal, parsePlatform } from '../../llb/index.js';
import { decodedOps, type DecodedExec, type DecodedFile } from '../../../test/unit/decoded-ops.js';
import { loadAikitfile, type FinetuneSpec } from '../../aikitfile/index.js';
import { convertFinetune, UNSLOTH_BASE_IMAGE, UNSLOTH_CDI_DEVICE_ARG } from './index.js';
import { UNSLOTH_NETWORK_ARG, UNSLOTH_REQUIREMENTS_ARG, UNSLOTH_TRAINER_ARG } from './args.js';
import { UNSLOTH_REQUIREMENTS } from './unsloth-requirements.js';

const platform = parsePlatform('linux/amd64');
const H =
  'apiVersion: v1alpha1\nbaseModel: unsloth/llama\ndatasets: [{source: yahma/alpaca-cleaned, type: alpaca}]\n';

function graph(yaml: string, opts: { cdiDevices?: boolean; buildArgs?: Record<string, string> } = {}) {
  const spec = loadAikitfile(yaml, 'f.yaml').spec as FinetuneSpec;
  const result = convertFinetune(spec, { platform, ...opts });
  const decoded = decodedOps(marshal(result.state, { platform }));
  const gpu = decoded.execs.filter((e) => e.meta.args.join(' ').includes('nvidia-smi'));
  return { result, ...decoded, gpu };
}
const cacheIds = (e: DecodedExec) =>
  e.mounts.filter((m) => m.mountType === 'CACHE').map((m) => [m.dest, m.cacheOpt?.ID]);
const lastCopy = (files: DecodedFile[]) => files.at(-1)!.actions[0]!.copy;

describe('target unsloth', () => {
  it('has the reference shape: OS packages, hash-locked Python packages, train, export, copy to scratch', () => {
    const { execs, gpu, result, sources, files } = graph(H);
    expect(execs).toHaveLength(4);
    expect(gpu.map((e) => e.meta.args.at(-1)!.split(' ').at(-1))).toEqual(['train', 'export']);
    expect(result.file).toBe('aikit-model-q4_k_m.gguf');
    const images = sources.filter((x) => x.identifier.startsWith('docker-image://'));
    expect(images.map((x) => x.identifier)).toEqual([`docker-image://${UNSLOTH_BASE_IMAGE}`]);
    expect(lastCopy(files)).toMatchObject({
      src: '/aikit-out/model/*.gguf',
      dest: '/aikit-model-q4_k_m.gguf',
      allowWildcard: true,
    });
  });

  it('gives the GPU steps, and only them, the CDI device (BuildKit >= v0.20)', () => {
    const { execs, gpu } = graph(H);
    for (const e of gpu) {
      expect(e.cdiDevices).toEqual([{ name: 'nvidia.com/gpu=all' }]);
      expect(e.caps).toContain('exec.cdidevices');
      expect(e.security).toBeUndefined();
    }
    expect(execs.filter((e) => e.cdiDevices)).toHaveLength(2);
    expect(
      graph(H, { buildArgs: { [UNSLOTH_CDI_DEVICE_ARG]: 'nvidia.com/gpu=0' } }).gpu[0]!.cdiDevices,
    ).toEqual([{ name: 'nvidia.com/gpu=0' }]);
  });

  it('falls back to security.insecure on engines without CDI, and says which flags that needs', () => {
    const { gpu, result } = graph(H, { cdiDevices: false });
    for (const e of gpu) {
      expect(e.security).toBe('INSECURE');
      expect(e.caps).toContain('exec.meta.security');
      expect(e.cdiDevices).toBeUndefined();
    }
    expect(result.warnings.map((w) => w.code)).toEqual(['GPU_NEEDS_INSECURE']);
    expect(result.warnings[0]!.hint).toContain('--allow security.insecure');
  });

  it('caches the Hub, datasets and compilers on the GPU steps, apt and pip on the install steps', () => {
    const { execs } = graph(H);
    expect(cacheIds(execs[0]!)).toEqual([
      ['/var/cache/apt', 'aikit-finetune-apt-v1'],
      ['/var/lib/apt/lists', 'aikit-finetune-apt-lists-v1'],
    ]);
    expect(cacheIds(execs[1]!)).toEqual([
      ['/root/.cache/pip', 'aikit-finetune-pip-py310-cu126-unsloth-2026.8.3'],
    ]);
    expect(cacheIds(execs[2]!)).toEqual([
      ['/root/.cache/huggingface', 'aikit-finetune-huggingface-v1'],
      ['/root/.cache/torch', 'aikit-finetune-torch-v1'],
      ['/root/.triton', 'aikit-finetune-triton-v1'],
      ['/tmp/aikit-datasets-cache', 'aikit-finetune-datasets-v1'],
    ]);
    expect(cacheIds(execs[3]!)).toContainEqual(['/root/.unsloth', 'aikit-finetune-llama-cpp-v1']);
  });

  it('installs from a list where every package is pinned by version and hash', () => {
    const { execs } = graph(H);
    expect(execs[1]!.meta.args.at(-1)).toContain('--require-hashes -r /aikit-lock/requirements.txt');
    const reqs = UNSLOTH_REQUIREMENTS.split('\n').filter((l) => /^[a-z0-9]/i.test(l));
    expect(reqs.length).toBeGreaterThan(100);
    for (const r of reqs) expect(r).toMatch(/^[A-Za-z0-9._-]+(\[[^\]]*\])?==\S+/);
    const blocks = UNSLOTH_REQUIREMENTS.split(/\n(?=[a-z0-9])/i).slice(1);
    for (const b of blocks) expect(b).toMatch(/--hash=sha256:[0-9a-f]{64}/);
    expect(reqs.some((r) => r.startsWith('unsloth==2026.8.3'))).toBe(true);
  });

  it('mounts the plan, so a setting changes the GPU steps and not the installs', () => {
    const a = graph(H);
    const b = graph(`${H}config: {unsloth: {maxSteps: 10}}\n`);
    expect(a.digests.slice(0, 4)).toEqual(b.digests.slice(0, 4));
    const plan = (g: ReturnType<typeof graph>) =>
      g.files.map((f) => f.actions[0]!.mkfile).find((m) => m?.path === '/config.json')!;
    const parsed = JSON.parse(plan(b).data) as { config: { unsloth: { maxSteps: number } } };
    expect(parsed.config.unsloth.maxSteps).toBe(10);
    expect(a.digests.at(-1)).not.toBe(b.digests.at(-1));
  });

  it('exports an adapter directory without an export step', () => {
    const { gpu, result, files } = graph(`${H}output: {format: adapter, name: lora}\n`);
    expect(gpu).toHaveLength(1);
    expect(result.file).toBe('lora');
    expect(lastCopy(files)).toMatchObject({
      src: '/aikit-trained-model',
      dest: '/lora/',
      dirCopyContents: true,
    });
  });

  it('takes a stand-in requirements list, trainer and network, and changes nothing else', () => {
    const lock = '--no-index\n--find-links /opt/wheels\nstandin==1.0 --hash=sha256:' + 'a'.repeat(64);
    const a = graph(H, { cdiDevices: false });
    const b = graph(H, {
      cdiDevices: false,
      buildArgs: {
        [UNSLOTH_REQUIREMENTS_ARG]: lock,
        [UNSLOTH_TRAINER_ARG]: '/opt/aikit-venv/bin/standin',
        [UNSLOTH_NETWORK_ARG]: 'host',
      },
    });
    const mkfiles = (g: ReturnType<typeof graph>) => g.files.map((f) => f.actions[0]!.mkfile?.data);
    expect(mkfiles(b)).toContain(`${lock}\n`);
    expect(mkfiles(a)).toContain(UNSLOTH_REQUIREMENTS);
    // The pip step still installs with --require-hashes, from the list of the build-arg.
    expect(b.execs[1]!.meta.args).toEqual(a.execs[1]!.meta.args);
    expect(b.gpu.map((e) => e.meta.args.at(-1))).toEqual([
      'ldconfig && nvidia-smi && /opt/aikit-venv/bin/standin train',
      'ldconfig && nvidia-smi && /opt/aikit-venv/bin/standin export',
    ]);
    for (const e of b.gpu) {
      expect(e.network).toBe('HOST');
      expect(e.security).toBe('INSECURE');
      expect(cacheIds(e)).toEqual(cacheIds(a.gpu[b.gpu.indexOf(e)]!));
    }
    expect(a.gpu.every((e) => e.network === undefined)).toBe(true);
    expect(b.execs[0]!.meta.args).toEqual(a.execs[0]!.meta.args);
    // The OS packages step does not depend on the build-args, so it stays cached.
    expect(b.digests.slice(0, 2)).toEqual(a.digests.slice(0, 2));
  });

  it('rejects a network it does not know', () => {
    expect(() => graph(H, { buildArgs: { [UNSLOTH_NETWORK_ARG]: 'bridge' } })).toThrow(
      /AIKIT_UNSLOTH_NETWORK must be sandbox or host, got "bridge"/,
    );
  });
});
