// Environment: Node (the btoe command).
import type { CommandRequest, CommandResult } from '../../contract/companion-ipc.js';
import { executeCommand, failure, oneShotContext } from '../core/commands.js';
import { Companion } from '../core/companion.js';
import { loadPolicy, settingsChoices } from '../core/policy.js';
import { loadSettings } from '../core/settings.js';
import { osDesktop } from '../host/os-desktop.js';

/**
 * A command with no companion running: this process opens the store, follows the policy and talks to the phone
 * itself, then exits. Loaded by btoe.ts only on this path, so that commands a running companion takes never
 * load the core.
 */
export async function runOneShot(storeDir: string, request: CommandRequest): Promise<CommandResult> {
  try {
    if (request.command === 'devices' || request.command === 'pair') {
      // The phones on this PC's links (mDNS): listing them, Auto pairing with the one on this PC's port.
      const { nearbyCommand } = await import('../core/nearby-command.js');
      const result = await nearbyCommand(storeDir, request);
      if (result) return result;
    }
    const { settings } = await loadSettings(storeDir);
    const policy = await loadPolicy({ choices: settingsChoices(settings) });
    const companion = await Companion.open({ storeDir, policy });
    return await executeCommand(oneShotContext(companion, osDesktop), request);
  } catch (error) {
    return failure(error);
  }
}
