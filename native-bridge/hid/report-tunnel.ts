// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
import { randomBytes } from 'node:crypto';
import { ChunkLinkListener, ChunkLinkStream, openLink } from '../link/chunk-link.js';
import { LinkError } from '../link/errors.js';
import type { HidReportPort } from './report-port.js';
import { TunnelLine } from './tunnel-line.js';
import {
  CLOSE_REASONS,
  type CloseReason,
  EMPTY,
  type TunnelReport,
  closeReasonText,
  closeReport,
  hex4,
} from './tunnel-report.js';

/**
 * The HID report tunnel (docs/protocol.md, "HID report tunnel"): what carries the TLS byte stream over a pair
 * of vendor-defined HID reports, below TLS. The PC writes output reports and the phone answers with input
 * reports, each of the fixed size N the report descriptor declares, so:
 *
 * - the stream is cut into fragments of at most N - 6 (and at most 255) bytes, one per report, each with a
 *   6-byte header (type, link id, sequence number, payload length) and zero padding up to N;
 * - OPEN/ACCEPT/CLOSE reports with a random link id give the reports connections, so a companion that died
 *   without a word is replaced by the next one, and an older link's reports are told apart;
 * - USB delivers reports intact and in order, so reassembly tolerates nothing: a lost, duplicated or
 *   reordered fragment, a bad length, non-zero padding or (at the companion) a report of another link ends
 *   the link at once with a clear error, on both ends: CLOSE says why (TLS could not carry on anyway; the
 *   companion reconnects). The phone ignores late reports of links it ended and answers DATA of links it
 *   never held with CLOSE, so a replaced companion cannot break its successor's link.
 *
 * Below the tunnel, a HidReportPort moves report bodies (the bytes after the report-id byte): fromHidAsync
 * adapts node-hid on the PC, fromHidDeviceEndpoint the phone's end of the interface.
 *
 * The pieces: tunnel-report.ts (the reports), report-port.ts (report bodies in and out of a device),
 * tunnel-layout.ts (which reports carry the tunnel), tunnel-line.ts (reports in and out, one at a time), and
 * here one link over the line, the Duplex that TLS runs over, at each end.
 */

export const CONNECT_TIMEOUT_MS = 3_000;
/**
 * Received bytes a link holds for a reader that stopped reading. Input reports cannot be held back (a paused
 * hidraw reader loses reports once the kernel's queue of 64 is full), so past this the link ends instead of
 * growing without bound.
 */
export const MAX_UNREAD = 256 * 1024;

export interface HidTunnelConnectOptions {
  /** How long to repeat OPEN before giving up (default 3 s). */
  timeoutMs?: number;
  /** For tests and vectors; random otherwise. */
  linkId?: number;
}

/**
 * One link (one TLS connection) over a tunnel. Writes are cut into DATA reports, written one at a time (the
 * Duplex's buffer gives TLS backpressure); received DATA reports are checked and pushed in order.
 * `HidTunnelStream.connect` makes the companion's end; a `HidTunnelListener` makes the phone's.
 */
export class HidTunnelStream extends ChunkLinkStream<TunnelReport, TunnelLine> {
  private closeReason: CloseReason = 'orderly';

  /** Companion side: opens a link on the port (OPEN until ACCEPT); the stream owns the port from now on. */
  static connect(port: HidReportPort, options: HidTunnelConnectOptions = {}): Promise<HidTunnelStream> {
    const line = new TunnelLine(port);
    const linkId = options.linkId ?? 1 + (randomBytes(2).readUInt16BE(0) % 0xffff);
    const stream = new HidTunnelStream(line, linkId, true);
    return openLink(line, stream, {
      timeoutMs: options.timeoutMs ?? CONNECT_TIMEOUT_MS,
      hint: 'plugged in and offers the tunnel',
      sendOpen: () => line.post({ kind: 'open', link: linkId, seq: 0, payload: EMPTY }),
      listen: (handshake) => {
        // USB loses nothing, so anything out of place (but an older link's late reports) ends the link.
        line.on('report', (report) => {
          if (!handshake.accepted) {
            if (report.link !== linkId) return void line.stats.stale++; // an older link's, still queued
            if (report.kind === 'accept') return handshake.accept();
            return handshake.refuse(
              report.kind === 'close'
                ? new LinkError(
                    'unreachable',
                    `the phone refused link ${hex4(linkId)} on ${line.name}: ${closeReasonText(report.payload[0] ?? 0)}`,
                  )
                : new LinkError(
                    'protocol',
                    `${line.name} sent ${report.kind.toUpperCase()} on link ${hex4(linkId)} before ACCEPT`,
                  ),
            );
          }
          if (report.link !== linkId) {
            line.stats.foreign++;
            return stream.fail(
              new LinkError(
                'protocol',
                `${line.name} sent a report of link ${hex4(report.link)} on link ${hex4(linkId)}: another ` +
                  'program uses the tunnel, or the phone restarted; the link is closed, reconnect',
              ),
              'foreign',
            );
          }
          if (report.kind === 'accept' && !stream.dataReceived) return void line.stats.stale++; // OPEN was repeated
          if (report.kind === 'accept' || report.kind === 'open')
            return stream.fail(
              new LinkError(
                'protocol',
                `${line.name} sent ${report.kind.toUpperCase()} in the middle of link ${hex4(linkId)}`,
              ),
              'unexpected',
            );
          stream.deliver(report);
        });
        line.on('invalid', (error) =>
          handshake.accepted ? stream.fail(error, 'invalid') : handshake.refuse(error),
        );
      },
    });
  }

  /** Whether any DATA arrived on this link (a repeated OPEN or ACCEPT is legitimate only before). */
  get receivedData(): boolean {
    return this.dataReceived;
  }

  /** Ends the link with an error; the peer is told why in CLOSE. */
  fail(error: LinkError, reason: CloseReason): void {
    if (this.destroyed) return;
    this.closeReason = reason;
    this.destroy(error);
  }

  protected override peerEnded(report: TunnelReport): void {
    const reason = report.payload[0] ?? CLOSE_REASONS.orderly;
    if (reason === CLOSE_REASONS.orderly) this.push(null);
    else
      this.destroy(
        new LinkError(
          reason === CLOSE_REASONS.replaced ? 'closed' : 'protocol',
          `the peer ended link ${hex4(this.linkId)} on ${this.line.name}: ${closeReasonText(reason)}`,
        ),
      );
  }

  protected override lostData(expected: number, arrived: number): void {
    const ahead = (arrived - expected) & 0xffff;
    const what =
      ahead < 0x8000
        ? `${ahead} report${ahead === 1 ? ' is' : 's are'} missing, lost or out of order (report ${expected} expected, ${arrived} arrived)`
        : `report ${arrived} arrived twice or out of order (report ${expected} expected)`;
    this.fail(
      new LinkError(
        'protocol',
        `${this.line.name}, link ${hex4(this.linkId)}: ${what}; the link is closed, reconnect`,
      ),
      'gap',
    );
  }

  /** Input reports cannot be held back, so past MAX_UNREAD the link ends instead of growing. */
  protected override afterPush(): void {
    if (this.readableLength > MAX_UNREAD)
      this.fail(
        new LinkError(
          'protocol',
          `${this.line.name}, link ${hex4(this.linkId)}: more than ${MAX_UNREAD / 1024} KiB received and not read; the link is closed`,
        ),
        'overflow',
      );
  }

  protected override sendData(data: Buffer, callback: (error?: Error | null) => void): void {
    this.writeFragments(data).then(
      () => callback(),
      (error: Error) => callback(error),
    );
  }

  /** One report at a time: each write waits for the previous one to resolve. */
  private async writeFragments(data: Buffer): Promise<void> {
    const capacity = this.line.capacity;
    for (let at = 0; at < data.length; at += capacity) {
      if (this.destroyed) throw new LinkError('closed', `link ${hex4(this.linkId)} is closed`);
      await this.line.send({
        kind: 'data',
        link: this.linkId,
        seq: this.nextSeq(),
        payload: data.subarray(at, at + capacity),
      });
    }
  }

  protected override sendCloseChunk(written: () => void): void {
    this.line.send(closeReport(this.linkId, this.closeReason)).then(written, written);
  }
}

export interface HidTunnelListenerEvents {
  link: [HidTunnelStream];
  close: [LinkError];
}

/** Link ids a listener remembers as ended: their late reports are stale, not another companion's. */
const ENDED_LINKS_KEPT = 16;

/**
 * Phone side: accepts links on its end of the interface, one at a time. A new OPEN replaces the current link
 * (its companion is gone, or another program took over: HID has no other way to say so), and that link's
 * companion is told with CLOSE; a repeated OPEN is ACCEPTed again until data flows. Late reports of a link
 * that ended are ignored; DATA of a link it never held is answered with CLOSE, so an orphaned companion (from
 * before the phone restarted) stops at once, and the current link goes on.
 */
export class HidTunnelListener extends ChunkLinkListener<HidTunnelStream, TunnelLine> {
  private readonly ended: number[] = [];

  constructor(port: HidReportPort) {
    super(new TunnelLine(port));
    this.line.on('report', (report) => this.onReport(report));
    this.line.on('invalid', (error) => this.current?.fail(error, 'invalid'));
  }

  /** Stops serving: the current link's companion is told with CLOSE, then the port closes. */
  close(): void {
    this.current?.destroy();
    this.line.closeAfterPending();
  }

  private onReport(report: TunnelReport): void {
    const current = this.current;
    const name = this.line.name;
    if (report.kind === 'open') {
      if (current && report.link === current.linkId) {
        if (!current.receivedData) return this.accept(report.link); // OPEN was repeated
        return current.fail(
          new LinkError('protocol', `${name}: link ${hex4(report.link)} was opened again after data flowed`),
          'unexpected',
        );
      }
      if (this.ended.includes(report.link)) return void this.line.stats.stale++; // a late retry of a link now over
      if (current)
        current.fail(
          new LinkError(
            'closed',
            `${name}: the companion opened link ${hex4(report.link)}, which replaces link ${hex4(current.linkId)}`,
          ),
          'replaced',
        );
      this.ended.push(report.link); // remembered from the start: a replaced link ends at once
      if (this.ended.length > ENDED_LINKS_KEPT) this.ended.shift();
      this.adopt(new HidTunnelStream(this.line, report.link, false));
      return;
    }
    if (current && report.link === current.linkId) {
      if (report.kind === 'accept')
        return current.fail(new LinkError('protocol', `${name}: the companion sent ACCEPT`), 'unexpected');
      return current.deliver(report);
    }
    if (this.ended.includes(report.link)) return void this.line.stats.stale++; // late reports of a link now over
    // A link this phone never held (it restarted since): its companion is told; the current link goes on.
    this.line.stats.foreign++;
    if (report.kind === 'data') this.answer('close', report.link);
  }

  protected override accept(link: number): void {
    this.answer('accept', link);
  }

  private answer(kind: 'accept' | 'close', link: number): void {
    if (!this.line.isOpen) return;
    this.line.post(
      kind === 'close' ? closeReport(link, 'unknownLink') : { kind, link, seq: 0, payload: EMPTY },
    );
  }
}
