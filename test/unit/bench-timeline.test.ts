import { describe, expect, it } from 'vitest';
import { targetLines, type ColdFigure, type Parts } from '../../scripts/bench/targets.js';
import { breakdownLines, medianOf, medianStart, parseRawJson } from '../../scripts/bench/timeline.js';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const t = (ms: number) => new Date(T0 + ms).toISOString().replace('Z', '123456Z');

/** One rawjson status line, as `docker buildx build --progress=rawjson` prints it. */
const line = (o: object) => JSON.stringify(o);

describe('parseRawJson', () => {
  const stream = [
    'not json',
    line({ vertexes: [{ digest: 'sha256:a', name: 'download model', started: t(100) }] }),
    line({ vertexes: [{ digest: 'sha256:a', name: 'download model', started: t(100), completed: t(600) }] }),
    line({ vertexes: [{ digest: 'sha256:e', name: 'exporting to image', started: t(700) }] }),
    line({ statuses: [{ id: 'exporting layers', vertex: 'sha256:e', started: t(710) }] }),
    line({ statuses: [{ id: 'exporting layers', vertex: 'sha256:e', started: t(710), completed: t(1900) }] }),
    line({
      vertexes: [{ digest: 'sha256:e', name: 'exporting to image', started: t(700), completed: t(2000) }],
    }),
  ].join('\n');

  it('reads vertexes and the steps inside them, relative to the client start', () => {
    const phases = parseRawJson(stream, T0);
    expect(phases.map((p) => [p.name, p.start, p.ms])).toEqual([
      ['download model', 100, 500],
      ['exporting to image', 700, 1300],
      ['exporting to image › exporting layers', 710, 1190],
    ]);
  });

  it('joins vertexes of one name into one span and takes medians over runs', () => {
    // A Dockerfile ADD names both its http source and its copy alike.
    const run = (shift: number) => [
      { name: 'ADD http://127.0.0.1:4242/x', start: 50 + shift, ms: 100, cached: false },
      { name: 'ADD http://127.0.0.1:4242/x', start: 200 + shift, ms: 300, cached: false },
      { name: 'exporting to image', start: 600, ms: 10 * shift, cached: false },
    ];
    const runs = [run(0), run(10), run(100)];
    expect(medianOf(runs, /^ADD /)).toBe(450);
    expect(medianStart(runs, /^ADD /)).toBe(60);
    expect(medianOf(runs, /nothing/)).toBe(0);
    const md = breakdownLines({ Dockerfile: runs }, 50).join('\n');
    expect(md).toContain('| 0.06 s | ADD http://127.0.0.1:…/x | 0.45 s |');
    expect(md).toContain('| 0.60 s | exporting to image | 0.10 s |');
  });
});

describe('targetLines', () => {
  const parts = (over: Partial<Parts> = {}): Parts => ({
    beforeDownload: 600,
    download: 3000,
    copy: 400,
    exportLayers: 6000,
    unpack: 1000,
    export: 7200,
    ...over,
  });
  const cold = (aikit: number, floor: number): ColdFigure => ({
    label: 'uncompressed',
    modelMiB: 1024,
    aikit,
    dockerfile: 12000,
    floor,
    aikitParts: parts(),
    dockerfileParts: parts({ beforeDownload: 300 }),
  });

  it('gives a miss its measured reason and says nothing more for a target met', () => {
    const miss = targetLines({ cold: [cold(11500, 5000)], sha256sum: 4000, dd: 900 }).join('\n');
    expect(miss).toContain('0.96× (≤ 1.0×: **met**)');
    expect(miss).toContain('2.30× the floor of 5.00 s (≤ 2.0×: **missed**)');
    expect(miss).toContain(
      '"exporting layers" 6.00 s and unpacking into the image store 1.00 s, together 61 %',
    );
    expect(miss).toContain('`sha256sum` alone hashes the bytes at 256 MiB/s');
    expect(miss).toContain('an estimated 2.12× the floor');
    const met = targetLines({ cold: [cold(11500, 6000)] }).join('\n');
    expect(met).toContain('1.92× the floor of 6.00 s (≤ 2.0×: **met**)');
    expect(met).not.toContain('exporting layers');
  });

  it('sets a cached rebuild against the official #syntax frontend when one was measured', () => {
    const walls = {
      'aikitfile (#syntax aikit)': 870,
      'Dockerfile (built-in frontend)': 400,
      'Dockerfile (#syntax official frontend)': 650,
    };
    const text = targetLines({ cold: [], cached: { aikit: 880, dockerfile: 410 }, cachedWalls: walls }).join(
      '\n',
    );
    expect(text).toContain('2.15× (≤ 1.3×: **missed**)');
    expect(text).toContain('takes 0.65 s, 1.63× the built-in frontend');
    expect(text).toContain('1.34× the official `#syntax` frontend');
  });
});
