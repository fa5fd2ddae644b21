import * as grpc from '@grpc/grpc-js';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dumpDefinition, type Definition } from '../../src/llb/index.js';
import { runFrontend, type BuildFunc } from '../../src/gateway/index.js';
import { loadGateway } from '../../src/gateway/service.js';

type Handler = (req: Record<string, unknown>) => unknown;

export interface FakeBridgeCalls {
  solves: Record<string, unknown>[];
  returns: Record<string, unknown>[];
  warnings: Record<string, unknown>[];
  resolves: Record<string, unknown>[];
  readFiles: Record<string, unknown>[];
}

export interface FakeBridge {
  calls: FakeBridgeCalls;
  /** A connected socket to hand to the frontend as its stdin and stdout. */
  connect(): Promise<net.Socket>;
  close(): Promise<void>;
}

export interface FakeBridgeOptions {
  files?: Record<string, string>;
  llbCaps?: string[];
  frontendCaps?: string[];
  /** Makes Solve fail with this status (and details) for definitions whose JSON matches. */
  solveError?: {
    match: RegExp;
    code: number;
    message: string;
    details?: { type_url: string; value: Buffer }[];
  };
}

export const MODERN_FRONTEND_CAPS = [
  'solve.base',
  'return',
  'returnmap',
  'readfile',
  'resolveimage',
  'proto.refarray',
  'gateway.warnings',
];
export const MODERN_LLB_CAPS = [
  'source.image',
  'source.local',
  'source.local.sessionid',
  'source.local.followpaths',
  'source.local.sharedkeyhint',
  'source.local.differ',
  'source.local.includepatterns',
  'source.local.excludepatterns',
  'source.http',
  'source.http.checksum',
  'source.http.perm',
  'soruce.http.uidgid',
  'file.base',
  'exec.meta.base',
  'exec.mount.bind',
  'constraints',
  'platform',
  'meta.description',
  'meta.ignorecache',
  'mergeop',
  'diffop',
];

/**
 * An in-process LLBBridge server speaking the real protocol (grpc-js over a socket), recording
 * what the frontend asks. For fast unit tests only: the real engine is in the e2e suite.
 */
export async function startFakeBridge(opts: FakeBridgeOptions = {}): Promise<FakeBridge> {
  const pkg = loadGateway() as unknown as {
    moby: { buildkit: { v1: { frontend: { LLBBridge: { service: grpc.ServiceDefinition } } } } };
  };
  const calls: FakeBridgeCalls = { solves: [], returns: [], warnings: [], resolves: [], readFiles: [] };
  let refs = 0;
  const unary =
    (h: Handler): grpc.handleUnaryCall<Record<string, unknown>, unknown> =>
    (call, cb) => {
      try {
        cb(null, h(call.request));
      } catch (e) {
        cb(e as grpc.ServiceError);
      }
    };
  const server = new grpc.Server();
  const cap = (ID: string) => ({ ID, Enabled: true });
  server.addService(pkg.moby.buildkit.v1.frontend.LLBBridge.service, {
    Ping: unary(() => ({
      FrontendAPICaps: (opts.frontendCaps ?? MODERN_FRONTEND_CAPS).map(cap),
      LLBCaps: (opts.llbCaps ?? MODERN_LLB_CAPS).map(cap),
      Workers: [{ ID: 'fake', Platforms: [{ OS: 'linux', Architecture: 'amd64' }] }],
    })),
    Solve: unary((req) => {
      calls.solves.push(req);
      const e = opts.solveError;
      // Definitions carry op bytes; match on their readable dump.
      const def = req['Definition'] as Definition | undefined;
      if (e && def && e.match.test(JSON.stringify(dumpDefinition({ def: def.def, metadata: {} })))) {
        const md = new grpc.Metadata();
        const statusBytes = encodeStatus(e.code, e.message, e.details ?? []);
        md.set('grpc-status-details-bin', statusBytes);
        throw Object.assign(new Error(e.message), { code: e.code, details: e.message, metadata: md });
      }
      return { result: { ref: { id: `ref-${++refs}` } } };
    }),
    ReadFile: unary((req) => {
      calls.readFiles.push(req);
      const data = opts.files?.[String(req['FilePath'])];
      if (data === undefined)
        throw Object.assign(new Error('no such file'), {
          code: grpc.status.NOT_FOUND,
          details: `open ${String(req['FilePath'])}: no such file or directory`,
        });
      return { Data: Buffer.from(data) };
    }),
    ResolveImageConfig: unary((req) => {
      calls.resolves.push(req);
      return { Digest: `sha256:${'b'.repeat(64)}`, Config: Buffer.from('{}') };
    }),
    Warn: unary((req) => {
      calls.warnings.push(req);
      return {};
    }),
    Return: unary((req) => {
      calls.returns.push(req);
      return {};
    }),
  });
  const dir = mkdtempSync(join(tmpdir(), 'aikit-fake-bridge-'));
  const sock = join(dir, 'bridge.sock');
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix:${sock}`, grpc.ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  return {
    calls,
    connect: () =>
      new Promise((resolve, reject) => {
        const s = net.connect(sock, () => resolve(s));
        s.once('error', reject);
      }),
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

// google.rpc.Status by hand: code=1 varint, message=2 string, details=3 Any{type_url=1, value=2}.
function encodeStatus(code: number, message: string, details: { type_url: string; value: Buffer }[]): Buffer {
  const len = (n: number) => {
    const out: number[] = [];
    while (n > 0x7f) {
      out.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    out.push(n);
    return Buffer.from(out);
  };
  const field = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag]), len(body.length), body]);
  const parts = [Buffer.from([0x08]), len(code), field(0x12, Buffer.from(message))];
  for (const d of details)
    parts.push(field(0x1a, Buffer.concat([field(0x0a, Buffer.from(d.type_url)), field(0x12, d.value)])));
  return Buffer.concat(parts);
}

/**
 * Runs a frontend against the bridge under BuildKit's env contract (one BUILDKIT_FRONTEND_OPT_<i>
 * per option) and returns its exit code.
 */
export async function runFrontendOn(
  bridge: FakeBridge,
  build: BuildFunc,
  frontendOpts: Record<string, string>,
): Promise<number> {
  const sock = await bridge.connect();
  const env: NodeJS.ProcessEnv = { BUILDKIT_SESSION_ID: 'sess-1' };
  Object.entries(frontendOpts).forEach(([k, v], i) => (env[`BUILDKIT_FRONTEND_OPT_${i}`] = `${k}=${v}`));
  try {
    return await runFrontend(build, { input: sock, output: sock, env });
  } finally {
    sock.destroy();
  }
}
