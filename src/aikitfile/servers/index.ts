import { SERVERS } from '../schema.js';
import type { Server } from '../types.js';
import { llamaServerRules } from './llama-server.js';
import { localaiRules } from './localai.js';
import type { ServerRules } from './rules.js';

// Every server's field rules, by the name a file gives in `server:`. A new server adds its
// module here and its rows to the matrix (../matrix.ts).

export const SERVER_RULES: Readonly<Record<Server, ServerRules>> = {
  localai: localaiRules,
  'llama-server': llamaServerRules,
};

/** The server of a file without `server:`. */
export const DEFAULT_SERVER: Server = 'localai';

/** The rules of a file's `server:` value; an absent or unknown one (reported by the schema) gets the default's. */
export function serverRules(server: unknown): ServerRules {
  const known = SERVERS.find((s) => s === server);
  return SERVER_RULES[known ?? DEFAULT_SERVER];
}
