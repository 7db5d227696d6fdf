// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
// The line: a report port with tunnel reports in and out, written one at a time.
import { EventEmitter } from 'node:events';
import { CLOSE_FLUSH_MS } from '../link/chunk-link.js';
import { LinkError } from '../link/errors.js';
import type { HidReportPort } from './report-port.js';
import {
  type TunnelReport,
  checkReportSize,
  emptyTunnelStats,
  encodeTunnelReport,
  parseTunnelReport,
  payloadCapacity,
} from './tunnel-report.js';

interface TunnelLineEvents {
  report: [TunnelReport];
  /** A received report that is not a tunnel report. */
  invalid: [LinkError];
  close: [LinkError];
}

/** The port with tunnel reports in and out, written one at a time. Closing the line closes the port. */
export class TunnelLine extends EventEmitter<TunnelLineEvents> {
  readonly stats = emptyTunnelStats();
  readonly name: string;
  readonly reportSize: number;
  readonly capacity: number;
  private tail: Promise<void> = Promise.resolve();
  private closedWith: LinkError | undefined;

  constructor(private readonly port: HidReportPort) {
    super();
    checkReportSize(port.reportSize);
    this.name = port.name;
    this.reportSize = port.reportSize;
    this.capacity = payloadCapacity(port.reportSize);
    port.on('report', (bytes) => {
      if (this.closedWith) return;
      this.stats.reportsIn++;
      let report: TunnelReport;
      try {
        report = parseTunnelReport(bytes, this.reportSize);
      } catch (error) {
        this.stats.invalid++;
        this.emit(
          'invalid',
          new LinkError(
            'protocol',
            `${this.name} sent a report that is not a tunnel report: ${(error as Error).message}`,
          ),
        );
        return;
      }
      if (report.kind === 'data') this.stats.bytesIn += report.payload.length;
      this.emit('report', report);
    });
    port.on('close', (error) =>
      this.shutdown(
        error instanceof LinkError
          ? error
          : new LinkError('closed', `${this.name} was closed${error ? ` (${error.message})` : ''}`, {
              cause: error,
            }),
      ),
    );
  }

  get isOpen(): boolean {
    return this.closedWith === undefined;
  }

  /** Queues a report; resolves once it is written, rejects (and the line closes) if writing fails. */
  send(report: TunnelReport): Promise<void> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const bytes = encodeTunnelReport(report, this.reportSize);
    const written = this.tail
      .then(() => {
        if (this.closedWith) throw this.closedWith;
        return this.port.write(bytes);
      })
      .then(
        () => {
          this.stats.reportsOut++;
          if (report.kind === 'data') this.stats.bytesOut += report.payload.length;
        },
        (error: unknown) => {
          const e =
            error instanceof LinkError
              ? error
              : new LinkError('closed', `writing to ${this.name} failed: ${(error as Error).message}`, {
                  cause: error,
                });
          this.shutdown(e);
          throw this.closedWith ?? e;
        },
      );
    this.tail = written.catch(() => undefined);
    return written;
  }

  /** Sends a report whose failure needs no answer: a failed write closes the line, and that is reported. */
  post(report: TunnelReport): void {
    this.send(report).catch(() => undefined);
  }

  close(): void {
    if (this.closedWith) return;
    this.shutdown(new LinkError('closed', `${this.name} was closed`));
    this.port.close();
  }

  /** Closes the port once the reports already queued are written (at most 500 ms from now). */
  closeAfterPending(): void {
    const timer = setTimeout(() => this.close(), CLOSE_FLUSH_MS);
    timer.unref();
    void this.tail.then(() => {
      clearTimeout(timer);
      this.close();
    });
  }

  private shutdown(error: LinkError): void {
    if (this.closedWith) return;
    this.closedWith = error;
    this.emit('close', error);
  }
}
