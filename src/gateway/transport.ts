import http2 from 'node:http2';
import { Duplex } from 'node:stream';

/**
 * BuildKit serves the gateway API as one cleartext HTTP/2 connection on our stdin/stdout. Node's
 * own HTTP/2 client runs over any duplex stream, so the session sits on stdio directly: no socket
 * to splice it through and no gRPC library to load before the first call, which is most of the
 * frontend's start-up (website/docs/performance.md, "Start-up and cached rebuilds"). This is the
 * only file that touches fd 0 and fd 1.
 */
export function openStdioSession(
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stdout,
): http2.ClientHttp2Session {
  // A test hands one socket as both ends; BuildKit hands two pipes.
  const wire: Duplex =
    (input as unknown) === output
      ? (input as unknown as Duplex)
      : Duplex.from({ readable: input as NodeJS.ReadableStream & Duplex, writable: output as Duplex });
  const session = http2.connect('http://buildkit', {
    createConnection: () => wire,
    // BuildKit sends messages of up to 16 MiB (a ReadFile of a large document): let a few of
    // them be in flight before nghttp2 refuses streams (its default budget is 10 MB).
    maxSessionMemory: 64,
  });
  // A broken wire fails the calls in flight (each stream reports it); the session's own error
  // event must not crash the process before the frontend can Return.
  session.on('error', () => undefined);
  return session;
}
