import { writeSync } from 'node:fs';
import { hostname } from 'node:os';

// fd 1 is the gRPC wire in frontend mode: every log line goes to fd 2, synchronously so that a
// crash still leaves its last words in the daemon log. The lines are pino's JSON (level number,
// time, pid, hostname, name, fields, msg; `err` as type, message, stack and own fields), written
// by these few lines because loading pino was a tenth of the frontend's start-up.

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
type Level = keyof typeof LEVELS;
type Fields = Record<string, unknown>;
type LogFn = (fieldsOrMsg?: Fields | string, msg?: string) => void;
export type Logger = Record<Level, LogFn>;

/** An Error as pino's standard serializer writes it, own fields and causes included. */
function serializeError(e: Error, seen = new Set<unknown>()): Fields {
  seen.add(e);
  const out: Fields = { type: e.constructor?.name ?? e.name, message: e.message, stack: e.stack };
  for (const [k, v] of Object.entries(e)) {
    if (k in out || seen.has(v)) continue;
    out[k] = v instanceof Error ? serializeError(v, seen) : v;
  }
  if (e.cause instanceof Error && !seen.has(e.cause)) out['cause'] = serializeError(e.cause, seen);
  return out;
}

function write(line: string): void {
  const buf = Buffer.from(line);
  for (let off = 0, tries = 0; off < buf.length;) {
    try {
      off += writeSync(2, buf, off);
    } catch (e) {
      // A non-blocking stderr pipe that is full: wait for the reader, a little.
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN' || ++tries > 1000) return;
    }
  }
}

/** A logger writing pino-compatible JSON lines to `sink` (stderr) at `level` and above. */
export function createLogger(name: string, level: string, sink: (line: string) => void = write): Logger {
  const min = level === 'silent' ? Infinity : (LEVELS[level as Level] ?? LEVELS.info);
  const base = `,"pid":${process.pid},"hostname":${JSON.stringify(hostname())},"name":${JSON.stringify(name)}`;
  const at =
    (n: number): LogFn =>
    (fieldsOrMsg, msg) => {
      if (n < min) return;
      const fields: Fields = typeof fieldsOrMsg === 'object' ? { ...fieldsOrMsg } : {};
      const text = typeof fieldsOrMsg === 'string' ? fieldsOrMsg : msg;
      if (fields['err'] instanceof Error) fields['err'] = serializeError(fields['err']);
      let body = '';
      for (const [k, v] of Object.entries(fields)) {
        const json = safeJson(v);
        if (json !== undefined) body += `,${JSON.stringify(k)}:${json}`;
      }
      if (text !== undefined) body += `,"msg":${JSON.stringify(text)}`;
      sink(`{"level":${n},"time":${Date.now()}${base}${body}}\n`);
    };
  return Object.fromEntries(Object.entries(LEVELS).map(([k, n]) => [k, at(n)])) as Logger;
}

function safeJson(v: unknown): string | undefined {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  } catch {
    return '"[unserializable]"';
  }
}

export const log = createLogger('aikit', process.env['AIKIT_LOG'] ?? 'info');
