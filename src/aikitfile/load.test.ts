import { describe, expect, it } from 'vitest';
import { AikitError, formatError, formatPath, type Issue } from '../util/errors.js';
import { loadAikitfile, type FinetuneSpec, type InferenceSpec, type LoadOptions } from './index.js';

const H = 'apiVersion: v1alpha1\n';
const L = `${H}server: llama-server\n`;
const F =
  'apiVersion: v1alpha1\nbaseModel: unsloth/llama\ndatasets: [{source: yahma/alpaca-cleaned, type: alpaca}]\n';
const SHA = 'e4650dd6b45ef456066b11e4927f775eef4dd1e0e8473c3c0f27dd19ee13cc4e';

function errorsOf(yaml: string, opts?: LoadOptions): readonly Issue[] {
  try {
    loadAikitfile(yaml, 'f.yaml', opts);
  } catch (e) {
    if (e instanceof AikitError) return e.issues;
    throw e;
  }
  throw new Error('expected the aikitfile to be rejected');
}

const pos = (i: Issue) => (i.range ? `${i.range.line}:${i.range.col}` : '');
const inference = (yaml: string, opts?: LoadOptions) =>
  loadAikitfile(yaml, 'f.yaml', opts).spec as InferenceSpec;
const finetune = (yaml: string, opts?: LoadOptions) =>
  loadAikitfile(yaml, 'f.yaml', opts).spec as FinetuneSpec;

describe('every rule reports one located error', () => {
  // prettier-ignore
  it.each([
  ["syntax", H + "models: [\n", "YAML_SYNTAX", "flow sequence in block collection must be sufficiently indented and end with a ]", "", "3:1"],
  ["dupkey", H + "debug: true\ndebug: false\n", "DUPLICATE_KEY", "map keys must be unique", "", "3:1"],
  ["empty", "", "EMPTY_FILE", "the aikitfile is empty", "", "1:1"],
  ["comments", "#syntax=aikit:test\n", "EMPTY_FILE", "the aikitfile is empty", "", "1:1"],
  ["scalar", "foo\n", "NOT_A_MAPPING", "the aikitfile must be a mapping of keys, got \"foo\"", "", "1:1"],
  ["list", "- apiVersion: v1alpha1\n", "NOT_A_MAPPING", "the aikitfile must be a mapping of keys, got a list", "", "1:1"],
  ["noapi", "debug: true\n", "MISSING_KEY", "missing required key \"apiVersion\"", "", "1:1"],
  ["api", "apiVersion: v10\n", "UNSUPPORTED_API_VERSION", "apiVersion \"v10\" is not supported", "apiVersion", "1:13"],
  ["debug", H + "debug: yes\n", "WRONG_TYPE", "expected true or false, got \"yes\"", "debug", "2:8"],
  ["unknown", H + "runtme: cuda\n", "UNKNOWN_KEY", "unknown key \"runtme\" (did you mean \"runtime\"?)", "runtme", "2:1"],
  ["unknown2", H + "colour: blue\n", "UNKNOWN_KEY", "unknown key \"colour\"", "colour", "2:1"],
  ["unknown-nested", H + "models: [{name: m, source: m.gguf, sha265: x}]\n", "UNKNOWN_KEY", "unknown key \"sha265\" (did you mean \"sha256\"?)", "models[0].sha265", "2:36"],
  ["other-kind", H + "output: {name: x}\n", "UNKNOWN_KEY", "unknown key \"output\"", "output", "2:1"],
  ["runtime", H + "runtime: cuda12\n", "UNSUPPORTED_RUNTIME", "runtime \"cuda12\" is not supported (did you mean \"cuda\"?)", "runtime", "2:10"],
  ["avx", H + "runtime: avx2\n", "UNSUPPORTED_RUNTIME", "runtime \"avx2\" is not supported", "runtime", "2:10"],
  ["backend", H + "backends: [llama-cp]\n", "UNSUPPORTED_BACKEND", "backend \"llama-cp\" is not supported (did you mean \"llama-cpp\"?)", "backends[0]", "2:12"],
  ["2backends", H + "runtime: cuda\nbackends: [vllm, diffusers]\n", "TOO_MANY_BACKENDS", "only one backend is supported at this time", "backends", "3:11"],
  ["needs-cuda", H + "backends: [vllm]\n", "BACKEND_NEEDS_CUDA", "backend vllm requires runtime cuda", "backends[0]", "2:12"],
  ["rocm", H + "runtime: rocm\nbackends: [vllm]\n", "RUNTIME_BACKEND_CONFLICT", "runtime rocm only supports the llama-cpp backend, not vllm", "backends[0]", "3:12"],
  ["models-type", H + "models: foo\n", "WRONG_TYPE", "expected a list, got \"foo\"", "models", "2:9"],
  ["no-source", H + "models:\n  - name: m\n", "MISSING_KEY", "missing required key \"source\"", "models[0]", "3:5"],
  ["empty-name", H + "models: [{name: \"\", source: m.gguf}]\n", "EMPTY_VALUE", "name must not be empty", "models[0].name", "2:17"],
  ["num-name", H + "models: [{name: 1.10, source: m.gguf}]\n", "WRONG_TYPE", "expected a string, got 1.1", "models[0].name", "2:17"],
  ["null-required", H + "models:\n  - name:\n    source: m.gguf\n", "WRONG_TYPE", "expected a string, got null", "models[0].name", "3:5"],
  ["null-api", "apiVersion:\ndebug: true\n", "UNSUPPORTED_API_VERSION", "apiVersion null is not supported", "apiVersion", "1:1"],
  ["null-entry", H + "backends:\n  -\n", "UNSUPPORTED_BACKEND", "backend null is not supported", "backends[0]", "3:4"],
  ["ft-null-base", H + "baseModel:\ndatasets: [{source: a/b, type: alpaca}]\n", "WRONG_TYPE", "expected a string, got null", "baseModel", "2:1"],
  ["ft-null-datasets", H + "baseModel: x/y\ndatasets:\n", "WRONG_TYPE", "expected a list, got null", "datasets", "3:1"],
  ["empty-tpl-name", H + "models: [{name: a, source: a.gguf, promptTemplates: [{name: \"\", template: x}]}]\n", "EMPTY_VALUE", "name must not be empty", "models[0].promptTemplates[0].name", "2:61"],
  ["ls-ngl-frac", L + "models: [{name: m, source: m.gguf, gpuLayers: 1.5}]\n", "INVALID_GPU_LAYERS", "gpuLayers 1.5 is not a number of layers, \"auto\" or \"all\"", "models[0].gpuLayers", "3:47"],
  ["ls-ngl-huge", L + "models: [{name: m, source: m.gguf, gpuLayers: 1e20}]\n", "OUT_OF_RANGE", "gpuLayers must be at most 9007199254740991, got 100000000000000000000", "models[0].gpuLayers", "3:47"],
  ["ft-inf", F + "config:\n  unsloth:\n    learningRate: .inf\n", "WRONG_TYPE", "expected a number, got Infinity", "config.unsloth.learningRate", "6:19"],
  ["sha", H + "models: [{name: m, source: m.gguf, sha256: abc}]\n", "INVALID_SHA256", "sha256 \"abc\" is not 64 hex digits", "models[0].sha256", "2:44"],
  ["abs", H + "models: [{name: m, source: /m.gguf}]\n", "ABSOLUTE_PATH", "local source \"/m.gguf\" is an absolute path", "models[0].source", "2:28"],
  ["escape", H + "models: [{name: m, source: a/../../m.gguf}]\n", "PATH_ESCAPES_CONTEXT", "local source \"a/../../m.gguf\" points outside the build context", "models[0].source", "2:28"],
  ["dir", H + "models: [{name: m, source: models/}]\n", "NOT_A_FILE", "local source \"models/\" names a directory, not a file", "models[0].source", "2:28"],
  ["scheme", H + "models: [{name: m, source: \"s3://b/m.gguf\"}]\n", "UNSUPPORTED_SCHEME", "unsupported source scheme \"s3://\"", "models[0].source", "2:28"],
  ["hf-alias", H + "models: [{name: m, source: \"hf://o/r/m.gguf\"}]\n", "UNSUPPORTED_SCHEME", "unsupported source scheme \"hf://\" (did you mean \"huggingface://\"?)", "models[0].source", "2:28"],
  ["badurl", H + "models: [{name: m, source: \"https://\"}]\n", "INVALID_URL", "source \"https://\" is not a valid url", "models[0].source", "2:28"],
  ["creds", H + "models: [{name: m, source: \"https://u:p@h.io/m.gguf\", sha256: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}]\n", "CREDENTIALS_IN_URL", "source url must not contain credentials", "models[0].source", "2:28"],
  ["nofile", H + "models: [{name: m, source: \"https://h.io/\"}]\n", "NO_FILE_NAME", "source url \"https://h.io/\" has no file name in its path", "models[0].source", "2:28"],
  ["hf1", H + "models: [{name: m, source: \"huggingface://org\"}]\n", "INVALID_HUGGINGFACE_SOURCE", "invalid huggingface source: expected at least org/repo", "models[0].source", "2:28"],
  ["hf5", H + "models: [{name: m, source: \"huggingface://o/r/a/b/c.gguf\"}]\n", "INVALID_HUGGINGFACE_SOURCE", "invalid huggingface source: a file in a sub-directory needs an explicit revision", "models[0].source", "2:28"],
  ["oci", H + "models: [{name: m, source: \"oci://llama3.2:1b\"}]\n", "INVALID_OCI_SOURCE", "invalid oci source: \"llama3.2:1b\" has no registry host", "models[0].source", "2:28"],
  ["sha-repo", H + "models: [{name: m, source: \"huggingface://o/r\", sha256: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}]\n", "SHA256_NOT_APPLICABLE", "sha256 cannot verify a whole repository", "models[0].sha256", "2:57"],
  ["name-dots", H + "models: [{name: ../x, source: m.gguf}]\n", "INVALID_MODEL_NAME", "model name \"../x\" must be a relative path without empty, \".\" or \"..\" segments", "models[0].name", "2:17"],
  ["dup-name", H + "models:\n  - {name: m, source: a.gguf}\n  - {name: m, source: b.gguf}\n", "DUPLICATE_MODEL_NAME", "model name \"m\" is already used by models[0]", "models[1].name", "4:12"],
  ["dup-dest", H + "models:\n  - {name: a, source: x/m.gguf}\n  - {name: b, source: y/m.gguf}\n", "DUPLICATE_DESTINATION", "model file /models/m.gguf is also written by models[0]", "models[1].source", "4:23"],
  ["dup-tpl", H + "models:\n  - name: a\n    source: a.gguf\n    promptTemplates: [{name: chat, template: x}]\n  - name: b\n    source: b.gguf\n    promptTemplates: [{name: chat, template: y}]\n", "DUPLICATE_TEMPLATE", "template \"chat\" is already defined by models[0].promptTemplates[0]", "models[1].promptTemplates[0].name", "8:30"],
  ["no-tpl", H + "models:\n  - name: a\n    source: a.gguf\n    promptTemplates:\n      - name: chat\n", "MISSING_TEMPLATE", "prompt template \"chat\" has no template", "models[0].promptTemplates[0]", "6:9"],
  ["folded", H + "models:\n  - name: a\n    source: a.gguf\n    promptTemplates:\n      - name: completion\n          {{.Input}}\n", "MISSING_TEMPLATE", "prompt template \"completion\" has no template", "models[0].promptTemplates[0]", "6:9"],
  ["empty-tpl", H + "models: [{name: a, source: a.gguf, promptTemplates: [{name: chat, template: \"\"}]}]\n", "EMPTY_VALUE", "template must not be empty", "models[0].promptTemplates[0].template", "2:77"],
  ["tpl-name", H + "models: [{name: a, source: a.gguf, promptTemplates: [{name: a/b, template: x}]}]\n", "INVALID_TEMPLATE_NAME", "template name \"a/b\" is not a plain file name", "models[0].promptTemplates[0].name", "2:61"],
  ["undef-tpl", H + "models: [{name: a, source: a.gguf}]\nconfig: |\n  - name: a\n    template:\n      chat: chat\n", "UNDEFINED_TEMPLATE", "config names template \"chat\" for chat but no promptTemplates entry defines it", "config", "6:13"],
  ["config-map", H + "config:\n  unsloth: {}\n", "WRONG_TYPE", "expected a string, got a mapping", "config", "3:3"],
  ["ltm-comma", H + "loadToMemory: [\"a,b\"]\n", "INVALID_LOAD_TO_MEMORY", "loadToMemory entry \"a,b\" must not contain commas, backslashes or NUL", "loadToMemory[0]", "2:16"],
  ["ltm-dup", H + "models: [{name: a, source: a.gguf}]\nloadToMemory: [a, a]\n", "DUPLICATE_LOAD_TO_MEMORY", "loadToMemory lists \"a\" twice", "loadToMemory[1]", "3:19"],
  ["server", H + "server: llama\n", "UNSUPPORTED_SERVER", "server \"llama\" is not supported", "server", "2:9"],
  ["ls-ctx-localai", H + "models:\n  - name: m\n    source: m.gguf\n    contextSize: 4096\n", "LLAMA_SERVER_ONLY", "contextSize is a llama-server setting, but this aikitfile's server is localai (the default)", "models[0].contextSize", "5:5"],
  ["ls-tpl-localai", H + "server: localai\nmodels:\n  - name: m\n    source: m.gguf\n    chatTemplate: \"{{ x }}\"\n", "LLAMA_SERVER_ONLY", "chatTemplate is a llama-server setting, but this aikitfile's server is localai", "models[0].chatTemplate", "6:5"],
  ["ls-stop-localai", H + "models: [{name: m, source: m.gguf, stop: [x]}]\n", "LLAMA_SERVER_ONLY", "stop is a llama-server setting, but this aikitfile's server is localai (the default)", "models[0].stop", "2:36"],
  ["ls-ngl-localai", H + "models: [{name: m, source: m.gguf, gpuLayers: 99}]\n", "LLAMA_SERVER_ONLY", "gpuLayers is a llama-server setting, but this aikitfile's server is localai (the default)", "models[0].gpuLayers", "2:36"],
  ["ls-ngl-neg", L + "models: [{name: m, source: m.gguf, gpuLayers: -1}]\n", "OUT_OF_RANGE", "gpuLayers must be at least 0, got -1", "models[0].gpuLayers", "3:47"],
  ["ls-ngl-word", L + "models: [{name: m, source: m.gguf, gpuLayers: most}]\n", "INVALID_GPU_LAYERS", "gpuLayers \"most\" is not a number of layers, \"auto\" or \"all\"", "models[0].gpuLayers", "3:47"],
  ["ls-ctx-neg", L + "models: [{name: m, source: m.gguf, contextSize: -2}]\n", "OUT_OF_RANGE", "contextSize must be at least 0, got -2", "models[0].contextSize", "3:49"],
  ["ls-backends", L + "backends: [llama-cpp]\nmodels: [{name: m, source: m.gguf}]\n", "LOCALAI_ONLY", "backends are LocalAI backends; a llama-server image runs llama.cpp only", "backends", "3:1"],
  ["ls-config", L + "models: [{name: m, source: m.gguf}]\nconfig: |\n  - name: m\n", "LOCALAI_ONLY", "config is LocalAI model configuration, which llama-server does not read", "config", "4:1"],
  ["ls-templates", L + "models:\n  - name: m\n    source: m.gguf\n    promptTemplates: [{name: chat, template: x}]\n", "LOCALAI_ONLY", "promptTemplates are Go templates for LocalAI; llama-server does not read them", "models[0].promptTemplates", "6:5"],
  ["ls-2stop", L + "models:\n  - name: m\n    source: m.gguf\n    stop:\n      - \"<|im_end|>\"\n      - \"<|eot_id|>\"\n", "TOO_MANY_STOP_WORDS", "llama-server takes one stop word per model, got 2", "models[0].stop[1]", "8:9"],
  ["ls-stop-semi", L + "models: [{name: m, source: m.gguf, stop: [\"a;b\"]}]\n", "INVALID_STOP_WORD", "stop word \"a;b\" cannot be written to llama-server's preset file", "models[0].stop[0]", "3:43"],
  ["ls-stop-space", L + "models: [{name: m, source: m.gguf, stop: [\" x\"]}]\n", "INVALID_STOP_WORD", "stop word \" x\" cannot be written to llama-server's preset file", "models[0].stop[0]", "3:43"],
  ["ls-stop-nl", L + "models: [{name: m, source: m.gguf, stop: [\"a\\nb\"]}]\n", "INVALID_STOP_WORD", "stop word \"a\\nb\" cannot be written to llama-server's preset file", "models[0].stop[0]", "3:43"],
  ["ls-empty-stop", L + "models: [{name: m, source: m.gguf, stop: [\"\"]}]\n", "EMPTY_VALUE", "stop must not be empty", "models[0].stop[0]", "3:43"],
  ["ls-name-comma", L + "models: [{name: \"a,b\", source: m.gguf}]\n", "INVALID_MODEL_NAME", "model name \"a,b\" cannot name a llama-server model", "models[0].name", "3:17"],
  ["ls-name-bracket", L + "models: [{name: \"[x]\", source: m.gguf}]\n", "INVALID_MODEL_NAME", "model name \"[x]\" cannot name a llama-server model", "models[0].name", "3:17"],
  ["ls-repo", L + "models: [{name: m, source: \"huggingface://o/r\"}]\n", "LLAMA_SERVER_NEEDS_FILE", "llama-server loads one GGUF file per model, not a whole repository", "models[0].source", "3:28"],
  ["ls-path", L + "models: [{name: m, source: \"m#1.gguf\"}]\n", "INVALID_MODEL_PATH", "model file \"/models/m#1.gguf\" cannot be named in llama-server's preset file", "models[0].source", "3:28"],
  ["runner-applesilicon", H + "runtime: applesilicon\nbackends: [llama-cpp]\n", "RUNNER_NOT_SUPPORTED", "a runner image (backends and no models) cannot be built for runtime applesilicon", "runtime", "2:10"],
  ["ls-tpl-dest", L + "models:\n  - {name: x, source: a.jinja}\n  - {name: a, source: c.gguf, chatTemplate: t}\n", "DUPLICATE_DESTINATION", "chat template /models/a.jinja is also written by models[0]", "models[1].chatTemplate", "5:31"],
  ["ls-preset-dest", L + "models: [{name: m, source: presets.ini}]\n", "DUPLICATE_DESTINATION", "model file /models/presets.ini is also written by the llama-server preset", "models[0].source", "3:28"],
  ["ft-nodata", H + "baseModel: x/y\n", "NO_DATASETS", "no datasets defined", "", "1:1"],
  ["ft-emptydata", H + "baseModel: x/y\ndatasets: []\n", "NO_DATASETS", "no datasets defined", "datasets", "3:11"],
  ["ft-2data", H + "baseModel: x/y\ndatasets:\n  - {source: a/b, type: alpaca}\n  - {source: c/d, type: prompt-completion}\n", "INCOMPATIBLE_DATASETS", "dataset type \"prompt-completion\" (completion-only) cannot be combined with datasets[0] type \"alpaca\" (full-sequence)", "datasets[1].type", "5:25"],
  ["ft-type", H + "baseModel: x/y\ndatasets: [{source: a/b, type: alpac}]\n", "UNSUPPORTED_DATASET_TYPE", "dataset type \"alpac\" is not supported (did you mean \"alpaca\"?)", "datasets[0].type", "3:32"],
  ["ft-nobase", H + "datasets: [{source: a/b, type: alpaca}]\n", "MISSING_KEY", "missing required key \"baseModel\"", "", "1:1"],
  ["ft-target", F + "target: axolotl\n", "UNSUPPORTED_TARGET", "target \"axolotl\" is not supported", "target", "4:9"],
  ["ft-dsource", H + "baseModel: x/y\ndatasets: [{source: \"ftp://x/y.json\", type: alpaca}]\n", "INVALID_DATASET_SOURCE", "dataset source \"ftp://x/y.json\" is not a dataset id or http(s) url", "datasets[0].source", "3:21"],
  ["ft-range", F + "config:\n  unsloth:\n    maxSeqLength: 0\n", "OUT_OF_RANGE", "maxSeqLength must be at least 1, got 0", "config.unsloth.maxSeqLength", "6:19"],
  ["ft-quoted-number", F + "config:\n  unsloth:\n    learningRate: \"2e-4\"\n", "WRONG_TYPE", "expected a number, got \"2e-4\"", "config.unsloth.learningRate", "6:19"],
  ["ft-int", F + "config:\n  unsloth:\n    batchSize: 1.5\n", "WRONG_TYPE", "expected an integer, got 1.5", "config.unsloth.batchSize", "6:16"],
  ["ft-outname", F + "output: {name: ../x}\n", "INVALID_OUTPUT_NAME", "output name \"../x\" is not a safe file name", "output.name", "4:16"],
  ["ft-quant", F + "output: {quantize: Q4_K_M}\n", "INVALID_QUANTIZE", "quantize \"Q4_K_M\" is not a quantization method name", "output.quantize", "4:20"],
  ["ft-models", F + "models: []\n", "UNKNOWN_KEY", "unknown key \"models\"", "models", "4:1"],
  ["ft-unknown", F + "config:\n  unsloth:\n    batchsize: 1\n", "UNKNOWN_KEY", "unknown key \"batchsize\" (did you mean \"batchSize\"?)", "config.unsloth.batchsize", "6:5"],
  ])('%s', (_title, yaml, code, message, path, at) => {
    const issues = errorsOf(yaml);
    expect(issues).toHaveLength(1);
    const [i] = issues;
    expect(i!.severity).toBe('error');
    expect([i!.code, i!.message, formatPath(i!.path ?? []), pos(i!)]).toEqual([code, message, path, at]);
  });
});

describe('a key written with no value', () => {
  // YAML reads `key:` as null; the reference's Go decoding takes the zero value and so do we.
  it.each([
    ['runtime', `${H}runtime:\n`],
    ['debug', `${H}debug:\n`],
    ['backends', `${H}backends:\n`],
    ['models', `${H}models:\n`],
    ['config', `${H}config:\n`],
    ['loadToMemory', `${H}loadToMemory:\n`],
  ])('is absent for the optional inference field %s', (_key, yaml) => {
    expect(inference(yaml)).toEqual(inference(H));
  });

  it('is absent for optional fields inside a model', () => {
    const spec = inference(
      `${H}models:\n  - name: m\n    source: m.gguf\n    sha256:\n    promptTemplates:\n`,
    );
    expect(spec.models).toEqual(inference(`${H}models: [{name: m, source: m.gguf}]\n`).models);
    expect(spec.models[0]).not.toHaveProperty('sha256');
  });

  it('is absent for llama-server model fields, so localai does not reject them', () => {
    const yaml = `${H}models: [{name: m, source: m.gguf, contextSize: , chatTemplate: , stop: , gpuLayers: }]\n`;
    expect(inference(yaml).models[0]).toEqual(
      inference(`${H}models: [{name: m, source: m.gguf}]\n`).models[0],
    );
  });

  it('gets the defaults in a fine-tune aikitfile', () => {
    expect(finetune(`${F}target:\nconfig:\n`)).toEqual(finetune(F));
    expect(finetune(`${F}config:\n  unsloth:\noutput:\n`)).toEqual(finetune(F));
    expect(
      finetune(`${F}config:\n  unsloth:\n    seed:\n    learningRate: 0.001\noutput:\n  name:\n`),
    ).toEqual(finetune(`${F}config:\n  unsloth:\n    learningRate: 0.001\n`));
  });

  it('is still an error for a required key, at its line', () => {
    const issues = errorsOf(`${H}models:\n  - name: m\n    source:\n    sha256:\n`);
    expect(issues.map((i) => [i.code, i.message, i.hint, formatPath(i.path ?? []), pos(i)])).toEqual([
      ['WRONG_TYPE', 'expected a string, got null', 'give the key a value', 'models[0].source', '4:5'],
    ]);
  });

  it('is still an unknown key when the key is unknown', () => {
    expect(errorsOf(`${H}colour:\n`).map((i) => i.code)).toEqual(['UNKNOWN_KEY']);
  });
});

describe('list lengths', () => {
  it('are reported by the schema when no rule covers them', () => {
    const issues = errorsOf(`${H}server: ollama\nbackends: [vllm, diffusers]\n`);
    expect(issues.map((i) => [i.code, i.message, pos(i)])).toEqual([
      ['UNSUPPORTED_SERVER', 'server "ollama" is not supported', '2:9'],
      ['OUT_OF_RANGE', 'backends must have at most 1 entry', '3:11'],
    ]);
  });

  it("are reported once, in the rule's words, when a rule covers them", () => {
    const issues = errorsOf(`${H}runtime: cuda\nbackends: [vllm, diffusers]\n`);
    expect(issues.map((i) => i.code)).toEqual(['TOO_MANY_BACKENDS']);
  });
});

describe('warnings', () => {
  // prettier-ignore
  it.each([
    ['http without sha256', H + 'models: [{name: m, source: "https://h.io/m.gguf"}]\n', 'UNVERIFIED_DOWNLOAD', 'download has no sha256, so its content is not verified', 'models[0].source', '2:28'],
    ['\\" in a template', H + 'models: [{name: m, source: m.gguf, promptTemplates: [{name: c, template: \'say \\"hi\\"\'}]}]\n', 'SHELL_ESCAPE', 'template contains \\" which is now written literally', 'models[0].promptTemplates[0].template', '2:74'],
    ['\\" in the config', H + 'config: |\n  - name: m\n    stopwords: [\\"x\\"]\n', 'SHELL_ESCAPE', 'config contains \\" which is now written literally', 'config', '2:9'],
    ['config not yaml', H + 'config: "- a: [\\n"\n', 'CONFIG_NOT_YAML', 'config is not valid YAML: flow sequence in block collection must be sufficiently indented and end with a ]', 'config', '2:9'],
    ['config not a list', H + 'config: |\n  name: m\n', 'CONFIG_NOT_A_LIST', 'config is not a list of model configurations', 'config', '2:9'],
    ['loadToMemory unknown', H + 'models: [{name: m, source: m.gguf}]\nloadToMemory: [mm]\n', 'UNKNOWN_LOAD_TO_MEMORY', 'loadToMemory names "mm", which no model or config entry defines (did you mean "m"?)', 'loadToMemory[0]', '3:16'],
    ['llama-server loadToMemory unknown', L + 'models: [{name: m, source: m.gguf}]\nloadToMemory: [m.gguf]\n', 'UNKNOWN_LOAD_TO_MEMORY', 'loadToMemory names "m.gguf", which no model defines', 'loadToMemory[0]', '4:16'],
    ['unknown quantize', F + 'output: {quantize: q4_k_n}\n', 'UNKNOWN_QUANTIZE', 'quantize "q4_k_n" is not a known Unsloth method (did you mean "q4_k_m"?)', 'output.quantize', '4:20'],
    ['unresolved yaml tag', H + 'config: !foo "- name: x"\n', 'YAML_WARNING', 'unresolved tag: !foo', '', '2:9'],
  ])('%s', (_title, yaml, code, message, path, at) => {
    const { warnings } = loadAikitfile(yaml, 'f.yaml');
    expect(warnings).toHaveLength(1);
    const [w] = warnings;
    expect(w!.severity).toBe('warning');
    expect([w!.code, w!.message, formatPath(w!.path ?? []), pos(w!)]).toEqual([code, message, path, at]);
  });

  it('accepts a config that uses inline template text or a name that promptTemplates defines', () => {
    const yaml = `${H}models:\n  - name: m\n    source: m.gguf\n    sha256: ${SHA}\n    promptTemplates: [{name: chatMsg, template: "{{.Content}}"}]\nconfig: |\n  - name: m\n    template:\n      chat_message: chatMsg\n      chat: "{{.Input}}"\n      completion: |\n        {{.Input}}\n`;
    expect(loadAikitfile(yaml, 'f.yaml').warnings).toEqual([]);
  });
});

describe('build-args and options', () => {
  // prettier-ignore
  it.each([
    ['runtime', H, { buildArgs: { runtime: 'cudaa' } }, 'UNSUPPORTED_RUNTIME', 'build-arg runtime "cudaa" is not supported (did you mean "cuda"?)'],
    ['model scheme', H, { buildArgs: { model: 's3://x/y' } }, 'UNSUPPORTED_SCHEME', 'build-arg model: unsupported source scheme "s3://"'],
    ['model repo', H, { buildArgs: { model: 'huggingface://o/r' } }, 'BUILD_ARG_MODEL_NOT_A_FILE', 'build-arg model must name one file, not a whole repository'],
    ['model escape', H, { buildArgs: { model: '../m.gguf' } }, 'PATH_ESCAPES_CONTEXT', 'build-arg model: local source "../m.gguf" points outside the build context'],
    ['target', F, { target: 'axolotl' }, 'UNSUPPORTED_TARGET', 'target "axolotl" (from --target) is not supported'],
  ] as const)('%s', (_title, yaml, opts, code, message) => {
    const issues = errorsOf(yaml, opts);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toEqual({ severity: 'error', code, message, hint: expect.any(String) });
  });

  it('locates a conflict with a runtime that came from a build-arg and names its origin', () => {
    const [i] = errorsOf(`${H}backends: [diffusers]\n`, { buildArgs: { runtime: 'applesilicon' } });
    expect([i!.code, i!.message, pos(i!)]).toEqual([
      'RUNTIME_BACKEND_CONFLICT',
      'runtime applesilicon (from --build-arg runtime) only supports the llama-cpp backend, not diffusers',
      '2:12',
    ]);
  });

  it('overrides runtime only when the build-arg is non-empty', () => {
    expect(inference(`${H}runtime: cuda\n`, { buildArgs: { runtime: '' } }).runtime).toBe('cuda');
    expect(inference(`${H}runtime: cuda\n`, { buildArgs: { runtime: 'applesilicon' } }).runtime).toBe(
      'applesilicon',
    );
  });

  it('replaces models and config with the build-arg model and keeps debug and runtime', () => {
    const yaml = `${H}debug: true\nruntime: cuda\nmodels: [{name: x, source: x.gguf}]\nconfig: "- name: x"\n`;
    const loaded = loadAikitfile(yaml, 'f.yaml', {
      buildArgs: { model: 'huggingface://TheBloke/Llama-2-7B-Chat-GGUF/llama-2-7b-chat.Q4_K_M.gguf' },
    });
    const spec = loaded.spec as InferenceSpec;
    expect(spec).toMatchObject({ debug: true, runtime: 'cuda' });
    expect(spec.models).toEqual([
      {
        name: 'llama-2-7b-chat.Q4_K_M.gguf',
        source: {
          kind: 'huggingface',
          repo: 'TheBloke/Llama-2-7B-Chat-GGUF',
          revision: 'main',
          file: 'llama-2-7b-chat.Q4_K_M.gguf',
        },
        promptTemplates: [],
        index: 0,
      },
    ]);
    expect(spec.config).toBe(
      '\n- name: llama-2-7b-chat.Q4_K_M.gguf\n  backend: llama\n  parameters:\n    model: llama-2-7b-chat.Q4_K_M.gguf',
    );
    // The file's models are not what is built, so their places must not be offered.
    expect(loaded.locate(['models', 0])).toBeUndefined();
    expect(loaded.locate(['debug'])).toEqual({ line: 2, col: 8, endLine: 2, endCol: 11 });
  });

  it('skips the replaced models but still checks the file they came from', () => {
    const yaml = `${H}models: [{name: x, source: /abs.gguf, sha265: x}]\n`;
    const issues = errorsOf(yaml, { buildArgs: { model: 'https://h.io/m.gguf' } });
    expect(issues.map((i) => i.code)).toEqual(['UNKNOWN_KEY']);
  });

  it('warns that fine-tune builds ignore model and runtime', () => {
    const { warnings } = loadAikitfile(F, 'f.yaml', { buildArgs: { model: 'x.gguf', runtime: 'cuda' } });
    expect(warnings.map((w) => w.message)).toEqual([
      'build-arg model is ignored for a fine-tune aikitfile',
      'build-arg runtime is ignored for a fine-tune aikitfile',
    ]);
  });
});

describe('server: llama-server', () => {
  it('loads the per-model settings and keeps LocalAI parts empty', () => {
    const spec = inference(
      `${L}debug: true\nruntime: cuda\nmodels:\n  - name: m\n    source: m.gguf\n    contextSize: 2048\n    chatTemplate: "{{ messages }}"\n    stop: ["<|im_end|>"]\n    gpuLayers: all\n  - {name: n, source: n.gguf, gpuLayers: 0}\nloadToMemory: [m]\n`,
    );
    expect(spec).toMatchObject({
      server: 'llama-server',
      debug: true,
      runtime: 'cuda',
      backends: [],
      loadToMemory: ['m'],
    });
    expect(spec.config).toBeUndefined();
    expect(spec.models[0]).toMatchObject({
      contextSize: 2048,
      chatTemplate: '{{ messages }}',
      stop: ['<|im_end|>'],
      gpuLayers: 'all',
      promptTemplates: [],
    });
    expect(spec.models[1]).toEqual({
      name: 'n',
      source: { kind: 'local', path: 'n.gguf' },
      promptTemplates: [],
      gpuLayers: 0,
      index: 1,
    });
  });

  it('defaults to localai', () => {
    expect(inference(`${H}models: [{name: m, source: m.gguf}]\n`).server).toBe('localai');
  });

  it('takes --build-arg model without generating a LocalAI config', () => {
    const spec = inference(L, { buildArgs: { model: 'https://h.io/x.gguf' } });
    expect(spec.models.map((m) => m.name)).toEqual(['x.gguf']);
    expect(spec.config).toBeUndefined();
  });

  it('hints at server: llama-server and at the LocalAI equivalent', () => {
    const [i] = errorsOf(`${H}models: [{name: m, source: m.gguf, contextSize: 4096}]\n`);
    expect(i!.hint).toBe(
      'add server: llama-server at the top level, or set context_size in the LocalAI config',
    );
  });

  it('reports every LocalAI-only part at once', () => {
    const yaml = `${L}backends: [llama-cpp]\nmodels:\n  - name: m\n    source: m.gguf\n    promptTemplates: [{name: chat, template: x}]\nconfig: "- name: m"\n`;
    expect(errorsOf(yaml).map((i) => [i.code, formatPath(i.path ?? []), pos(i)])).toEqual([
      ['LOCALAI_ONLY', 'backends', '3:1'],
      ['LOCALAI_ONLY', 'models[0].promptTemplates', '7:5'],
      ['LOCALAI_ONLY', 'config', '8:1'],
    ]);
  });
});

describe('collecting', () => {
  it('reports five different mistakes as five located issues, in file order', () => {
    const yaml = [
      'apiVersion: v1alpha2',
      'debug: "yes"',
      'runtme: cuda',
      'models:',
      '  - name: llama',
      '    source: /models/llama.gguf',
      '    sha256: abc',
      '',
    ].join('\n');
    let error: unknown;
    try {
      loadAikitfile(yaml, 'aikitfile.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AikitError);
    const e = error as AikitError;
    expect([e.code, e.message, e.file]).toEqual([
      'INVALID_AIKITFILE',
      'aikitfile.yaml has 5 problems',
      'aikitfile.yaml',
    ]);
    expect(formatError(e)).toBe(
      [
        'aikitfile.yaml:1:13: apiVersion: apiVersion "v1alpha2" is not supported',
        '  hint: use apiVersion: v1alpha1',
        'aikitfile.yaml:2:8: debug: expected true or false, got "yes"',
        '  hint: write true or false (YAML 1.2 reads yes/no/on/off as strings)',
        'aikitfile.yaml:3:1: runtme: unknown key "runtme" (did you mean "runtime"?)',
        'aikitfile.yaml:6:13: models[0].source: local source "/models/llama.gguf" is an absolute path',
        '  hint: local model files are read from the build context: give the path relative to it',
        'aikitfile.yaml:7:13: models[0].sha256: sha256 "abc" is not 64 hex digits',
        '  hint: write the digest as 64 hex characters, optionally prefixed with "sha256:"',
      ].join('\n'),
    );
    expect(e.issues.every((i) => i.range && i.path)).toBe(true);
  });

  it('says "1 problem" for one', () => {
    expect(() => loadAikitfile('debug: true\n', 'a.yaml')).toThrow('a.yaml has 1 problem');
  });

  it('gives the full range of the offending node', () => {
    const [i] = errorsOf(`${H}models:\n  - name: m\n    source: m.gguf\n    sha256: "sha256:xyz"\n`);
    expect(i!.range).toEqual({ line: 5, col: 13, endLine: 5, endCol: 24 });
  });
});

// The reference's test/aikitfile-llama.yaml with its broken `completion` entry repaired (decisions.md#d4).
const LLAMA = `#syntax=aikit:test
apiVersion: v1alpha1
debug: true
models:
  - name: llama-3.2-1b-instruct
    source: https://huggingface.co/MaziyarPanahi/Llama-3.2-1B-Instruct-GGUF/resolve/main/Llama-3.2-1B-Instruct.Q4_K_M.gguf
    sha256: ${SHA}
    promptTemplates:
      - name: chatMsg
        template: |
          <|start_header_id|>{{if eq .RoleName "assistant"}}assistant{{else}}{{.RoleName}}{{end}}<|end_header_id|>

          {{ .Content }}<|eot_id|>
      - name: chat
        template: |
          <|begin_of_text|>{{.Input }}
          <|start_header_id|>assistant<|end_header_id|>
      - name: completion
        template: |
          {{.Input}}
config: |
  - name: llama-3.2-1b-instruct
    backend: llama
    parameters:
      model: Llama-3.2-1B-Instruct.Q4_K_M.gguf
    context_size: 8192
    template:
      chat_message: chatMsg
      chat: chat
      completion: completion
    stopwords:
    - <|im_end|>
    - <|eot_id|>
`;

describe('sample aikitfiles', () => {
  it('loads the llama sample with defaults', () => {
    const { spec, warnings } = loadAikitfile(LLAMA, 'aikitfile.yaml');
    expect(warnings).toEqual([]);
    expect(spec).toMatchObject({
      kind: 'inference',
      apiVersion: 'v1alpha1',
      debug: true,
      runtime: '',
      backends: [],
      loadToMemory: [],
    });
    const s = spec as InferenceSpec;
    expect(s.models).toHaveLength(1);
    expect(s.models[0]).toMatchObject({
      name: 'llama-3.2-1b-instruct',
      source: { kind: 'http' },
      sha256: `sha256:${SHA}`,
      index: 0,
    });
    expect(s.models[0]!.promptTemplates.map((t) => t.name)).toEqual(['chatMsg', 'chat', 'completion']);
    expect(s.models[0]!.promptTemplates[2]!.template).toBe('{{.Input}}\n');
    expect(s.config).toContain('context_size: 8192');
  });

  it('locates nodes for later errors', () => {
    const { locate } = loadAikitfile(LLAMA, 'aikitfile.yaml');
    expect(locate(['models', 0])?.line).toBe(5);
    expect(locate(['models', 0, 'source'])).toMatchObject({ line: 6, col: 13, endLine: 6 });
    expect(locate(['models', 0, 'promptTemplates', 1, 'name'])).toMatchObject({ line: 14, col: 15 });
    expect(locate(['models', 1])).toBeUndefined();
    expect(locate(['runtime'])).toBeUndefined();
  });

  // prettier-ignore
  it.each([
    ['hf', 'models: [{name: llama-3.2-1b-instruct, source: "huggingface://MaziyarPanahi/Llama-3.2-1B-Instruct-GGUF/Llama-3.2-1B-Instruct.Q4_K_M.gguf"}]', { kind: 'huggingface', repo: 'MaziyarPanahi/Llama-3.2-1B-Instruct-GGUF', revision: 'main', file: 'Llama-3.2-1B-Instruct.Q4_K_M.gguf' }],
    ['oci', 'models: [{name: llama-3.2-1b-instruct, source: "oci://registry.ollama.ai/library/llama3.2:1b"}]', { kind: 'oci', ref: 'registry.ollama.ai/library/llama3.2:1b', registry: 'registry.ollama.ai', repository: 'library/llama3.2', tag: '1b', ollama: true }],
    ['local', 'models: [{name: custom, source: ./model-q4_k_m.gguf}]', { kind: 'local', path: 'model-q4_k_m.gguf' }],
    ['diffusers', `runtime: cuda\nbackends: [diffusers]\nmodels: [{name: dreamshaper_assets/DreamShaper_8_pruned.safetensors, source: "https://huggingface.co/Lykon/DreamShaper/resolve/main/DreamShaper_8_pruned.safetensors", sha256: ${SHA}}]`, { kind: 'http', url: 'https://huggingface.co/Lykon/DreamShaper/resolve/main/DreamShaper_8_pruned.safetensors' }],
  ])('loads the %s sample', (_title, body, source) => {
    const spec = inference(`${H}${body}\n`);
    expect(spec.models[0]!.source).toEqual(source);
  });

  it('loads an image without models (flux) and a file with only apiVersion and debug (args)', () => {
    const flux = inference(
      `${H}debug: true\nruntime: cuda\nbackends:\n  - diffusers\nconfig: |\n  - name: flux-1-dev\n    backend: diffusers\n`,
    );
    expect(flux).toMatchObject({ models: [], backends: ['diffusers'], runtime: 'cuda' });
    expect(inference(`${H}debug: true\n`)).toEqual({
      kind: 'inference',
      apiVersion: 'v1alpha1',
      server: 'localai',
      debug: true,
      runtime: '',
      backends: [],
      models: [],
      loadToMemory: [],
    });
  });

  it('accepts the sha256: prefix and upper case, and stores the canonical digest', () => {
    const spec = inference(
      `${H}models: [{name: m, source: m.gguf, sha256: "sha256:${SHA.toUpperCase()}"}]\n`,
    );
    expect(spec.models[0]!.sha256).toBe(`sha256:${SHA}`);
  });

  it('loads the unsloth sample and applies defaults only to absent fields (decisions.md#d14)', () => {
    const yaml = `${F}config:\n  unsloth:\n    seed: 0\n    warmupSteps: 0\n    weightDecay: 0\n    learningRate: 0.0004\noutput:\n  name: model\n`;
    const spec = finetune(yaml);
    expect(spec).toEqual({
      kind: 'finetune',
      apiVersion: 'v1alpha1',
      target: 'unsloth',
      baseModel: 'unsloth/llama',
      objective: { type: 'sft' },
      datasets: [{ source: 'yahma/alpaca-cleaned', type: 'alpaca' }],
      config: {
        unsloth: {
          loss: 'all',
          packing: false,
          maxSeqLength: 2048,
          loadIn4bit: true,
          batchSize: 2,
          gradientAccumulationSteps: 4,
          warmupSteps: 0,
          maxSteps: 60,
          learningRate: 0.0004,
          loggingSteps: 1,
          optimizer: 'adamw_8bit',
          weightDecay: 0,
          lrSchedulerType: 'linear',
          seed: 0,
        },
        llamaCpp: { epochs: 1, contextSize: 256, learningRate: 0.00001, threads: 0 },
      },
      output: { format: 'gguf', quantize: 'q4_k_m', name: 'model' },
    });
  });

  it('takes the target from --target, else the file, else unsloth (decisions.md#d14)', () => {
    expect(finetune(`${F}target: unsloth\n`).target).toBe('unsloth');
    expect(finetune(F, { target: 'unsloth' }).target).toBe('unsloth');
    expect(finetune(F, { target: '' }).target).toBe('unsloth');
  });

  it('detects fine-tune by baseModel or datasets (decisions.md#d1)', () => {
    expect(loadAikitfile(F, 'f.yaml').spec.kind).toBe('finetune');
    expect(errorsOf(`${H}datasets: [{source: a/b, type: alpaca}]\n`)[0]!.message).toBe(
      'missing required key "baseModel"',
    );
    expect(loadAikitfile(`${H}config: "x"\n`, 'f.yaml').spec.kind).toBe('inference');
  });
});
