import { beforeEach, describe, expect, it, vi } from 'vitest';
import en from '../../../../locales/en/shell.json' with { type: 'json' };
import fr from '../../../../locales/fr/shell.json' with { type: 'json' };
import { createTranslate } from '../../../../main/electron/shell-i18n.js';
import {
  createCompanionTray,
  lockSyncControl,
  trayMenu,
  trayState,
  trayTooltip,
  type TrayActions,
} from '../../../../main/electron/tray.js';
import { TRAY_ICONS } from '../../../../main/electron/tray-icons.js';
import type { CompanionView, PhoneView } from '../../../../contract/window.js';
import { loadedPolicy } from './loaded-policy.js';

interface MenuItem {
  label?: string;
  type?: string;
  enabled?: boolean;
  checked?: boolean;
  click?: () => void;
}

interface FakeTray {
  images: Array<{ png: Buffer; more: Array<{ scaleFactor: number; buffer: Buffer }> }>;
  setImage: ReturnType<typeof vi.fn>;
  setToolTip: ReturnType<typeof vi.fn>;
  setContextMenu: ReturnType<typeof vi.fn>;
  on: ReturnType<typeof vi.fn>;
  destroy: ReturnType<typeof vi.fn>;
}

const electron = vi.hoisted(() => ({ trays: [] as FakeTray[] }));

vi.mock('electron', () => {
  const image = (png: Buffer) => {
    const more: Array<{ scaleFactor: number; buffer: Buffer }> = [];
    return { png, more, addRepresentation: (r: { scaleFactor: number; buffer: Buffer }) => more.push(r) };
  };
  return {
    Tray: vi.fn(function (this: FakeTray, first: FakeTray['images'][number]) {
      this.images = [first];
      this.setImage = vi.fn((next: FakeTray['images'][number]) => this.images.push(next));
      this.setToolTip = vi.fn();
      this.setContextMenu = vi.fn();
      this.on = vi.fn();
      this.destroy = vi.fn();
      electron.trays.push(this);
    }),
    Menu: { buildFromTemplate: (template: MenuItem[]) => template },
    nativeImage: { createFromBuffer: (png: Buffer) => image(png) },
  };
});

const t = createTranslate('en');

const phone = (overrides: Partial<PhoneView> = {}): PhoneView => ({
  id: 'vvx450-1',
  name: 'Lab desk',
  vendor: 'Poly',
  model: 'VVX 450',
  firmware: '6.4.3',
  address: '169.254.10.2',
  transport: 'ethernet',
  paired: true,
  connected: true,
  onThisPcPort: true,
  verified: true,
  mode: 'auto',
  locked: false,
  lockSync: { on: true, reason: null },
  canAutoPair: true,
  needsPairingAgain: false,
  problem: null,
  call: null,
  signIn: null,
  driver: 'btoe',
  capabilities: [],
  deviceFacts: null,
  ...overrides,
});

const view = (phones: PhoneView[], pairingMode: CompanionView['pairingMode'] = 'auto'): CompanionView => ({
  version: '1.2.3',
  pairingMode,
  policySource: 'defaults',
  pairingModeByPolicy: false,
  secretStore: 'Windows Credential Manager',
  pcLocked: false,
  phones,
});

const actions = (): TrayActions & Record<string, ReturnType<typeof vi.fn>> => ({
  open: vi.fn(),
  pairWithPhone: vi.fn(),
  lockNow: vi.fn(),
  setLockSync: vi.fn(),
  diagnostics: vi.fn(),
  quit: vi.fn(),
});

const labels = (menu: MenuItem[]) =>
  menu.filter((item) => item.type !== 'separator').map((item) => item.label);

beforeEach(() => {
  electron.trays = [];
});

describe('trayState', () => {
  it('has one icon per state: connected, phone locked, disconnected, not paired', () => {
    expect(trayState(view([phone()]))).toBe('connected');
    expect(trayState(view([phone({ locked: true })]))).toBe('locked');
    expect(trayState(view([phone({ connected: false, locked: null })]))).toBe('disconnected');
    expect(trayState(view([phone({ paired: false, connected: false, mode: null })]))).toBe('unpaired');
    expect(trayState(view([]))).toBe('unpaired');
    expect(trayState(null)).toBe('unpaired');
  });
});

describe('trayTooltip', () => {
  it('says the companion is starting before the first status', () => {
    expect(trayTooltip(null, t)).toBe('BToE Companion\nStarting…');
  });

  it('says when no phone is found', () => {
    expect(trayTooltip(view([]), t)).toBe('BToE Companion\nNo phone found\nAuto mode');
    expect(trayTooltip(view([], 'manual'), t)).toBe('BToE Companion\nNo phone found\nManual mode');
  });

  it('names the phone and its state', () => {
    expect(trayTooltip(view([phone()]), t)).toBe('BToE Companion\nLab desk: paired, connected\nAuto mode');
    expect(trayTooltip(view([phone({ locked: true })]), t)).toBe(
      'BToE Companion\nLab desk: locked\nAuto mode',
    );
    expect(trayTooltip(view([phone({ connected: false })]), t)).toBe(
      'BToE Companion\nLab desk: paired, not connected\nAuto mode',
    );
    expect(trayTooltip(view([phone({ paired: false, connected: false, mode: null })]), t)).toBe(
      'BToE Companion\nLab desk: not paired\nAuto mode',
    );
  });

  it("shows the phone's own mode, or that pairing is off", () => {
    expect(trayTooltip(view([phone({ mode: 'manual' })]), t)).toBe(
      'BToE Companion\nLab desk: paired, connected\nManual mode',
    );
    expect(trayTooltip(view([phone()], 'off'), t)).toBe(
      'BToE Companion\nLab desk: paired, connected\nPairing off',
    );
  });

  it("is about the phone on this PC's port when there are several", () => {
    const elsewhere = phone({ id: 'ccx-2', name: 'Reception', onThisPcPort: false });
    const here = phone({ id: 'vvx-1', name: 'My desk', connected: false, onThisPcPort: true });
    expect(trayTooltip(view([elsewhere, here]), t)).toBe(
      'BToE Companion\nMy desk: paired, not connected (+1 more)\nAuto mode',
    );
  });

  it('fits the 127 characters Windows shows', () => {
    const tooltip = trayTooltip(view([phone({ name: 'x'.repeat(200) })]), t);
    expect(tooltip).toHaveLength(127);
    expect(tooltip.endsWith('…')).toBe(true);
  });

  it('speaks French', () => {
    expect(trayTooltip(view([phone({ locked: true })]), createTranslate('fr'))).toBe(
      'BToE Companion\nLab desk : verrouillé\nMode automatique',
    );
  });
});

describe('trayMenu', () => {
  it('has the state line, Pair, Lock now, Lock sync, Open, Diagnostics and Quit, each doing its action', () => {
    const act = actions();
    const menu = trayMenu({ view: view([phone()]), lockSync: { on: true } }, act, t) as MenuItem[];
    expect(labels(menu)).toEqual([
      'Lab desk: paired, connected',
      'Pair with phone…',
      'Lock phone now',
      'Lock sync',
      'Open',
      'Diagnostics',
      'Quit',
    ]);
    expect(menu[0]?.enabled).toBe(false);
    for (const item of menu) item.click?.();
    expect(act.pairWithPhone).toHaveBeenCalledOnce();
    expect(act.lockNow).toHaveBeenCalledOnce();
    expect(act.setLockSync).toHaveBeenCalledWith(false);
    expect(act.open).toHaveBeenCalledOnce();
    expect(act.diagnostics).toHaveBeenCalledOnce();
    expect(act.quit).toHaveBeenCalledOnce();
  });

  it('shows lock sync as a check box the user can turn back on', () => {
    const act = actions();
    const menu = trayMenu({ view: view([phone()]), lockSync: { on: false } }, act, t) as MenuItem[];
    const item = menu.find((i) => i.label === 'Lock sync');
    expect(item).toMatchObject({ type: 'checkbox', checked: false });
    item?.click?.();
    expect(act.setLockSync).toHaveBeenCalledWith(true);
  });

  it('greys lock sync with the reason when policy decides', () => {
    const control = lockSyncControl(
      loadedPolicy({ EnableBetterTogetherOverEthernet: false }),
      { version: 1 },
      t,
    );
    const menu = trayMenu({ view: view([phone()]), lockSync: control }, actions(), t) as MenuItem[];
    expect(menu[4]).toEqual({
      label: 'Lock sync off: Better Together is turned off by your administrator',
      enabled: false,
    });
    expect(lockSyncControl(loadedPolicy({ LockSync: true }), { version: 1, lockSync: false }, t)).toEqual({
      on: true,
      decidedBy: 'set by your administrator',
    });
    expect(
      lockSyncControl(loadedPolicy({ LockSync: true }, 'settings'), { version: 1, lockSync: false }, t),
    ).toEqual({
      on: false,
    });
    expect(lockSyncControl(loadedPolicy(), { version: 1 }, t)).toEqual({ on: true });
  });

  it('greys "Lock phone now" when no phone is connected', () => {
    const menu = trayMenu(
      { view: view([phone({ connected: false })]), lockSync: { on: true } },
      actions(),
      t,
    );
    expect(menu.find((i) => i.label === 'Lock phone now')?.enabled).toBe(false);
  });
});

describe('createCompanionTray', () => {
  it('changes icon, tooltip and menu with each status, and opens the window on a click', () => {
    const act = actions();
    const tray = createCompanionTray(act, t, { view: null, lockSync: { on: true } });
    const icon = electron.trays[0]!;
    expect(icon.images[0]?.png).toEqual(Buffer.from(TRAY_ICONS.unpaired.x1, 'base64'));
    expect(icon.images[0]?.more).toEqual([
      { scaleFactor: 2, buffer: Buffer.from(TRAY_ICONS.unpaired.x2, 'base64') },
    ]);
    expect(icon.setToolTip).toHaveBeenLastCalledWith('BToE Companion\nStarting…');

    tray.update({ view: view([phone({ locked: true })]), lockSync: { on: true } });
    expect(icon.images.at(-1)?.png).toEqual(Buffer.from(TRAY_ICONS.locked.x1, 'base64'));
    expect(icon.setToolTip).toHaveBeenLastCalledWith('BToE Companion\nLab desk: locked\nAuto mode');
    expect((icon.setContextMenu.mock.lastCall?.[0] as MenuItem[])[0]?.label).toBe('Lab desk: locked');

    const click = icon.on.mock.calls.find(([name]) => name === 'click')?.[1] as () => void;
    click();
    expect(act.open).toHaveBeenCalledOnce();
    tray.destroy();
    expect(icon.destroy).toHaveBeenCalledOnce();
  });
});

describe('shell strings', () => {
  const keys = (value: unknown, prefix = ''): string[] =>
    typeof value === 'object' && value !== null
      ? Object.entries(value).flatMap(([k, v]) => keys(v, `${prefix}${k}.`))
      : [prefix.slice(0, -1)];

  it('exist in English and French alike', () => {
    expect(keys(fr).sort()).toEqual(keys(en).sort());
  });
});
