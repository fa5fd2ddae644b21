import { randomBytes } from 'node:crypto';
import net from 'node:net';

/**
 * BuildKit serves the gateway API as one cleartext HTTP/2 connection on our stdin/stdout.
 * grpc-js can only dial sockets (grpc/grpc-node#2038), so we listen on an abstract unix socket
 * that needs no writable filesystem and works with network=none, accept exactly one
 * connection, and splice it onto stdio. This is the only file that touches fd 0 and fd 1.
 */
export interface StdioBridge {
  /** The grpc-js target to dial, `unix:\0...`. */
  readonly target: string;
  /** Resolves when BuildKit closes its side. */
  readonly closed: Promise<void>;
  close(): void;
}

export async function openStdioBridge(
  input: NodeJS.ReadableStream = process.stdin,
  output: NodeJS.WritableStream = process.stdout,
): Promise<StdioBridge> {
  const name = `\0aikit-gw-${process.pid}-${randomBytes(6).toString('hex')}`;
  let used = false;
  let socket: net.Socket | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));

  const server = net.createServer((sock) => {
    // A second connection could never reach BuildKit: refuse it so grpc-js fails loudly
    // instead of talking to nobody.
    if (used) {
      sock.destroy();
      return;
    }
    used = true;
    socket = sock;
    server.close();
    input.pipe(sock);
    sock.pipe(output);
    sock.on('close', resolveClosed);
    sock.on('error', () => resolveClosed());
    input.on('end', () => sock.end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(name, () => resolve());
  });
  return {
    target: `unix:${name}`,
    closed,
    close() {
      server.close();
      socket?.end();
    },
  };
}
