import { join } from 'node:path';
import { discoverySetting } from './nearby.js';
import type { CompanionView, PairResult, PhoneView } from '../../preload/contract.js';
import { IpcServer, ipcEndpoint } from '../host/ipc.js';
import type { SessionLockSource } from '../host/session-lock.js';
import { Companion, defaultStoreDir } from './companion.js';
import { CompanionService } from './daemon.js';
import { EventLog } from './event-log.js';
import { loadPolicy } from './policy.js';
import { type CompanionNotice, watchNotices } from './companion-notices.js';
import { type Settings, loadSettings } from './settings.js';

/**
 * The desktop app's view of the core: what the window and the tray show, and the pairing they can start. The
 * app hosts the same CompanionService as `btoe daemon` and takes the same per-user IPC endpoint, so there is one
 * companion per user: starting the app while a daemon runs fails with AlreadyRunningError (and vice versa).
 */
export async function createCompanionPort(
  lockSources: SessionLockSource[],
  storeDir = defaultStoreDir(),
  // The desktop app passes its own, so the shell's events (crashes, launches) land in the same file.
  log = new EventLog(join(storeDir, 'logs')),
) {
  const companion = await Companion.open({ storeDir, policy: await loadPolicy() });
  const { settings } = await loadSettings(storeDir);
  const service = new CompanionService(companion, settings, log);
  await IpcServer.listen(
    ipcEndpoint(storeDir),
    (body) => service.handleIpc(body),
    () => service.hello(),
  );
  for (const source of lockSources) await service.follow(source);
  await service.start(discoverySetting(), true);
  const listeners = new Set<(view: CompanionView) => void>();

  const status = async (): Promise<CompanionView> => {
    const { policy } = companion.policy;
    const live = new Map(service.links.states().map((s) => [s.id, s]));
    const phones: PhoneView[] = (await companion.devices([])).map((d) => ({
      id: d.id,
      name: d.name,
      vendor: d.vendor,
      model: d.model,
      firmware: d.firmware,
      address: d.address,
      paired: d.paired,
      connected: live.get(d.id)?.connected ?? false,
      onThisPcPort: d.onThisPcPort,
      mode: companion.pairings.get(d.id)?.mode ?? null,
      locked: live.get(d.id)?.locked ?? null,
    }));
    return {
      pairingMode: !policy.EnableBetterTogetherOverEthernet
        ? 'off'
        : policy.BetterTogetherOverEthernetPairingMode === 'Auto'
          ? 'auto'
          : 'manual',
      secretStore: companion.secrets.description,
      phones,
    };
  };
  const notify = () =>
    void status().then((view) => {
      for (const listener of listeners) listener(view);
    });
  service.links.on('changed', notify);

  /** The one phone an app action is for: the only connected one; otherwise the core decides (or says why not). */
  const actionDevice = (): string | undefined => {
    const connected = service.links.states().filter((s) => s.connected);
    return connected.length === 1 ? connected[0]!.id : undefined;
  };
  const run = async (command: string, args: string[], device?: string): Promise<PairResult> => {
    const result = await service.run({ command, args, device });
    return { ok: result.code === 0, message: result.human };
  };

  return {
    status,
    /** Click-to-call from a tel:/callto:/sip: launch: the same command `btoe dial URL` runs. */
    dial: (url: string) => run('dial', [url], actionDevice()),
    /** Locks every connected phone now (the tray's "Lock phone now"). */
    async lockPhonesNow(): Promise<PairResult> {
      const connected = service.links.states().filter((s) => s.connected);
      if (connected.length === 0) return run('lock', []);
      const results = await Promise.all(connected.map((s) => run('lock', [], s.id)));
      return results.find((r) => !r.ok) ?? results[0]!;
    },
    /** Answer or Decline on an incoming-call notification. */
    callAction: (phoneId: string, action: 'answer' | 'decline') => run(action, [], phoneId),
    applySettings: (settings: Settings) => service.applySettings(settings),
    onNotice: (listener: (notice: CompanionNotice) => void) => watchNotices(service, listener),
    async pair(device: string, code?: string): Promise<PairResult> {
      const result = await service.run({ command: 'pair', args: [device], code });
      return { ok: result.code === 0, message: result.human };
    },
    onStatusChanged(listener: (view: CompanionView) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
