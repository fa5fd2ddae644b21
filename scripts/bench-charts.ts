// The benchmark figures as SVG charts, drawn by Vega-Lite and Vega in Node (no browser):
//
//   bench/cold-build.svg     cold build time by model size: aikitfile, Dockerfile and the floor
//   bench/cached-build.svg   fully cached rebuild per engine and output: aikitfile and Dockerfile
//   bench/conversion.svg     conversion time against the number of models
//   bench/growth-models.svg  cold build time against the number of models (when measured)
//
// `npm run bench` calls renderBenchCharts with what it measured (and writes bench/results.json);
// `npx tsx scripts/bench-charts.ts` draws them again from bench/results.json, or from the tables
// of bench/results.md when there is no JSON.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface BenchFigures {
  /** What ran the builds, e.g. "Docker 28.5.2+dfsg4". */
  engine: string;
  /** YYYY-MM-DD of the run. */
  date: string;
  /** Fully cached rebuilds, per output, in ms. */
  cached: { engine: string; output: string; aikitfile: number; dockerfile: number }[];
  /** Cold builds, in seconds; `floor` is verifying and writing the model bytes once. */
  cold: { modelMiB: number; export: string; aikitfile: number; dockerfile: number; floor: number }[];
  /** In-process conversion (parse, validate, convert, marshal), median ms. */
  conversion: { models: number; ms: number }[];
  /** Conversion (ms) and cold build (s) time by the number of models. */
  growthModels?: { models: number; convertMs: number; buildS: number }[];
}

const BENCH = resolve(import.meta.dirname, '../bench');

const num = (s: string | undefined) => Number((s ?? '').replace(/[^\d.]/g, ''));
const cells = (line: string) =>
  line
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim());

/** The figures in bench/results.md (as scripts/bench.ts writes it). */
export function parseResultsMd(md: string): BenchFigures {
  const engine = /Docker ([^,\s]+)/.exec(md)?.[1];
  const f: BenchFigures = {
    engine: engine ? `Docker ${engine}` : 'engine',
    date: /on (\d{4}-\d{2}-\d{2})/.exec(md)?.[1] ?? '',
    cached: [],
    cold: [],
    conversion: [],
  };
  const sections = md.split(/^## /m);
  const section = (n: number) => sections.find((s) => s.startsWith(`${n}. `)) ?? '';
  const rows = (s: string) =>
    s
      .split('\n')
      .filter((l) => l.startsWith('| ') && !l.startsWith('| ---'))
      .slice(1)
      .map(cells);

  for (const [output, a, d] of rows(section(1))) {
    f.cached.push({ engine: f.engine, output: output!, aikitfile: num(a), dockerfile: num(d) });
  }
  // The first table only: the vertex breakdowns under `###` headings follow it.
  const cold = section(2).split(/^### /m)[0]!;
  const mib = num(/with a (\d+) MiB model/.exec(cold)?.[1]);
  const floor = num(/^Floor .*?: ([\d.]+) s\.$/m.exec(cold)?.[1]);
  for (const [exp, a, d] of rows(cold)) {
    f.cold.push({
      modelMiB: mib,
      export: exp!.replace(/`/g, ''),
      aikitfile: num(a),
      dockerfile: num(d),
      floor,
    });
  }
  for (const m of section(5).matchAll(/^- (\d+) models[^:]*: median ([\d.]+) ms/gm)) {
    f.conversion.push({ models: Number(m[1]), ms: Number(m[2]) });
  }
  return f;
}

const BUILDERS = { aikitfile: '#2563eb', Dockerfile: '#9ca3af', floor: '#16a34a' };
const color = (domain: string[]) => ({
  field: 'builder',
  type: 'nominal' as const,
  title: null,
  scale: { domain, range: domain.map((d) => BUILDERS[d as keyof typeof BUILDERS]) },
  legend: { orient: 'bottom' as const },
});
/** Facet rows captioned above their bars, not beside them. */
const ROW_HEADER = {
  labelOrient: 'top' as const,
  labelAngle: 0,
  labelAnchor: 'start' as const,
  labelFontWeight: 'bold' as const,
};
const CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  background: 'white',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, labelLimit: 320 },
  title: { fontSize: 14, anchor: 'start' as const },
};

/** The Vega-Lite specs of the charts. */
export function chartSpecs(f: BenchFigures): Record<string, TopLevelSpec> {
  const subtitle = `${f.engine}${f.date ? `, ${f.date}` : ''}; medians, lower is better`;
  const cold = f.cold.flatMap((c) => [
    { size: `${c.modelMiB} MiB`, export: c.export, builder: 'aikitfile', s: c.aikitfile },
    { size: `${c.modelMiB} MiB`, export: c.export, builder: 'Dockerfile', s: c.dockerfile },
    { size: `${c.modelMiB} MiB`, export: c.export, builder: 'floor', s: c.floor },
  ]);
  const cached = f.cached.flatMap((c) => [
    { engine: c.engine, output: c.output, builder: 'aikitfile', ms: c.aikitfile },
    { engine: c.engine, output: c.output, builder: 'Dockerfile', ms: c.dockerfile },
  ]);
  const growth: Record<string, TopLevelSpec> = f.growthModels?.length
    ? {
        'growth-models': {
          $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
          title: {
            text: 'Cold build time against the number of models',
            subtitle: `${subtitle}; 64 KiB each`,
          },
          width: 420,
          height: 220,
          data: { values: f.growthModels },
          layer: [
            { mark: { type: 'line', color: BUILDERS.aikitfile } },
            { mark: { type: 'point', filled: true, size: 60, color: BUILDERS.aikitfile, tooltip: true } },
          ],
          encoding: {
            x: {
              field: 'models',
              type: 'quantitative',
              title: 'models in the aikitfile',
              scale: { zero: true },
            },
            y: { field: 'buildS', type: 'quantitative', title: 'seconds', scale: { zero: true } },
          },
          config: CONFIG,
        },
      }
    : {};
  return {
    ...growth,
    'cold-build': {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: 'Cold build time by model size', subtitle },
      data: { values: cold },
      facet: {
        row: { field: 'export', type: 'nominal', title: null, header: ROW_HEADER },
      },
      spec: {
        width: 420,
        height: { step: 18 },
        mark: { type: 'bar', tooltip: true },
        encoding: {
          y: { field: 'size', type: 'nominal', title: 'model', sort: null },
          yOffset: { field: 'builder', sort: ['aikitfile', 'Dockerfile', 'floor'] },
          x: { field: 's', type: 'quantitative', title: 'seconds' },
          color: color(['aikitfile', 'Dockerfile', 'floor']),
        },
      },
      config: CONFIG,
    },
    'cached-build': {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: 'Fully cached rebuild', subtitle },
      data: { values: cached },
      facet: {
        row: { field: 'engine', type: 'nominal', title: null, header: ROW_HEADER },
      },
      spec: {
        width: 420,
        height: { step: 18 },
        mark: { type: 'bar', tooltip: true },
        encoding: {
          y: { field: 'output', type: 'nominal', title: null, sort: null, axis: { labelLimit: 400 } },
          yOffset: { field: 'builder', sort: ['aikitfile', 'Dockerfile'] },
          x: { field: 'ms', type: 'quantitative', title: 'milliseconds' },
          color: color(['aikitfile', 'Dockerfile']),
        },
      },
      config: CONFIG,
    },
    conversion: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: 'Conversion time against the number of models', subtitle: 'in process; median ms' },
      width: 420,
      height: 220,
      data: { values: f.conversion },
      layer: [
        { mark: { type: 'line', color: BUILDERS.aikitfile } },
        { mark: { type: 'point', filled: true, size: 60, color: BUILDERS.aikitfile, tooltip: true } },
      ],
      encoding: {
        x: { field: 'models', type: 'quantitative', title: 'models in the aikitfile', scale: { zero: true } },
        y: { field: 'ms', type: 'quantitative', title: 'milliseconds', scale: { zero: true } },
      },
      config: CONFIG,
    },
  };
}

/** Renders one Vega-Lite spec to an SVG document. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return `${await view.toSVG()}\n`;
  } finally {
    view.finalize();
  }
}

/** Renders every chart and writes `<name>.svg` into `dir` (default bench/); returns the paths. */
export async function renderBenchCharts(f: BenchFigures, dir = BENCH): Promise<string[]> {
  const written: string[] = [];
  for (const [name, spec] of Object.entries(chartSpecs(f))) {
    const path = join(dir, `${name}.svg`);
    await writeFile(path, await renderSvg(spec));
    written.push(path);
  }
  return written;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const json = join(BENCH, 'results.json');
  const figures = existsSync(json)
    ? (JSON.parse(await readFile(json, 'utf8')) as BenchFigures)
    : parseResultsMd(await readFile(join(BENCH, 'results.md'), 'utf8'));
  for (const p of await renderBenchCharts(figures)) console.log(`wrote ${p}`);
}
