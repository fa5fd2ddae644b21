import { AikitError } from '../util/errors.js';

// Port of github.com/distribution/reference (regexp.go, normalize.go) as used by BuildKit v0.25.2
// client/llb/source.go Image(): ParseNormalizedNamed + TagNameOnly.

const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const DOMAIN = `(?:${DOMAIN_NAME}|${IPV6})(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const REFERENCE_RE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const ANCHORED_ID_RE = /^[a-f0-9]{64}$/;
const DIGEST_HEX_LEN: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

const DEFAULT_DOMAIN = 'docker.io';
const NAME_MAX = 255;

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

/** Validates `algo:hex` the way go-digest does (known algorithm, lowercase hex of the right length). */
export function validateDigest(d: string, ref: string = d): void {
  const [algo = '', hex = ''] = d.split(':', 2);
  const len = DIGEST_HEX_LEN[algo];
  if (len === undefined) throw bad(ref, `unsupported digest algorithm ${JSON.stringify(algo)}`);
  if (hex.length !== len || !/^[a-f0-9]+$/.test(hex)) throw bad(ref, `malformed ${algo} digest`);
}

function splitDockerDomain(name: string): [string, string] {
  const i = name.indexOf('/');
  let domain: string;
  let rest: string;
  const head = i === -1 ? '' : name.slice(0, i);
  if (i === -1 || (!/[.:]/.test(head) && head !== 'localhost' && head.toLowerCase() === head)) {
    domain = DEFAULT_DOMAIN;
    rest = name;
  } else {
    domain = head;
    rest = name.slice(i + 1);
  }
  if (domain === 'index.docker.io') domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !rest.includes('/')) rest = `library/${rest}`;
  return [domain, rest];
}

/** Parses and normalises a Docker image reference (`alpine` → `docker.io/library/alpine:latest`). */
export function parseImageRef(ref: string): ImageRef {
  if (ANCHORED_ID_RE.test(ref)) throw bad(ref, 'cannot specify 64-byte hexadecimal strings');
  const [domain, rest] = splitDockerDomain(ref);
  const tagSep = rest.indexOf(':');
  const remoteName = tagSep === -1 ? rest : rest.slice(0, tagSep);
  if (remoteName.toLowerCase() !== remoteName) throw bad(ref, 'repository name must be lowercase');
  const full = `${domain}/${rest}`;
  const m = REFERENCE_RE.exec(full);
  if (!m) throw bad(ref, 'invalid reference format');
  const [, name = '', tag, digest] = m;
  if (name.length > NAME_MAX) throw bad(ref, `repository name must not be more than ${NAME_MAX} characters`);
  if (digest !== undefined) validateDigest(digest, ref);
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
