// Environment: Node (benchmarks, run by npm run bench).
// The baselines' echo server, a separate process like the phone simulator: one raw TCP port and one TLS port (the
// link's own acceptSecure, so the same TLS 1.3 options and a fresh P-256 identity), both echoing every byte back.
// stdout: one line, {"event":"ready","tcp":PORT,"tls":PORT}. It exits when its stdin closes, so it cannot outlive
// the bench that started it. Run through its entry points: bench/tls-echo.ts (loopback) and bench/lab/echo.ts
// (inside the PC-port lab's phone namespace).
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { createIdentity } from '../native-bridge/link/identity.js';
import { acceptSecure } from '../native-bridge/link/tls.js';

export interface EchoServerOptions {
  /** The address both ports listen on. */
  host: string;
  /** The name in the TLS identity. */
  identityName: string;
  /** The prefix of its stderr lines. */
  label: string;
}

function echo(stream: Duplex): void {
  stream.on('data', (chunk: Buffer) => stream.write(chunk));
  stream.on('error', () => stream.destroy());
}

/** Starts both servers, prints the ready line and exits when stdin closes. */
export async function runEchoServer({ host, identityName, label }: EchoServerOptions): Promise<void> {
  const identity = createIdentity(identityName);
  const tcp = net.createServer({ noDelay: true }, (socket) => echo(socket));
  const tls = net.createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    acceptSecure(socket, identity).then(
      (channel) => echo(channel.socket),
      (error: Error) => process.stderr.write(`${label}: handshake failed: ${error.message}\n`),
    );
  });
  const listen = (server: net.Server) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve((server.address() as net.AddressInfo).port));
    });

  const [tcpPort, tlsPort] = await Promise.all([listen(tcp), listen(tls)]);
  process.stdout.write(`${JSON.stringify({ event: 'ready', tcp: tcpPort, tls: tlsPort })}\n`);
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}
