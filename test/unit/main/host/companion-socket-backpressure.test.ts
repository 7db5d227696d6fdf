// Environment: Node (vitest; a Unix socket in a temp folder). Issue 13 item 8: a client that pipelines requests
// and never reads the answers stalls itself; the companion's buffers stay bounded and nothing is lost.
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { IpcServer } from '../../../../main/host/companion-socket.js';

const REQUESTS = 20_000;
/** Far below what 20,000 answers take (~5 MB): the companion holds a few socket buffers' worth at most. */
const BOUND = 256 * 1024;

const disposers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const dispose of disposers.splice(0).reverse()) await dispose();
});

it.skipIf(process.platform === 'win32')(
  'stops reading from a client whose answers are not drained, and serves it all once it reads',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'btoe-ipc-'));
    disposers.push(() => rm(dir, { recursive: true, force: true }));
    let handled = 0;
    const answer = 'x'.repeat(200);
    const server = await IpcServer.listen(join(dir, 'companion.sock'), async () => {
      handled++;
      return { answer };
    });
    disposers.push(() => server.close());

    const client = net.connect(join(dir, 'companion.sock'));
    disposers.push(() => void client.destroy());
    client.pause(); // never reads until told to
    await new Promise((resolve) => client.once('connect', resolve));
    const line = (id: number) => `${JSON.stringify({ id, body: { kind: 'command' } })}\n`;
    let batch = '';
    for (let id = 1; id <= REQUESTS; id++) batch += line(id);
    client.write(batch);

    // Wait until the companion has answered all it will while nobody reads (its count stops moving).
    let before = -1;
    let still = 0;
    let maxBuffered = 0;
    while (still < 10) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      maxBuffered = Math.max(maxBuffered, server.bufferedBytes());
      still = handled === before ? still + 1 : 0;
      before = handled;
    }
    expect(handled).toBeLessThan(REQUESTS);
    expect(maxBuffered).toBeLessThanOrEqual(BOUND);
    // The rest of the requests wait in the client, not in the companion.
    expect(client.writableLength).toBeGreaterThan(0);

    // Once the client reads, every request is answered, in order.
    let received = '';
    client.setEncoding('utf8');
    client.on('data', (chunk: string) => {
      received += chunk;
      maxBuffered = Math.max(maxBuffered, server.bufferedBytes());
    });
    client.resume();
    await new Promise<void>((resolve) => {
      const check = () => {
        if (received.split('\n').length > REQUESTS) resolve();
        else setTimeout(check, 20);
      };
      check();
    });
    const ids = received
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { id: number }).id);
    expect(ids).toEqual(Array.from({ length: REQUESTS }, (_, i) => i + 1));
    expect(handled).toBe(REQUESTS);
    expect(maxBuffered).toBeLessThanOrEqual(BOUND);
  },
);

it.skipIf(process.platform === 'win32')(
  'answers a request that never ends within the cap, then closes, holding no more than the cap',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'btoe-ipc-'));
    disposers.push(() => rm(dir, { recursive: true, force: true }));
    const server = await IpcServer.listen(join(dir, 'companion.sock'), async () => ({}));
    disposers.push(() => server.close());
    const client = net.connect(join(dir, 'companion.sock'));
    disposers.push(() => void client.destroy());
    let received = '';
    client.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
    client.on('error', () => undefined);
    const closed = new Promise((resolve) => client.once('close', resolve));
    const chunk = 'x'.repeat(16 * 1024);
    let maxBuffered = 0;
    for (let i = 0; i < 64 && !client.destroyed; i++) {
      client.write(chunk);
      await new Promise((resolve) => setTimeout(resolve, 5));
      maxBuffered = Math.max(maxBuffered, server.bufferedBytes());
    }
    await closed;
    expect(JSON.parse(received.trim())).toEqual({
      id: 0,
      body: { error: { kind: 'usage', message: expect.stringMatching(/at most/) } },
    });
    expect(maxBuffered).toBeLessThanOrEqual(BOUND);
  },
);
