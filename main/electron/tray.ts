// Environment: Electron main. The notification-area icon: its picture and tooltip say at a glance whether the desk
// phone is paired, connected and locked; its menu reaches what a user does without opening the window.
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions, type NativeImage } from 'electron';
import type { CompanionView, PhoneView } from '../../contract/window.js';
import type { LoadedPolicy } from '../core/policy.js';
import type { Settings } from '../core/settings.js';
import { forcedByPolicy } from './admin-policy.js';
import type { Translate } from './shell-i18n.js';
import { TRAY_ICONS, type TrayState } from './tray-icons.js';

/** Windows cuts tray tooltips at 127 characters. */
const TOOLTIP_LIMIT = 127;

export interface TrayActions {
  /** Shows the companion window. */
  open(): void;
  /** Shows the window on its pairing form. */
  pairWithPhone(): void;
  lockNow(): void;
  setLockSync(on: boolean): void;
  /** Shows the window on its Diagnostics page. */
  diagnostics(): void;
  quit(): void;
}

/** The user's lock sync switch; `decidedBy` (a sentence) when policy decides and the user cannot change it. */
export interface LockSyncControl {
  on: boolean;
  decidedBy?: string | undefined;
}

export interface TrayModel {
  /** `null` while the core is starting. */
  view: CompanionView | null;
  lockSync: LockSyncControl;
}

export interface CompanionTray {
  update(model: TrayModel): void;
  destroy(): void;
}

export function createCompanionTray(actions: TrayActions, t: Translate, model: TrayModel): CompanionTray {
  const tray = new Tray(trayImage(trayState(model.view)));
  const show = (next: TrayModel): void => {
    tray.setImage(trayImage(trayState(next.view)));
    tray.setToolTip(trayTooltip(next.view, t));
    tray.setContextMenu(Menu.buildFromTemplate(trayMenu(next, actions, t)));
  };
  show(model);
  // Windows and Linux: a click opens the window; the menu is on the right button.
  tray.on('click', () => actions.open());
  return { update: show, destroy: () => tray.destroy() };
}

function trayImage(state: TrayState): NativeImage {
  const { x1, x2 } = TRAY_ICONS[state];
  const image = nativeImage.createFromBuffer(Buffer.from(x1, 'base64'), { scaleFactor: 1 });
  image.addRepresentation({ scaleFactor: 2, buffer: Buffer.from(x2, 'base64') });
  return image;
}

/** Which icon: the main phone's state, or "not paired" when no phone is. */
export function trayState(view: CompanionView | null): TrayState {
  const phone = view === null ? undefined : mainPhone(view.phones);
  if (phone === undefined || !phone.paired) return 'unpaired';
  if (!phone.connected) return 'disconnected';
  return phone.locked === true ? 'locked' : 'connected';
}

/** The tooltip: the app, the main phone and its state, the pairing mode. */
export function trayTooltip(view: CompanionView | null, t: Translate): string {
  const lines = [t('appName'), stateLine(view, t)];
  if (view !== null) {
    const phone = mainPhone(view.phones);
    const mode = view.pairingMode === 'off' ? 'off' : (phone?.mode ?? view.pairingMode);
    lines.push(t(mode === 'auto' ? 'tray.modeAuto' : mode === 'manual' ? 'tray.modeManual' : 'tray.modeOff'));
  }
  const text = lines.join('\n');
  return text.length <= TOOLTIP_LIMIT ? text : `${text.slice(0, TOOLTIP_LIMIT - 1)}…`;
}

export function trayMenu(model: TrayModel, actions: TrayActions, t: Translate): MenuItemConstructorOptions[] {
  const { view, lockSync } = model;
  const anyConnected = view?.phones.some((p) => p.paired && p.connected) ?? false;
  const lockSyncItem: MenuItemConstructorOptions =
    lockSync.decidedBy === undefined
      ? {
          label: t('menu.lockSync'),
          type: 'checkbox',
          checked: lockSync.on,
          click: () => actions.setLockSync(!lockSync.on),
        }
      : {
          label: t('menu.lockSyncDecided', {
            state: t(lockSync.on ? 'menu.on' : 'menu.off'),
            reason: lockSync.decidedBy,
          }),
          enabled: false,
        };
  return [
    { label: stateLine(view, t), enabled: false },
    { type: 'separator' },
    { label: t('menu.pair'), click: () => actions.pairWithPhone() },
    { label: t('menu.lockNow'), enabled: anyConnected, click: () => actions.lockNow() },
    lockSyncItem,
    { type: 'separator' },
    { label: t('menu.open'), click: () => actions.open() },
    { label: t('menu.diagnostics'), click: () => actions.diagnostics() },
    { type: 'separator' },
    { label: t('menu.quit'), click: () => actions.quit() },
  ];
}

/** "Lab desk: paired, connected", with "(+N more)" when several phones are known. */
function stateLine(view: CompanionView | null, t: Translate): string {
  if (view === null) return t('tray.starting');
  const phone = mainPhone(view.phones);
  if (phone === undefined) return t('tray.noPhone');
  const state = trayState({ ...view, phones: [phone] });
  const line = t(`tray.${state}`, { phone: phone.name });
  const others = view.phones.length - 1;
  return others > 0 ? `${line} ${t('tray.more', { count: others })}` : line;
}

/** The phone the tray is about: the one on this PC's Ethernet port, else the most connected one. */
function mainPhone(phones: readonly PhoneView[]): PhoneView | undefined {
  const rank = (p: PhoneView): number =>
    (p.onThisPcPort ? 4 : 0) + (p.connected ? 2 : 0) + (p.paired ? 1 : 0);
  return [...phones].sort((a, b) => rank(b) - rank(a))[0];
}

/** The tray's lock sync switch: the user's setting, unless policy turns the feature off or forces it. */
export function lockSyncControl(policy: LoadedPolicy, settings: Settings, t: Translate): LockSyncControl {
  if (!policy.policy.EnableBetterTogetherOverEthernet)
    return { on: false, decidedBy: t('policy.pairingOff') };
  const forced = forcedByPolicy(policy, 'LockSync');
  if (forced !== undefined) return { on: forced, decidedBy: t('policy.lockSyncForced') };
  return { on: settings.lockSync !== false };
}
