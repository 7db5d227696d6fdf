// Environment: Node (main process core).
import { DEVICE_ID_PATTERN } from '../../native-bridge/link/identity.js';
import type { CommandResult } from '../../contract/companion-ipc.js';
import { UsageError, failure } from './commands.js';
import { Companion, type DeviceView } from './companion.js';
import { EXIT } from './exit-codes.js';
import { Nearby, discoverySetting } from './nearby.js';
import { loadPolicy } from './policy.js';

/**
 * `btoe devices` and `btoe pair` with discovery: the phones heard on this PC's links, Auto pairing only with the
 * one phone on this PC's port, pairing by device id. Undefined when discovery is off (BTOE_DISCOVERY=off) or
 * not needed (Manual pairing at an address), so the plain command runs instead.
 */
export const DEFAULT_DISCOVERY_TIMEOUT_S = 1;

export interface NearbyRequest {
  command: string;
  args: string[];
  device?: string | undefined;
  code?: string | undefined;
  /** --timeout S: how long to listen for phones. */
  timeout?: string | undefined;
}

export async function nearbyCommand(
  storeDir: string,
  request: NearbyRequest,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CommandResult | undefined> {
  const setting = discoverySetting(env);
  if (!setting.enabled || !wantsDiscovery(request)) return undefined;
  let nearby: Nearby | undefined;
  try {
    const seconds = Number(request.timeout ?? DEFAULT_DISCOVERY_TIMEOUT_S);
    if (!Number.isFinite(seconds) || seconds < 0 || seconds > 60)
      throw new UsageError('--timeout must be 0-60 seconds');
    const companion = await Companion.open({ storeDir, policy: await loadPolicy() });
    nearby = await Nearby.open(companion, setting);
    // Discovery asked at once; every phone on the links answers within a few ms (RFC 6762 allows 120).
    return await nearbyExecute(nearby, request, seconds);
  } catch (error) {
    return failure(error);
  } finally {
    nearby?.close();
  }
}

/** Does this request need the phones on this PC's links (devices; Auto pairing; pairing a discovered id)? */
export function wantsDiscovery(request: NearbyRequest): boolean {
  if (request.command === 'devices') return true;
  if (request.command !== 'pair') return false;
  const target = request.args[0] ?? request.device;
  // Without a target the plain command says what is missing; Manual at an address has nothing to discover.
  return target !== undefined && (request.code === undefined || DEVICE_ID_PATTERN.test(target));
}

/**
 * devices or pair against an open discovery, after listening `seconds` more (0 for a companion that has been
 * listening all along). Undefined when the plain command fits better (pairing an already paired phone again).
 */
export async function nearbyExecute(
  nearby: Nearby,
  request: NearbyRequest,
  seconds: number,
): Promise<CommandResult | undefined> {
  const target = request.args[0] ?? request.device;
  if (request.command === 'pair' && request.code !== undefined && nearby.companion.pairings.get(target!)) {
    return undefined; // pairing a paired phone again: its stored address
  }
  if (seconds > 0) await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  if (request.command === 'devices') return listed(await nearby.devices(request.args));
  const { phone, replaced } =
    request.code === undefined
      ? await nearby.autoPair(target)
      : await nearby.pairWithCode(target!, request.code);
  const note = replaced ? ' (it replaces the pairing from before the phone was reset)' : '';
  return {
    code: EXIT.ok,
    human: `Paired with ${phone.name} (${phone.id}) at ${phone.address} in ${phone.mode === 'auto' ? 'Auto' : 'Manual'} mode${note}.`,
    data: {
      ok: true,
      phone: { id: phone.id, name: phone.name, address: phone.address, mode: phone.mode },
      replaced: replaced?.id ?? null,
    },
  };
}

function listed(list: DeviceView[]): CommandResult {
  const line = (d: DeviceView) =>
    `${d.id}  ${d.name} ${d.firmware}  ${d.address}  ${d.paired ? 'paired' : 'not paired'}, ${d.reachable ? 'reachable' : 'unreachable'}${d.onThisPcPort ? ", on this PC's port" : ''}${d.verified === false ? ' (unverified)' : ''}`;
  return {
    code: EXIT.ok,
    human:
      list.length === 0
        ? 'No phones heard on this PC\'s links and none paired: plug this PC into the phone\'s PC port, or pair with "btoe pair ADDRESS --code CODE".'
        : list.map(line).join('\n'),
    data: list,
  };
}
