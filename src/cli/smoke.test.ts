import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatSmokeReport, modelsFromLabel, parseDockerPort, smoke } from './smoke.js';

// A fake `docker` on PATH (a shell script that logs its calls) and a fake model server on a
// loopback port: smoke() runs for real against both, without an engine.
const ID = 'f'.repeat(64);
const FAKE_DOCKER = `#!/bin/sh
printf '%s\\n' "$*" >>"$FAKE_DIR/calls"
case "$1" in
  image)
    for last; do :; done
    [ "$last" = missing:image ] && { echo "Error response from daemon: No such image: $last" >&2; exit 1; }
    cat "$FAKE_DIR/labels" ;;
  run) [ -f "$FAKE_DIR/run-fails" ] && { echo 'docker: port is already allocated' >&2; exit 125; }
    echo ${ID} ;;
  port) [ -f "$FAKE_DIR/exited" ] && { echo "Error: No public port '8080/tcp' published" >&2; exit 1; }
    echo "0.0.0.0:$FAKE_PORT"; echo "[::]:$FAKE_PORT" ;;
  inspect) if [ -f "$FAKE_DIR/exited" ]; then echo 'exited 1'; else echo 'running 0'; fi ;;
  logs) echo 'fake server log' ;;
  rm) ;;
esac
`;

interface Behaviour {
  /** Readiness answers 503 this many times before 200. */
  notReadyFor: number;
  models: string[];
  content: string;
}

let dir: string;
let server: Server;
let port: number;
let behaviour: Behaviour;
const hits: string[] = [];

function handle(req: IncomingMessage, res: ServerResponse): void {
  let body = '';
  req.on('data', (d: Buffer) => (body += d.toString()));
  req.on('end', () => {
    hits.push(`${req.method} ${req.url}`);
    const json = (status: number, v: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(v));
    };
    if (req.url === '/health' || req.url === '/readyz') {
      if (behaviour.notReadyFor-- > 0) return json(503, { error: { code: 503, message: 'Loading model' } });
      return json(200, { status: 'ok' });
    }
    if (req.url === '/v1/models') return json(200, { data: behaviour.models.map((id) => ({ id })) });
    if (req.url === '/v1/chat/completions') {
      const { model } = JSON.parse(body) as { model: string };
      if (!behaviour.models.includes(model)) {
        return json(400, { error: { code: 400, message: `model '${model}' not found` } });
      }
      return json(200, { choices: [{ message: { role: 'assistant', content: behaviour.content } }] });
    }
    json(404, { error: { code: 404, message: 'File Not Found' } });
  });
}

async function setLabels(labels: Record<string, string> | null): Promise<void> {
  await writeFile(join(dir, 'labels'), `${JSON.stringify(labels)}\n`);
}

async function calls(): Promise<string[]> {
  return (await readFile(join(dir, 'calls'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
}

const env = () => ({
  ...process.env,
  PATH: `${dir}:${process.env.PATH}`,
  FAKE_DIR: dir,
  FAKE_PORT: String(port),
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aikit-smoke-'));
  await writeFile(join(dir, 'docker'), FAKE_DOCKER);
  await chmod(join(dir, 'docker'), 0o755);
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  behaviour = { notReadyFor: 0, models: ['tiny', 'second'], content: 'hello' };
  hits.length = 0;
  for (const f of ['calls', 'exited', 'run-fails']) await rm(join(dir, f), { force: true });
  await setLabels(null);
});

describe('smoke', () => {
  it('reads server and models from the labels, asks each model and removes the container', async () => {
    await setLabels({
      'ai.kaito.aikit.server': 'llama-server',
      'ai.kaito.aikit.models': JSON.stringify([{ name: 'tiny', source: 'http' }, { name: 'second' }]),
    });
    behaviour.notReadyFor = 2;
    const lines: string[] = [];
    const r = await smoke('model:test', {
      env: env(),
      dockerArgs: ['-v', '/x:/models'],
      cmd: ['--models-dir', '/models'],
      log: (l) => lines.push(l),
    });
    expect(r).toMatchObject({ ok: true, server: 'llama-server', image: 'model:test' });
    expect(r.results.map((x) => [x.model, x.ok, x.content])).toEqual([
      ['tiny', true, 'hello'],
      ['second', true, 'hello'],
    ]);
    expect(r.readyMs).toBeGreaterThanOrEqual(0);
    expect(r.firstAnswerMs).toBeGreaterThanOrEqual(r.readyMs);
    expect(hits.filter((h) => h === 'GET /health')).toHaveLength(3);
    expect(hits).not.toContain('GET /v1/models');
    const c = await calls();
    expect(c).toContain(
      'run -d --label ai.kaito.aikit.smoke=1 -p 127.0.0.1::8080 -v /x:/models model:test --models-dir /models',
    );
    expect(c).toContain(`port ${ID} 8080/tcp`);
    expect(c.at(-1)).toBe(`rm -f ${ID}`);
    expect(lines.some((l) => l.startsWith('ready after'))).toBe(true);
    expect(formatSmokeReport(r)[0]).toBe('ok: model:test (llama-server)');
  });

  it('defaults to LocalAI, lists models over HTTP and reports an unknown model with its logs', async () => {
    const r = await smoke('model:test', { env: env(), models: ['tiny', 'nope'], port });
    expect(r.server).toBe('localai');
    expect(hits[0]).toBe('GET /readyz');
    expect(r.ok).toBe(false);
    expect(r.results[1]).toMatchObject({
      model: 'nope',
      ok: false,
      error: "HTTP 400: model 'nope' not found",
    });
    expect(r.logs).toBe('fake server log');
    const c = await calls();
    expect(c).toContain(`run -d --label ai.kaito.aikit.smoke=1 -p 127.0.0.1:${port}:8080 model:test`);
    expect(c).not.toContain(`port ${ID} 8080/tcp`);
    expect(c.at(-1)).toBe(`rm -f ${ID}`);
    expect(formatSmokeReport(r).join('\n')).toContain('FAIL nope');
  });

  it('takes the names from /v1/models and accepts an empty answer', async () => {
    behaviour.content = '';
    const r = await smoke('model:test', { env: env(), server: 'llama-server' });
    expect(hits).toContain('GET /v1/models');
    expect(r.results.map((x) => [x.model, x.ok, x.content])).toEqual([
      ['tiny', true, ''],
      ['second', true, ''],
    ]);
  });

  it('gives up at the timeout and still removes the container', async () => {
    behaviour.notReadyFor = 1_000;
    const r = await smoke('model:test', { env: env(), server: 'llama-server', timeoutMs: 700 });
    expect(r.ok).toBe(false);
    expect(r.readyMs).toBe(-1);
    expect(r.error).toMatch(/^\/health not ready within 700 ms \(last: HTTP 503: Loading model\)/);
    expect((await calls()).at(-1)).toBe(`rm -f ${ID}`);
  });

  it('stops waiting when the container exits', async () => {
    await writeFile(join(dir, 'exited'), '');
    const r = await smoke('model:test', { env: env(), timeoutMs: 60_000 });
    expect(r.error).toBe('the container stopped before it was ready (exited, exit code 1)');
    expect(r.logs).toBe('fake server log');
    expect((await calls()).at(-1)).toBe(`rm -f ${ID}`);
  });

  it('reports a missing image or a failed start without a container to remove', async () => {
    const missing = await smoke('missing:image', { env: env() });
    expect(missing.error).toMatch(/^cannot inspect missing:image: .*No such image/);
    await writeFile(join(dir, 'run-fails'), '');
    const failed = await smoke('model:test', { env: env() });
    expect(failed.error).toBe('docker run model:test failed: docker: port is already allocated');
    expect((await calls()).filter((c) => c.startsWith('rm'))).toEqual([]);
  });
});

describe('smoke helpers', () => {
  it('reads model names from the models label', () => {
    expect(modelsFromLabel('[{"name":"a","source":"http"},{"name":"b"}]')).toEqual(['a', 'b']);
    expect(modelsFromLabel('[]')).toBeUndefined();
    expect(modelsFromLabel('not json')).toBeUndefined();
    expect(modelsFromLabel(undefined)).toBeUndefined();
  });

  it('reads the host port from docker port', () => {
    expect(parseDockerPort('127.0.0.1:32768\n')).toBe(32768);
    expect(parseDockerPort('0.0.0.0:5000\n[::]:5000\n')).toBe(5000);
    expect(parseDockerPort('')).toBeUndefined();
  });
});
