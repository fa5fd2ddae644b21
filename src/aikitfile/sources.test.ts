import { describe, expect, it } from 'vitest';
import { modelDestination, modelFileName, parseModelSource } from './sources.js';
import type { ModelSource } from './types.js';

const parsed = (text: string): ModelSource => {
  const r = parseModelSource(text);
  if (!r.ok) throw new Error(r.problem.message);
  return r.source;
};

describe('parseModelSource', () => {
  // prettier-ignore
  it.each([
    ['https://h.io/a/m.gguf?x=1', { kind: 'http', url: 'https://h.io/a/m.gguf?x=1' }],
    ['HTTP://h.io/m.gguf', { kind: 'http', url: 'HTTP://h.io/m.gguf' }],
    ['m.gguf', { kind: 'local', path: 'm.gguf' }],
    ['./models//nested/./m.gguf', { kind: 'local', path: 'models/nested/m.gguf' }],
    ['a/../m.gguf', { kind: 'local', path: 'm.gguf' }],
    ['huggingface://TheBloke/Llama-2-7B-Chat-GGUF/llama-2-7b-chat.Q4_K_M.gguf', { kind: 'huggingface', repo: 'TheBloke/Llama-2-7B-Chat-GGUF', revision: 'main', file: 'llama-2-7b-chat.Q4_K_M.gguf' }],
    ['huggingface://o/r/dev/f.gguf', { kind: 'huggingface', repo: 'o/r', revision: 'dev', file: 'f.gguf' }],
    ['huggingface://o/r@v1.0/sub/dir/f.gguf', { kind: 'huggingface', repo: 'o/r', revision: 'v1.0', file: 'sub/dir/f.gguf' }],
    ['huggingface://o/r', { kind: 'huggingface', repo: 'o/r', revision: 'main' }],
    ['huggingface://o/r@0123abc', { kind: 'huggingface', repo: 'o/r', revision: '0123abc' }],
    ['huggingface://o/r:dev', { kind: 'huggingface', repo: 'o/r', revision: 'dev' }],
    ['oci://registry.ollama.ai/library/llama3.2:1b', { kind: 'oci', ref: 'registry.ollama.ai/library/llama3.2:1b', registry: 'registry.ollama.ai', repository: 'library/llama3.2', tag: '1b', ollama: true }],
    ['oci://registry.ollama.ai/library/llama3.2', { kind: 'oci', ref: 'registry.ollama.ai/library/llama3.2:latest', registry: 'registry.ollama.ai', repository: 'library/llama3.2', tag: 'latest', ollama: true }],
    ['oci://ghcr.io/a/b/model:tag', { kind: 'oci', ref: 'ghcr.io/a/b/model:tag', registry: 'ghcr.io', repository: 'a/b/model', tag: 'tag', ollama: false }],
    [`oci://localhost:5000/model@sha256:${'a'.repeat(64)}`, { kind: 'oci', ref: `localhost:5000/model@sha256:${'a'.repeat(64)}`, registry: 'localhost:5000', repository: 'model', digest: `sha256:${'a'.repeat(64)}`, ollama: false }],
    ['oci://localhost:5000/model:v1', { kind: 'oci', ref: 'localhost:5000/model:v1', registry: 'localhost:5000', repository: 'model', tag: 'v1', ollama: false }],
    ['oci://registry.ollama.ai/library/llama3:8b', { kind: 'oci', ref: 'registry.ollama.ai/library/llama3:8b', registry: 'registry.ollama.ai', repository: 'library/llama3', tag: '8b', ollama: true }],
    // The registry is named, so Docker Hub's library/ is not added.
    ['oci://docker.io/alpine', { kind: 'oci', ref: 'docker.io/alpine:latest', registry: 'docker.io', repository: 'alpine', tag: 'latest', ollama: false }],
    [`oci://[::1]:5000/m:v1@sha256:${'b'.repeat(64)}`, { kind: 'oci', ref: `[::1]:5000/m:v1@sha256:${'b'.repeat(64)}`, registry: '[::1]:5000', repository: 'm', tag: 'v1', digest: `sha256:${'b'.repeat(64)}`, ollama: false }],
  ])('%s', (text, source) => {
    expect(parseModelSource(text)).toEqual({ ok: true, source });
  });

  // prettier-ignore
  it.each([
    ['', 'EMPTY_VALUE', 'source must not be empty'],
    ['/m.gguf', 'ABSOLUTE_PATH', 'local source "/m.gguf" is an absolute path'],
    ['C:\\m.gguf', 'ABSOLUTE_PATH', 'local source "C:\\\\m.gguf" is an absolute path'],
    ['..', 'PATH_ESCAPES_CONTEXT', 'local source ".." points outside the build context'],
    ['.', 'NOT_A_FILE', 'local source "." names a directory, not a file'],
    ['ftp://h/m.gguf', 'UNSUPPORTED_SCHEME', 'unsupported source scheme "ftp://"'],
    ['htps://h/m.gguf', 'UNSUPPORTED_SCHEME', 'unsupported source scheme "htps://" (did you mean "https://"?)'],
    ['docker://r/m', 'UNSUPPORTED_SCHEME', 'unsupported source scheme "docker://" (did you mean "oci://"?)'],
    ['https://h.io/a%2Fb', 'NO_FILE_NAME', 'source url "https://h.io/a%2Fb" has no file name in its path'],
    ['huggingface://o/r/f?x', 'INVALID_HUGGINGFACE_SOURCE', 'invalid huggingface source: it must not contain spaces, "?" or "#"'],
    ['huggingface://o/-r/f', 'INVALID_HUGGINGFACE_SOURCE', 'invalid huggingface source: "o/-r" is not an org/repo name'],
    ['huggingface://o/r@/f', 'INVALID_HUGGINGFACE_SOURCE', 'invalid huggingface source: revision "" is not valid'],
    ['huggingface://o/r@main/a/../f', 'INVALID_HUGGINGFACE_SOURCE', 'invalid huggingface source: file path "a/../f" is not a clean relative path'],
    ['oci://ghcr.io/A/b', 'INVALID_OCI_SOURCE', 'invalid oci source: repository "A/b" must be lowercase path components'],
    ['oci://ghcr.io/a:b c', 'INVALID_OCI_SOURCE', 'invalid oci source: tag "b c" is not valid'],
    ['oci://ghcr.io/a@sha256:12', 'INVALID_OCI_SOURCE', 'invalid oci source: digest "sha256:12" is not sha256:<64 hex>'],
    ['oci://library/llama', 'INVALID_OCI_SOURCE', 'invalid oci source: "library" is not a registry host'],
    ['oci://Library/llama', 'INVALID_OCI_SOURCE', 'invalid oci source: "Library" is not a registry host'],
    ['oci://llama3:8b', 'INVALID_OCI_SOURCE', 'invalid oci source: "llama3:8b" has no registry host'],
    [`oci://ghcr.io/a@sha512:${'b'.repeat(128)}`, 'INVALID_OCI_SOURCE', `invalid oci source: digest "sha512:${'b'.repeat(128)}" is not sha256:<64 hex>`],
    [`oci://ghcr.io/a@sha256:${'B'.repeat(64)}`, 'INVALID_OCI_SOURCE', `invalid oci source: digest "sha256:${'B'.repeat(64)}" is not sha256:<64 hex>`],
  ])('rejects %j', (text, code, message) => {
    const r = parseModelSource(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.problem.code, r.problem.message]).toEqual([code, message]);
  });
});

describe('modelFileName and modelDestination', () => {
  // prettier-ignore
  it.each([
    ['m', 'http://foo.bar/baz', 'baz', '/models/baz'],
    ['m', 'http://foo.bar/baz.tar.gz', 'baz.tar.gz', '/models/baz.tar.gz'],
    ['m', 'http://foo.bar/baz.tar.gz?foo=bar', 'baz.tar.gz', '/models/baz.tar.gz'],
    ['m', 'https://h.io/a%20b.gguf', 'a b.gguf', '/models/a b.gguf'],
    ['dreamshaper_assets/DreamShaper_8_pruned.safetensors', 'https://h.io/x/DreamShaper_8_pruned.safetensors', 'DreamShaper_8_pruned.safetensors', '/models/dreamshaper_assets/DreamShaper_8_pruned.safetensors'],
    ['Llama2-7B-chat-exl2/config.json', 'https://h.io/raw/2.5bpw/config.json', 'config.json', '/models/Llama2-7B-chat-exl2/config.json'],
    ['custom', 'out/model-q4_k_m.gguf', 'model-q4_k_m.gguf', '/models/model-q4_k_m.gguf'],
    ['a/b/c', 'x.gguf', 'x.gguf', '/models/a/b/x.gguf'],
    ['m', 'huggingface://o/r@main/sub/f.gguf', 'f.gguf', '/models/f.gguf'],
    ['m', 'huggingface://o/r', 'r', '/models/o/r'],
    ['m', 'oci://registry.ollama.ai/library/llama3.2:1b', 'llama3.2', '/models/llama3.2'],
    ['m', `oci://host.io/model@sha256:${'a'.repeat(64)}`, 'model', '/models/model'],
  ])('%s from %s', (name, source, file, dest) => {
    const model = { name, source: parsed(source) };
    expect([modelFileName(model), modelDestination(model)]).toEqual([file, dest]);
  });
});
