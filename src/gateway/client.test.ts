import http2 from 'node:http2';
import net from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { BridgeClient, BuildkitError, statusFromGrpcError } from './client.js';
import { openStdioBridge, type StdioBridge } from './transport.js';

// google.rpc.Status by hand: code=1 varint, message=2 string, details=3 Any{type_url=1, value=2}.
function status(code: number, message: string, typeUrl: string, value: string): Buffer {
  const field = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag, body.length]), body]);
  const any = Buffer.concat([field(0x0a, Buffer.from(typeUrl)), field(0x12, Buffer.from(value))]);
  return Buffer.concat([Buffer.from([0x08, code]), field(0x12, Buffer.from(message)), field(0x1a, any)]);
}

function grpcError(code: number, details: string, bin?: Buffer): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  if (bin) metadata.set('grpc-status-details-bin', bin);
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata });
}

describe('statusFromGrpcError', () => {
  it('falls back to the code and text without details', () => {
    expect(statusFromGrpcError(grpcError(5, 'open x: no such file'))).toEqual({
      code: 5,
      message: 'open x: no such file',
      details: [],
    });
  });

  it('keeps the typed details of grpc-status-details-bin', () => {
    const raw = status(2, 'failed to solve', 'github.com/moby/buildkit/errdefs.Source+json', '{"x":1}');
    const s = statusFromGrpcError(grpcError(2, 'ignored when the details say it', raw));
    expect(s.code).toBe(2);
    expect(s.message).toBe('failed to solve');
    expect(s.details.map((d) => [d.type_url, Buffer.from(d.value).toString()])).toEqual([
      ['github.com/moby/buildkit/errdefs.Source+json', '{"x":1}'],
    ]);
  });

  it('does not let malformed details hide the error', () => {
    expect(statusFromGrpcError(grpcError(13, 'boom', Buffer.from([0xff, 0xff, 0xff])))).toEqual({
      code: 13,
      message: 'boom',
      details: [],
    });
  });
});

describe('BridgeClient (grpc-js) over a bare HTTP/2 server', () => {
  let server: http2.Http2Server | undefined;
  let bridge: StdioBridge | undefined;
  afterEach(() => {
    bridge?.close();
    server?.close();
  });

  async function clientFor(handler: (s: http2.ServerHttp2Stream, h: http2.IncomingHttpHeaders) => void) {
    server = http2.createServer();
    server.on('stream', handler);
    const sock = join(mkdtempSync(join(tmpdir(), 'aikit-h2-')), 's.sock');
    await new Promise<void>((r) => server!.listen(sock, r));
    const conn = await new Promise<net.Socket>((r) => {
      const c = net.connect(sock, () => r(c));
    });
    // The frontend's own path: grpc-js dials the bridge, which splices it onto the "stdio" given.
    bridge = await openStdioBridge(conn, conn);
    return new BridgeClient(bridge.target);
  }

  it('sends gRPC framing to /moby.buildkit.v1.frontend.LLBBridge/<method> and fails with the trailers status', async () => {
    const seen: http2.IncomingHttpHeaders[] = [];
    const client = await clientFor((stream, headers) => {
      seen.push(headers);
      stream.resume();
      // A trailers-only answer, as grpc-go sends for an immediate error.
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '13', 'grpc-message': 'boom' },
        { endStream: true },
      );
    });
    const err = await client.readFile('ref-1', 'aikitfile.yaml').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildkitError);
    expect((err as BuildkitError).method).toBe('ReadFile');
    expect((err as BuildkitError).status).toEqual({ code: 13, message: 'boom', details: [] });
    expect(seen[0]?.[':path']).toBe('/moby.buildkit.v1.frontend.LLBBridge/ReadFile');
    expect(seen[0]?.['content-type']).toBe('application/grpc');
    expect(seen[0]?.['te']).toBe('trailers');
    client.close();
  });

  it('fails a truncated answer instead of decoding it', async () => {
    const client = await clientFor((stream) => {
      stream.resume();
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.from([0, 0, 0, 0, 9, 1, 2])); // says 9 bytes, carries 2
    });
    const err = await client.readFile('ref-1', 'x').catch((e: unknown) => e);
    // grpc-js's verdict on a stream that ends inside its message: no message received.
    expect(err).toBeInstanceOf(BuildkitError);
    expect((err as BuildkitError).status.code).toBe(grpc.status.UNIMPLEMENTED);
    client.close();
  });
});
