import { DEVICE_ID_PATTERN } from '../../native-bridge/link/identity.js';
import { type CommandResult, UsageError, failure } from './commands.js';
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
  if (!setting.enabled) return undefined;
  const target = request.args[0] ?? request.device;
  if (request.command === 'pair') {
    if (target === undefined) return undefined; // the plain command says what is missing
    const pairedId = DEVICE_ID_PATTERN.test(target);
    if (request.code !== undefined && !pairedId) return undefined; // Manual at an address: nothing to discover
  } else if (request.command !== 'devices') return undefined;
  let nearby: Nearby | undefined;
  try {
    const seconds = Number(request.timeout ?? DEFAULT_DISCOVERY_TIMEOUT_S);
    if (!Number.isFinite(seconds) || seconds < 0 || seconds > 60)
      throw new UsageError('--timeout must be 0-60 seconds');
    const companion = await Companion.open({ storeDir, policy: await loadPolicy(env) });
    if (request.command === 'pair' && request.code !== undefined && companion.pairings.get(target!)) {
      return undefined; // pairing a paired phone again: its stored address
    }
    nearby = await Nearby.open(companion, setting);
    // Discovery asked at once; every phone on the links answers within a few ms (RFC 6762 allows 120).
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
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
  } catch (error) {
    return failure(error);
  } finally {
    nearby?.close();
  }
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
