import { defaultArtifacts, pinOfDefault, PROJECT_PINS, type RuntimePins } from '../convert/index.js';

/** `aikit artifacts`' last part: each default of the catalog and what the release pinned it to. */
export function formatPins(pins: RuntimePins = PROJECT_PINS): string[] {
  const rows = defaultArtifacts().map((a) => {
    const pin = pinOfDefault(a, pins);
    return `  ${a.key}\n    ${pin ?? 'unpinned'}`;
  });
  const pinned = defaultArtifacts().filter((a) => pinOfDefault(a, pins)).length;
  return [
    `release pins of the defaults (${pinned} of ${rows.length} pinned; a lock file pins the rest, see aikit lock):`,
    ...rows,
  ];
}
