// Environment: Electron main. The notification-area icon: its tooltip says at a glance whether the desk
// phone is paired and connected and which mode it pairs in; its menu opens pairing or quits.
import { Menu, Tray, nativeImage } from 'electron';
import type { CompanionView, PhoneView } from '../../contract/window.js';

/** A 32×32 desk-phone glyph, embedded so the tray works before build/ has real icon files. */
const TRAY_ICON_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAACAAAAAgCAYAAABzenr0AAAAW0lEQVR42mNgGGxAPv/if1riAbOYoEMG1AH0thzDEaMOwCZJbTDqgKHvAFIT2KgDKHbAoCmIaJH4hpYDcDmIEH/4OGA0CkajYDQEBl0UDM9G6WjPaFB0TgcKAABaCqfIFO2IvAAAAABJRU5ErkJggg==';

/** Windows cuts tray tooltips at 127 characters. */
const TOOLTIP_LIMIT = 127;

export interface TrayActions {
  /** Opens the companion window on its "Pair with Phone" form. */
  pairWithPhone(): void;
  quit(): void;
}

export interface CompanionTray {
  update(view: CompanionView): void;
  destroy(): void;
}

export function createCompanionTray(actions: TrayActions): CompanionTray {
  const tray = new Tray(nativeImage.createFromDataURL(`data:image/png;base64,${TRAY_ICON_PNG}`));
  tray.setToolTip(trayTooltip(null));
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: 'Pair with Phone…', click: () => actions.pairWithPhone() },
      { type: 'separator' },
      { label: 'Quit', click: () => actions.quit() },
    ]),
  );
  tray.on('click', () => actions.pairWithPhone());
  return {
    update: (view) => tray.setToolTip(trayTooltip(view)),
    destroy: () => tray.destroy(),
  };
}

/** The tooltip for a status; `null` while the core is starting. */
export function trayTooltip(view: CompanionView | null): string {
  const lines = ['BToE Companion'];
  if (view === null) {
    lines.push('Starting…');
  } else {
    const phone = mainPhone(view.phones);
    if (phone === undefined) {
      lines.push('No phone found');
    } else {
      const others = view.phones.length - 1;
      lines.push(`${phone.name}: ${phoneState(phone)}${others > 0 ? ` (+${others} more)` : ''}`);
    }
    lines.push(modeText(view.pairingMode === 'off' ? 'off' : (phone?.mode ?? view.pairingMode)));
  }
  const text = lines.join('\n');
  return text.length <= TOOLTIP_LIMIT ? text : `${text.slice(0, TOOLTIP_LIMIT - 1)}…`;
}

/** The phone the tooltip is about: the one on this PC's Ethernet port, else the most connected one. */
function mainPhone(phones: readonly PhoneView[]): PhoneView | undefined {
  const rank = (p: PhoneView): number =>
    (p.onThisPcPort ? 4 : 0) + (p.connected ? 2 : 0) + (p.paired ? 1 : 0);
  return [...phones].sort((a, b) => rank(b) - rank(a))[0];
}

function phoneState(phone: PhoneView): string {
  if (!phone.paired) return 'not paired';
  return phone.connected ? 'paired, connected' : 'paired, not connected';
}

function modeText(mode: 'auto' | 'manual' | 'off'): string {
  if (mode === 'auto') return 'Auto mode';
  if (mode === 'manual') return 'Manual mode';
  return 'Pairing off';
}
