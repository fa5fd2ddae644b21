import { describe, expect, it } from 'vitest';
import { createLogger } from './log.js';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('aikit', level, (line) => {
    expect(line.endsWith('\n')).toBe(true);
    lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { log, lines };
}

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

  it('serializes errors with their type, stack, own fields and cause', () => {
    const { log, lines } = capture('info');
    const cause = new TypeError('inner');
    const err = Object.assign(new Error('outer', { cause }), { code: 'E_X' });
    log.error({ err }, 'failed');
    const e = lines[0]!['err'] as Record<string, unknown>;
    expect(e).toMatchObject({ type: 'Error', message: 'outer', code: 'E_X' });
    expect(String(e['stack'])).toContain('outer');
    expect(e['cause']).toMatchObject({ type: 'TypeError', message: 'inner' });
  });
});
