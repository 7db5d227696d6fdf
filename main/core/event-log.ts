import { appendFile, mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Structured events of the running companion: one JSON object per line in `<store>/logs/companion.log`, rotated
 * at 1 MiB with 3 old files kept. JSON escapes whatever a peer sent, so a log line cannot be forged by content.
 * Secrets (codes, passwords) are never passed here.
 */
export class EventLog {
  private queue: Promise<void> = Promise.resolve();
  private size: number | undefined;

  constructor(
    private readonly dir: string,
    private readonly maxBytes = 1024 * 1024,
    private readonly keep = 3,
  ) {}

  get path(): string {
    return join(this.dir, 'companion.log');
  }

  write(event: string, fields: Record<string, unknown> = {}): void {
    const line = `${JSON.stringify({ time: new Date().toISOString(), event, ...fields })}\n`;
    this.queue = this.queue.then(() => this.append(line)).catch(() => undefined);
  }

  flush(): Promise<void> {
    return this.queue;
  }

  private async append(line: string): Promise<void> {
    if (this.size === undefined) {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      this.size = await stat(this.path).then(
        (s) => s.size,
        () => 0,
      );
    }
    if (this.size + line.length > this.maxBytes) {
      for (let i = this.keep - 1; i >= 1; i--) {
        await rename(`${this.path}.${i}`, `${this.path}.${i + 1}`).catch(() => undefined);
      }
      await rename(this.path, `${this.path}.1`).catch(() => undefined);
      this.size = 0;
    }
    await appendFile(this.path, line, { mode: 0o600 });
    this.size += Buffer.byteLength(line);
  }
}
