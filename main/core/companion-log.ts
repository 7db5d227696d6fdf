// Environment: Node (main process core).
import { EventLog } from './event-log.js';
import { type RateLimit, RateLimiter } from './log-rate-limit.js';

/** Where the running companion's events go: CompanionService writes, this decides file and rate. */
export interface EventSink {
  write(event: string, fields?: Record<string, unknown>): void;
}

/**
 * Start-up, pairing, policy and security events: kept in their own file (`audit.log`), so that a paired phone
 * flooding activity events (calls, connects, lock states) can never rotate them away.
 */
const AUDIT_EVENTS = new Set([
  'started',
  'stopped',
  'policy',
  'policy-changed',
  'lock-source-error',
  'phone-unlock-not-allowed',
  'ethernet-paired',
  'ethernet-pair-again',
  'ethernet-manual-offered',
  'ethernet-auto-pair-failed',
  'log-rate-limited',
  'log-rate-limited-total',
]);
/** Policy LoggingLevel: how much of the activity log is written (audit events are always kept). */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
const LEVEL_RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/**
 * An event's level, from its name: failures end in -failed or -error; what the companion refused or could not
 * use ends in -warning, -refused, -unknown, -unreadable, -declined or -dropped; the rest (connections, calls,
 * lock sync, phones heard, settings) is info. No event is debug-only yet: debug writes what info writes.
 */
export function levelOf(event: string): LogLevel {
  if (/-(failed|error)$/.test(event)) return 'error';
  if (/-(warning|refused|unknown|unreadable|declined|dropped)$/.test(event)) return 'warn';
  return 'info';
}

/** `command` events for these change pairings or hand out an account: audit events too. */
const AUDIT_COMMANDS = new Set(['pair', 'unpair', 'sign-in']);

/** Per phone and event type: room for a burst (a call's few state changes), then one every 2 s. */
export const EVENT_RATE_LIMIT: RateLimit = { burst: 20, perMinute: 30 };
/**
 * Per event type over all phones: what a LAN host that announces itself under ever new device ids (a fresh
 * per-phone bucket each) still cannot exceed.
 */
export const EVENT_TYPE_RATE_LIMIT: RateLimit = { burst: 200, perMinute: 300 };

/**
 * The running companion's log: activity in `companion.log`, audit events in `audit.log`, both rotated (EventLog)
 * and both rate-limited per phone and event type, and per event type over all phones. What was dropped is
 * counted and reported: a notice on the first drop (`log-rate-limited`, itself limited), the count on the next
 * admitted line of that kind (`rateLimitedBefore`), and the counts still open when the companion stops
 * (`log-rate-limited-total`).
 */
export class CompanionLog implements EventSink {
  private readonly activity: EventLog;
  private readonly audit: EventLog;
  private readonly limiter: RateLimiter;
  private readonly typeLimiter: RateLimiter;

  constructor(
    dir: string,
    options: { limit?: RateLimit; typeLimit?: RateLimit; now?: () => number; maxBytes?: number } = {},
  ) {
    this.activity = new EventLog(dir, options.maxBytes, undefined, 'companion.log');
    this.audit = new EventLog(dir, options.maxBytes, undefined, 'audit.log');
    this.limiter = new RateLimiter(options.limit ?? EVENT_RATE_LIMIT, options.now);
    this.typeLimiter = new RateLimiter(options.typeLimit ?? EVENT_TYPE_RATE_LIMIT, options.now);
  }

  get path(): string {
    return this.activity.path;
  }

  /** The last `count` activity events, oldest first (the window's Diagnostics). */
  tail(count: number): Promise<Record<string, unknown>[]> {
    return this.activity.tail(count);
  }

  /** The folder both files are in (what the support bundle collects and an error message names). */
  get dir(): string {
    return this.activity.dir;
  }

  get auditPath(): string {
    return this.audit.path;
  }

  private level: LogLevel = 'info';

  /** Follows policy LoggingLevel (at start and whenever policy changes). */
  setLevel(level: LogLevel): void {
    this.level = level;
  }

  write(event: string, fields: Record<string, unknown> = {}): void {
    const audit = isAudit(event, fields);
    if (!audit && LEVEL_RANK[levelOf(event)] > LEVEL_RANK[this.level]) return;
    const phone = phoneOf(fields);
    const own = this.limiter.admit(`${phone ?? ''}\u0000${event}`);
    if (!own.admitted) {
      if (own.firstDrop) this.notice('log-rate-limited', { phone: phone ?? null, limited: event });
      return;
    }
    // Each drop is counted once: by the phone's bucket, or (past it) by the event type's.
    const all = this.typeLimiter.admit(event);
    if (!all.admitted) {
      if (all.firstDrop) this.notice('log-rate-limited', { phone: '*', limited: event });
      return;
    }
    const target = audit ? this.audit : this.activity;
    const dropped = own.droppedBefore + all.droppedBefore;
    const note = dropped > 0 ? { rateLimitedBefore: dropped } : {};
    target.write(event, { ...fields, ...note });
  }

  /** Reports the drops no later line has, then resolves once both files are on disk. */
  async flush(): Promise<void> {
    for (const [key, dropped] of this.limiter.takePendingDrops()) {
      const [phone, limited] = key.split('\u0000');
      if (limited === 'log-rate-limited') continue;
      this.audit.write('log-rate-limited-total', { phone: phone || null, limited, dropped });
    }
    for (const [limited, dropped] of this.typeLimiter.takePendingDrops())
      this.audit.write('log-rate-limited-total', { phone: '*', limited, dropped });
    await Promise.all([this.activity.flush(), this.audit.flush()]);
  }

  private notice(event: string, fields: Record<string, unknown>): void {
    // Limited like any event type, so many phones' worth of notices stay bounded too.
    if (this.typeLimiter.admit(event).admitted) this.audit.write(event, fields);
  }
}

/** The phone an event is about: `phone` (links, lock sync) or `id` (Ethernet keeper events). */
function phoneOf(fields: Record<string, unknown>): string | undefined {
  const phone = fields['phone'] ?? fields['id'];
  return typeof phone === 'string' ? phone.slice(0, 64) : undefined;
}

function isAudit(event: string, fields: Record<string, unknown>): boolean {
  if (event === 'command') return AUDIT_COMMANDS.has(String(fields['command']));
  return AUDIT_EVENTS.has(event);
}
