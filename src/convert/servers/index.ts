import type { Platform } from '../../llb/index.js';
import type { InferenceSpec, Server as ServerName } from '../../aikitfile/index.js';
import type { Artifacts } from '../artifacts.js';
import { llamaServer } from './llama-server/index.js';
import { localai } from './localai/index.js';
import type { Server } from './server.js';

// Every server an image can run, by the name a file gives in `server:`. A new server is a folder
// next to these two, one line here, and its rows in the aikitfile's matrix.

// Each entry takes back only the plans it made; serverFor hands out one server at a time.
const SERVERS: Readonly<Record<ServerName, Server>> = {
  localai,
  'llama-server': llamaServer,
};

/** The server an aikitfile's images run. */
export function serverFor(spec: InferenceSpec): Server {
  return SERVERS[spec.server];
}

/**
 * The images one platform's build reads, the base first: what a frontend resolves (for digests
 * and `ConvertOptions.imageDigests`) before converting. Throws for a forbidden combination.
 */
export function runtimeImageRefs(spec: InferenceSpec, artifacts: Artifacts, platform: Platform): string[] {
  const server = serverFor(spec);
  return server.imageRefs(server.plan(spec, platform), artifacts);
}
