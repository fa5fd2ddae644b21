import { pino } from 'pino';

// fd 1 is the gRPC wire in frontend mode: every log line goes to fd 2, synchronously so that a
// crash still leaves its last words in the daemon log.
export const log = pino(
  { name: 'aikit', level: process.env['AIKIT_LOG'] ?? 'info' },
  pino.destination({ fd: 2, sync: true }),
);
