import { runFrontend } from './gateway/run.js';
import type { BuildFunc } from './gateway/run.js';
import { log } from './util/log.js';

// The frontend image's entry point. Nothing here may write to stdout: it is the gRPC wire.
// `package <job>`: the same image run as the packaging step of a packaging build (frontend/package.ts).
//
// Only the gateway client is loaded before BuildKit's Ping is answered; the build code (the
// aikitfile language, conversion, LLB) loads after it, since the first request needs none of it.
// The bundle keeps that split: these dynamic imports become lazily initialised modules.
const loadBuild = async (): Promise<BuildFunc> => {
  const { buildAikit } = await import('./frontend.js');
  log.debug({ sinceStart: Math.round(performance.now()) }, 'build code loaded');
  return buildAikit;
};
const build: BuildFunc = async (ctx) => (await loadBuild())(ctx);

// Making the image's V8 code cache (scripts/code-cache-loader.cjs): compile the build code too,
// since no BuildKit answers the Ping there.
if (process.env['AIKIT_WRITE_CODE_CACHE']) void loadBuild();

const run =
  process.argv[2] === 'package'
    ? import('./frontend/package.js').then((m) => m.runPackageTool(process.argv.slice(3)))
    : runFrontend(build);
run.then(
  (code) => process.exit(code),
  (err: unknown) => {
    log.fatal({ err }, 'frontend failed before it could return');
    process.exit(1);
  },
);
