import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  chartSpecs,
  parseResultsMd,
  renderBenchCharts,
  renderSvg,
  type BenchFigures,
} from '../../scripts/bench-charts.js';

// Figures shaped as scripts/bench.ts writes bench/results.md (sections 1, 2 and 5).
const RESULTS_MD = `# aikit benchmarks

Measured by \`npm run bench\` on 2026-01-02: Docker 27.1.0, github.com/docker/buildx 0.16.0,
2 CPUs, Node v20.20.2. Medians of 7 runs (cold 1 GiB builds: 3); times are the wall clock.

## 1. Frontend overhead: a fully cached rebuild

| output | aikitfile | Dockerfile | ratio | target ≤ 1.3 |
| --- | --- | --- | --- | --- |
| cache only | 1500 ms | 1000 ms | 1.50 | missed |
| export to the image store (type=image) | 1600 ms | 1200 ms | 1.33 | missed |

## 2. Cold build with a 512 MiB model served on loopback

Floor (\`sha256sum\` then \`cp\` + \`sync\` of the same bytes, page cache warm): 2.50 s.

| export | aikitfile | Dockerfile (\`ADD --checksum\`) | aikit / Dockerfile (≤ 1.05) | aikit / floor | served |
| --- | --- | --- | --- | --- | --- |
| default (\`--load\`, gzip) | 12.00 s | 10.00 s | 1.20 (missed) | 4.80 | 512 MiB |
| uncompressed | 8.00 s | 7.00 s | 1.14 (missed) | 3.20 | 512 MiB |

## 5. Conversion (parse, validate, convert, marshal; in process)

- 50 models + 100 templates: median 19.7 ms, first call 162.0 ms (target ≤ 20 ms: met)

Total bench time: 100.00 s.
`;

const FIGURES: BenchFigures = {
  engine: 'Docker 27.1.0',
  date: '2026-01-02',
  cached: [
    { engine: 'Docker 27.1.0', output: 'cache only', aikitfile: 1500, dockerfile: 1000 },
    { engine: 'BuildKit 0.25', output: 'cache only', aikitfile: 900, dockerfile: 800 },
  ],
  cold: [
    { modelMiB: 256, export: 'gzip', aikitfile: 6, dockerfile: 5, floor: 1.25 },
    { modelMiB: 1024, export: 'gzip', aikitfile: 24, dockerfile: 20, floor: 5 },
  ],
  conversion: [
    { models: 1, ms: 0.5 },
    { models: 10, ms: 2 },
    { models: 100, ms: 30 },
  ],
};

const marks = (svg: string, kind: string) =>
  [
    ...svg.matchAll(
      new RegExp(`aria-label="([^"]*)" role="graphics-symbol" aria-roledescription="${kind}"`, 'g'),
    ),
  ].map((m) => m[1]!);

describe('parseResultsMd', () => {
  it('reads the engine, date and the figures of sections 1, 2 and 5', () => {
    expect(parseResultsMd(RESULTS_MD)).toEqual({
      engine: 'Docker 27.1.0',
      date: '2026-01-02',
      cached: [
        { engine: 'Docker 27.1.0', output: 'cache only', aikitfile: 1500, dockerfile: 1000 },
        {
          engine: 'Docker 27.1.0',
          output: 'export to the image store (type=image)',
          aikitfile: 1600,
          dockerfile: 1200,
        },
      ],
      cold: [
        { modelMiB: 512, export: 'default (--load, gzip)', aikitfile: 12, dockerfile: 10, floor: 2.5 },
        { modelMiB: 512, export: 'uncompressed', aikitfile: 8, dockerfile: 7, floor: 2.5 },
      ],
      conversion: [{ models: 50, ms: 19.7 }],
    });
  });

  it('reads the committed bench/results.md', async () => {
    const f = parseResultsMd(await readFile(join(import.meta.dirname, '../../bench/results.md'), 'utf8'));
    expect(f.cached.length).toBeGreaterThan(0);
    expect(f.cold.length).toBeGreaterThan(0);
    expect(f.conversion.length).toBeGreaterThan(0);
    for (const c of f.cold)
      expect(c.aikitfile > 0 && c.dockerfile > 0 && c.floor > 0 && c.modelMiB > 0).toBe(true);
  });
});

describe('charts', () => {
  it('draws one bar per builder and model size in the cold build chart', async () => {
    const svg = await renderSvg(chartSpecs(FIGURES)['cold-build']!);
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const bars = marks(svg, 'bar');
    expect(bars).toHaveLength(6);
    for (const want of ['seconds: 24;', 'seconds: 20;', 'seconds: 5;', 'seconds: 6;', 'seconds: 1.25;'])
      expect(bars.some((b) => b.includes(want))).toBe(true);
    expect(svg).toContain('256 MiB');
    expect(svg).toContain('Docker 27.1.0, 2026-01-02');
    // Longer bars for longer times: the 24 s bar is wider than the 6 s one.
    const width = (v: string) => {
      const m = new RegExp(`aria-label="seconds: ${v};[^"]*"[^>]*d="M[\\d.]+,[\\d.]+h([\\d.]+)`).exec(svg);
      return Number(m?.[1]);
    };
    expect(width('24')).toBeGreaterThan(width('6'));
  });

  it('puts each engine of the cached rebuilds in its own row', async () => {
    const svg = await renderSvg(chartSpecs(FIGURES)['cached-build']!);
    expect(marks(svg, 'bar')).toHaveLength(4);
    expect(svg).toContain('BuildKit 0.25');
    expect(svg).toContain('Docker 27.1.0');
  });

  it('draws a point per model count in the conversion chart', async () => {
    const svg = await renderSvg(chartSpecs(FIGURES).conversion!);
    const points = marks(svg, 'point');
    expect(points).toHaveLength(3);
    expect(
      points.some((p) => p.includes('models in the aikitfile: 100;') && p.includes('milliseconds: 30')),
    ).toBe(true);
  });

  it('draws the growth chart only when the number of models was measured', async () => {
    expect(chartSpecs(FIGURES)['growth-models']).toBeUndefined();
    const growthModels = [
      { models: 1, convertMs: 10, buildS: 3 },
      { models: 10, convertMs: 20, buildS: 4 },
      { models: 100, convertMs: 130, buildS: 18 },
    ];
    const svg = await renderSvg(chartSpecs({ ...FIGURES, growthModels })['growth-models']!);
    const points = marks(svg, 'point');
    expect(points).toHaveLength(3);
    expect(points.some((p) => p.includes('models in the aikitfile: 100;') && p.includes('seconds: 18'))).toBe(
      true,
    );
  });

  it('writes the three charts as files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aikit-charts-'));
    try {
      const paths = await renderBenchCharts(FIGURES, dir);
      expect(paths.map((p) => p.slice(dir.length + 1))).toEqual([
        'cold-build.svg',
        'cached-build.svg',
        'conversion.svg',
      ]);
      for (const p of paths) expect(await readFile(p, 'utf8')).toMatch(/^<svg [\s\S]*<\/svg>\n$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
