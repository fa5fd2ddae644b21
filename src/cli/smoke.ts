import { execFile } from 'node:child_process';
import { SERVERS, type Server } from '../aikitfile/index.js';

/**
 * `aikit smoke <image>`: starts a model image, waits until its server is ready, sends one chat
 * request per model and reports what came back. The container is always removed, also when the
 * server never gets ready or a request fails. Prints nothing: lines go to `opts.log`.
 */

export type ServerKind = Server;

/** Where each server says it is ready to answer. */
const READY_PATH: Readonly<Record<ServerKind, string>> = { localai: '/readyz', 'llama-server': '/health' };

/** Image labels the aikit frontend writes (see src/convert/image-config.ts). */
export const SERVER_LABEL = 'ai.kaito.aikit.server';
export const MODELS_LABEL = 'ai.kaito.aikit.models';
/** Put on every smoke container so that one left behind by a killed process can be found. */
export const SMOKE_CONTAINER_LABEL = 'ai.kaito.aikit.smoke';
/** The port both servers listen on inside the image. */
export const SERVER_PORT = 8080;

export interface SmokeOptions {
  /** Which server the image runs; default: the image's `ai.kaito.aikit.server` label, else localai. */
  server?: ServerKind;
  /** Models to ask; default: the `ai.kaito.aikit.models` label, else `GET /v1/models`. */
  models?: string[];
  /** Host port on 127.0.0.1; default: one docker picks. */
  port?: number;
  /** Budget for readiness, and separately for each chat request (default 120 s). */
  timeoutMs?: number;
  /** Extra `docker run` options, before the image (e.g. `-v dir:/models`). */
  dockerArgs?: string[];
  /** Arguments after the image (the container's command). */
  cmd?: string[];
  /** `max_tokens` of each chat request (default 8). */
  maxTokens?: number;
  /** Environment of the docker client (DOCKER_HOST, PATH); default process.env. */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface SmokeResult {
  model: string;
  ok: boolean;
  /** Time of the chat request. */
  ms: number;
  content?: string;
  error?: string;
}

export interface SmokeReport {
  ok: boolean;
  image: string;
  server: ServerKind;
  /** From `docker run` to the readiness endpoint answering 200; -1 if it never did. */
  readyMs: number;
  /** From `docker run` to the first successful chat answer; -1 if none. */
  firstAnswerMs: number;
  results: SmokeResult[];
  /** Why the run failed before or outside the chat requests (image, start, readiness, models). */
  error?: string;
  /** The container's last log lines, when something failed. */
  logs?: string;
}

const POLL_MS = 250;
const LOG_TAIL_LINES = 40;

interface Exec {
  code: number;
  stdout: string;
  stderr: string;
}

function docker(args: string[], env: NodeJS.ProcessEnv | undefined, timeoutMs = 60_000): Promise<Exec> {
  return new Promise((resolve) => {
    execFile(
      'docker',
      args,
      { env: env ?? process.env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        const why = err && typeof err.code !== 'number' ? `${err.message}\n` : '';
        resolve({ code, stdout: String(stdout), stderr: why + String(stderr) });
      },
    );
  });
}

function fail(what: string, r: Exec): Error {
  return new Error(`${what}: ${(r.stderr || r.stdout).trim() || `exit code ${r.code}`}`);
}

/** Why the container is no longer running, or undefined while it runs. */
async function stopped(id: string, env: NodeJS.ProcessEnv | undefined): Promise<string | undefined> {
  const state = await docker(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', id], env);
  const [status, code] = state.stdout.trim().split(' ');
  if (state.code === 0 && status !== 'exited' && status !== 'dead') return undefined;
  return `the container stopped before it was ready (${status || 'gone'}, exit code ${code ?? '?'})`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The model names in the `ai.kaito.aikit.models` label (a JSON array of `{name, ...}`). */
export function modelsFromLabel(label: string | undefined): string[] | undefined {
  if (!label) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(label);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const names = parsed
    .map((m: unknown) => (m && typeof m === 'object' ? (m as { name?: unknown }).name : m))
    .filter((n): n is string => typeof n === 'string' && n !== '');
  return names.length ? names : undefined;
}

export function parseServer(value: string | undefined): ServerKind | undefined {
  return SERVERS.find((s) => s === value);
}

/** "127.0.0.1:32768" (or several lines, IPv6 too) from `docker port` → 32768. */
export function parseDockerPort(out: string): number | undefined {
  for (const line of out.split('\n')) {
    const m = /:(\d+)\s*$/.exec(line.trim());
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** A short message from an error response of LocalAI or llama-server. */
function errorText(status: number, body: string): string {
  let message = body.trim();
  try {
    const j = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const m = typeof j.error === 'string' ? j.error : (j.error?.message ?? j.message);
    if (typeof m === 'string') message = m;
  } catch {
    // not JSON: keep the text
  }
  return `HTTP ${status}${message ? `: ${message.slice(0, 300)}` : ''}`;
}

async function getJson(url: string, timeoutMs: number): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  if (!res.ok) throw new Error(errorText(res.status, text));
  return JSON.parse(text);
}

export async function chat(
  base: string,
  model: string,
  maxTokens: number,
  timeoutMs: number,
): Promise<SmokeResult> {
  const start = Date.now();
  try {
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      // llama-server's router offers keep-alive on answers it relays from a model, then closes the
      // connection; a pooled connection would fail the next question (docs: llama-server.md).
      headers: { 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify({
        model,
        messages: [{ role: 'user', content: 'Say hello.' }],
        max_tokens: maxTokens,
      }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    const ms = Date.now() - start;
    if (!res.ok) return { model, ok: false, ms, error: errorText(res.status, text) };
    let content: unknown;
    try {
      content = (JSON.parse(text) as { choices?: { message?: { content?: unknown } }[] }).choices?.[0]
        ?.message?.content;
    } catch {
      return { model, ok: false, ms, error: `the answer is not JSON: ${text.slice(0, 200)}` };
    }
    // A random or terse model may answer with nothing at all: an empty string is still an answer.
    if (typeof content !== 'string') {
      return { model, ok: false, ms, error: `no choices[0].message.content in ${text.slice(0, 200)}` };
    }
    return { model, ok: true, ms, content };
  } catch (err) {
    const e = err as Error;
    const error = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : e.message;
    return { model, ok: false, ms: Date.now() - start, error };
  }
}

export async function smoke(image: string, opts: SmokeOptions = {}): Promise<SmokeReport> {
  const log = opts.log ?? (() => {});
  const env = opts.env;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const report: SmokeReport = {
    ok: false,
    image,
    server: opts.server ?? 'localai',
    readyMs: -1,
    firstAnswerMs: -1,
    results: [],
  };

  let labels: Record<string, string> = {};
  const inspected = await docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', image], env);
  if (inspected.code !== 0) {
    report.error = fail(`cannot inspect ${image}`, inspected).message;
    return report;
  }
  try {
    labels = (JSON.parse(inspected.stdout) as Record<string, string> | null) ?? {};
  } catch {
    // no labels
  }
  report.server = opts.server ?? parseServer(labels[SERVER_LABEL]) ?? 'localai';
  const readyPath = READY_PATH[report.server];

  const publish = `127.0.0.1:${opts.port ?? ''}:${SERVER_PORT}`;
  const runArgs = [
    'run',
    '-d',
    '--label',
    `${SMOKE_CONTAINER_LABEL}=1`,
    '-p',
    publish,
    ...(opts.dockerArgs ?? []),
  ];
  log(`starting ${image} (${report.server})`);
  const started = Date.now();
  const ran = await docker([...runArgs, image, ...(opts.cmd ?? [])], env, timeoutMs);
  const id = ran.stdout.trim().split('\n').pop() ?? '';
  if (ran.code !== 0 || !/^[0-9a-f]{12,64}$/.test(id)) {
    report.error = fail(`docker run ${image} failed`, ran).message;
    if (/^[0-9a-f]{12,64}$/.test(id)) await docker(['rm', '-f', id], env);
    return report;
  }

  try {
    let port = opts.port;
    if (port === undefined) {
      const p = await docker(['port', id, `${SERVER_PORT}/tcp`], env);
      port = parseDockerPort(p.stdout);
      if (p.code !== 0 || port === undefined) {
        // A container that already exited has no published port.
        throw new Error((await stopped(id, env)) ?? fail('cannot find the published port', p).message);
      }
    }
    const base = `http://127.0.0.1:${port}`;
    log(`container ${id.slice(0, 12)} on ${base}, waiting for ${readyPath}`);

    // Readiness: 200 from the endpoint. A container that exits stops the wait at once.
    const deadline = started + timeoutMs;
    let last = 'no answer yet';
    for (let i = 0; ; i++) {
      try {
        const res = await fetch(base + readyPath, {
          signal: AbortSignal.timeout(Math.min(5_000, timeoutMs)),
        });
        const body = await res.text();
        if (res.ok) break;
        last = errorText(res.status, body);
      } catch (err) {
        last = (err as Error).message;
      }
      if (i % 4 === 3) {
        const why = await stopped(id, env);
        if (why) throw new Error(why);
      }
      if (Date.now() >= deadline) {
        const hint = last.startsWith('HTTP 404') ? `; is it a ${report.server} image? (--server)` : '';
        throw new Error(`${readyPath} not ready within ${timeoutMs} ms (last: ${last}${hint})`);
      }
      await sleep(POLL_MS);
    }
    report.readyMs = Date.now() - started;
    log(`ready after ${report.readyMs} ms`);

    let models = opts.models?.length ? opts.models : modelsFromLabel(labels[MODELS_LABEL]);
    if (!models) {
      const list = (await getJson(`${base}/v1/models`, timeoutMs)) as { data?: { id?: unknown }[] };
      models = (list.data ?? []).map((m) => m.id).filter((n): n is string => typeof n === 'string');
    }
    if (!models.length) throw new Error('the image names no models and GET /v1/models lists none');

    for (const model of models) {
      const result = await chat(base, model, opts.maxTokens ?? 8, timeoutMs);
      if (result.ok && report.firstAnswerMs < 0) report.firstAnswerMs = Date.now() - started;
      report.results.push(result);
      log(
        result.ok
          ? `${model}: ok in ${result.ms} ms`
          : `${model}: FAILED in ${result.ms} ms: ${result.error}`,
      );
    }
    report.ok = report.results.every((r) => r.ok);
  } catch (err) {
    report.error = (err as Error).message;
  } finally {
    if (!report.ok) {
      const logs = await docker(['logs', '--tail', String(LOG_TAIL_LINES), id], env);
      const text = (logs.stdout + logs.stderr).trim();
      if (text) report.logs = text;
    }
    const rm = await docker(['rm', '-f', id], env);
    if (rm.code !== 0)
      log(`could not remove container ${id.slice(0, 12)}: ${(rm.stderr || rm.stdout).trim()}`);
  }
  return report;
}

/** The short report `aikit smoke` prints. */
export function formatSmokeReport(r: SmokeReport): string[] {
  const lines = [`${r.ok ? 'ok' : 'FAILED'}: ${r.image} (${r.server})`];
  if (r.readyMs >= 0) lines.push(`  ready after ${r.readyMs} ms`);
  for (const x of r.results) {
    const content = x.content === undefined ? '' : ` ${JSON.stringify(x.content.slice(0, 60))}`;
    lines.push(`  ${x.ok ? 'ok  ' : 'FAIL'} ${x.model} (${x.ms} ms)${x.ok ? content : `: ${x.error}`}`);
  }
  if (r.firstAnswerMs >= 0) lines.push(`  first answer ${r.firstAnswerMs} ms after docker run`);
  if (r.error) lines.push(`  error: ${r.error}`);
  if (r.logs) lines.push('  container log (last lines):', ...r.logs.split('\n').map((l) => `    ${l}`));
  return lines;
}
