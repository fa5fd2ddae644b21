import { describe, expect, it } from 'vitest';
import { createLogger } from './log.js';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('aikit', level, {
    write(line: string) {
      expect(line.endsWith('\n')).toBe(true);
      lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
  return { log, lines };
}

// The daemon log keeps these lines and the bench reads them (scripts/bench/frontend-log.ts): the
// logger's destination is swapped for a capture, everything else is the logger the frontend uses.
describe('log', () => {
  it("writes pino's line shape: level number, time, pid, hostname, name, fields, msg", () => {
    const { log, lines } = capture('debug');
    log.debug({ ms: 12, sinceStart: 140 }, 'ping answered');
    log.info('plain');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 20, pid: process.pid, name: 'aikit', ms: 12, sinceStart: 140 });
    expect(lines[0]!['msg']).toBe('ping answered');
    expect(typeof lines[0]!['time']).toBe('number');
    expect(typeof lines[0]!['hostname']).toBe('string');
    expect(lines[1]).toMatchObject({ level: 30, msg: 'plain' });
  });

  it('drops lines below the level, and every line when silent', () => {
    const info = capture('info');
    info.log.debug({ a: 1 }, 'hidden');
    info.log.warn({ warning: 'w' });
    expect(info.lines.map((l) => l['level'])).toEqual([40]);
    expect(info.lines[0]).not.toHaveProperty('msg');
    const silent = capture('silent');
    silent.log.fatal('gone');
    expect(silent.lines).toEqual([]);
  });

  it("serializes errors by pino's standard serializer: type, message and stack with the cause, own fields", () => {
    const { log, lines } = capture('info');
    const cause = new TypeError('inner');
    const err = Object.assign(new Error('outer', { cause }), { code: 'E_X' });
    log.error({ err }, 'failed');
    const e = lines[0]!['err'] as Record<string, unknown>;
    expect(e).toMatchObject({ type: 'Error', message: 'outer: inner', code: 'E_X' });
    expect(String(e['stack'])).toContain('Error: outer');
    expect(String(e['stack'])).toContain('caused by: TypeError: inner');
    expect(lines[0]!['msg']).toBe('failed');
  });
});
