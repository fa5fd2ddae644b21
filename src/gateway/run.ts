import { AikitError, errorMessage } from '../util/errors.js';
import { log } from '../util/log.js';
import { BridgeClient, BuildkitError, type PingResult, type ReturnPayload } from './client.js';
import { type BuildOptions, type FrontendEnv, parseBuildOptions, readFrontendEnv } from './env.js';
import { userErrorStatus } from './status.js';
import { openStdioBridge } from './transport.js';

/** Everything a build function gets from the gateway. */
export interface FrontendContext {
  client: BridgeClient;
  env: FrontendEnv;
  opts: BuildOptions;
  caps: PingResult;
}

export type BuildFunc = (ctx: FrontendContext) => Promise<ReturnPayload>;

/** Where the wire and the environment come from; the process's own unless a test says otherwise. */
export interface RunIO {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs one build over stdio: Ping, the build function, exactly one Return, then exit 0.
 * BuildKit's own errors are forwarded with their details so buildx keeps the vertex and the
 * source snippet; a user error becomes a located message; anything else is a bug and says so.
 */
export async function runFrontend(build: BuildFunc, io: RunIO = {}): Promise<number> {
  const started = performance.now();
  const bridge = await openStdioBridge(io.input, io.output);
  const client = new BridgeClient(bridge.target);
  let payload: ReturnPayload;
  try {
    const env = readFrontendEnv(io.env);
    const caps = await client.ping();
    // sinceStart: ms since the process started (performance's time origin), module loading included.
    log.debug(
      { ms: Math.round(performance.now() - started), sinceStart: Math.round(performance.now()) },
      'ping answered',
    );
    payload = await build({ client, env, opts: parseBuildOptions(env), caps });
  } catch (e) {
    payload = { kind: 'error', status: errorStatus(e) };
  }
  try {
    await client.return(payload);
  } catch (e) {
    log.error({ err: e }, 'return failed');
    client.close();
    bridge.close();
    return 1;
  }
  client.close();
  bridge.close();
  log.debug({ ms: Math.round(performance.now() - started) }, 'frontend done');
  return 0;
}

function errorStatus(e: unknown) {
  if (e instanceof BuildkitError) return e.status;
  if (e instanceof AikitError) return userErrorStatus(e);
  log.error({ err: e }, 'internal error');
  return { code: 2, message: `aikit internal error: ${errorMessage(e)} (please report this)`, details: [] };
}
