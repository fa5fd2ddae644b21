import { posix } from 'node:path';
import { isDigest, parseRegistryReference } from '../oci/index.js';
import { didYouMean } from './suggest.js';
import type { HuggingFaceSource, Model, ModelSource, OciSource } from './types.js';

/** Why a source string was refused, ready to become an issue at the `source` node. */
export interface SourceProblem {
  code: string;
  message: string;
  hint?: string;
}

/** A parsed source, or the reason it was refused. */
export type SourceResult = { ok: true; source: ModelSource } | { ok: false; problem: SourceProblem };

const SCHEMES = ['http', 'https', 'huggingface', 'oci'];
const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
// Spellings people bring from other tools; a plain edit distance would not find them.
const SCHEME_ALIASES: Record<string, string> = { hf: 'huggingface', docker: 'oci', ollama: 'oci' };
const HF_NAME_RE = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?$/;
const HF_REVISION_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const OLLAMA_REGISTRY = 'registry.ollama.ai';

const fail = (code: string, message: string, hint?: string): SourceResult => ({
  ok: false,
  problem: { code, message, ...(hint ? { hint } : {}) },
});

/**
 * Parses a model `source` string: an http(s) URL, `huggingface://` (decisions.md#d6), `oci://`
 * (decisions.md#d7) or a path relative to the build context (decisions.md#d5). Never throws.
 */
export function parseModelSource(text: string): SourceResult {
  const m = SCHEME_RE.exec(text);
  if (!m) return parseLocal(text);
  const scheme = m[1]!.toLowerCase();
  const rest = text.slice(m[0].length);
  switch (scheme) {
    case 'http':
    case 'https':
      return parseHttp(text);
    case 'huggingface':
      return parseHuggingFace(rest);
    case 'oci':
      return parseOci(rest);
    default: {
      const alias = SCHEME_ALIASES[scheme];
      const near = alias
        ? ` (did you mean "${alias}://"?)`
        : didYouMean(scheme, SCHEMES).replace(/"\?\)$/, '://"?)');
      return fail(
        'UNSUPPORTED_SCHEME',
        `unsupported source scheme "${m[1]!}://"${near}`,
        'use http(s)://, huggingface://, oci:// or a path relative to the build context',
      );
    }
  }
}

function parseLocal(text: string): SourceResult {
  if (text.trim() === '') return fail('EMPTY_VALUE', 'source must not be empty');
  if (text.startsWith('/') || /^[A-Za-z]:[\\/]/.test(text)) {
    return fail(
      'ABSOLUTE_PATH',
      `local source ${JSON.stringify(text)} is an absolute path`,
      'local model files are read from the build context: give the path relative to it',
    );
  }
  const path = posix.normalize(text);
  if (path === '..' || path.startsWith('../')) {
    return fail(
      'PATH_ESCAPES_CONTEXT',
      `local source ${JSON.stringify(text)} points outside the build context`,
      'only files inside the build context can be used; move the file there or build from a parent directory',
    );
  }
  if (path === '.' || path.endsWith('/')) {
    return fail('NOT_A_FILE', `local source ${JSON.stringify(text)} names a directory, not a file`);
  }
  return { ok: true, source: { kind: 'local', path } };
}

function parseHttp(text: string): SourceResult {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail('INVALID_URL', `source ${JSON.stringify(text)} is not a valid url`);
  }
  if (url.username || url.password) {
    // The URL ends up in the LLB, the image labels and the build history.
    return fail(
      'CREDENTIALS_IN_URL',
      'source url must not contain credentials',
      'pass tokens as a build secret instead (for Hugging Face: --secret id=hf-token holding "Bearer <token>" with --build-arg AIKIT_HF_TOKEN_SECRET=hf-token)',
    );
  }
  if (urlFileName(url) === '') {
    return fail(
      'NO_FILE_NAME',
      `source url ${JSON.stringify(text)} has no file name in its path`,
      'the file name in /models comes from the last segment of the url path',
    );
  }
  return { ok: true, source: { kind: 'http', url: text } };
}

function urlFileName(url: URL): string {
  let base = posix.basename(url.pathname);
  try {
    base = decodeURIComponent(base);
  } catch {
    // A malformed escape stays as written, as Go's url.Parse would refuse it anyway.
  }
  return base.includes('/') ? '' : base;
}

const HF_FORMS =
  'huggingface://org/repo/file, huggingface://org/repo/branch/file, huggingface://org/repo@revision/path/to/file or huggingface://org/repo[@revision]';

function parseHuggingFace(rest: string): SourceResult {
  const bad = (why: string) =>
    fail('INVALID_HUGGINGFACE_SOURCE', `invalid huggingface source: ${why}`, `use ${HF_FORMS}`);
  if (/[?#\s]/.test(rest)) return bad('it must not contain spaces, "?" or "#"');
  let repoPart: string;
  let revision = 'main';
  let file: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    repoPart = rest.slice(0, at);
    const after = rest.slice(at + 1);
    const slash = after.indexOf('/');
    revision = slash < 0 ? after : after.slice(0, slash);
    const path = slash < 0 ? '' : after.slice(slash + 1);
    if (path !== '') file = path;
  } else {
    const parts = rest.split('/');
    if (parts.length === 2) {
      // The whole-repo form also takes `org/repo:revision`, as the reference's HEAD does.
      const colon = parts[1]!.indexOf(':');
      if (colon >= 0) {
        revision = parts[1]!.slice(colon + 1);
        parts[1] = parts[1]!.slice(0, colon);
      }
      repoPart = parts.join('/');
    } else if (parts.length === 3) {
      repoPart = `${parts[0]!}/${parts[1]!}`;
      file = parts[2]!;
    } else if (parts.length === 4) {
      repoPart = `${parts[0]!}/${parts[1]!}`;
      revision = parts[2]!;
      file = parts[3]!;
    } else if (parts.length > 4) {
      return fail(
        'INVALID_HUGGINGFACE_SOURCE',
        'invalid huggingface source: a file in a sub-directory needs an explicit revision',
        `write huggingface://${parts[0]!}/${parts[1]!}@main/${parts.slice(2).join('/')}`,
      );
    } else {
      return bad('expected at least org/repo');
    }
  }
  const repo = repoPart.split('/');
  if (repo.length !== 2 || !repo.every((p) => HF_NAME_RE.test(p))) {
    return bad(`${JSON.stringify(repoPart)} is not an org/repo name`);
  }
  if (!HF_REVISION_RE.test(revision)) return bad(`revision ${JSON.stringify(revision)} is not valid`);
  if (file !== undefined && file.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    return bad(`file path ${JSON.stringify(file)} is not a clean relative path`);
  }
  const source: HuggingFaceSource = { kind: 'huggingface', repo: repoPart, revision };
  if (file !== undefined) source.file = file;
  return { ok: true, source };
}

function parseOci(rest: string): SourceResult {
  const bad = (why: string, hint?: string) =>
    fail(
      'INVALID_OCI_SOURCE',
      `invalid oci source: ${why}`,
      hint ??
        'use oci://registry/repository[:tag][@sha256:digest], e.g. oci://registry.ollama.ai/library/llama3.2:1b',
    );
  const parsed = parseRegistryReference(rest);
  if (!parsed.ok) {
    const { part, text } = parsed.problem;
    switch (part) {
      case 'digest':
        return bad(`digest ${JSON.stringify(text)} is not sha256:<64 hex>`);
      case 'tag':
        return bad(`tag ${JSON.stringify(text)} is not valid`);
      case 'domain':
        if (text === undefined) return bad(`${JSON.stringify(rest)} has no registry host`);
        return bad(
          `${JSON.stringify(text)} is not a registry host`,
          'name the registry explicitly, e.g. oci://docker.io/library/name:tag or oci://registry.ollama.ai/library/llama3.2:1b',
        );
      case 'path':
        return bad(`repository ${JSON.stringify(text)} must be lowercase path components`);
    }
  }
  const { domain: registry, path: repository, digest } = parsed.ref;
  // Registries may pin sha384 or sha512 too, but the downloads are checked as sha256.
  if (digest !== undefined && !isDigest(digest)) {
    return bad(`digest ${JSON.stringify(digest)} is not sha256:<64 hex>`);
  }
  // decisions.md#d7: an ollama reference without a tag means `latest`, as `ollama pull` does; other
  // registries follow the same convention unless a digest pins the artifact.
  const tag = parsed.ref.tag ?? (digest === undefined ? 'latest' : undefined);
  const ref = `${registry}/${repository}${tag !== undefined ? `:${tag}` : ''}${digest !== undefined ? `@${digest}` : ''}`;
  const source: OciSource = { kind: 'oci', ref, registry, repository, ollama: registry === OLLAMA_REGISTRY };
  if (tag !== undefined) source.tag = tag;
  if (digest !== undefined) source.digest = digest;
  return { ok: true, source };
}

/** The file name a single-file source gets in the image (for a whole repository, the repo's name). */
export function sourceFileName(source: ModelSource): string {
  switch (source.kind) {
    case 'http':
      return urlFileName(new URL(source.url));
    case 'local':
      return posix.basename(source.path);
    case 'huggingface':
      return posix.basename(source.file ?? source.repo);
    case 'oci':
      return posix.basename(source.repository);
  }
}

/** True when the source is a whole Hugging Face repository rather than one file. */
export function isWholeRepo(source: ModelSource): boolean {
  return source.kind === 'huggingface' && source.file === undefined;
}

/**
 * The file name a model gets under /models: the URL path's basename (query stripped) for http,
 * the path's basename for local, the file's basename for Hugging Face, the repository's last
 * component for OCI.
 */
export function modelFileName(model: Pick<Model, 'source'>): string {
  return sourceFileName(model.source);
}

/**
 * Where a model lands in the image: `/models/<file>`, or `/models/<dirname(name)>/<file>` when
 * the name contains `/` (decisions.md#model-destination, applied to every single-file source). A whole
 * Hugging Face repository is the directory `/models/<org>/<repo>`.
 */
export function modelDestination(model: Pick<Model, 'name' | 'source'>): string {
  if (model.source.kind === 'huggingface' && model.source.file === undefined) {
    return `/models/${model.source.repo}`;
  }
  const dir = model.name.includes('/') ? posix.dirname(model.name) : '';
  return posix.join('/models', dir, modelFileName(model));
}
