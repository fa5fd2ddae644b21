import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import type { Definition, Platform } from '../llb/index.js';
import { bundledProtoJson, bundledProtoRoot, protoDir } from '../util/proto-dir.js';

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

export type ReturnPayload =
  | {
      kind: 'result';
      refs: { platformId: string; refId: string }[];
      /** Whether to answer with a per-platform map even for one platform. */
      multi: boolean;
      metadata: Record<string, Uint8Array>;
    }
  | { kind: 'error'; status: RpcStatus };

type Unary = (
  req: object,
  meta: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: grpc.requestCallback<unknown>,
) => void;

let packageCache: grpc.GrpcObject | undefined;
let statusType: protobuf.Type | undefined;

/** The LLBBridge package as grpc-js sees it, loaded once (the fake bridge in tests serves it too). */
export function loadGateway(): grpc.GrpcObject {
  const options = { keepCase: true, longs: String, enums: String, defaults: false, oneofs: true };
  const json = bundledProtoJson();
  packageCache ??= grpc.loadPackageDefinition(
    json
      ? protoLoader.fromJSON(json, options)
      : protoLoader.loadSync(GATEWAY_PROTO, { includeDirs: [protoDir()], ...options }),
  );
  return packageCache;
}

function loadStatusType(): protobuf.Type {
  statusType ??= bundledProtoRoot()?.lookupType('google.rpc.Status');
  if (!statusType) {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) =>
      target.startsWith('google/protobuf/') ? target : `${protoDir()}${target}`;
    root.loadSync(STATUS_PROTO, { keepCase: true });
    statusType = root.lookupType('google.rpc.Status');
  }
  return statusType;
}

/** Decodes `grpc-status-details-bin`, falling back to code and text when it is absent. */
export function statusFromGrpcError(err: grpc.ServiceError): RpcStatus {
  const raw = err.metadata?.get('grpc-status-details-bin')[0];
  if (raw instanceof Buffer && raw.length > 0) {
    try {
      const decoded = loadStatusType().toObject(loadStatusType().decode(raw), {
        longs: Number,
        bytes: Buffer,
      });
      return {
        code: Number(decoded['code'] ?? err.code),
        message: String(decoded['message'] ?? err.details),
        details: ((decoded['details'] as { type_url: string; value: Buffer }[] | undefined) ?? []).map(
          (d) => ({
            type_url: d.type_url,
            value: d.value,
          }),
        ),
      };
    } catch {
      // A malformed detail must not hide the error itself.
    }
  }
  return { code: err.code ?? grpc.status.UNKNOWN, message: err.details ?? err.message, details: [] };
}

/** A typed LLBBridge client; one per frontend process, over the stdio bridge. */
export class BridgeClient {
  private readonly stub: grpc.Client & Record<string, Unary>;

  constructor(target: string) {
    const pkg = loadGateway() as unknown as {
      moby: { buildkit: { v1: { frontend: { LLBBridge: grpc.ServiceClientConstructor } } } };
    };
    const Ctor = pkg.moby.buildkit.v1.frontend.LLBBridge;
    this.stub = new Ctor(target, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': MAX_MESSAGE,
      'grpc.max_send_message_length': MAX_MESSAGE,
      'grpc.enable_retries': 0,
      // The single connection must never idle out between calls of a long build.
      'grpc.client_idle_timeout_ms': 2147483647,
      'grpc.keepalive_permit_without_calls': 0,
    }) as grpc.Client & Record<string, Unary>;
  }

  private call<T>(method: string, req: object, timeoutMs?: number): Promise<T> {
    const fn = this.stub[method];
    if (!fn) throw new Error(`LLBBridge has no method ${method}`);
    const opts: grpc.CallOptions = timeoutMs ? { deadline: Date.now() + timeoutMs } : {};
    return new Promise<T>((resolve, reject) => {
      fn.call(this.stub, req, new grpc.Metadata(), opts, (err, res) => {
        if (err) reject(new BuildkitError(method, statusFromGrpcError(err)));
        else resolve(res as T);
      });
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
    await this.call('Return', { result });
  }

  close(): void {
    this.stub.close();
  }
}
