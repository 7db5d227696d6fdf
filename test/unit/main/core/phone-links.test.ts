// PhoneLinks with injected timers, a fake companion and real sessions over fake links: connecting, backoff,
// giving up on a reset phone, reconnecting after a drop, forgetting an unpaired phone, moving back to Ethernet.
import { describe, expect, it } from 'vitest';
import { LinkError } from '../../../../native-bridge/link/errors.js';
import { type Companion, CompanionError } from '../../../../main/core/companion.js';
import {
  PhoneLinks,
  RECONNECT_INITIAL_MS,
  RECONNECT_MAX_MS,
  STABLE_SESSION_MS,
  UPGRADE_INTERVAL_MS,
  retryDelay,
} from '../../../../main/core/phone-links.js';
import { FakeCompanion, ManualTimers, pairedPhone, settle } from './fakes.js';

function setup() {
  const companion = new FakeCompanion();
  const timers = new ManualTimers();
  const links = new PhoneLinks(companion as unknown as Companion, {
    timers,
    random: () => 0.5,
    now: () => timers.now,
  });
  const events: string[] = [];
  links.on('connected', (s) => events.push(`connected ${s.address}`));
  links.on('disconnected', (id) => events.push(`disconnected ${id}`));
  return { companion, timers, links, events };
}

describe('PhoneLinks', () => {
  it('connects every paired phone and reports it live', async () => {
    const { links, events } = setup();
    links.refresh();
    await settle();
    expect(events).toEqual(['connected tcp://192.0.2.10:24801']);
    expect(links.states()).toEqual([
      expect.objectContaining({ name: 'Poly VVX 450', connected: true, address: 'tcp://192.0.2.10:24801' }),
    ]);
  });

  it('retries an unreachable phone with doubling delays up to the cap, and says why meanwhile', async () => {
    const { companion, timers, links } = setup();
    companion.outcome = () => new LinkError('unreachable', 'connection refused');
    links.refresh();
    await settle();
    const delays: number[] = [];
    for (let i = 0; i < 12; i++) {
      delays.push(timers.waiting[0]!);
      await timers.advance(timers.waiting[0]!);
    }
    expect(delays.slice(0, 4)).toEqual([1, 2, 4, 8].map((n) => n * RECONNECT_INITIAL_MS));
    expect(Math.max(...delays)).toBe(RECONNECT_MAX_MS);
    expect(companion.connects).toHaveLength(13);
    expect(links.states()[0]).toMatchObject({ connected: false, problem: 'connection refused' });
  });

  it('gives up on a phone whose identity changed (reset: pair again), instead of retrying forever', async () => {
    const { companion, timers, links } = setup();
    companion.outcome = () => new CompanionError('identity-changed', 'the phone was reset');
    links.refresh();
    await settle();
    expect(timers.waiting).toEqual([]);
    expect(links.states()[0]?.problem).toBe('the phone was reset');
  });

  it('after a lasting session drops, retries at once; if that fails, backs off from RECONNECT_INITIAL_MS', async () => {
    const { companion, timers, links, events } = setup();
    links.refresh();
    await settle();
    await timers.advance(STABLE_SESSION_MS);
    companion.outcome = () => new LinkError('unreachable', 'connection refused');
    companion.links[0]!.drop();
    await settle();
    expect(events).toEqual(['connected tcp://192.0.2.10:24801', `disconnected ${companion.phones[0]!.id}`]);
    // The immediate retry already ran (and failed): the next waits the first backoff step.
    expect(companion.connects).toHaveLength(2);
    expect(timers.waiting).toEqual([RECONNECT_INITIAL_MS]);
    companion.outcome = (_id, at) => at ?? 'tcp://192.0.2.10:24801';
    links.retryNow();
    await settle();
    expect(links.states()[0]?.connected).toBe(true);
    expect(companion.connects).toHaveLength(3);
  });

  it('back at once after a drop when the phone answers: no timer involved', async () => {
    const { companion, timers, links } = setup();
    links.refresh();
    await settle();
    await timers.advance(STABLE_SESSION_MS);
    companion.links[0]!.drop();
    await settle();
    expect(links.states()[0]?.connected).toBe(true);
    expect(companion.connects).toHaveLength(2);
    expect(timers.waiting).toEqual([]);
  });

  it('a phone that accepts and drops at once meets a growing backoff, never a reconnect loop', async () => {
    const { companion, timers, links } = setup();
    links.refresh();
    await settle();
    await timers.advance(STABLE_SESSION_MS);
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      companion.links.at(-1)!.drop();
      await settle();
      delays.push(timers.waiting[0] ?? 0);
      await timers.advance(timers.waiting[0] ?? 0);
    }
    // The first drop (of a lasting session) is retried at once; every short session after it doubles the wait.
    expect(delays).toEqual([0, 1, 2, 4, 8, 16, 32, 64].map((n) => n * RECONNECT_INITIAL_MS));
    expect(companion.connects).toHaveLength(9);
  });

  it('a session the phone closed before it was handed over is lost at once and tried again, not shown live', async () => {
    const { companion, timers, links, events } = setup();
    companion.closeOnArrival = true;
    links.refresh();
    await settle();
    const id = companion.phones[0]!.id;
    expect(events).toEqual(['connected tcp://192.0.2.10:24801', `disconnected ${id}`]);
    expect(links.states()[0]).toMatchObject({ connected: false });
    companion.closeOnArrival = false;
    await timers.advance(timers.waiting[0]!);
    expect(links.states()[0]).toMatchObject({ connected: true });
    expect(companion.connects).toHaveLength(2);
  });

  it('retryDelay: 0 first, then doubling from RECONNECT_INITIAL_MS with ±25 % jitter, capped', () => {
    expect(retryDelay(0, 0.99)).toBe(0);
    expect(retryDelay(1, 0)).toBe(0.75 * RECONNECT_INITIAL_MS);
    expect(retryDelay(1, 0.5)).toBe(RECONNECT_INITIAL_MS);
    expect(retryDelay(3, 0.5)).toBe(4 * RECONNECT_INITIAL_MS);
    expect(retryDelay(80, 0.5)).toBe(RECONNECT_MAX_MS);
    expect(retryDelay(2000, 0.999)).toBeLessThanOrEqual(1.25 * RECONNECT_MAX_MS);
  });

  it('drops the session of a phone that is no longer paired', async () => {
    const { companion, links } = setup();
    links.refresh();
    await settle();
    companion.phones = [];
    links.refresh();
    expect(companion.links[0]!.closed).toBe(true);
    expect(links.sessions()).toEqual([]);
  });

  it('on USB while the phone has an Ethernet address, moves back to Ethernet once it answers', async () => {
    const { companion, timers, links, events } = setup();
    companion.phones = [
      pairedPhone({
        address: 'serial:/dev/ttyACM0',
        addresses: ['tcp://192.0.2.10:24801', 'serial:/dev/ttyACM0'],
      }),
    ];
    let ethernetUp = false;
    companion.outcome = (_id, at) =>
      at === undefined ? 'serial:/dev/ttyACM0' : ethernetUp ? at : new LinkError('unreachable', 'no route');
    links.refresh();
    await settle();
    await timers.advance(UPGRADE_INTERVAL_MS);
    expect(links.states()[0]?.address).toBe('serial:/dev/ttyACM0');
    ethernetUp = true;
    await timers.advance(UPGRADE_INTERVAL_MS);
    expect(links.states()[0]?.address).toBe('tcp://192.0.2.10:24801');
    expect(companion.links[0]!.closed).toBe(true);
    expect(events).toEqual(['connected serial:/dev/ttyACM0', 'connected tcp://192.0.2.10:24801']);
    expect(timers.waiting).toEqual([]);
  });

  it('stops: every session closed, no timer left', async () => {
    const { companion, timers, links } = setup();
    companion.outcome = () => new LinkError('unreachable', 'down');
    links.refresh();
    await settle();
    links.stop();
    expect(timers.waiting).toEqual([]);
  });
});
