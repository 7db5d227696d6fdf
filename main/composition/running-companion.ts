// Environment: Node (composition: the core wired to its adapters). Above main/core and main/host; used by
// `btoe daemon` (main/cli) and the desktop app (main/electron), so both run the very same companion.
import { join } from 'node:path';
import type { CompanionSnapshot } from '../../contract/companion-ipc.js';
import type { CompanionView, PairResult } from '../../contract/window.js';
import { Companion, defaultStoreDir } from '../core/companion.js';
import { CompanionService } from '../core/companion-service.js';
import { CompanionLog } from '../core/companion-log.js';
import { discoverySetting } from '../core/nearby.js';
import {
  type PolicyReader,
  followPolicy,
  loadPolicy,
  platformPolicyReader,
  settingsChoices,
} from '../core/policy.js';
import { loadSettings } from '../core/settings.js';
import type { Desktop } from '../core/ports/desktop.js';
import type { SessionLockSource } from '../core/ports/session-lock.js';
import { IpcServer, ipcEndpoint } from '../host/companion-socket.js';
import { NodeHidHeadsetSource } from '../host/node-hid-headsets.js';
import { osDesktop } from '../host/os-desktop.js';

export interface RunningCompanionOptions {
  readonly storeDir?: string;
  /** Where the PC's session lock comes from: D-Bus sources for the daemon, powerMonitor for the app. */
  readonly lockSources: readonly SessionLockSource[];
  readonly desktop?: Desktop;
  /** Where machine policy is read: the platform's own sources unless a test gives its own. */
  readonly policyReader?: PolicyReader;
}

/**
 * One companion per user: opens the core, takes the per-user IPC endpoint (AlreadyRunningError when another
 * companion holds it), follows the lock sources and starts the links, discovery and USB watching.
 */
export async function startRunningCompanion(options: RunningCompanionOptions) {
  const storeDir = options.storeDir ?? defaultStoreDir();
  const { settings } = await loadSettings(storeDir);
  const reader = options.policyReader ?? platformPolicyReader();
  const choices = () => settingsChoices(settings);
  const companion = await Companion.open({
    storeDir,
    policy: await loadPolicy({ reader, choices: choices() }),
  });
  const log = new CompanionLog(join(storeDir, 'logs'));
  const service = new CompanionService(companion, log, options.desktop ?? osDesktop);
  // Policy changes apply without a restart: the next pairing, lock or dial sees them, and so does the status.
  const stopFollowing = followPolicy(reader, choices, (next) => {
    companion.updatePolicy(next);
    log.write('policy-changed', { source: next.source, warnings: [...next.warnings] });
    service.snapshot.refresh();
  });
  const endpoint = ipcEndpoint(storeDir);
  try {
    await service.serve((handler) => IpcServer.listen(endpoint, handler));
  } catch (error) {
    await log.flush();
    throw error;
  }
  service.useHeadsets(new NodeHidHeadsetSource());
  for (const source of options.lockSources) await service.follow(source);
  await service.start(discoverySetting(), true);
  return {
    companion,
    service,
    log,
    endpoint,
    async stop(): Promise<void> {
      stopFollowing();
      await service.stop();
      await log.flush();
    },
  };
}

export type RunningCompanion = Awaited<ReturnType<typeof startRunningCompanion>>;

/** The window's view of the status snapshot (contract/window.ts): the window never sees more than this. */
export function companionView(snapshot: CompanionSnapshot): CompanionView {
  return {
    pairingMode: snapshot.policy.pairingMode,
    secretStore: snapshot.secretStore,
    phones: snapshot.phones.map((p) => ({
      id: p.id,
      name: p.name,
      vendor: p.vendor,
      model: p.model,
      firmware: p.firmware,
      address: p.address,
      paired: true,
      connected: p.connected,
      onThisPcPort: p.onThisPcPort,
      mode: p.mode,
      locked: p.locked,
    })),
  };
}

/**
 * The desktop app's port to the companion (main/electron/window-ipc.ts's CompanionPort): the window and the
 * tray map from the status snapshot, and pairing runs the same command `btoe pair` runs.
 */
export async function createCompanionPort(
  lockSources: SessionLockSource[],
  storeDir = defaultStoreDir(),
  policyReader?: PolicyReader,
) {
  const running = await startRunningCompanion({
    storeDir,
    lockSources,
    ...(policyReader === undefined ? {} : { policyReader }),
  });
  const { service } = running;
  return {
    async status(): Promise<CompanionView> {
      return companionView(service.snapshot.current);
    },
    async pair(device: string, code?: string): Promise<PairResult> {
      const result = await service.run({
        command: 'pair',
        args: [device],
        ...(code === undefined ? {} : { code }),
      });
      return { ok: result.code === 0, message: result.human };
    },
    onStatusChanged(listener: (view: CompanionView) => void): () => void {
      const forward = (snapshot: CompanionSnapshot) => listener(companionView(snapshot));
      service.snapshot.on('changed', forward);
      return () => service.snapshot.off('changed', forward);
    },
    /** Stops the companion and frees the per-user endpoint (the app quits; tests). */
    stop: running.stop,
  };
}
