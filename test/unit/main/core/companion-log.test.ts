// Environment: Node (vitest; real files in a temp folder). Issue 13 item 7: a paired phone firing 20,000 events
// cannot wipe the log: it is rate-limited per phone and per event type, the drops are counted, and start-up,
// pairing, policy and security events live in audit.log, which the flood cannot rotate.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CompanionLog,
  EVENT_RATE_LIMIT,
  EVENT_TYPE_RATE_LIMIT,
  levelOf,
} from '../../../../main/core/companion-log.js';
import { RateLimiter } from '../../../../main/core/log-rate-limit.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function logDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'btoe-log-'));
  dirs.push(dir);
  return join(dir, 'logs');
}

type Line = { event: string; phone?: string; limited?: string; dropped?: number; rateLimitedBefore?: number };
const lines = async (file: string): Promise<Line[]> =>
  (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);

const PHONE = 'abcdefghijklmnopqrstuvwxyz';
const OTHER = 'bcdefghijklmnopqrstuvwxyza';

describe('the running companion log', () => {
  it('survives 20,000 events from one paired phone with its start-up, pairing and policy lines', async () => {
    const dir = await logDir();
    let now = 0;
    // The real sizes: 1 MiB per file, 3 kept (EventLog's defaults).
    const log = new CompanionLog(dir, { now: () => now });
    log.write('started', { pid: 1 });
    log.write('policy', { BetterTogetherOverEthernetPairingMode: 'Manual', source: 'default', warnings: [] });
    log.write('ethernet-paired', { id: PHONE, mode: 'manual' });
    for (let i = 0; i < 20_000; i++) {
      log.write('call', {
        phone: PHONE,
        state: i % 2 ? 'offering' : 'ended',
        callId: i + 1,
        number: 'x'.repeat(60),
      });
      now += 1; // 20,000 events in 20 s
    }
    log.write('phone-connected', { phone: OTHER });
    log.write('phone-locked', { phone: PHONE });
    await log.flush();

    // Nothing rotated: the flood never came near 1 MiB.
    expect((await readdir(dir)).sort()).toEqual(['audit.log', 'companion.log']);
    const audit = await lines(log.auditPath);
    expect(audit.map((l) => l.event).slice(0, 3)).toEqual(['started', 'policy', 'ethernet-paired']);
    expect(audit).toContainEqual(
      expect.objectContaining({ event: 'log-rate-limited', phone: PHONE, limited: 'call' }),
    );

    const activity = await lines(log.path);
    const calls = activity.filter((l) => l.event === 'call');
    // The burst, plus one every 2 s over the 20 s of the flood.
    expect(calls.length).toBeLessThanOrEqual(EVENT_RATE_LIMIT.burst + 11);
    // Other phones and other kinds of event from the same phone are not held back by the flood.
    expect(activity).toContainEqual(expect.objectContaining({ event: 'phone-connected', phone: OTHER }));
    expect(activity).toContainEqual(expect.objectContaining({ event: 'phone-locked', phone: PHONE }));
    // Every dropped call is counted: on later call lines or in the total written at flush.
    const total = audit.find((l) => l.event === 'log-rate-limited-total' && l.limited === 'call');
    const counted = calls.reduce((sum, l) => sum + (l.rateLimitedBefore ?? 0), 0) + (total?.dropped ?? 0);
    expect(counted + calls.length).toBe(20_000);
  });

  it('counts the drops on the next admitted line once the phone calms down', async () => {
    const dir = await logDir();
    let now = 0;
    const log = new CompanionLog(dir, { now: () => now, limit: { burst: 2, perMinute: 60 } });
    for (let i = 0; i < 10; i++) log.write('call', { phone: PHONE, callId: i + 1 });
    now += 1_000;
    log.write('call', { phone: PHONE, callId: 11 });
    await log.flush();
    const calls = (await lines(log.path)).filter((l) => l.event === 'call');
    expect(calls).toHaveLength(3);
    expect(calls[2]).toMatchObject({ rateLimitedBefore: 8 });
    expect((await lines(log.auditPath)).filter((l) => l.event === 'log-rate-limited')).toHaveLength(1);
  });

  it('keeps audit events of one phone within the limit too', async () => {
    const dir = await logDir();
    const log = new CompanionLog(dir, { now: () => 0 });
    log.write('started', {});
    for (let i = 0; i < 5_000; i++) log.write('ethernet-pair-again', { id: PHONE, message: 'reset' });
    await log.flush();
    const audit = await lines(log.auditPath);
    expect(audit[0]!.event).toBe('started');
    expect(audit.filter((l) => l.event === 'ethernet-pair-again')).toHaveLength(EVENT_RATE_LIMIT.burst);
    expect(audit).toContainEqual(
      expect.objectContaining({
        event: 'log-rate-limited-total',
        limited: 'ethernet-pair-again',
        dropped: 5_000 - 20,
      }),
    );
  });
});

describe('a LAN host announcing itself under ever new device ids', () => {
  it('is held to the per-type limit, and every drop is counted', async () => {
    const dir = await logDir();
    const log = new CompanionLog(dir, { now: () => 0 });
    for (let i = 0; i < 5_000; i++)
      log.write('ethernet-listed', { id: `phone${String(i).padStart(21, '0')}`, name: 'decoy' });
    await log.flush();
    const listed = (await lines(log.path)).filter((l) => l.event === 'ethernet-listed');
    expect(listed).toHaveLength(EVENT_TYPE_RATE_LIMIT.burst);
    const totals = (await lines(log.auditPath)).filter((l) => l.event === 'log-rate-limited-total');
    expect(totals).toContainEqual(
      expect.objectContaining({
        phone: '*',
        limited: 'ethernet-listed',
        dropped: 5_000 - EVENT_TYPE_RATE_LIMIT.burst,
      }),
    );
  });
});

describe('RateLimiter', () => {
  it('tracks a bounded number of keys: a host naming itself as thousands of phones costs no memory', () => {
    let now = 0;
    const limiter = new RateLimiter({ burst: 1, perMinute: 1 }, () => now);
    for (let i = 0; i < 50_000; i++) {
      limiter.admit(`phone-${i}\u0000listed`);
      now += 1;
    }
    expect((limiter as unknown as { buckets: Map<string, unknown> }).buckets.size).toBeLessThanOrEqual(1024);
  });

  it('writes what policy LoggingLevel asks for, and always the audit events', async () => {
    const dir = await logDir();
    const log = new CompanionLog(dir, { now: () => 0 });
    log.setLevel('error');
    log.write('phone-connected', { phone: PHONE });
    log.write('discovery-warning', { error: 'no link' });
    log.write('usb-scan-failed', { error: 'udevadm missing' });
    log.write('started', {});
    log.setLevel('warn');
    log.write('usb-port-refused', { address: 'serial:/dev/ttyACM0', reason: 'vendor' });
    await log.flush();
    expect((await lines(log.path)).map((l) => l.event)).toEqual(['usb-scan-failed', 'usb-port-refused']);
    expect((await lines(log.auditPath)).map((l) => l.event)).toContain('started');
    expect(levelOf('phone-connected')).toBe('info');
  });
});
