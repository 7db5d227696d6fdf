// Environment: Node (main process core).
import { type WriteStream, createWriteStream, mkdirSync, openSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Lines waiting for the disk beyond this are dropped (and counted): a flood of events cannot grow memory. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * Structured events of the running companion: one JSON object per line in `<store>/logs/companion.log`, rotated
 * at 1 MiB with 3 old files kept. JSON escapes whatever a peer sent, so a log line cannot be forged by content.
 * Secrets (codes, passwords) are never passed here. One append stream, so a burst costs no open/close per line.
 */
export class EventLog {
  private stream: WriteStream | undefined;
  private size = 0;
  private dropped = 0;

  constructor(
    private readonly dir: string,
    private readonly maxBytes = 1024 * 1024,
    private readonly keep = 3,
    private readonly name = 'companion.log',
  ) {}

  get path(): string {
    return join(this.dir, this.name);
  }

  write(event: string, fields: Record<string, unknown> = {}): void {
    const stream = this.stream ?? this.open();
    if (!stream) return;
    if (stream.writableLength > MAX_BUFFERED_BYTES) {
      this.dropped++;
      return;
    }
    const note = this.dropped > 0 ? { droppedBefore: this.dropped } : {};
    this.dropped = 0;
    const line = `${JSON.stringify({ time: new Date().toISOString(), event, ...fields, ...note })}\n`;
    if (this.size + line.length > this.maxBytes) this.rotate();
    this.stream?.write(line);
    this.size += Buffer.byteLength(line);
  }

  /** Resolves once every line written so far is on disk. */
  flush(): Promise<void> {
    const stream = this.stream;
    if (!stream || stream.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => stream.write('', () => resolve()));
  }

  private open(): WriteStream | undefined {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      this.size = statSync(this.path, { throwIfNoEntry: false })?.size ?? 0;
      // Opened here, not lazily by the stream: a rotation renames the file, so it must exist by then.
      const stream = createWriteStream(this.path, { fd: openSync(this.path, 'a', 0o600) });
      // A full disk or a removed folder costs the log, never the companion.
      stream.on('error', () => {
        if (this.stream === stream) this.stream = undefined;
      });
      this.stream = stream;
      return stream;
    } catch {
      return undefined;
    }
  }

  private rotate(): void {
    this.stream?.end();
    this.stream = undefined;
    for (let i = this.keep - 1; i >= 1; i--) renameQuietly(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    renameQuietly(this.path, `${this.path}.1`);
    this.open();
  }
}

function renameQuietly(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch {
    // Not there yet: nothing to keep.
  }
}
