import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { alpacaCsv, chatJsonl, textLines } from '../fixtures/finetune-data.js';
import { buildx, makeContext, run, serveFixture } from './harness.js';

// The Unsloth graph on the real engine, without a GPU: the CUDA devel image is replaced by a
// Debian stand-in (scripts/unsloth-standin-image.sh) whose apt step installs from a local
// repository and whose pip step installs, with --require-hashes, the wheel of a stand-in trainer
// from a hash-locked list of our own (AIKIT_UNSLOTH_REQUIREMENTS). The GPU steps run that trainer
// (AIKIT_UNSLOTH_TRAINER) on the insecure route of engines without CDI, on the host network to
// reach the datasets on loopback. The stand-in writes what it read; the output directory holds it.

const fixtureUrl = inject('fixtureUrl');
const env = { ...process.env, ...inject('engine') };
const STANDIN_IMAGE = 'aikit-test/unsloth-standin:trixie';
const TRAINER = '/opt/aikit-venv/bin/aikit-unsloth-standin';
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

interface Report {
  standin: string;
  phase: string;
  baseModel: string;
  maxSteps: number;
  objective: { type: string };
  trainerBytes: number;
  caches: Record<string, boolean>;
  datasets?: { source: string; type: string; fetched: boolean; sha256: string; records: number }[];
  trained?: Report;
}

let context: string;
let buildArgs: Record<string, string>;
let datasets: { url: string; type: string; body: string; records: number }[];

beforeAll(async () => {
  const img = await run('scripts/unsloth-standin-image.sh', [STANDIN_IMAGE], { env });
  if (img.code !== 0) throw new Error(`scripts/unsloth-standin-image.sh failed:\n${img.output}`);
  const requirement = img.stdout.trim().split('\n').at(-1)!;
  expect(requirement).toMatch(/^aikit-unsloth-standin==1\.0 --hash=sha256:[0-9a-f]{64}$/);
  buildArgs = {
    AIKIT_UNSLOTH_BASE_IMAGE: STANDIN_IMAGE,
    AIKIT_UNSLOTH_REQUIREMENTS: `--no-index\n--find-links /opt/aikit-wheels\n${requirement}\n`,
    AIKIT_UNSLOTH_TRAINER: TRAINER,
    AIKIT_UNSLOTH_NETWORK: 'host',
  };
  const runId = Date.now().toString(36);
  const files = [
    { name: 'chat.jsonl', type: 'messages', loader: 'json', body: chatJsonl(), records: 40 },
    { name: 'days.txt', type: 'text', loader: 'text', body: textLines(), records: 40 },
    { name: 'double.csv', type: 'alpaca', loader: 'csv', body: alpacaCsv(), records: 20 },
  ];
  datasets = [];
  let yaml = '';
  for (const f of files) {
    const url = await serveFixture(fixtureUrl, `/unsloth/${runId}/${f.name}`, f.body);
    datasets.push({ url, type: f.type, body: f.body, records: f.records });
    yaml += `  - source: ${url}\n    type: ${f.type}\n    loader: {type: ${f.loader}, checksum: "sha256:${sha256(f.body)}"}\n`;
  }
  const head = `#syntax=aikit:test\napiVersion: v1alpha1\nbaseModel: unsloth/tiny-standin\ndatasets:\n${yaml}config:\n  unsloth:\n    maxSteps: 7\n`;
  context = await makeContext({
    'aikitfile.yaml': `${head}output:\n  name: tuned\n  quantize: q8_0\n`,
    'adapter.yaml': `${head}output:\n  format: adapter\n  name: lora\n`,
  });
});

async function build(file: string, out: string) {
  const r = await buildx(env, {
    file: join(context, file),
    context,
    platforms: ['linux/amd64'],
    buildArgs,
    output: `type=local,dest=${out}`,
    noCache: true,
    allow: ['security.insecure', 'network.host'],
  });
  if (r.output.includes('granting entitlement security.insecure is not allowed')) {
    throw new Error(
      'the engine does not grant security.insecure: it was started before scripts/engine.sh wrote "builder": {"entitlements": {"security-insecure": true}} into its daemon.json; restart it (scripts/engine.sh down, then up)',
    );
  }
  return r;
}

function expectReadEverything(r: Report, phase: string) {
  expect(r.standin).toBe('aikit-unsloth-standin');
  expect(r.phase).toBe(phase);
  expect(r.baseModel).toBe('unsloth/tiny-standin');
  expect(r.maxSteps).toBe(7);
  expect(r.objective.type).toBe('sft');
  // aikit's own trainer program is mounted as on a GPU, next to the stand-in that replaces it.
  expect(r.trainerBytes).toBeGreaterThan(1000);
  expect(Object.values(r.caches).length).toBeGreaterThanOrEqual(4);
  for (const [path, mounted] of Object.entries(r.caches)) expect([path, mounted]).toEqual([path, true]);
}

describe('target unsloth with a stand-in trainer', () => {
  it('runs every step: apt, pip --require-hashes, train and export, and writes the GGUF name', async () => {
    const out = join(context, 'out-gguf');
    const started = Date.now();
    const r = await build('aikitfile.yaml', out);
    const took = Date.now() - started;
    expect(r.code, r.output).toBe(0);
    // The engine has no CDI, so the GPU steps took the insecure route and the build said so.
    expect(r.output).toContain(
      'this engine has no CDI devices, so the GPU steps run with security mode insecure',
    );
    // The apt step installed from the image's local repository; pip checked the wheel's hash.
    expect(r.output).toMatch(/Setting up cmake \(0~aikit\.standin\)/);
    expect(r.output).toContain('Successfully installed aikit-unsloth-standin-1.0');
    expect(r.output).toContain('nvidia-smi stand-in');
    expect(await readdir(out)).toEqual(['tuned-q8_0.gguf']);
    const report = JSON.parse(await readFile(join(out, 'tuned-q8_0.gguf'), 'utf8')) as Report;
    expectReadEverything(report, 'export');
    expect(report.caches['/root/.unsloth']).toBe(true);
    const trained = report.trained!;
    expectReadEverything(trained, 'train');
    expect(trained.datasets).toEqual(
      datasets.map((d) => ({
        source: d.url,
        type: d.type,
        fetched: true,
        bytes: Buffer.byteLength(d.body),
        sha256: `sha256:${sha256(d.body)}`,
        records: d.records,
      })),
    );
    const steps = [...r.output.matchAll(/#\d+ (\[aikit\] [^\n]*)\n(?:[^\n]*\n)*?#\d+ DONE ([\d.]+)s/g)];
    console.log(
      `[unsloth] stand-in build ${(took / 1000).toFixed(1)} s; ${steps.length} steps: ${steps.map((m) => `${m[1]!.slice(8, 40)}… ${m[2]}s`).join('; ')}`,
    );
  });

  it('writes the adapter directory for format adapter, with no export step', async () => {
    const out = join(context, 'out-adapter');
    const r = await build('adapter.yaml', out);
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toContain('export the merged model');
    expect(await readdir(out)).toEqual(['lora']);
    expect((await readdir(join(out, 'lora'))).sort()).toEqual(['adapter_config.json', 'aikit-standin.json']);
    const report = JSON.parse(await readFile(join(out, 'lora', 'aikit-standin.json'), 'utf8')) as Report;
    expectReadEverything(report, 'train');
    expect(report.datasets!.map((d) => [d.sha256, d.records])).toEqual(
      datasets.map((d) => [`sha256:${sha256(d.body)}`, d.records]),
    );
  });
});
