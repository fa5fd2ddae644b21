// BuildKit's own timings of one build, from `docker buildx build --progress=rawjson`: when each
// vertex started and how long it ran, under names that line up across runs.
import { median } from './stats.js';
export interface Phase {
  name: string;
  /** Offset from the client's start (ms). */
  start: number;
  ms: number;
  cached: boolean;
}

interface RawVertex {
  digest: string;
  name?: string;
  started?: string;
  completed?: string;
  cached?: boolean;
}

/** Milliseconds since the epoch of an RFC 3339 time with nanoseconds (Date.parse keeps ms). */
const at = (t: string) => Date.parse(t.replace(/(\.\d{3})\d+/, '$1'));

interface RawStatus {
  id: string;
  vertex: string;
  started?: string;
  completed?: string;
}

/**
 * The vertexes of a `--progress=rawjson` stream, first start and last completion of each, and the
 * steps a vertex reports inside itself (the exporter's "exporting layers", "unpacking to …"), named
 * `<vertex> › <step>`.
 */
export function parseRawJson(text: string, clientStart: number): Phase[] {
  const byDigest = new Map<string, { name: string; start: number; end: number; cached: boolean }>();
  const steps = new Map<string, { vertex: string; id: string; start: number; end: number }>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let status: { vertexes?: RawVertex[]; statuses?: RawStatus[] };
    try {
      status = JSON.parse(line) as { vertexes?: RawVertex[]; statuses?: RawStatus[] };
    } catch {
      continue;
    }
    for (const s of status.statuses ?? []) {
      const key = `${s.vertex} ${s.id}`;
      const cur = steps.get(key) ?? { vertex: s.vertex, id: s.id, start: Infinity, end: -Infinity };
      if (s.started) cur.start = Math.min(cur.start, at(s.started));
      if (s.completed) cur.end = Math.max(cur.end, at(s.completed));
      steps.set(key, cur);
    }
    for (const v of status.vertexes ?? []) {
      const cur = byDigest.get(v.digest) ?? {
        name: v.name ?? v.digest,
        start: Infinity,
        end: -Infinity,
        cached: false,
      };
      if (v.started) cur.start = Math.min(cur.start, at(v.started));
      if (v.completed) cur.end = Math.max(cur.end, at(v.completed));
      cur.cached ||= Boolean(v.cached);
      byDigest.set(v.digest, cur);
    }
  }
  const inside = [...steps.values()].map((s) => ({
    name: `${byDigest.get(s.vertex)?.name ?? s.vertex} › ${s.id}`,
    start: s.start,
    end: s.end,
    cached: false,
  }));
  return [...byDigest.values(), ...inside]
    .filter((v) => Number.isFinite(v.start))
    .map((v) => ({
      name: v.name,
      start: v.start - clientStart,
      ms: Number.isFinite(v.end) ? v.end - v.start : 0,
      cached: v.cached,
    }))
    .sort((a, b) => a.start - b.start);
}

/** A vertex name without digests, ports and temp paths, so that runs line up. */
export function phaseKey(name: string): string {
  return name
    .replace(/@sha256:[0-9a-f]{64}/g, '@sha256:…')
    .replace(/sha256:[0-9a-f]{64}/g, 'sha256:…')
    .replace(/\b[0-9a-f]{32}\b/g, '…')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:…')
    .replace(/\/tmp\/[^ ]+/g, '/tmp/…');
}

/**
 * One run's vertexes by name: vertexes of one name (a Dockerfile's `ADD` names both its download
 * and its copy) become one span, from the first start to the last end.
 */
export function spans(phases: readonly Phase[]): Map<string, { start: number; end: number }> {
  const out = new Map<string, { start: number; end: number }>();
  for (const p of phases) {
    const k = phaseKey(p.name);
    const cur = out.get(k);
    out.set(k, {
      start: Math.min(cur?.start ?? Infinity, p.start),
      end: Math.max(cur?.end ?? -Infinity, p.start + p.ms),
    });
  }
  return out;
}

/** The median over runs of how long the vertexes matching `name` ran (0 where none matched). */
export function medianOf(runs: readonly Phase[][], name: RegExp): number {
  return median(
    runs.map((phases) =>
      [...spans(phases)].filter(([k]) => name.test(k)).reduce((n, [, v]) => n + (v.end - v.start), 0),
    ),
  );
}

/**
 * Markdown: for each builder, the vertexes of its runs that took at least `minMs` (median), in
 * the order they started, with how long they ran.
 */
export function breakdownLines(builds: Record<string, Phase[][]>, minMs: number): string[] {
  const r = (x: number) => `${(x / 1000).toFixed(2)} s`;
  const lines: string[] = [];
  for (const [builder, runs] of Object.entries(builds)) {
    if (!runs.length) continue;
    const keys = new Map<string, { start: number[]; ms: number[] }>();
    for (const phases of runs)
      for (const [key, v] of spans(phases)) {
        const k = keys.get(key) ?? { start: [], ms: [] };
        k.start.push(v.start);
        k.ms.push(v.end - v.start);
        keys.set(key, k);
      }
    const rows = [...keys]
      .map(([key, v]) => ({ key, start: median(v.start), ms: median(v.ms) }))
      .sort((a, b) => a.start - b.start);
    const shown = rows.filter((x) => x.ms >= minMs);
    lines.push(`${builder}:`, '', '| starts at | vertex | runs for |', '| --- | --- | --- |');
    for (const x of shown) {
      const name = x.key.length > 110 ? `${x.key.slice(0, 107)}…` : x.key;
      lines.push(`| ${r(x.start)} | ${name.replace(/\|/g, '\\|')} | ${r(x.ms)} |`);
    }
    const rest = rows.filter((x) => x.ms < minMs);
    lines.push(
      '',
      `(${rest.length} more vertexes ran for under ${minMs} ms each, ${r(rest.reduce((n, x) => n + x.ms, 0))} together.)`,
      '',
    );
  }
  return lines;
}

/** The median over runs of when the first vertex matching `name` started (ms after the client). */
export function medianStart(runs: readonly Phase[][], name: RegExp): number {
  return median(
    runs.map((phases) =>
      Math.min(...[...spans(phases)].filter(([k]) => name.test(k)).map(([, v]) => v.start)),
    ),
  );
}
