import {
  BACKEND_IMAGES,
  BASE_IMAGES,
  LLAMA_SERVER_IMAGES,
  LOCALAI_BINARY,
  type LocalAIVersion,
} from '../catalog.js';
import { normalizeImageRef } from '../../oci/index.js';
import { parsePins, type RuntimePins } from './format.js';
import { RELEASE_PINS } from './pins.generated.js';

// The project's own pins of the catalog's defaults (item "defaults pinned by the project"): a
// release resolves every default image and LocalAI download once (scripts/pins.ts) and ships the
// answers here, so a build that keeps the defaults is pinned without a lock of its own.

/** The release's pins, checked once at load. */
export const PROJECT_PINS: RuntimePins = parsePins(RELEASE_PINS);

/** A default artifact of the catalog: what scripts/pins.ts resolves and `aikit artifacts` lists. */
export interface DefaultArtifact {
  kind: 'image' | 'localai';
  /** The normalised image reference or the download URL: the pins file's key. */
  key: string;
  /** The architectures it is used on (images: `linux/<arch>` platform keys). */
  arches: readonly string[];
}

/** Every image and download the catalog names by default. */
export function defaultArtifacts(): DefaultArtifact[] {
  const images = [
    ...Object.values(BASE_IMAGES).flatMap((b) => (b.ref ? [{ ref: b.ref, arches: b.arches }] : [])),
    ...Object.values(BACKEND_IMAGES).map((b) => ({ ref: b.ref, arches: b.arches })),
    ...Object.values(LLAMA_SERVER_IMAGES).map((b) => ({ ref: b.ref, arches: b.arches })),
  ];
  const byKey = new Map<string, Set<string>>();
  for (const i of images) {
    const key = normalizeImageRef(i.ref);
    const set = byKey.get(key) ?? new Set<string>();
    i.arches.forEach((a) => set.add(a));
    byKey.set(key, set);
  }
  const out: DefaultArtifact[] = [...byKey].map(([key, arches]) => ({
    kind: 'image',
    key,
    arches: [...arches].sort(),
  }));
  for (const version of Object.keys(LOCALAI_BINARY.sha256) as LocalAIVersion[]) {
    for (const arch of ['amd64', 'arm64']) {
      const key = LOCALAI_BINARY.urlTemplate.replaceAll('{version}', version).replaceAll('{arch}', arch);
      out.push({ kind: 'localai', key, arches: [arch] });
    }
  }
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

/** What the release pinned a default to, or undefined when it is unpinned. */
export function pinOfDefault(a: DefaultArtifact, pins: RuntimePins = PROJECT_PINS): string | undefined {
  return a.kind === 'image' ? pins.images[a.key]?.digest : pins.localai[a.key];
}
