// Environment: Node (vitest).
// Links over the tunnel: fragmentation, reassembly, damaged flows, opening, replacing and ending links.
import { EventEmitter, once } from 'node:events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type HidReportPort,
  type HidReportPortEvents,
  fromHidAsync,
  fromHidDeviceEndpoint,
} from '../../../../native-bridge/hid/report-port.js';
import {
  HidTunnelListener,
  HidTunnelStream,
  MAX_UNREAD,
} from '../../../../native-bridge/hid/report-tunnel.js';
import {
  CLOSE_REASONS,
  encodeTunnelReport,
  payloadCapacity,
} from '../../../../native-bridge/hid/tunnel-report.js';
import { LinkError } from '../../../../native-bridge/link/errors.js';
import { HidLoopback } from '../../../../simulator/hid-loopback.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

// ---------------------------------------------------------------------------------------------------------
// In-memory ports with a hand on the reports in flight

type Tamper = (report: Buffer, index: number) => Buffer[];

/** Two report ports joined back to back; `tamper` sees what this end writes (the n-th report, from 0). */
class PipePort extends EventEmitter<HidReportPortEvents> implements HidReportPort {
  peer!: PipePort;
  tamper: Tamper = (report) => [report];
  written: Buffer[] = [];
  inFlight = 0;
  maxInFlight = 0;
  closed = false;

  constructor(
    readonly reportSize: number,
    readonly name: string,
  ) {
    super();
  }

  static pair(reportSize: number): [pc: PipePort, phone: PipePort] {
    const pc = new PipePort(reportSize, 'the PC end');
    const phone = new PipePort(reportSize, 'the phone end');
    pc.peer = phone;
    phone.peer = pc;
    return [pc, phone];
  }

  async write(report: Buffer): Promise<void> {
    if (this.closed) throw new LinkError('closed', `${this.name} is closed`);
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    await tick();
    this.inFlight--;
    const index = this.written.length;
    this.written.push(Buffer.from(report));
    for (const out of this.tamper(Buffer.from(report), index)) this.peer.inject(out);
  }

  inject(report: Buffer): void {
    if (!this.closed) this.emit('report', report);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', undefined);
  }
}

/** A listener on one end, a connected link on the other. */
async function linked(reportSize: number) {
  const [pcPort, phonePort] = PipePort.pair(reportSize);
  const listener = new HidTunnelListener(phonePort);
  const phoneLink = once(listener, 'link') as Promise<[HidTunnelStream]>;
  const pc = await HidTunnelStream.connect(pcPort, { timeoutMs: 2_000 });
  const [phone] = await phoneLink;
  // TLS listens for errors on both ends; tests that expect one wait for it with ending().
  pc.on('error', () => undefined);
  phone.on('error', () => undefined);
  return { pc, phone, pcPort, phonePort, listener };
}

/** The error a stream ends with (undefined for a clean end). */
const ending = (stream: HidTunnelStream) =>
  new Promise<Error | undefined>((resolve) => {
    stream.once('error', resolve);
    stream.once('close', () => resolve(undefined));
  });

/** Everything a stream reads until it ends. */
const readAll = (stream: HidTunnelStream) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });

/** The first `length` bytes a stream reads. */
const collect = (stream: HidTunnelStream, length: number) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const done = () => resolve(Buffer.concat(chunks));
    if (length === 0) return done();
    stream.on('data', (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= length) done();
    });
    stream.once('error', reject);
  });

describe('fragmentation and reassembly', () => {
  /** Any write size: mostly small ones, sometimes a full TLS record (16 KiB and a bit). */
  const writes = fc.oneof(
    { weight: 6, arbitrary: fc.uint8Array({ minLength: 0, maxLength: 600 }) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 16_384, maxLength: 16_640 }) },
  );

  it('carry any writes both ways, in order, over reports of 8 to 64 bytes, numbered or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 8, max: 64 }),
        fc.boolean(),
        fc.array(writes, { maxLength: 6 }),
        fc.array(writes, { maxLength: 6 }),
        async (reportSize, numbered, up, down) => {
          const ids = numbered
            ? { reportId: 0x22, inputReportId: 0x21, reportSize }
            : { reportId: 0, reportSize };
          const loopback = new HidLoopback();
          const listener = new HidTunnelListener(fromHidDeviceEndpoint(loopback.device, ids));
          const phoneLink = once(listener, 'link') as Promise<[HidTunnelStream]>;
          const pc = await HidTunnelStream.connect(fromHidAsync(loopback.openHost(), ids));
          const [phone] = await phoneLink;
          const atPhone = readAll(phone);
          const atPc = collect(pc, Buffer.concat(down).length);
          for (const chunk of up) pc.write(chunk);
          for (const chunk of down) phone.write(chunk);
          // Both ways at once; then the PC ends the link (CLOSE ends it both ways: all was read by then).
          expect(await atPc).toEqual(Buffer.concat(down));
          pc.end();
          expect(await atPhone).toEqual(Buffer.concat(up));
          const capacity = payloadCapacity(reportSize);
          const fragments = (chunks: Uint8Array[]) =>
            chunks.reduce((n, c) => n + Math.ceil(c.length / capacity), 0);
          expect(listener.stats).toMatchObject({
            bytesIn: Buffer.concat(up).length,
            invalid: 0,
            gaps: 0,
            foreign: 0,
          });
          // OPEN, the DATA fragments and CLOSE: nothing else went to the phone.
          expect(listener.stats.reportsIn).toBe(1 + fragments(up) + 1);
          listener.close();
        },
      ),
      { numRuns: 40 },
    );
  });

  it('write one report at a time, and hold back a writer whose reports are not taken yet', async () => {
    const { pc, pcPort, listener } = await linked(64);
    const more = pc.write(Buffer.alloc(64 * 1024, 1));
    expect(more).toBe(false); // past the Duplex's high-water mark: TLS above waits for 'drain'
    expect(pc.writableLength).toBeLessThanOrEqual(64 * 1024);
    await once(pc, 'drain');
    expect(pcPort.maxInFlight).toBe(1);
    expect(listener.stats.bytesIn).toBe(64 * 1024);
    pc.destroy();
  });

  it('end the link when its reader falls behind by more than it may hold', async () => {
    const { pc, phone, listener } = await linked(64);
    const phoneEnd = ending(phone);
    const pcEnd = ending(pc);
    pc.on('error', () => undefined);
    // Nobody reads the phone's end: after 256 KiB it gives up instead of growing.
    pc.write(Buffer.alloc(MAX_UNREAD + 64 * 1024, 2));
    const error = await phoneEnd;
    expect(error?.message).toMatch(/more than 256 KiB received and not read/);
    expect(phone.readableLength).toBeLessThanOrEqual(MAX_UNREAD + payloadCapacity(64));
    expect((await pcEnd)?.message).toMatch(/its reader fell behind/);
    expect(listener.stats.bytesIn).toBeLessThanOrEqual(MAX_UNREAD + payloadCapacity(64));
  });
});

describe('a damaged flow ends the link on both sides with a clear error', () => {
  /** Sends 20 DATA reports PC → phone through `tamper`; resolves both ends' errors. */
  async function damaged(tamper: Tamper) {
    const { pc, phone, pcPort, listener } = await linked(16);
    pcPort.tamper = tamper;
    const phoneEnd = ending(phone);
    const pcEnd = ending(pc);
    phone.resume();
    pc.write(Buffer.alloc(payloadCapacity(16) * 20, 3));
    return { phone: await phoneEnd, pc: await pcEnd, stats: listener.stats };
  }

  /** Tamper with the n-th DATA report (OPEN is report 0). */
  const onData = (n: number, edit: (report: Buffer) => Buffer[]): Tamper => {
    return (report, index) => (report[0] === 0x03 && index === n + 1 ? edit(report) : [report]);
  };

  it('a lost fragment', async () => {
    const { phone, pc, stats } = await damaged(onData(3, () => []));
    expect(phone?.message).toMatch(
      /1 report is missing, lost or out of order \(report 3 expected, 4 arrived\)/,
    );
    expect(pc?.message).toMatch(/the peer ended link 0x[0-9a-f]{4} on the PC end: it lost a report/);
    expect(stats.gaps).toBe(1);
  });

  it('a duplicated fragment', async () => {
    const { phone, pc } = await damaged(onData(5, (r) => [r, r]));
    expect(phone?.message).toMatch(/report 5 arrived twice or out of order \(report 6 expected\)/);
    expect(pc?.message).toMatch(/it lost a report of this link, or got one twice or out of order/);
  });

  it('reordered fragments', async () => {
    let held: Buffer | undefined;
    const { phone } = await damaged((report, index) => {
      if (index === 3) {
        held = report;
        return [];
      }
      if (index === 4) return [report, held!];
      return [report];
    });
    expect(phone?.message).toMatch(/report 2 expected, 3 arrived/);
  });

  it('a bad length, a bad payload length, non-zero padding', async () => {
    const short = await damaged(onData(2, (r) => [r.subarray(0, 15)]));
    expect(short.phone?.message).toMatch(
      /not a tunnel report: a report of 15 bytes where the descriptor declares 16/,
    );
    expect(short.pc?.message).toMatch(/it received a report that is not a tunnel report/);
    expect(short.stats.invalid).toBe(1);
    const length = await damaged(onData(2, (r) => [Buffer.from(r).fill(200, 5, 6)]));
    expect(length.phone?.message).toMatch(/payload length of 200/);
    const padding = await damaged(
      onData(2, (r) => {
        const b = Buffer.from(r);
        b[5] = 4; // the length says 4, so bytes 10.. are padding, and they are not zero
        return [b];
      }),
    );
    expect(padding.phone?.message).toMatch(/non-zero padding at byte 10/);
  });

  it('a report from another link', async () => {
    const { pc, phone, phonePort, listener } = await linked(16);
    const pcEnd = ending(pc);
    const phoneEnd = ending(phone);
    const other = (pc.linkId % 0xffff) + 1;
    // The phone end sees another link's DATA: it is told "no such link", the current link goes on.
    phonePort.inject(
      encodeTunnelReport({ kind: 'data', link: other, seq: 0, payload: Buffer.from('x') }, 16),
    );
    await tick();
    expect(listener.stats.foreign).toBe(1);
    expect(phone.destroyed).toBe(false);
    // The PC end sees a report of another link (another program's): its link ends, and the phone is told.
    phonePort.write(encodeTunnelReport({ kind: 'data', link: other, seq: 0, payload: Buffer.from('y') }, 16));
    expect((await pcEnd)?.message).toMatch(
      new RegExp(`sent a report of link 0x${other.toString(16).padStart(4, '0')} on link`),
    );
    expect((await phoneEnd)?.message).toMatch(/it received a report of another link/);
  });
});

describe('links', () => {
  it('a phone that answers late: OPEN is repeated, the second ACCEPT is ignored', async () => {
    const [pcPort, phonePort] = PipePort.pair(32);
    const listener = new HidTunnelListener(phonePort);
    const links: HidTunnelStream[] = [];
    listener.on('link', (l) => links.push(l));
    // The phone's reports take 250 ms to arrive: the companion has sent OPEN twice before the first ACCEPT.
    phonePort.tamper = (report) => {
      setTimeout(() => pcPort.inject(report), 250);
      return [];
    };
    const pc = await HidTunnelStream.connect(pcPort, { timeoutMs: 2_000 });
    expect(links.length).toBe(1);
    const answer = once(links[0]!, 'data');
    pc.write('hello');
    expect(String((await answer)[0])).toBe('hello');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(pc.destroyed).toBe(false);
    expect(pc.stats.stale).toBeGreaterThanOrEqual(1); // the repeated ACCEPTs
    const opens = pcPort.written.filter((r) => r[0] === 0x01).length;
    expect(opens).toBeGreaterThanOrEqual(2);
    pc.destroy();
  });

  it('the phone answers DATA of a link it never held with CLOSE "no such link"', async () => {
    const [, phonePort] = PipePort.pair(16);
    const listener = new HidTunnelListener(phonePort);
    phonePort.inject(
      encodeTunnelReport({ kind: 'data', link: 0x0777, seq: 9, payload: Buffer.from('x') }, 16),
    );
    await tick();
    await tick();
    expect(phonePort.written.map((r) => r.subarray(0, 7).toString('hex'))).toEqual(['04077700000106']);
    expect(listener.stats.foreign).toBe(1);
  });

  it('no phone: connect gives up with a clear error', async () => {
    const [pcPort] = PipePort.pair(32);
    await expect(HidTunnelStream.connect(pcPort, { timeoutMs: 300 })).rejects.toThrow(
      /no phone answered on the PC end within 0.3 s/,
    );
    if (!pcPort.closed) await once(pcPort, 'close');
  });

  it('a new OPEN replaces the current link, whose companion is told', async () => {
    const { pc, pcPort, phonePort, listener } = await linked(32);
    const pcEnd = ending(pc);
    const next = once(listener, 'link') as Promise<[HidTunnelStream]>;
    const newer = (pc.linkId % 0xffff) + 1;
    phonePort.inject(
      encodeTunnelReport({ kind: 'open', link: newer, seq: 0, payload: new Uint8Array(0) }, 32),
    );
    const [link] = await next;
    expect(link.linkId).toBe(newer);
    expect((await pcEnd)?.message).toMatch(/a newer link replaced this one/);
    const closes = pcPort.peer.written.filter((r) => r[0] === 0x04);
    expect(closes.map((r) => r[6])).toContain(CLOSE_REASONS.replaced);
  });

  it('an orderly end: CLOSE without a reason, the other side sees the end of the stream', async () => {
    const { pc, phone, pcPort } = await linked(32);
    const atPhone = readAll(phone);
    const phoneEnd = ending(phone);
    pc.end('bye');
    expect(String(await atPhone)).toBe('bye');
    const close = pcPort.written.find((r) => r[0] === 0x04)!;
    expect(close[5]).toBe(0);
    expect(await phoneEnd).toBeUndefined();
    expect(pcPort.closed).toBe(true); // the companion's link owns its device
  });

  it('the device goes away: the link ends with an error, the listener reports it', async () => {
    const loopback = new HidLoopback();
    const ids = { reportId: 2, inputReportId: 1, reportSize: 63 };
    const listener = new HidTunnelListener(fromHidDeviceEndpoint(loopback.device, ids));
    const listenerClosed = once(listener, 'close');
    const phoneLink = once(listener, 'link') as Promise<[HidTunnelStream]>;
    const pc = await HidTunnelStream.connect(
      fromHidAsync(loopback.openHost(), { ...ids, name: 'the HID device Z' }),
    );
    const [phone] = await phoneLink;
    const pcEnd = ending(pc);
    const phoneEnd = ending(phone);
    loopback.unplug();
    expect((await pcEnd)?.message).toMatch(/the HID device Z went away: the device was unplugged or closed/);
    expect((await phoneEnd)?.message).toMatch(/went away/);
    await listenerClosed;
  });
});
