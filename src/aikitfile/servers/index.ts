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
