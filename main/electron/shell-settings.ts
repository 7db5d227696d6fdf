// Environment: Electron main (plain TypeScript: no electron import). The user's choices the shell acts on (lock
// sync, start at login): written to the companion's settings.json, applied to the running core and the login item
// at once, and refused with the reason where admin policy decides.
import type { LoadedPolicy } from '../core/policy.js';
import { type Settings, loadSettings, updateSettings } from '../core/settings.js';
import { forcedByPolicy } from './admin-policy.js';
import { wantsStartAtLogin } from './start-at-login.js';

export interface ShellSettingsTargets {
  /** The running core follows the new settings (CompanionService.applySettings). */
  applySettings(settings: Settings): void | Promise<void>;
  /** Registers or removes the login start. */
  applyLoginItem(enabled: boolean): Promise<void>;
}

export class ShellSettings {
  constructor(
    private readonly storeDir: string,
    private readonly policy: LoadedPolicy,
    private settings: Settings,
    private readonly targets: ShellSettingsTargets,
  ) {}

  get current(): Settings {
    return this.settings;
  }

  /** Start at login as it is, and whether policy forces it (then the user's switch is read-only). */
  get startAtLogin(): { on: boolean; forcedByPolicy: boolean } {
    return {
      on: wantsStartAtLogin(this.policy, this.settings),
      forcedByPolicy: forcedByPolicy(this.policy, 'StartAtLogin') !== undefined,
    };
  }

  async setLockSync(on: boolean): Promise<void> {
    if (!this.policy.policy.EnableBetterTogetherOverEthernet) {
      throw new Error('Lock sync cannot be changed: Better Together is turned off by your administrator.');
    }
    const forced = forcedByPolicy(this.policy, 'LockSync');
    if (forced !== undefined) {
      throw new Error(
        `Lock sync cannot be changed: your administrator has turned it ${forced ? 'on' : 'off'} (policy LockSync).`,
      );
    }
    this.settings = await updateSettings(this.storeDir, { lockSync: on });
    await this.targets.applySettings(this.settings);
  }

  async setStartAtLogin(on: boolean): Promise<void> {
    const forced = forcedByPolicy(this.policy, 'StartAtLogin');
    if (forced !== undefined) {
      throw new Error(
        `Start at login cannot be changed: your administrator has turned it ${forced ? 'on' : 'off'} (policy StartAtLogin).`,
      );
    }
    this.settings = await updateSettings(this.storeDir, { startAtLogin: on });
    await this.targets.applyLoginItem(on);
  }

  /** The window's Settings page saved new settings through the core: the login item follows them. */
  async followSaved(): Promise<void> {
    const before = wantsStartAtLogin(this.policy, this.settings);
    this.settings = (await loadSettings(this.storeDir)).settings;
    const after = wantsStartAtLogin(this.policy, this.settings);
    if (after !== before) await this.targets.applyLoginItem(after);
  }

  /** At every start: the login item matches policy and the user's setting (an upgrade or a policy change may differ). */
  syncLoginItem(): Promise<void> {
    return this.targets.applyLoginItem(wantsStartAtLogin(this.policy, this.settings));
  }
}
