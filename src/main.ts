import { buildAikit } from './frontend.js';
import { runPackageTool } from './frontend/package.js';
import { runFrontend } from './gateway/index.js';
import { log } from './util/log.js';

// The frontend image's entry point. Nothing here may write to stdout: it is the gRPC wire.
// `package <job>`: the same image run as the packaging step of a packaging build (frontend/package.ts).
const run = process.argv[2] === 'package' ? runPackageTool(process.argv.slice(3)) : runFrontend(buildAikit);
run.then(
  (code) => process.exit(code),
  (err: unknown) => {
    log.fatal({ err }, 'frontend failed before it could return');
    process.exit(1);
  },
);
