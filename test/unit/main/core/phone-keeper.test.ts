// The Ethernet keeper against a fake discovery table and a fake companion whose sessions run over fake links:
// it keeps the paired phone connected where discovery hears it, comes back after a drop, stops trusting a reset
// phone, and leaves Auto pairing to policy.
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { DiscoveredPhone } from '../../../../native-bridge/ethernet/discovery.js';
import { CompanionError } from '../../../../main/core/companion.js';
import type { Nearby } from '../../../../main/core/nearby.js';
import { type KeeperEvent, PhoneKeeper } from '../../../../main/core/phone-keeper.js';
import { FakeCompanion, pairedPhone, rules, settle } from './fakes.js';

/** The part of Nearby the keeper uses: the discovery table and its events, and the companion. */
class FakeNearby {
  readonly discovery = Object.assign(new EventEmitter(), {
    links: () => [{ name: 'eth0' }],
    phones: (): DiscoveredPhone[] => [],
  });
  heardAt: string[] = [];
  claimantsAsked = 0;
  constructor(readonly companion: FakeCompanion) {}
  addressesOf = () => this.heardAt;
  probe = async () => ({});
  round = async () => {
    this.claimantsAsked++;
    return { claimants: [], probes: new Map() };
  };
}

const keepers: PhoneKeeper[] = [];
afterEach(() => keepers.splice(0).forEach((k) => k.stop()));

function setup() {
  const companion = new FakeCompanion();
  const nearby = new FakeNearby(companion);
  const keeper = new PhoneKeeper(nearby as unknown as Nearby, { roundMs: 0 });
  keepers.push(keeper);
  const events: KeeperEvent[] = [];
  const waiters: Array<() => void> = [];
  keeper.on('event', (e) => {
    events.push(e);
    waiters.splice(0).forEach((w) => w());
  });
  const next = async (event: KeeperEvent['event'], from = 0): Promise<KeeperEvent> => {
    for (;;) {
      const found = events.slice(from).find((e) => e.event === event);
      if (found) return found;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { companion, nearby, keeper, events, next };
}

const heard = (id: string, address: string): DiscoveredPhone =>
  ({
    key: 'poly vvx 450',
    instance: 'Poly VVX 450',
    claims: { id, vendor: 'Poly', model: 'VVX 450' },
    addresses: [address],
    link: 'eth0',
    host: 'vvx450.local',
    port: 24801,
    firstSeen: 0,
    lastSeen: 0,
  }) as unknown as DiscoveredPhone;

describe('PhoneKeeper', () => {
  it('connects the paired phone where discovery hears it, and says it keeps it', async () => {
    const { companion, nearby, keeper, next } = setup();
    nearby.heardAt = ['tcp://192.0.2.77:24801'];
    keeper.start();
    expect(await next('ready')).toMatchObject({
      id: companion.phones[0]!.id,
      address: 'tcp://192.0.2.77:24801',
    });
    expect(keeper.keeps(companion.phones[0]!.id)).toBe(true);
    expect(keeper.session?.address).toBe('tcp://192.0.2.77:24801');
  });

  it('comes back by itself after the session drops', async () => {
    const { companion, keeper, next, events } = setup();
    keeper.start();
    await next('ready');
    companion.links[0]!.drop();
    await next('disconnected');
    await next(
      'ready',
      events.findIndex((e) => e.event === 'disconnected'),
    );
    expect(companion.links).toHaveLength(2);
  });

  it('a session the phone closed before it was adopted is lost at once, and the keeper comes back', async () => {
    const { companion, keeper, next, events } = setup();
    companion.closeOnArrival = true;
    keeper.start();
    await next('ready');
    expect(await next('disconnected')).toMatchObject({ id: companion.phones[0]!.id });
    expect(keeper.session).toBeUndefined();
    companion.closeOnArrival = false;
    await next(
      'ready',
      events.findIndex((e) => e.event === 'disconnected'),
    );
    expect(keeper.session?.isClosed).toBe(false);
  });

  it('stops trusting a phone that answers at its own address with a new identity: pair again', async () => {
    const { companion, keeper, next } = setup();
    companion.outcome = () => new CompanionError('identity-changed', 'the phone was reset');
    keeper.start();
    expect(await next('pair-again')).toMatchObject({ id: companion.phones[0]!.id });
    expect(keeper.session).toBeUndefined();
  });

  it.each([
    ['Auto', 1],
    ['Manual', 0],
  ] as const)('with policy %s, counts the claimants for Auto pairing %i time(s)', async (mode, asked) => {
    const { companion, nearby, keeper } = setup();
    companion.phones = [];
    Object.assign(companion, { rules: rules({ BetterTogetherOverEthernetPairingMode: mode }) });
    keeper.start();
    nearby.discovery.emit('up', heard(pairedPhone().id, 'tcp://192.0.2.77:24801'));
    // The keeper starts its round on a timer (0 ms): let it fire, then let its promises settle.
    await new Promise((resolve) => setTimeout(resolve, 0));
    await settle();
    expect(nearby.claimantsAsked).toBe(asked);
  });
});
