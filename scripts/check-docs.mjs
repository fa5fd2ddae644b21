#!/usr/bin/env node
// Checks the docs site the way a reader meets it, plus what the pages claim about the code.
//
//   node scripts/check-docs.mjs --url http://127.0.0.1:3210/aikit/docs/ [--out <dir>]
//
// 1. Examples (no browser): every aikitfile example in website/docs/*.md goes through the real
//    CLI. A YAML block followed by a "$ aikit validate <file>" text block must print exactly that
//    text; any other block that starts with #syntax= must validate. The usage text shown must be
//    what `aikit --help` prints; every AIKIT_* build-arg of the code must be on the mirrors page;
//    every models/*.yaml must be on the pre-made models page.
// 2. Browser (headless Chromium from Debian, /usr/bin/chromium): every page in the sidebar renders
//    an h1 with no console errors, no failed or off-machine requests and no broken images; a
//    sidebar link, a navbar link and an in-page link navigate; the local search finds the right
//    page, from the search box and on the search page; every ```mermaid block is drawn as an SVG
//    with a node per declared node and every label's text. Screenshots of every page go to --out
//    (default: a new temp dir). The build graph on the architecture page must be what
//    `aikit convert --format mermaid` gives (the golden file).
//
// Exits 1 when anything fails, 2 on a usage error.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL, URL } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOCS = join(ROOT, 'website', 'docs');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const failures = [];
let checks = 0;
function check(ok, what) {
  checks++;
  if (!ok) {
    failures.push(what);
    console.error(`FAIL ${what}`);
  }
  return ok;
}

let opts;
try {
  opts = parseArgs({
    options: {
      url: { type: 'string' },
      out: { type: 'string' },
      'examples-only': { type: 'boolean' },
    },
  }).values;
} catch (e) {
  console.error(`check-docs: ${e.message}`);
  process.exit(2);
}
if (!opts['examples-only'] && !opts.url) {
  console.error('usage: node scripts/check-docs.mjs --url http://127.0.0.1:<port>/aikit/docs/ [--out dir]');
  process.exit(2);
}

/** The docs pages: id, route and Markdown source. */
async function loadDocs() {
  const docs = [];
  for (const file of (await readdir(DOCS)).filter((f) => f.endsWith('.md')).sort()) {
    const text = await readFile(join(DOCS, file), 'utf8');
    const id = file.replace(/\.md$/, '');
    const slug = /^---\n[\s\S]*?^slug:\s*(\S+)\s*$[\s\S]*?^---$/m.exec(text)?.[1];
    docs.push({ id, file, text, route: slug ?? `/${id}` });
  }
  return docs;
}

/** Fenced code blocks of a Markdown text: language, meta string and body. */
function codeBlocks(text) {
  const blocks = [];
  const re = /^```(\w*)([^\n]*)\n([\s\S]*?)^```\s*$/gm;
  for (let m; (m = re.exec(text));) blocks.push({ lang: m[1], meta: m[2].trim(), body: m[3] });
  return blocks;
}

const ENTITIES = { quot: '"', lt: '<', gt: '>', amp: '&', 35: '#', 96: '`' };
const decode = (s) => s.replace(/#(\w+);/g, (m, e) => ENTITIES[e] ?? m).replace(/<br\s*\/?>/g, ' ');
/** Text compared without whitespace: Mermaid wraps and joins lines as it likes. */
const squash = (s) => s.replace(/\s+/g, '');

/** What a Mermaid flowchart declares: node labels (`id["label"]`, any shape) and all quoted text. */
function mermaidDeclared(body) {
  const nodes = new Set();
  const texts = [];
  for (const line of body.split('\n')) {
    const subgraph = /^\s*subgraph\b/.test(line);
    for (const m of line.matchAll(/([\w-]+)\s*(?:\[\[|\[\/|\[\(|\(\[|\{\{|\[|\(|\{)"([^"]*)"/g)) {
      if (!subgraph) nodes.add(m[1]);
      texts.push(decode(m[2]));
    }
    for (const m of line.matchAll(/\|"([^"]*)"\|/g)) texts.push(decode(m[1]));
  }
  return { nodes: nodes.size, texts };
}

/** Runs the CLI in this process (through tsx), capturing what it writes. */
async function cliRunner() {
  const { tsImport } = await import('tsx/esm/api');
  const cli = await tsImport(pathToFileURL(join(ROOT, 'src/cli/cli.ts')).href, import.meta.url);
  const convert = await tsImport(pathToFileURL(join(ROOT, 'src/convert/index.ts')).href, import.meta.url);
  const run = async (args, cwd) => {
    const out = [];
    const err = [];
    const saved = { out: process.stdout.write, err: process.stderr.write, cwd: process.cwd() };
    process.stdout.write = (chunk) => out.push(String(chunk)) > 0;
    process.stderr.write = (chunk) => err.push(String(chunk)) > 0;
    let code;
    try {
      if (cwd) process.chdir(cwd);
      code = await cli.runCli(args);
    } catch (e) {
      code = `threw ${e?.stack ?? e}`;
    } finally {
      process.stdout.write = saved.out;
      process.stderr.write = saved.err;
      process.chdir(saved.cwd);
    }
    return { code, stdout: out.join(''), stderr: err.join('') };
  };
  return { run, convert };
}

async function checkExamples(docs) {
  const { run, convert } = await cliRunner();
  const work = await mkdtemp(join(tmpdir(), 'aikit-doc-examples-'));
  let n = 0;
  try {
    for (const doc of docs) {
      const blocks = codeBlocks(doc.text);
      for (let i = 0; i < blocks.length; i++) {
        const b = blocks[i];
        if (b.lang === 'text' && b.body.startsWith('usage: aikit ')) {
          const help = await run(['--help']);
          check(
            help.stdout === b.body,
            `${doc.file}: the usage block differs from \`aikit --help\`:\n${help.stdout}`,
          );
          continue;
        }
        if (b.lang !== 'yaml' || /\bplanned\b/.test(b.meta)) continue;
        const next = blocks[i + 1];
        const expect = next?.lang === 'text' ? /^\$ aikit validate (\S+)\n/.exec(next.body) : null;
        if (!expect && !b.body.startsWith('#syntax=')) continue;
        n++;
        const name = expect?.[1] ?? basename(/title="([^"]+)"/.exec(b.meta)?.[1] ?? 'aikitfile.yaml');
        const dir = join(work, String(n));
        await mkdir(dir, { recursive: true });
        await writeFile(join(dir, name), b.body);
        const r = await run(['validate', name], dir);
        if (expect) {
          const want = next.body.slice(expect[0].length).split(/^\$ /m)[0];
          check(
            r.stderr === want,
            `${doc.file}: example ${name} printed something else than the page shows:\n${r.stderr}`,
          );
        } else {
          check(
            r.code === 0,
            `${doc.file}: example ${name} does not validate (exit ${r.code}):\n${r.stderr}`,
          );
        }
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  check(n >= 10, `only ${n} aikitfile examples found in website/docs`);

  const mirrors = docs.find((d) => d.id === 'mirrors')?.text ?? '';
  const args = [...(convert.ARTIFACT_ARGS ?? []), ...(convert.SOURCE_ARGS ?? [])].map((a) => a.name);
  check(args.length > 0, 'no AIKIT_* build-args found in src/convert');
  for (const a of args) check(mirrors.includes(`\`${a}\``), `mirrors.md does not document ${a}`);

  // The build graph shown is the one the code draws today.
  const architecture = docs.find((d) => d.id === 'architecture')?.text ?? '';
  const graph = await readFile(join(ROOT, 'test/golden/aikitfile-llama.linux-amd64.graph.mmd'), 'utf8');
  check(
    codeBlocks(architecture).some((b) => b.lang === 'mermaid' && b.body === graph),
    'architecture.md: the Mermaid build graph differs from test/golden/aikitfile-llama.linux-amd64.graph.mmd',
  );

  const premade = docs.find((d) => d.id === 'premade-models')?.text ?? '';
  const models = await readdir(join(ROOT, 'models')).catch(() => []);
  for (const f of models.filter((x) => x.endsWith('.yaml') && x !== 'aikitfile.yaml')) {
    check(premade.includes(`\`${f}\``), `premade-models.md does not list models/${f}`);
  }
  // Each row names the image and tags models/images.json publishes.
  const images = JSON.parse(await readFile(join(ROOT, 'models', 'images.json'), 'utf8').catch(() => '{}'));
  for (const [name, m] of Object.entries(images.models ?? {})) {
    const row = premade.split('\n').find((l) => l.startsWith(`| \`${name}.yaml\``)) ?? '';
    const names = [m.image, ...(m.tags ?? [])].map((x) => `\`${x}\``);
    check(
      names.every((x) => row.includes(x)),
      `premade-models.md: the row of ${name} should name ${names.join(', ')}`,
    );
  }
  return n;
}

async function checkSite(docs, base, out) {
  const { chromium } = await import('playwright-core');
  const origin = new URL(base).origin;
  const profile = await mkdtemp(join(tmpdir(), 'aikit-docs-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  // Everything the site needs must come from its own origin: nothing else is even attempted.
  const offsite = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:')) return route.continue();
    offsite.push(url);
    return route.abort();
  });

  // What went wrong on the page since the last reset: console errors, exceptions, failed requests.
  let problems = [];
  const watch = (page) => {
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    // ERR_ABORTED is a request the page itself dropped (a prefetch cut short by navigating on).
    page.on('requestfailed', (r) => {
      const why = r.failure()?.errorText ?? '';
      if (!why.includes('ERR_ABORTED')) problems.push(`request failed: ${r.url()} ${why}`);
    });
    page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
  };
  const url = (route) => new URL(route.replace(/^\//, ''), base).href;
  const path = (u) => new URL(u).pathname.replace(/\/$/, '');
  const timeout = 15000;
  /** Waits until the page at `route` shows `title` as its h1 (client-side navigation is async). */
  const arrived = async (page, route, title, what) => {
    try {
      await page.waitForURL((u) => path(u.href) === path(url(route)), { timeout });
      await page.locator('article h1', { hasText: title }).first().waitFor({ timeout });
      return check(true, what);
    } catch {
      return check(false, `${what}: expected ${route} "${title}", got ${page.url()}`);
    }
  };

  try {
    const page = await context.newPage();
    watch(page);

    // The sidebar lists every page.
    await page.goto(base, { waitUntil: 'load' });
    const sidebar = [
      ...new Set(
        await page.$$eval('nav.menu a.menu__link[href]', (as) =>
          as.map((a) => a.getAttribute('href')).filter((h) => h && h !== '#'),
        ),
      ),
    ];
    for (const doc of docs) {
      check(
        sidebar.some((h) => h.replace(/\/$/, '') === path(url(doc.route))),
        `the sidebar has no link to ${doc.file}`,
      );
    }

    // Every sidebar page renders, with a screenshot.
    for (const href of sidebar) {
      problems = [];
      const started = performance.now();
      const target = new URL(href, base).href;
      await page.goto(target, { waitUntil: 'load' });
      const h1 = (
        await page
          .locator('article h1')
          .first()
          .textContent({ timeout })
          .catch(() => '')
      )?.trim();
      check(Boolean(h1), `${href}: no h1`);
      // Docusaurus marks Markdown images loading="lazy": one below the fold has not loaded when
      // the page's load event fires, so each is made eager and awaited before it is judged.
      const broken = await page.$$eval('img', async (imgs) => {
        await Promise.all(
          imgs.map((i) => {
            i.loading = 'eager';
            return i.decode().catch(() => undefined);
          }),
        );
        return imgs.filter((i) => !i.complete || i.naturalWidth === 0).map((i) => i.src);
      });
      check(broken.length === 0, `${href}: broken images ${broken.join(', ')}`);
      const name = path(target).split('/').pop() || 'index';
      const docsRoot = path(base).split('/').pop();
      await page.screenshot({ path: join(out, `${name === docsRoot ? 'intro' : name}.png`), fullPage: true });
      check(problems.length === 0, `${href}: ${problems.join('; ')}`);
      console.log(`page ${href}: "${h1}" (${Math.round(performance.now() - started)} ms)`);
    }

    // Every Mermaid block is drawn in the browser: one SVG each, with its nodes and their text.
    let diagrams = 0;
    for (const doc of docs) {
      const blocks = codeBlocks(doc.text).filter((b) => b.lang === 'mermaid');
      if (blocks.length === 0) continue;
      problems = [];
      await page.goto(url(doc.route), { waitUntil: 'load' });
      const svgs = page.locator('.docusaurus-mermaid-container svg');
      await svgs
        .nth(blocks.length - 1)
        .waitFor({ timeout })
        .catch(() => {});
      const drawn = await svgs.evaluateAll((els) =>
        els.map((svg) => ({ nodes: svg.querySelectorAll('g.node').length, text: svg.textContent ?? '' })),
      );
      check(
        drawn.length === blocks.length,
        `${doc.file}: ${blocks.length} mermaid blocks but ${drawn.length} diagrams drawn`,
      );
      blocks.forEach((b, i) => {
        const want = mermaidDeclared(b.body);
        const got = drawn[i] ?? { nodes: 0, text: '' };
        check(
          want.nodes > 0 && got.nodes === want.nodes,
          `${doc.file}: diagram ${i + 1} has ${got.nodes} nodes, its source declares ${want.nodes}`,
        );
        const text = squash(got.text);
        const missing = want.texts.filter((t) => !text.includes(squash(t)));
        check(missing.length === 0, `${doc.file}: diagram ${i + 1} does not show ${missing.join(' | ')}`);
        diagrams++;
      });
      check(problems.length === 0, `${doc.route} diagrams: ${problems.join('; ')}`);
      await page.screenshot({ path: join(out, `diagrams-${doc.id}.png`), fullPage: true });
    }
    check(diagrams >= 4, `only ${diagrams} mermaid diagrams found in website/docs`);
    console.log(`diagrams: ${diagrams} checked for their nodes and labels`);

    // Navigation by clicking: sidebar, navbar, a link inside a page.
    problems = [];
    await page.goto(base, { waitUntil: 'load' });
    await page.locator('nav.menu a.menu__link', { hasText: 'Mirrors and air-gapped builds' }).click();
    await arrived(page, '/mirrors', 'Mirrors and air-gapped builds', 'sidebar click');
    await page.locator('nav.navbar a.navbar__link', { hasText: 'Errors' }).click();
    await arrived(page, '/errors', 'Error messages', 'navbar click');
    await page.locator('article a', { hasText: 'CLI' }).first().click();
    await arrived(page, '/cli', 'The aikit command', 'in-page link');
    check(problems.length === 0, `navigation: ${problems.join('; ')}`);
    console.log('navigation: sidebar, navbar and in-page links open their pages');

    // Search, from the box: the hit for a build-arg names the mirrors page, and opens it.
    problems = [];
    const box = page.locator('input.navbar__search-input');
    await box.click();
    await box.fill('AIKIT_LOCALAI_SHA256');
    const hit = page.locator('[role=option]', { hasText: 'Mirrors and air-gapped builds' }).first();
    await hit.waitFor({ timeout });
    await page.screenshot({ path: join(out, 'search-box.png') });
    await hit.click();
    await arrived(page, '/mirrors', 'Mirrors and air-gapped builds', 'search box hit');
    // And on the search page, whose results are plain links.
    await page.goto(url(`/search?q=${encodeURIComponent('digest mismatch')}`), { waitUntil: 'load' });
    const result = page.locator('[class*=searchResultItem] h2 a[href*="/errors"]').first();
    await result.waitFor({ timeout });
    await page.screenshot({ path: join(out, 'search-page.png'), fullPage: true });
    await result.click();
    await arrived(page, '/errors', 'Error messages', 'search page result');
    check(problems.length === 0, `search: ${problems.join('; ')}`);
    console.log('search: "AIKIT_LOCALAI_SHA256" opens mirrors, "digest mismatch" lists errors');

    check(offsite.length === 0, `requests that left the machine: ${[...new Set(offsite)].join(', ')}`);
    return sidebar.length;
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}

const t0 = performance.now();
const docs = await loadDocs();
const examples = await checkExamples(docs);
const t1 = performance.now();
console.log(`examples: ${examples} aikitfiles checked with the CLI (${Math.round(t1 - t0)} ms)`);
if (!opts['examples-only']) {
  const out = opts.out ? resolve(opts.out) : await mkdtemp(join(tmpdir(), 'aikit-docs-screens-'));
  await mkdir(out, { recursive: true });
  let pages = 0;
  try {
    pages = await checkSite(docs, opts.url.endsWith('/') ? opts.url : `${opts.url}/`, out);
  } catch (e) {
    check(false, `browser: ${e?.message ?? e}`);
  }
  console.log(`browser: ${pages} pages (${Math.round(performance.now() - t1)} ms); screenshots in ${out}`);
}
if (failures.length > 0) {
  console.error(`check-docs: ${failures.length} of ${checks} checks failed`);
  process.exit(1);
}
console.log(`check-docs: all ${checks} checks ok`);
