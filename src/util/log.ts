import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

// fd 1 is the gRPC wire in frontend mode: every log line goes to fd 2, synchronously so that a
// crash still leaves its last words in the daemon log.

/** A pino logger at `level` and above, writing its JSON lines to `dest` (stderr by default). */
export function createLogger(
  name: string,
  level: string,
  dest: DestinationStream = pino.destination({ fd: 2, sync: true }),
): Logger {
  return pino({ name, level }, dest);
}

export const log = createLogger('aikit', process.env['AIKIT_LOG'] ?? 'info');
