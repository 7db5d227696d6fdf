// Environment: Node (vitest). Issue 13 item 9, the wiring: on Windows, callIpc checks the pipe's server before it
// sends a byte, and IpcServer.listen will not start beside a foreign holder. process.platform is set to 'win32'
// and the Win32 calls are replaced by a stand-in (these machines run Linux); the pipe itself is a Unix socket
// here, which is all Node's net module needs to show whether a connection was made.
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import {
  ForeignPipeError,
  WindowsApiError,
  type WindowsPipeApi,
} from '../../../../main/core/windows-pipe-trust.js';

const ME = 'S-1-5-21-1-2-3-1001';
const OTHER = 'S-1-5-21-1-2-3-1002';
let serverUser = ME;
const dacls: string[] = [];

const api: WindowsPipeApi = {
  currentUserSid: () => ME,
  setDefaultDacl: (sddl) => void dacls.push(sddl),
  openPipe: () => ({}),
  serverProcessId: () => 4242,
  processUserSid: () => {
    if (serverUser !== ME) throw new WindowsApiError('OpenProcess', 5);
    return ME;
  },
  closeHandle: () => undefined,
};
vi.mock('../../../../main/host/windows-pipe-koffi.js', () => ({ windowsPipeApi: () => api }));

const platform = Object.getOwnPropertyDescriptor(process, 'platform')!;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'btoe-pipe-'));
  Object.defineProperty(process, 'platform', { value: 'win32' });
});
afterEach(async () => {
  Object.defineProperty(process, 'platform', platform);
  serverUser = ME;
  dacls.length = 0;
  await rm(dir, { recursive: true, force: true });
});

/** Something listening at the endpoint that records what reaches it. */
async function listener(path: string): Promise<{ received: () => string; close: () => void }> {
  let received = '';
  const server = net.createServer((socket) => {
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('data', () => socket.write(`${JSON.stringify({ id: 1, body: { ok: true } })}\n`));
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { received: () => received, close: () => server.close() };
}

it("sends nothing to a pipe served by another user's process", async () => {
  const { callIpc } = await import('../../../../main/host/companion-socket.js');
  const path = join(dir, 'pipe');
  const squatter = await listener(path);
  serverUser = OTHER;
  await expect(callIpc(path, { kind: 'command', request: { password: 'secret' } })).rejects.toThrow(
    ForeignPipeError,
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(squatter.received()).toBe('');
  squatter.close();
});

it('talks to a pipe served by its own user', async () => {
  const { callIpc } = await import('../../../../main/host/companion-socket.js');
  const path = join(dir, 'pipe');
  const companion = await listener(path);
  expect(await callIpc(path, { kind: 'hello' })).toEqual({ ok: true });
  expect(companion.received()).toContain('"kind":"hello"');
  companion.close();
});

it('restricts its pipe instances to the user and refuses to start beside a foreign holder', async () => {
  const { IpcServer } = await import('../../../../main/host/companion-socket.js');
  const path = join(dir, 'pipe');
  const squatter = await listener(path);
  serverUser = OTHER;
  await expect(IpcServer.listen(path, async () => ({}))).rejects.toThrow(/held by another user/);
  expect(dacls).toEqual([`O:${ME}D:P(A;;GA;;;${ME})`]);
  expect(squatter.received()).toBe('');
  squatter.close();
});
