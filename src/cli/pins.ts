import { defaultArtifacts, pinOfDefault, PROJECT_PINS, type RuntimePins } from '../convert/index.js';

/** `aikit artifacts`' last part: each default of the catalog and what the release pinned it to. */
export function formatPins(pins: RuntimePins = PROJECT_PINS): string[] {
  const all = defaultArtifacts();
  const pinned = all.filter((a) => pinOfDefault(a, pins)).length;
  return [
    `release pins of the defaults (${pinned} of ${all.length} pinned; a lock file pins the rest, see aikit lock):`,
    ...all.flatMap((a) => [`  ${a.key}`, `    ${pinOfDefault(a, pins) ?? 'unpinned'}`]),
  ];
}
