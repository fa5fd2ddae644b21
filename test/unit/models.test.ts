// The pre-made aikitfiles in models/: each loads without a warning, pins the reference's sources
// and digests (decisions.md#d16), fixes the reference's `completion` template (decisions.md#d4), and converts
// to a deterministic LLB for every platform and runtime update-models builds (models/images.json).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { convert, resolveArtifacts } from '../../src/convert/index.js';
import { encodeDefinition, marshal, parsePlatform } from '../../src/llb/index.js';
import { loadAikitfile, type InferenceSpec, type LoadOptions } from '../../src/aikitfile/index.js';
import { digestHex } from '../../src/oci/index.js';

const modelsDir = path.resolve(import.meta.dirname, '..', '..', 'models');
const SYNTAX = '#syntax=ghcr.io/kaito-project/aikit/aikit:latest';

interface ImageEntry {
  image: string;
  tags: string[];
  runtimes: ('cuda' | 'applesilicon')[];
  platforms: string[];
  runner: string;
}
const images = JSON.parse(readFileSync(path.join(modelsDir, 'images.json'), 'utf8')) as {
  registry: string;
  stagingPath: string;
  runtimePaths: Record<string, string>;
  models: Record<string, ImageEntry>;
};

const files = readdirSync(modelsDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const premade = files.filter((f) => f !== 'aikitfile.yaml').map((f) => f.replace(/\.yaml$/, ''));

// The digest table of decisions.md#d16: model file → [source, sha256] of each file.
const HF = 'https://huggingface.co';
const DIGESTS: Record<string, [string, string][]> = {
  'codestral-22b': [
    [
      `${HF}/lmstudio-community/Codestral-22B-v0.1-GGUF/resolve/main/Codestral-22B-v0.1-Q4_K_M.gguf`,
      '003e48ed892850b80994fcddca2bd6b833b092a4ef2db2853c33a3144245e06c',
    ],
  ],
  'gemma-2-2b-instruct': [
    [
      `${HF}/lmstudio-community/gemma-2-2b-it-GGUF/resolve/main/gemma-2-2b-it-Q4_K_M.gguf`,
      'e0aee85060f168f0f2d8473d7ea41ce2f3230c1bc1374847505ea599288a7787',
    ],
  ],
  'llama-3.1-8b-instruct': [
    [
      `${HF}/QuantFactory/Meta-Llama-3.1-8B-Instruct-GGUF/resolve/main/Meta-Llama-3.1-8B-Instruct.Q4_K_M.gguf`,
      '6d86fb9d2910178f5c744234fdf91910e033ef7b03c5e23dcc6d25e98687e5fa',
    ],
  ],
  'llama-3.2-1b-instruct': [
    [
      `${HF}/MaziyarPanahi/Llama-3.2-1B-Instruct-GGUF/resolve/main/Llama-3.2-1B-Instruct.Q4_K_M.gguf`,
      'e4650dd6b45ef456066b11e4927f775eef4dd1e0e8473c3c0f27dd19ee13cc4e',
    ],
  ],
  'llama-3.2-3b-instruct': [
    [
      `${HF}/MaziyarPanahi/Llama-3.2-3B-Instruct-GGUF/resolve/main/Llama-3.2-3B-Instruct.Q4_K_M.gguf`,
      '1c323c8ef8b7dd877d40a4138de8bf915884a383b08097b5c20abcb2ae2896d6',
    ],
  ],
  'llama-3.3-70b-instruct': [
    [
      `${HF}/MaziyarPanahi/Llama-3.3-70B-Instruct-GGUF/resolve/main/Llama-3.3-70B-Instruct.Q4_K_M.gguf`,
      '4f3b04ecae278bdb0fd545b47c210bc5edf823e5ebf7d41e0b526c81d54b1ff3',
    ],
  ],
  'mixtral-8x7b-instruct': [
    [
      `${HF}/TheBloke/Mixtral-8x7B-Instruct-v0.1-GGUF/resolve/main/mixtral-8x7b-instruct-v0.1.Q4_K_M.gguf`,
      '9193684683657e90707087bd1ed19fd0b277ab66358d19edeadc26d6fdec4f53',
    ],
  ],
  'phi-3.5-3.8b-instruct': [
    [
      `${HF}/MaziyarPanahi/Phi-3.5-mini-instruct-GGUF/resolve/main/Phi-3.5-mini-instruct.Q4_K_M.gguf`,
      '3f68916e850b107d8641d18bcd5548f0d66beef9e0a9077fe84ef28943eb7e88',
    ],
  ],
  'qwq-32b-preview': [
    [
      `${HF}/lmstudio-community/QwQ-32B-Preview-GGUF/resolve/main/QwQ-32B-Preview-Q4_K_M.gguf`,
      '8389413ff15eabdeae824faa78ca433e7cd61a93a6bee4fb0e916cdb727efcda',
    ],
  ],
  'phi-4-14b-instruct': [
    [
      `${HF}/unsloth/phi-4-GGUF/resolve/main/phi-4-Q4_K_M.gguf`,
      '01e1f25b3e6931054c6c2227b06f4969828434eebc299e8e171f55dab6814485',
    ],
  ],
  'qwq-32b': [
    [
      `${HF}/unsloth/QwQ-32B-GGUF/resolve/main/QwQ-32B-Q4_K_M.gguf`,
      '39dc40d34d44d66406e9ad94416585839daa5edc35425f6f6925c35e149aa5f5',
    ],
  ],
  'gpt-oss-20b': [
    [
      `${HF}/ggml-org/gpt-oss-20b-GGUF/resolve/main/gpt-oss-20b-mxfp4.gguf`,
      'be37a636aca0fc1aae0d32325f82f6b4d21495f06823b5fbc1898ae0303e9935',
    ],
  ],
  'gpt-oss-120b': [
    [
      `${HF}/ggml-org/gpt-oss-120b-GGUF/resolve/main/gpt-oss-120b-mxfp4-00001-of-00003.gguf`,
      'e2865eb6c1df7b2ffbebf305cd5d9074d5ccc0fe3b862f98d343a46dad1606f9',
    ],
    [
      `${HF}/ggml-org/gpt-oss-120b-GGUF/resolve/main/gpt-oss-120b-mxfp4-00002-of-00003.gguf`,
      '346492f65891fb27cac5c74a8c07626cbfeb4211cd391ec4de37dbbe3109a93b',
    ],
    [
      `${HF}/ggml-org/gpt-oss-120b-GGUF/resolve/main/gpt-oss-120b-mxfp4-00003-of-00003.gguf`,
      '66dca81040933f5a49177e82c479c51319cefb83bd22dad9f06dad45e25f1463',
    ],
  ],
  // No file: LocalAI downloads ChuckMcSneed/FLUX.1-dev at run time.
  'flux-1-dev': [],
};

// The reference's image names (decisions.md#reference-image-names), first tag of each.
const REFERENCE_IMAGES: Record<string, string> = {
  'llama-3.2-1b-instruct': 'llama3.2:1b',
  'llama-3.2-3b-instruct': 'llama3.2:3b',
  'llama-3.1-8b-instruct': 'llama3.1:8b',
  'llama-3.3-70b-instruct': 'llama3.3:70b',
  'phi-3.5-3.8b-instruct': 'phi3.5:3.8b',
  'gemma-2-2b-instruct': 'gemma2:2b',
  'codestral-22b': 'codestral:22b',
  'mixtral-8x7b-instruct': 'mixtral:8x7b',
  'flux-1-dev': 'flux1:dev',
  // The reference's newer models take over qwq:32b; the preview moves to qwq:32b-preview.
  'qwq-32b': 'qwq:32b',
};

function load(file: string, opts: LoadOptions = {}) {
  const loaded = loadAikitfile(readFileSync(path.join(modelsDir, file), 'utf8'), file, opts);
  expect(loaded.spec.kind).toBe('inference');
  return { spec: loaded.spec as InferenceSpec, warnings: loaded.warnings, locate: loaded.locate };
}

/** Converts for one platform and marshals; returns the encoded definition. */
function build(spec: InferenceSpec, platform: string): Uint8Array {
  const { artifacts } = resolveArtifacts({});
  const { state, image } = convert(spec, { platform: parsePlatform(platform), artifacts });
  expect(image.architecture).toBe(parsePlatform(platform).architecture);
  const def = marshal(state);
  expect(def.def.length).toBeGreaterThan(0);
  return encodeDefinition(def);
}

describe('models/', () => {
  it('has the reference models, its newer ones and the build-arg aikitfile', () => {
    expect(files).toContain('aikitfile.yaml');
    expect(premade.sort()).toEqual(Object.keys(DIGESTS).sort());
  });

  it('models/images.json names an image for exactly the pre-made models', () => {
    expect(Object.keys(images.models).sort()).toEqual([...premade].sort());
    for (const [model, ref] of Object.entries(REFERENCE_IMAGES)) {
      const e = images.models[model]!;
      expect(`${e.image}:${e.tags[0]}`, model).toBe(ref);
    }
    // No two models push the same tag.
    const refs = Object.values(images.models).flatMap((e) => e.tags.map((t) => `${e.image}:${t}`));
    expect(new Set(refs).size).toBe(refs.length);
    // ghcr.io/kaito-project/aikit/llama3.2:1b and …/aikit/applesilicon/llama3.2:1b, as the reference.
    expect(images.registry).toBe('ghcr.io/kaito-project/aikit');
    expect(images.runtimePaths).toEqual({ cuda: '', applesilicon: '/applesilicon' });
    expect(images.stagingPath).toBe('/test');
  });

  it('aikitfile.yaml has only apiVersion and debug, for --build-arg model=', () => {
    const text = readFileSync(path.join(modelsDir, 'aikitfile.yaml'), 'utf8');
    expect(text).toBe(`${SYNTAX}\napiVersion: v1alpha1\ndebug: true\n`);
    const url = DIGESTS['llama-3.2-1b-instruct']![0]![0];
    const { spec, warnings } = load('aikitfile.yaml', { buildArgs: { model: url } });
    expect(warnings).toEqual([]);
    expect(spec.models.map((m) => m.name)).toEqual(['Llama-3.2-1B-Instruct.Q4_K_M.gguf']);
    for (const p of ['linux/amd64', 'linux/arm64']) build(spec, p);
  });

  describe.each(premade)('%s', (model) => {
    const file = `${model}.yaml`;
    const entry = images.models[model]!;

    it('loads without warnings, as a debug cuda image from the aikit syntax image', () => {
      const text = readFileSync(path.join(modelsDir, file), 'utf8');
      expect(text.split('\n')[0]).toBe(SYNTAX);
      const { spec, warnings } = load(file);
      expect(warnings.map((w) => `${w.code}: ${w.message}`)).toEqual([]);
      expect(spec).toMatchObject({ apiVersion: 'v1alpha1', debug: true, runtime: 'cuda' });
      expect(spec.config, 'a LocalAI config').toBeTruthy();
    });

    it("pins the reference's sources and sha256 digests", () => {
      const { spec } = load(file);
      const pinned = spec.models.map((m) => [
        m.source.kind === 'http' ? m.source.url : m.source.kind,
        m.sha256 && digestHex(m.sha256),
      ]);
      expect(pinned).toEqual(DIGESTS[model]);
    });

    it('writes every prompt template it names (no template-less entries)', () => {
      const { spec } = load(file);
      for (const t of spec.models.flatMap((m) => m.promptTemplates)) {
        expect(t.template.trim(), t.name).not.toBe('');
        expect(t.template, 'no shell escapes left (decisions.md#d3)').not.toContain('\\"');
      }
    });

    it.each(entry.platforms)('converts for %s (cuda) to a deterministic LLB', (platform) => {
      const { spec } = load(file);
      const a = build(spec, platform);
      const b = build(load(file).spec, platform);
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    });

    if (!entry.runtimes.includes('applesilicon')) return;
    it('converts for linux/arm64 with runtime=applesilicon', () => {
      const { spec, warnings } = load(file, { buildArgs: { runtime: 'applesilicon' } });
      expect(warnings).toEqual([]);
      expect(spec.runtime).toBe('applesilicon');
      build(spec, 'linux/arm64');
    });
  });
});
