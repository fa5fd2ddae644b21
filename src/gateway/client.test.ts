import http2 from 'node:http2';
import net from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BridgeClient, BuildkitError, statusFromTrailers } from './client.js';
import { openStdioSession } from './transport.js';

// google.rpc.Status by hand: code=1 varint, message=2 string, details=3 Any{type_url=1, value=2}.
function status(code: number, message: string, typeUrl: string, value: string): Buffer {
  const field = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag, body.length]), body]);
  const any = Buffer.concat([field(0x0a, Buffer.from(typeUrl)), field(0x12, Buffer.from(value))]);
  return Buffer.concat([Buffer.from([0x08, code]), field(0x12, Buffer.from(message)), field(0x1a, any)]);
}

describe('statusFromTrailers', () => {
  it('reads the code and the percent-encoded message', () => {
    expect(statusFromTrailers({})).toBeUndefined();
    expect(statusFromTrailers({ 'grpc-status': '0' })).toEqual({ code: 0, message: '', details: [] });
    expect(
      statusFromTrailers({ 'grpc-status': '5', 'grpc-message': 'open%20x:%20no%20such%20file' }),
    ).toEqual({
      code: 5,
      message: 'open x: no such file',
      details: [],
    });
  });

  it('keeps the typed details of grpc-status-details-bin', () => {
    const raw = status(2, 'failed to solve', 'github.com/moby/buildkit/errdefs.Source+json', '{"x":1}');
    const s = statusFromTrailers({
      'grpc-status': '2',
      'grpc-message': 'ignored when the details say it',
      'grpc-status-details-bin': raw.toString('base64').replace(/=+$/, ''),
    });
    expect(s?.code).toBe(2);
    expect(s?.message).toBe('failed to solve');
    expect(s?.details.map((d) => [d.type_url, Buffer.from(d.value).toString()])).toEqual([
      ['github.com/moby/buildkit/errdefs.Source+json', '{"x":1}'],
    ]);
  });
});

describe('BridgeClient over a bare HTTP/2 server', () => {
  let server: http2.Http2Server | undefined;
  afterEach(() => server?.close());

  async function clientFor(handler: (s: http2.ServerHttp2Stream, h: http2.IncomingHttpHeaders) => void) {
    server = http2.createServer();
    server.on('stream', handler);
    const sock = join(mkdtempSync(join(tmpdir(), 'aikit-h2-')), 's.sock');
    await new Promise<void>((r) => server!.listen(sock, r));
    const conn = await new Promise<net.Socket>((r) => {
      const c = net.connect(sock, () => r(c));
    });
    return new BridgeClient(openStdioSession(conn, conn));
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

  it('fails a malformed answer with INTERNAL instead of decoding it', async () => {
    const client = await clientFor((stream) => {
      stream.resume();
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.from([0, 0, 0, 0, 9, 1, 2])); // says 9 bytes, carries 2
    });
    const err = await client.readFile('ref-1', 'x').catch((e: unknown) => e);
    expect((err as BuildkitError).status.code).toBe(13);
    client.close();
  });
});
