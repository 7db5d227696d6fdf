// Environment: Node (main process, OS adapters).
import { chmod, unlink } from 'node:fs/promises';
import net from 'node:net';
import { z } from 'zod';
import { COMPANION_IPC_VERSION, type CompanionRequest } from '../../contract/companion-ipc.js';
import type { LocalServer, RequestHandler } from '../core/ports/local-server.js';
import {
  ForeignPipeError,
  addressInUseDecision,
  checkPipeServer,
  restrictPipeInstances,
} from '../core/windows-pipe-trust.js';
import { callIpc } from './companion-ipc-client.js';

// The client's end (what `btoe` loads) is in companion-ipc-client.ts: without zod, without the server.
export { callIpc, ipcEndpoint } from './companion-ipc-client.js';

const MAX_LINE = 64 * 1024;
const requestEnvelope = z.object({ id: z.number().int().min(0), body: z.unknown() });

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
    private readonly connections: Set<Connection>,
  ) {}

  /** Listens on the endpoint; a live companion there is AlreadyRunningError, a stale socket file is replaced. */
  static async listen(endpoint: string, handler: RequestHandler): Promise<IpcServer> {
    if (process.platform === 'win32') await guardWindowsPipe(endpoint);
    const hello: CompanionRequest = { v: COMPANION_IPC_VERSION, kind: 'hello' };
    const running = await callIpc(endpoint, hello, 1_000).catch((error: unknown) => {
      if (error instanceof ForeignPipeError) throw error;
      return undefined;
    });
    if (running !== undefined) throw new AlreadyRunningError(running);
    if (process.platform !== 'win32') await unlink(endpoint).catch(() => undefined);
    const connections = new Set<Connection>();
    const server = net.createServer((socket) => {
      const connection = serve(socket, handler);
      connections.add(connection);
      socket.once('close', () => connections.delete(connection));
    });
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(endpoint, () => {
        server.off('error', fail);
        done();
      });
    });
    if (process.platform !== 'win32') await chmod(endpoint, 0o600);
    return new IpcServer(server, endpoint, connections);
  }

  /** Bytes held for clients: requests read but not yet answered, and answers not yet taken by the client. */
  bufferedBytes(): number {
    let total = 0;
    for (const connection of this.connections) total += connection.bufferedBytes();
    return total;
  }

  async close(): Promise<void> {
    await new Promise<void>((done) => this.server.close(() => done()));
    if (process.platform !== 'win32') await unlink(this.endpoint).catch(() => undefined);
  }
}

interface Connection {
  bufferedBytes(): number;
}

/**
 * One client, one request at a time: the socket is paused while a chunk of requests is being answered, and an
 * answer the client has not taken (the socket's buffer is full) is waited for before the next request is read.
 * A client that pipelines requests and never reads the answers therefore stalls itself, in the kernel's socket
 * buffers, instead of growing the companion's memory.
 */
function serve(socket: net.Socket, handler: RequestHandler): Connection {
  socket.on('error', () => socket.destroy());
  let input: Buffer = Buffer.alloc(0);
  let answering = false;
  socket.on('data', (chunk: Buffer) => {
    input = input.length === 0 ? chunk : Buffer.concat([input, chunk]);
    socket.pause();
    void answerAll();
  });
  async function answerAll(): Promise<void> {
    if (answering) return;
    answering = true;
    for (;;) {
      const end = input.indexOf(0x0a);
      if (end < 0) break;
      const line = input.subarray(0, end).toString('utf8').replace(/\r$/, '');
      input = input.subarray(end + 1);
      const response = await answer(line);
      if (socket.destroyed) return;
      if (!socket.write(`${JSON.stringify(response)}\n`)) await drained(socket);
      if (socket.destroyed) return;
    }
    answering = false;
    if (input.length <= MAX_LINE) return void socket.resume();
    // A line that does not end within the cap: told, and cut off rather than buffered without bound.
    input = Buffer.alloc(0);
    const message = `a request is at most ${MAX_LINE} bytes`;
    socket.end(`${JSON.stringify({ id: 0, body: { error: { kind: 'usage', message } } })}\n`);
  }
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
  return { bufferedBytes: () => input.length + socket.writableLength };
}

function drained(socket: net.Socket): Promise<void> {
  return new Promise((done) => {
    const finish = () => {
      socket.off('drain', finish);
      socket.off('close', finish);
      done();
    };
    socket.on('drain', finish);
    socket.on('close', finish);
  });
}

/**
 * Windows: the pipe instances this process creates are its user's only, and a name held by another user stops
 * the start (main/core/windows-pipe-trust.ts). Unix sockets need none of it: they live in the user's 0700 store.
 */
async function guardWindowsPipe(endpoint: string): Promise<void> {
  const { windowsPipeApi } = await import('./windows-pipe-koffi.js');
  const api = windowsPipeApi();
  restrictPipeInstances(api);
  const verdict = checkPipeServer(api, endpoint);
  if (verdict.kind === 'foreign') addressInUseDecision(verdict, endpoint);
}
