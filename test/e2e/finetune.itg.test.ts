import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { chatJsonl, textLines } from '../fixtures/finetune-data.js';
import { writeTinyLlamaGguf } from '../fixtures/gguf.js';
import { buildx, makeContext, run, serveFixture } from './harness.js';

// Fine-tuning on CPU end to end: the tiny random-weight GGUF and a dataset served on loopback and
// a second dataset in the build context, target llama-cpp, built on the real engine with llama.cpp's
// tools from Debian standing in for llama.cpp's full image (AIKIT_LLAMA_CPP_FULL_IMAGE), the model
// written with --output type=local.

const fixtureUrl = inject('fixtureUrl');
const env = { ...process.env, ...inject('engine') };
const TOOLS_IMAGE = 'aikit-test/llama-finetune:sid';
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

let context: string;
let base: Buffer;

beforeAll(async () => {
  const img = await run('scripts/llama-finetune-image.sh', [TOOLS_IMAGE], { env });
  if (img.code !== 0) throw new Error(`scripts/llama-finetune-image.sh failed:\n${img.output}`);
  const runId = Date.now().toString(36);
  base = writeTinyLlamaGguf({ seed: 'finetune', name: 'tiny' });
  const chat = chatJsonl();
  const text = textLines();
  const baseUrl = await serveFixture(fixtureUrl, `/ft/${runId}/tiny.gguf`, base);
  const chatUrl = await serveFixture(fixtureUrl, `/ft/${runId}/chat.jsonl`, chat);
  context = await makeContext({
    'data/days.txt': text,
    'aikitfile.yaml': `#syntax=aikit:test
apiVersion: v1alpha1
target: llama-cpp
baseModel: ${baseUrl}
datasets:
  - source: ${chatUrl}
    type: messages
    loader: {type: json, checksum: "sha256:${sha256(chat)}"}
  - source: data/days.txt
    type: text
    loader: {type: text}
config:
  llamaCpp:
    epochs: 1
    contextSize: 256
    learningRate: 0.001
output:
  name: tiny-tuned
`,
  });
});

describe('target llama-cpp', () => {
  it('fine-tunes the model on CPU, shows the loss falling, and writes a different GGUF', async () => {
    const out = join(context, 'out');
    const started = Date.now();
    const r = await buildx(env, {
      file: join(context, 'aikitfile.yaml'),
      context,
      platforms: ['linux/amd64'],
      buildArgs: { AIKIT_LLAMA_CPP_FULL_IMAGE: TOOLS_IMAGE },
      output: `type=local,dest=${out}`,
      noCache: true,
    });
    const took = Date.now() - started;
    expect(r.code, r.output).toBe(0);
    expect(await readdir(out)).toEqual(['tiny-tuned.gguf']);
    const tuned = await readFile(join(out, 'tiny-tuned.gguf'));
    expect(tuned.subarray(0, 4).toString()).toBe('GGUF');
    expect(sha256(tuned)).not.toBe(sha256(base));

    // The text step's summary and llama-finetune's progress lines are in the build output.
    expect(r.output).toMatch(
      /aikit: 80 records, \d+ bytes of training text \(chat records through the model's chat template\)/,
    );
    const losses = [...r.output.matchAll(/train: .*?data=(\d+)\/(\d+) loss=([\d.]+)/g)].map((m) =>
      Number(m[3]),
    );
    expect(losses.length).toBeGreaterThan(2);
    const [first, last] = [losses[0]!, losses.at(-1)!];
    expect(last).toBeLessThan(first);
    const trainStep = /#\d+ \[aikit\] fine-tune .*?DONE ([\d.]+)s/s.exec(r.output)?.[1];
    console.log(
      `[finetune] build ${(took / 1000).toFixed(1)} s, training step ${trainStep ?? '?'} s; loss ${first} -> ${last}; base ${base.length} B -> ${(await stat(join(out, 'tiny-tuned.gguf'))).size} B`,
    );
  });
});
