import { buildAikit } from './frontend.js';
import { runFrontend } from './gateway/index.js';
import { log } from './util/log.js';

// The frontend image's entry point. Nothing here may write to stdout: it is the gRPC wire.
runFrontend(buildAikit).then(
  (code) => process.exit(code),
  (err: unknown) => {
    log.fatal({ err }, 'frontend failed before it could return');
    process.exit(1);
  },
);
