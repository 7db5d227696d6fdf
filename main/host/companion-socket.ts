// Environment: Node (main process, OS adapters).
import { createHash } from 'node:crypto';
import { chmod, unlink } from 'node:fs/promises';
import net from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { COMPANION_IPC_VERSION, type CompanionRequest } from '../../contract/companion-ipc.js';
import type { LocalServer, RequestHandler } from '../core/ports/local-server.js';

// Environment: Node (main process, OS adapters).
/**
 * The local channel between `btoe` and the running companion: newline-delimited JSON over a
 * Unix socket inside the user's private store directory (0700, socket 0600), or a named pipe on Windows. Only
 * that user can open it. The endpoint doubles as the one-companion-per-user lock.
 */
export function ipcEndpoint(storeDir: string): string {
  if (process.platform === 'win32') {
    const hash = createHash('sha256').update(resolve(storeDir).toLowerCase()).digest('hex').slice(0, 16);
    return `\\\\.\\pipe\\btoe-companion-${hash}`;
  }
  return resolve(storeDir, 'companion.sock');
}

const MAX_LINE = 64 * 1024;
const requestEnvelope = z.object({ id: z.number().int().min(0), body: z.unknown() });
const responseEnvelope = z.object({ id: z.number().int().min(0), body: z.unknown() });

export class AlreadyRunningError extends Error {
  override readonly name = 'AlreadyRunningError';
  constructor(readonly running: unknown) {
    super('another companion is already running for this user');
  }
}

/** The LocalServer port over a Unix socket or a named pipe: the envelope (id, body) and the line limits. */
export class IpcServer implements LocalServer {
  private constructor(
    private readonly server: net.Server,
    private readonly endpoint: string,
  ) {}

  /** Listens on the endpoint; a live companion there is AlreadyRunningError, a stale socket file is replaced. */
  static async listen(endpoint: string, handler: RequestHandler): Promise<IpcServer> {
    const hello: CompanionRequest = { v: COMPANION_IPC_VERSION, kind: 'hello' };
    const running = await callIpc(endpoint, hello, 1_000).catch(() => undefined);
    if (running !== undefined) throw new AlreadyRunningError(running);
    if (process.platform !== 'win32') await unlink(endpoint).catch(() => undefined);
    const server = net.createServer((socket) => serve(socket, handler));
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(endpoint, () => {
        server.off('error', fail);
        done();
      });
    });
    if (process.platform !== 'win32') await chmod(endpoint, 0o600);
    return new IpcServer(server, endpoint);
  }

  async close(): Promise<void> {
    await new Promise<void>((done) => this.server.close(() => done()));
    if (process.platform !== 'win32') await unlink(this.endpoint).catch(() => undefined);
  }
}

function serve(socket: net.Socket, handler: RequestHandler): void {
  socket.on('error', () => socket.destroy());
  const lines = createInterface({ input: socket, crlfDelay: Infinity });
  lines.on('error', () => socket.destroy());
  let buffered = 0;
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.length;
    // readline has no line cap of its own: a client that never sends a newline is cut off.
    if (buffered > MAX_LINE * 4) socket.destroy();
  });
  lines.on('line', (line) => {
    buffered = 0;
    void answer(line).then((response) => {
      if (!socket.destroyed) socket.write(`${JSON.stringify(response)}\n`);
    });
  });
  async function answer(line: string): Promise<{ id: number; body: unknown }> {
    let request: z.infer<typeof requestEnvelope>;
    try {
      request = requestEnvelope.parse(JSON.parse(line.slice(0, MAX_LINE)));
    } catch {
      return {
        id: 0,
        body: { error: { kind: 'usage', message: 'not a valid request: one JSON object per line' } },
      };
    }
    try {
      return { id: request.id, body: await handler(request.body) };
    } catch (error) {
      return { id: request.id, body: { error: { kind: 'internal', message: (error as Error).message } } };
    }
  }
}

/** Sends one request to the running companion; undefined when none is running. */
export async function callIpc(endpoint: string, body: unknown, timeoutMs = 60_000): Promise<unknown> {
  return new Promise((done, fail) => {
    const socket = net.connect(endpoint);
    const timer = setTimeout(() => {
      socket.destroy();
      fail(new Error(`the running companion did not answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') done(undefined);
      else fail(error);
    });
    socket.once('connect', () => socket.write(`${JSON.stringify({ id: 1, body })}\n`));
    const lines = createInterface({ input: socket });
    // readline re-emits the socket's errors; the socket's own handler above answers them.
    lines.on('error', () => undefined);
    lines.once('line', (line) => {
      clearTimeout(timer);
      socket.end();
      try {
        done(responseEnvelope.parse(JSON.parse(line)).body);
      } catch {
        fail(new Error('the running companion sent an unreadable answer'));
      }
    });
  });
}
