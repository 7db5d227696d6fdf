// Environment: Node (main process core).
import { EventEmitter } from 'node:events';
import type { CompanionSnapshot, HeadsetsSnapshot, PhoneSnapshot } from '../../contract/companion-ipc.js';
import { APP_VERSION, type Companion } from './companion.js';
import type { LockSync } from './lock-sync.js';
import type { PhoneLinks } from './phone-links.js';
import { BTOE_CAPABILITIES } from './phone-driver.js';
import { effectivePolicy } from './policy.js';
import { VendorPhone, deviceFactsOf, eventsOf } from './vendor-phone.js';

export interface SnapshotSources {
  readonly companion: Companion;
  readonly links: PhoneLinks;
  readonly lockSync: LockSync;
  readonly startedAt: Date;
  /** The session lock sources followed, by name. */
  readonly lockSources: () => readonly string[];
  /** Is this the phone on this PC's Ethernet port (the keeper's)? */
  readonly onThisPcPort: (id: string) => boolean;
  /** The headsets the companion drives (HeadsetService), when it looks for them. */
  readonly headsets?: () => HeadsetsSnapshot | null;
}

/**
 * The running companion's one current view: companion, policy, phones, links, lock sync with its reason, calls.
 * Rebuilt from memory on every event that changes it and never by asking a phone, so reading it opens no
 * connection. `btoe status`, the tray and the window all map from it.
 */
export class StatusSnapshot extends EventEmitter<{ changed: [CompanionSnapshot] }> {
  #current: CompanionSnapshot;
  /** What each phone's driver could do when last connected: a card keeps its buttons while the phone is away. */
  readonly #capabilities = new Map<string, string[]>();

  constructor(private readonly sources: SnapshotSources) {
    super();
    this.#current = this.#build();
    const update = () => this.refresh();
    sources.links.on('changed', update);
    sources.links.on('call', update);
    sources.links.on('signIn', update);
    sources.lockSync.on('pc', update);
  }

  get current(): CompanionSnapshot {
    return this.#current;
  }

  /** Rebuilds the view (after an event); emits 'changed' only when something a reader sees changed. */
  refresh(): void {
    const next = this.#build();
    if (JSON.stringify(next) === JSON.stringify(this.#current)) return;
    this.#current = next;
    this.emit('changed', next);
  }

  #build(): CompanionSnapshot {
    const { companion, links, lockSync } = this.sources;
    const { policy, source, warnings } = companion.policy;
    const live = new Map(links.states().map((state) => [state.id, state]));
    const phones = companion.pairings.list().map((phone): PhoneSnapshot => {
      const state = live.get(phone.id);
      const session = links.session(phone.id);
      const sync = session ? lockSync.stateOf(session) : undefined;
      if (session) this.#capabilities.set(phone.id, [...session.capabilities]);
      const vendor = session instanceof VendorPhone ? session : undefined;
      return {
        id: phone.id,
        name: phone.name,
        vendor: phone.vendor,
        model: phone.model,
        firmware: phone.firmware,
        mode: phone.mode,
        address: state?.address ?? phone.address,
        connected: state?.connected ?? false,
        onThisPcPort: this.sources.onThisPcPort(phone.id),
        locked: state?.locked ?? null,
        user: state?.user ?? null,
        call: state?.call
          ? { state: state.call.state, direction: state.call.direction, muted: state.call.muted ?? false }
          : null,
        problem: state?.problem ?? null,
        lockSync: sync ? { syncing: sync.syncing, reason: sync.syncing ? null : sync.reason } : null,
        driver: phone.driver?.kind ?? 'btoe',
        capabilities: this.#capabilities.get(phone.id) ?? (phone.driver ? [] : [...BTOE_CAPABILITIES]),
        deviceFacts: vendor ? deviceFactsOf(vendor.facts) : null,
        events: vendor ? eventsOf(vendor) : null,
      };
    });
    return {
      companion: {
        version: APP_VERSION,
        pid: process.pid,
        startedAt: this.sources.startedAt.toISOString(),
        store: companion.storeDir,
        pcLocked: lockSync.isPcLocked,
        lockSources: [...this.sources.lockSources()],
      },
      policy: {
        pairingMode: !policy.EnableBetterTogetherOverEthernet
          ? 'off'
          : policy.BetterTogetherOverEthernetPairingMode === 'Auto'
            ? 'auto'
            : 'manual',
        unlockWithPc: policy.UnlockPhoneWithPc,
        source,
        warnings: [...warnings],
        effective: effectivePolicy(companion.policy).map(({ key, value, source: from }) => ({
          key,
          value: typeof value === 'object' ? [...value] : value,
          source: { ...from },
        })),
      },
      secretStore: companion.secrets.description,
      phones,
      headsets: this.sources.headsets?.() ?? null,
    };
  }
}
