import { AikitError } from '../util/errors.js';
import { digestProblem, isDigest } from './digest.js';

// Port of github.com/distribution/reference (regexp.go, normalize.go) as used by BuildKit v0.25.2
// client/llb/source.go Image(): ParseNormalizedNamed + TagNameOnly. The aikitfile's oci://
// sources use the same grammar, but name their registry and get no Docker Hub defaults.

const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const DOMAIN = `(?:${DOMAIN_NAME}|${IPV6})(?::[0-9]+)?`;
const PATH = `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DOMAIN_RE = new RegExp(`^${DOMAIN}$`);
const PATH_RE = new RegExp(`^${PATH}$`);
// Go matches the whole name, so a first component that is a valid path but not a valid domain
// (`a_b.c/x`) still passes; checking domain and path apart would refuse it.
const NAME_RE = new RegExp(`^(?:${DOMAIN}/)?${PATH}$`);

const DEFAULT_DOMAIN = 'docker.io';
const NAME_MAX = 255;

/** A reference cut into its parts as written: `[domain/]path[:tag][@digest]`, nothing defaulted. */
export interface Reference {
  /** Registry `host[:port]`, when the first component names one. */
  domain?: string;
  /** Repository path below the domain, e.g. `library/alpine`. */
  path: string;
  tag?: string;
  /** `algo:hex`, any algorithm go-digest knows. */
  digest?: string;
}

/** A reference whose registry is named. */
export interface RegistryReference extends Reference {
  domain: string;
}

/** The part of a reference that breaks the grammar. */
export interface ReferenceProblem {
  part: 'digest' | 'tag' | 'domain' | 'path';
  /** The part as written; absent when a required domain is missing. */
  text?: string;
  why: string;
}

/** A parsed reference, or the part that is wrong. */
export type ReferenceResult<R> = { ok: true; ref: R } | { ok: false; problem: ReferenceProblem };

/**
 * Cuts a reference at its separators and checks the parts in order: digest, tag, domain, path.
 * `@` appears nowhere but before the digest and `:` after the last `/` only before the tag, so
 * the cut is the one Go's single regular expression finds.
 */
function parse(ref: string, registryRequired: boolean): ReferenceResult<Reference> {
  const problem = (
    part: ReferenceProblem['part'],
    why: string,
    text?: string,
  ): ReferenceResult<Reference> => ({
    ok: false,
    problem: text === undefined ? { part, why } : { part, text, why },
  });
  let name = ref;
  let tag: string | undefined;
  let digest: string | undefined;
  const at = name.indexOf('@');
  if (at >= 0) {
    digest = name.slice(at + 1);
    name = name.slice(0, at);
    const why = digestProblem(digest);
    if (why !== undefined) return problem('digest', why, digest);
  }
  // A tag holds no "/", so whether the name has one is known before the tag is cut off.
  const slash = name.indexOf('/');
  if (registryRequired && slash < 0) return problem('domain', 'no registry host');
  const colon = name.indexOf(':', name.lastIndexOf('/') + 1);
  if (colon >= 0) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
    if (!TAG_RE.test(tag)) return problem('tag', 'invalid tag', tag);
  }
  const head = slash < 0 ? undefined : name.slice(0, slash);
  // Docker's rule (splitDockerDomain): a first component with "." or ":", or "localhost", is a
  // registry; so is one with upper case, which no repository has. Where the registry must be
  // named, upper case is a typo in a repository, not a host.
  const isDomain =
    head !== undefined &&
    (/[.:]/.test(head) || head === 'localhost' || (!registryRequired && head.toLowerCase() !== head));
  if (registryRequired && (!isDomain || !DOMAIN_RE.test(head))) {
    return problem('domain', 'not a registry host', head);
  }
  const domain = isDomain ? head : undefined;
  const path = isDomain ? name.slice(slash + 1) : name;
  if (!(domain === undefined ? PATH_RE.test(path) : NAME_RE.test(name))) {
    if (domain !== undefined && !DOMAIN_RE.test(domain)) return problem('domain', 'invalid domain', domain);
    const lower = path.toLowerCase();
    const why =
      lower !== path && PATH_RE.test(lower)
        ? 'repository name must be lowercase'
        : 'invalid reference format';
    return problem('path', why, path);
  }
  const out: Reference = { path };
  if (domain !== undefined) out.domain = domain;
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  return { ok: true, ref: out };
}

/**
 * Parses a reference that names its registry, `host[:port]/repository[:tag][@digest]`, with no
 * Docker Hub defaults (the first component must look like a host). Never throws.
 */
export function parseRegistryReference(ref: string): ReferenceResult<RegistryReference> {
  return parse(ref, true) as ReferenceResult<RegistryReference>;
}

/** The parts of a normalised image reference. */
export interface ImageRef {
  /** Fully qualified name, e.g. `docker.io/library/alpine`. */
  name: string;
  tag?: string;
  digest?: string;
}

function bad(ref: string, why: string): AikitError {
  return new AikitError('BAD_IMAGE_REF', `invalid image reference ${JSON.stringify(ref)}: ${why}`, {
    hint: 'use [registry[:port]/]name[:tag][@sha256:<hex>], e.g. "alpine:3.20" or "ghcr.io/org/app:v1"',
  });
}

/** Throws BAD_IMAGE_REF unless `d` is a digest go-digest accepts; `ref` names it in the message. */
export function validateDigest(d: string, ref: string = d): void {
  const why = digestProblem(d);
  if (why !== undefined) throw bad(ref, why);
}

/** Parses and normalises a Docker image reference (`alpine` → `docker.io/library/alpine:latest`). */
export function parseImageRef(ref: string): ImageRef {
  // A bare 64-hex string is an image ID, which Docker refuses to read as a name.
  if (isDigest(`sha256:${ref}`)) throw bad(ref, 'cannot specify 64-byte hexadecimal strings');
  const parsed = parse(ref, false);
  if (!parsed.ok) throw bad(ref, parsed.problem.why);
  const { tag, digest } = parsed.ref;
  let { domain = DEFAULT_DOMAIN, path } = parsed.ref;
  if (domain === 'index.docker.io') domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = `library/${path}`;
  const name = `${domain}/${path}`;
  if (name.length > NAME_MAX) throw bad(ref, `repository name must not be more than ${NAME_MAX} characters`);
  const out: ImageRef = { name };
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  // TagNameOnly: a bare name means :latest; a digest alone stays untagged.
  if (out.tag === undefined && out.digest === undefined) out.tag = 'latest';
  return out;
}

/** Formats an ImageRef as `name[:tag][@digest]`. */
export function formatImageRef(r: ImageRef): string {
  return `${r.name}${r.tag !== undefined ? `:${r.tag}` : ''}${r.digest !== undefined ? `@${r.digest}` : ''}`;
}

/** Docker's familiar normalisation: `alpine` → `docker.io/library/alpine:latest`; digests are kept. */
export function normalizeImageRef(ref: string): string {
  return formatImageRef(parseImageRef(ref));
}
