import { AikitError } from '../util/errors.js';

/** An OCI platform in its normalised form (containerd's `platforms.Normalize`). */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

// prettier-ignore
const KNOWN_OS = new Set([
  'aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'js', 'linux', 'nacl',
  'netbsd', 'openbsd', 'plan9', 'solaris', 'windows', 'zos',
]);

// prettier-ignore
const KNOWN_ARCH = new Set([
  '386', 'amd64', 'amd64p32', 'arm', 'armbe', 'arm64', 'arm64be', 'ppc64', 'ppc64le', 'loong64', 'mips',
  'mipsle', 'mips64', 'mips64le', 'mips64p32', 'mips64p32le', 'ppc', 'riscv', 'riscv64', 's390', 's390x',
  'sparc', 'sparc64', 'wasm',
]);

const COMPONENT_RE = /^[A-Za-z0-9_.-]+$/;
const OS_RE = /^[A-Za-z0-9_-]+$/;

const EXAMPLES = 'use os/arch[/variant], e.g. "linux/amd64", "linux/arm64" or "linux/arm/v7"';

// Port of containerd/platforms database.go normalizeOS/normalizeArch (vendored by BuildKit v0.25.2).
function normalizeOS(os: string): string {
  const lower = os.toLowerCase();
  return lower === 'macos' ? 'darwin' : lower;
}

function normalizeArch(arch: string, variant: string): [string, string] {
  let a = arch.toLowerCase();
  let v = variant.toLowerCase();
  switch (a) {
    case 'i386':
      a = '386';
      v = '';
      break;
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      a = 'amd64';
      if (v === 'v1') v = '';
      break;
    case 'aarch64':
    case 'arm64':
      a = 'arm64';
      if (v === '8' || v === 'v8' || v === 'v8.0') v = '';
      else if (v === '9' || v === '9.0' || v === 'v9.0') v = 'v9';
      break;
    case 'armhf':
      a = 'arm';
      v = 'v7';
      break;
    case 'armel':
      a = 'arm';
      v = 'v6';
      break;
    case 'arm':
      if (v === '' || v === '7') v = 'v7';
      else if (v === '5' || v === '6' || v === '8') v = `v${v}`;
      break;
  }
  return [a, v];
}

function make(os: string, arch: string, variant: string): Platform {
  return variant ? { os, architecture: arch, variant } : { os, architecture: arch };
}

/** Normalises a platform the way containerd does (`aarch64`→`arm64`, `arm`→`arm/v7`, arm64 drops `v8`). */
export function normalizePlatform(p: Platform): Platform {
  const [arch, variant] = normalizeArch(p.architecture, p.variant ?? '');
  return make(normalizeOS(p.os), arch, variant);
}

function badPlatform(s: string, why: string): AikitError {
  return new AikitError('BAD_PLATFORM', `invalid platform ${JSON.stringify(s)}: ${why}`, { hint: EXAMPLES });
}

/** The platform of this process, normalised; the default when a graph names none (Go: `platforms.DefaultSpec()`). */
export function hostPlatform(): Platform {
  const arch: Record<string, string> = { x64: 'amd64', ia32: '386', arm: 'arm', arm64: 'arm64' };
  return normalizePlatform({ os: 'linux', architecture: arch[process.arch] ?? process.arch });
}

/**
 * Parses `os`, `arch` or `os/arch[/variant]` and normalises it.
 * Port of containerd/platforms platforms.go `Parse` followed by `Normalize`; a lone OS gets the
 * host architecture and a lone architecture gets `linux`, as a frontend always builds Linux images.
 */
export function parsePlatform(s: string): Platform {
  const spec = s.trim();
  if (spec === '') throw badPlatform(s, 'empty');
  if (spec.includes('*')) throw badPlatform(s, 'wildcards are not supported');
  const parts = spec.split('/');
  if (parts.length > 3) throw badPlatform(s, 'too many components');
  const [first = '', arch = '', variant] = parts;
  if (!OS_RE.test(first)) throw badPlatform(s, `${JSON.stringify(first)} is not a valid OS`);
  for (const part of parts.slice(1)) {
    if (!COMPONENT_RE.test(part)) throw badPlatform(s, `${JSON.stringify(part)} is not a valid component`);
  }
  if (parts.length === 1) {
    const os = normalizeOS(first);
    if (KNOWN_OS.has(os)) return { ...hostPlatform(), os };
    const [a, v] = normalizeArch(first, '');
    if (!KNOWN_ARCH.has(a)) throw badPlatform(s, 'unknown operating system or architecture');
    return make('linux', a, v);
  }
  const [a, v] = normalizeArch(arch, variant ?? '');
  return make(normalizeOS(first), a, v);
}

/** Formats a platform as `os/arch[/variant]`, the platform ID BuildKit uses in result keys. */
export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter((x) => x !== undefined && x !== '').join('/');
}
