/** Edit distance between two strings (insertions, deletions, substitutions; case-sensitive). */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The closest option to `value`, or undefined when nothing is near. Case is ignored for the
 * distance so that `apiversion` finds `apiVersion`; like BuildKit's suggest, a distance of at
 * most 2 counts as a near miss, and short words need a closer match to avoid silly suggestions.
 */
export function suggest(value: string, options: Iterable<string>): string | undefined {
  const v = value.toLowerCase();
  const max = Math.min(2, Math.max(1, Math.floor(value.length / 3)));
  let best: string | undefined;
  let bestDist = Infinity;
  for (const o of options) {
    if (o === value) continue;
    const d = levenshtein(v, o.toLowerCase());
    if (d <= max && d < bestDist) {
      best = o;
      bestDist = d;
    }
  }
  return best;
}

/** ` (did you mean "x"?)` for a near miss, else the empty string. */
export function didYouMean(value: string, options: Iterable<string>): string {
  const s = suggest(value, options);
  return s === undefined ? '' : ` (did you mean ${JSON.stringify(s)}?)`;
}
