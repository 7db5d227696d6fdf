// Environment: Node (main process, OS adapters).
// The client's end of the local channel to the running companion, kept free of zod and of the server so that
// a short `btoe` command loads little more than this (companion-socket.ts serves the other end).
// node:crypto and node:readline would each cost `btoe` about 1-2 MB and a few ms: the pipe name's hash is
// noble's sha256 (the same digest), and the one answer line is split here.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import net from 'node:net';
import { resolve } from 'node:path';
import { verifyBeforeConnect } from '../core/windows-pipe-trust.js';

/**
 * The local channel between `btoe` and the running companion: newline-delimited JSON over a
 * Unix socket inside the user's private store directory (0700, socket 0600), or a named pipe on Windows. Only
 * that user can open it. The endpoint doubles as the one-companion-per-user lock.
 */
export function ipcEndpoint(storeDir: string): string {
  if (process.platform === 'win32') {
    const hash = bytesToHex(sha256(utf8ToBytes(resolve(storeDir).toLowerCase()))).slice(0, 16);
    return `\\\\.\\pipe\\btoe-companion-${hash}`;
  }
  return resolve(storeDir, 'companion.sock');
}

/** The answer's envelope: the id the request had (a non-negative integer) and a body; else undefined. */
function envelopeBody(value: unknown): { body: unknown } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { id } = value as { id?: unknown };
  return Number.isInteger(id) && (id as number) >= 0
    ? { body: (value as { body?: unknown }).body }
    : undefined;
}

/** Sends one request to the running companion; undefined when none is running. */
export async function callIpc(endpoint: string, body: unknown, timeoutMs = 60_000): Promise<unknown> {
  if (process.platform === 'win32') {
    // Nothing is sent before the pipe's server is known to run as this user (a squatter would get a password).
    const { windowsPipeApi } = await import('./windows-pipe-koffi.js');
    const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
    if ((await verifyBeforeConnect(windowsPipeApi(), endpoint, wait)) === undefined) return undefined;
  }
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
    // One answer line is all this client reads (a last line without its newline counts, as for readline).
    const chunks: Buffer[] = [];
    const answer = () => {
      clearTimeout(timer);
      socket.removeAllListeners('data');
      socket.removeAllListeners('end');
      socket.end();
      try {
        const envelope = envelopeBody(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        if (envelope === undefined) throw new Error('no envelope');
        done(envelope.body);
      } catch {
        fail(new Error('the running companion sent an unreadable answer'));
      }
    };
    socket.on('data', (chunk: Buffer) => {
      const end = chunk.indexOf(0x0a);
      chunks.push(end < 0 ? chunk : chunk.subarray(0, end));
      if (end >= 0) answer();
    });
    socket.on('end', answer);
  });
}
