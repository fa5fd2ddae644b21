import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import type { Definition, Platform } from '../llb/index.js';
import { log } from '../util/log.js';
import { protoRoot } from '../util/proto-dir.js';

const GATEWAY_PROTO = 'github.com/moby/buildkit/frontend/gateway/pb/gateway.proto';
const STATUS_PROTO = 'google/rpc/status.proto';
// BuildKit's server and Go client both use 16 MiB; grpc-js defaults to 4 MiB.
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
// How @grpc/proto-loader turns messages into objects (the options the fake bridge in the unit
// tests loads with): the callers read fields by these rules (names as in the .proto, 64-bit
// numbers and enums as strings).
const TO_OBJECT: protobuf.IConversionOptions = {
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
};

let gatewayRoot: protobuf.Root | undefined;

/** The gateway's message types: the bundled descriptors, or the .proto files when run from source. */
function root(): protobuf.Root {
  gatewayRoot ??= protoRoot([GATEWAY_PROTO, STATUS_PROTO]);
  return gatewayRoot;
}

/** Decodes `grpc-status-details-bin`, falling back to code and text when it is absent. */
export function statusFromGrpcError(err: grpc.ServiceError): RpcStatus {
  const raw = err.metadata?.get('grpc-status-details-bin')[0];
  if (raw instanceof Buffer && raw.length > 0) {
    try {
      const type = root().lookupType('google.rpc.Status');
      const decoded = type.toObject(type.decode(raw), { longs: Number, bytes: Buffer });
      return {
        code: Number(decoded['code'] ?? err.code),
        message: String(decoded['message'] ?? err.details),
        details: ((decoded['details'] as { type_url: string; value: Buffer }[] | undefined) ?? []).map(
          (d) => ({ type_url: d.type_url, value: d.value }),
        ),
      };
    } catch {
      // A malformed detail must not hide the error itself.
    }
  }
  return { code: err.code ?? grpc.status.UNKNOWN, message: err.details ?? err.message, details: [] };
}

interface Codec {
  path: string;
  serialize: (req: object) => Buffer;
  deserialize: (bytes: Buffer) => unknown;
}

const codecs = new Map<string, Codec>();

/**
 * A method's path and its protobufjs (de)serializers, made on first use from the bundled
 * descriptors: what proto-loader would give grpc-js, without converting every descriptor and
 * generating code for every message type before the first call.
 */
function codec(method: string): Codec {
  let c = codecs.get(method);
  if (!c) {
    const m = root().lookupService(SERVICE).methods[method];
    if (!m) throw new Error(`LLBBridge has no method ${method}`);
    m.resolve();
    const reqType = m.resolvedRequestType!;
    const resType = m.resolvedResponseType!;
    c = {
      path: `/${SERVICE}/${method}`,
      serialize: (req) => {
        const w = reqType.encode(reqType.fromObject(req)).finish();
        return Buffer.from(w.buffer, w.byteOffset, w.byteLength);
      },
      deserialize: (bytes) => resType.toObject(resType.decode(bytes), TO_OBJECT),
    };
    codecs.set(method, c);
  }
  return c;
}

/** A typed LLBBridge client; one per frontend process, over the stdio connection (transport.ts). */
export class BridgeClient {
  private readonly grpc: grpc.Client;

  constructor(target: string) {
    this.grpc = new grpc.Client(target, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': MAX_MESSAGE,
      'grpc.max_send_message_length': MAX_MESSAGE,
      'grpc.enable_retries': 0,
      // The single connection must never idle out between calls of a long build.
      'grpc.client_idle_timeout_ms': 2147483647,
      'grpc.keepalive_permit_without_calls': 0,
      // Nothing serves channelz here: skip its bookkeeping on every call.
      'grpc.enable_channelz': 0,
      'grpc.primary_user_agent': 'aikit-gateway',
    });
  }

  private call<T>(method: string, req: object, timeoutMs?: number): Promise<T> {
    const c = codec(method);
    const opts: grpc.CallOptions = timeoutMs ? { deadline: Date.now() + timeoutMs } : {};
    const t0 = performance.now();
    return new Promise<T>((resolve, reject) => {
      this.grpc.makeUnaryRequest(
        c.path,
        c.serialize,
        c.deserialize,
        req,
        new grpc.Metadata(),
        opts,
        (err, res) => {
          if (err) return reject(new BuildkitError(method, statusFromGrpcError(err)));
          // One line per round trip: how the bench counts and times them (scripts/bench/cached.ts).
          log.debug({ method, ms: Math.round((performance.now() - t0) * 10) / 10 }, 'gateway call');
          resolve(res as T);
        },
      );
    });
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
    this.grpc.close();
  }
}
