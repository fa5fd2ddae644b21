import type http2 from 'node:http2';
import path from 'node:path';
import protobuf from 'protobufjs';
import type { Definition, Platform } from '../llb/index.js';
import { log } from '../util/log.js';
import { bundledProtoRoot, protoDir } from '../util/proto-dir.js';

const GATEWAY_PROTO = 'github.com/moby/buildkit/frontend/gateway/pb/gateway.proto';
const STATUS_PROTO = 'google/rpc/status.proto';
// BuildKit's server and Go client both use 16 MiB either way.
const MAX_MESSAGE = 16 << 20;

/** A google.rpc.Status as the gateway exchanges it; details are opaque `Any`s. */
export interface RpcStatus {
  code: number;
  message: string;
  details: { type_url: string; value: Uint8Array }[];
}

/**
 * An error BuildKit returned for one of our calls, with its original status (and typed details
 * such as the failing vertex and source location) kept so it can be forwarded unchanged.
 */
export class BuildkitError extends Error {
  constructor(
    readonly method: string,
    readonly status: RpcStatus,
  ) {
    super(status.message);
    this.name = 'BuildkitError';
  }
}

export interface PingResult {
  frontendCaps: Set<string>;
  llbCaps: Set<string>;
  /** Platforms of the first worker; the first one is the native platform. */
  workerPlatforms: Platform[];
}

export interface SolveOptions {
  evaluate?: boolean;
  cacheImports?: { Type: string; Attrs: Record<string, string> }[];
}

export interface ImageConfigResult {
  /** Manifest digest; empty for local images in a classic store (BuildKit ≤ v0.13). */
  digest: string;
  config: Uint8Array;
}

/**
 * An in-toto attestation of a result (gateway.proto `Attestation`, kind InToto): the predicate is
 * the file at `path` in the ref `refId`; with no subjects, BuildKit makes the image itself the
 * subject. `metadata` carries BuildKit's keys (`reason`, `inline-only`).
 */
export interface ResultAttestation {
  refId: string;
  path: string;
  predicateType: string;
  metadata: Record<string, Uint8Array>;
}

export type ReturnPayload =
  | {
      kind: 'result';
      refs: { platformId: string; refId: string }[];
      /** Whether to answer with a per-platform map even for one platform. */
      multi: boolean;
      metadata: Record<string, Uint8Array>;
      /** By platform id (the ids of `refs.platforms`). */
      attestations?: Record<string, ResultAttestation[]>;
    }
  | { kind: 'error'; status: RpcStatus };

const SERVICE = 'moby.buildkit.v1.frontend.LLBBridge';
// How grpc-js's proto-loader turned messages into objects before this client replaced it; the
// callers read fields by these rules (names as in the .proto, 64-bit numbers and enums as strings).
const TO_OBJECT: protobuf.IConversionOptions = {
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
};
// gRPC status codes this client produces itself (grpc/doc/statuscodes.md).
const DEADLINE_EXCEEDED = 4;
const RESOURCE_EXHAUSTED = 8;
const INTERNAL = 13;
const UNAVAILABLE = 14;

let gatewayRoot: protobuf.Root | undefined;

/** The gateway's message types: the bundled descriptors, or the .proto files when run from source. */
function root(): protobuf.Root {
  gatewayRoot ??= bundledProtoRoot();
  if (!gatewayRoot) {
    const r = new protobuf.Root();
    r.resolvePath = (_origin, target) =>
      target.startsWith('google/protobuf/') || path.isAbsolute(target)
        ? target
        : path.join(protoDir(), target);
    r.loadSync([GATEWAY_PROTO, STATUS_PROTO], { keepCase: true });
    r.resolveAll();
    gatewayRoot = r;
  }
  return gatewayRoot;
}

/** Decodes a `grpc-status-details-bin` trailer (a google.rpc.Status), or undefined if unusable. */
function decodeStatus(raw: Uint8Array): RpcStatus | undefined {
  try {
    const type = root().lookupType('google.rpc.Status');
    const decoded = type.toObject(type.decode(raw), { longs: Number, bytes: Buffer });
    return {
      code: Number(decoded['code'] ?? 0),
      message: String(decoded['message'] ?? ''),
      details: ((decoded['details'] as { type_url: string; value: Buffer }[] | undefined) ?? []).map((d) => ({
        type_url: d.type_url,
        value: d.value,
      })),
    };
  } catch {
    // A malformed detail must not hide the error itself.
    return undefined;
  }
}

/** The call's status from its trailers (or the headers of a trailers-only answer). */
export function statusFromTrailers(headers: http2.IncomingHttpHeaders): RpcStatus | undefined {
  const code = headers['grpc-status'];
  if (code === undefined) return undefined;
  let message = String(headers['grpc-message'] ?? '');
  try {
    message = decodeURIComponent(message);
  } catch {
    // grpc-go percent-encodes; a server that does not is read as it is.
  }
  const raw = headers['grpc-status-details-bin'];
  const details = typeof raw === 'string' && raw ? decodeStatus(Buffer.from(raw, 'base64')) : undefined;
  if (details && Number(code) !== 0) return { ...details, code: details.code || Number(code) };
  return { code: Number(code), message, details: [] };
}

/**
 * One unary gRPC call on the session: the request as one length-prefixed message, the answer
 * as one, the status in the trailers (the whole of the protocol a unary call uses).
 */
function unary(
  session: http2.ClientHttp2Session,
  method: string,
  body: Uint8Array,
  timeoutMs?: number,
): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const fail = (status: RpcStatus) => reject(new BuildkitError(method, status));
    if (body.length > MAX_MESSAGE) {
      fail({ code: RESOURCE_EXHAUSTED, message: `${method}: request of ${body.length} bytes`, details: [] });
      return;
    }
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request({
        ':method': 'POST',
        ':path': `/${SERVICE}/${method}`,
        'content-type': 'application/grpc',
        te: 'trailers',
        'user-agent': 'aikit-gateway',
        ...(timeoutMs ? { 'grpc-timeout': `${timeoutMs}m` } : {}),
      });
    } catch (e) {
      fail({ code: UNAVAILABLE, message: `gateway connection closed: ${String(e)}`, details: [] });
      return;
    }
    const chunks: Buffer[] = [];
    let status: RpcStatus | undefined;
    let timer: NodeJS.Timeout | undefined;
    if (timeoutMs) {
      timer = setTimeout(() => {
        status = { code: DEADLINE_EXCEEDED, message: 'Deadline exceeded', details: [] };
        stream.close(0x8 /* CANCEL */);
      }, timeoutMs);
    }
    stream.on('response', (headers) => (status ??= statusFromTrailers(headers)));
    stream.on(
      'trailers',
      (trailers: http2.IncomingHttpHeaders) => (status = statusFromTrailers(trailers) ?? status),
    );
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', (e: Error) => {
      status ??= { code: UNAVAILABLE, message: `gateway stream failed: ${e.message}`, details: [] };
    });
    stream.on('close', () => {
      clearTimeout(timer);
      if (!status) status = { code: UNAVAILABLE, message: 'gateway connection closed', details: [] };
      if (status.code !== 0) return fail(status);
      const data = Buffer.concat(chunks);
      const length = data.length >= 5 ? data.readUInt32BE(1) : -1;
      if (length > MAX_MESSAGE)
        return fail({
          code: RESOURCE_EXHAUSTED,
          message: `${method}: answer of ${length} bytes`,
          details: [],
        });
      if (length < 0 || data[0] !== 0 || data.length !== 5 + length)
        return fail({ code: INTERNAL, message: `${method}: malformed response message`, details: [] });
      resolve(data.subarray(5));
    });
    const frame = Buffer.allocUnsafe(5 + body.length);
    frame[0] = 0;
    frame.writeUInt32BE(body.length, 1);
    frame.set(body, 5);
    stream.end(frame);
  });
}

/** A typed LLBBridge client; one per frontend process, over the stdio session. */
export class BridgeClient {
  constructor(private readonly session: http2.ClientHttp2Session) {}

  private async call<T>(method: string, req: object, timeoutMs?: number): Promise<T> {
    const m = root().lookupService(SERVICE).methods[method];
    if (!m) throw new Error(`LLBBridge has no method ${method}`);
    m.resolve();
    const reqType = m.resolvedRequestType!;
    const resType = m.resolvedResponseType!;
    const body = reqType.encode(reqType.fromObject(req)).finish();
    const t0 = performance.now();
    const answer = await unary(this.session, method, body, timeoutMs);
    // One line per round trip: how the bench counts and times them (scripts/bench/cached.ts).
    log.debug({ method, ms: Math.round((performance.now() - t0) * 10) / 10 }, 'gateway call');
    return resType.toObject(resType.decode(answer), TO_OBJECT) as T;
  }

  async ping(): Promise<PingResult> {
    interface Cap {
      ID: string;
      Enabled?: boolean;
    }
    const res = await this.call<{
      FrontendAPICaps?: Cap[];
      LLBCaps?: Cap[];
      Workers?: { Platforms?: { OS?: string; Architecture?: string; Variant?: string }[] }[];
    }>('Ping', {}, 15_000);
    // A cap counts only when listed *and* enabled: Docker's classic store lists mergeop disabled.
    const enabled = (caps: Cap[] | undefined) =>
      new Set((caps ?? []).filter((c) => c.Enabled).map((c) => c.ID));
    const worker = res.Workers?.[0];
    return {
      frontendCaps: enabled(res.FrontendAPICaps),
      llbCaps: enabled(res.LLBCaps),
      workerPlatforms: (worker?.Platforms ?? []).map((p) => ({
        os: p.OS ?? 'linux',
        architecture: p.Architecture ?? 'amd64',
        ...(p.Variant ? { variant: p.Variant } : {}),
      })),
    };
  }

  /** Solves a definition lazily and returns the result's ref id ('' for scratch). */
  async solve(def: Definition, opts: SolveOptions = {}): Promise<string> {
    const res = await this.call<{ ref?: string; result?: { ref?: { id?: string }; refDeprecated?: string } }>(
      'Solve',
      {
        Definition: def,
        allowResultReturn: true,
        allowResultArrayRef: true,
        ...(opts.evaluate ? { Evaluate: true } : {}),
        ...(opts.cacheImports?.length ? { CacheImports: opts.cacheImports } : {}),
      },
    );
    return res.result?.ref?.id ?? res.result?.refDeprecated ?? res.ref ?? '';
  }

  async readFile(refId: string, path: string): Promise<Buffer> {
    const res = await this.call<{ Data?: Buffer }>('ReadFile', { Ref: refId, FilePath: path });
    return res.Data ?? Buffer.alloc(0);
  }

  async resolveImageConfig(
    ref: string,
    platform: Platform,
    resolveMode: string,
    logName: string,
  ): Promise<ImageConfigResult> {
    const res = await this.call<{ Digest?: string; Config?: Buffer }>('ResolveImageConfig', {
      Ref: ref,
      Platform: {
        OS: platform.os,
        Architecture: platform.architecture,
        ...(platform.variant ? { Variant: platform.variant } : {}),
      },
      ResolveMode: resolveMode,
      LogName: logName,
    });
    return { digest: res.Digest ?? '', config: res.Config ?? Buffer.alloc(0) };
  }

  /**
   * Sends a warning to the client (cap `gateway.warnings`, BuildKit ≥ v0.10); with a source and a
   * line, buildx prints the snippet under the warning.
   */
  async warn(
    vertexDigest: string,
    short: string,
    detail: string[] = [],
    source?: { filename: string; data: Uint8Array },
    range?: { line: number; endLine: number },
  ): Promise<void> {
    await this.call('Warn', {
      digest: vertexDigest,
      level: 1,
      short: Buffer.from(short),
      detail: detail.map((d) => Buffer.from(d)),
      ...(source ? { info: { filename: source.filename, data: source.data, language: 'aikitfile' } } : {}),
      ...(range ? { ranges: [{ start: { line: range.line }, end: { line: range.endLine } }] } : {}),
    });
  }

  /** Ends the build; BuildKit accepts exactly one Return, with a result or an error. */
  async return(payload: ReturnPayload): Promise<void> {
    if (payload.kind === 'error') {
      await this.call('Return', { error: payload.status });
      return;
    }
    const { refs, metadata, multi } = payload;
    const result =
      !multi && refs.length === 1
        ? { ref: { id: refs[0]!.refId }, metadata }
        : { refs: { refs: Object.fromEntries(refs.map((r) => [r.platformId, { id: r.refId }])) }, metadata };
    const attestations = payload.attestations
      ? Object.fromEntries(
          Object.entries(payload.attestations).map(([platformId, list]) => [
            platformId,
            {
              attestation: list.map((a) => ({
                kind: 'InToto',
                metadata: a.metadata,
                ref: { id: a.refId },
                path: a.path,
                inTotoPredicateType: a.predicateType,
              })),
            },
          ]),
        )
      : undefined;
    await this.call('Return', { result: attestations ? { ...result, attestations } : result });
  }

  close(): void {
    this.session.close();
  }
}
