import type { CompanionView, PairResult, PhoneView } from '../../preload/contract.js';
import { Companion, defaultStoreDir } from './companion.js';
import { loadPolicy } from './policy.js';

/**
 * The desktop app's view of the core: what the window and the tray show, and the pairing they can start.
 * The app hosts the same Companion the `btoe` command drives.
 */
export async function createCompanionPort(storeDir = defaultStoreDir()) {
  const companion = await Companion.open({ storeDir, policy: await loadPolicy() });
  const listeners = new Set<(view: CompanionView) => void>();

  const status = async (): Promise<CompanionView> => {
    const { policy } = companion.policy;
    const devices = await companion.devices([]);
    const phones: PhoneView[] = devices.map((d) => ({
      id: d.id,
      name: d.name,
      vendor: d.vendor,
      model: d.model,
      firmware: d.firmware,
      address: d.address,
      paired: d.paired,
      connected: d.reachable,
      onThisPcPort: d.onThisPcPort,
      mode: companion.pairings.get(d.id)?.mode ?? null,
      locked: null,
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

  return {
    status,
    async pair(device: string, code?: string): Promise<PairResult> {
      try {
        const { phone } = await companion.pair(device, code);
        const view = await status();
        for (const listener of listeners) listener(view);
        return {
          ok: true,
          message: `Paired with ${phone.name} in ${phone.mode === 'auto' ? 'Auto' : 'Manual'} mode.`,
        };
      } catch (error) {
        return { ok: false, message: (error as Error).message };
      }
    },
    onStatusChanged(listener: (view: CompanionView) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
