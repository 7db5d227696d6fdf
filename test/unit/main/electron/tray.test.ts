import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createCompanionTray, trayTooltip } from '../../../../main/electron/tray.js';
import type { CompanionView, PhoneView } from '../../../../contract/window.js';

interface MenuItem {
  label?: string;
  type?: string;
  click?: () => void;
}

const electron = vi.hoisted(() => ({
  trays: [] as Array<{
    setToolTip: ReturnType<typeof vi.fn>;
    setContextMenu: ReturnType<typeof vi.fn>;
    on: ReturnType<typeof vi.fn>;
    destroy: ReturnType<typeof vi.fn>;
  }>,
}));

vi.mock('electron', () => ({
  Tray: vi.fn(function (this: (typeof electron.trays)[number]) {
    this.setToolTip = vi.fn();
    this.setContextMenu = vi.fn();
    this.on = vi.fn();
    this.destroy = vi.fn();
    electron.trays.push(this);
  }),
  Menu: { buildFromTemplate: (template: MenuItem[]) => template },
  nativeImage: { createFromDataURL: (url: string) => ({ url }) },
}));

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
  ...overrides,
});

const view = (phones: PhoneView[], pairingMode: CompanionView['pairingMode'] = 'auto'): CompanionView => ({
  pairingMode,
  policySource: 'defaults',
  pairingModeByPolicy: false,
  secretStore: 'Windows Credential Manager',
  pcLocked: false,
  phones,
});

beforeEach(() => {
  electron.trays = [];
});

describe('trayTooltip', () => {
  it('says the companion is starting before the first status', () => {
    expect(trayTooltip(null)).toBe('BToE Companion\nStarting…');
  });

  it('says when no phone is found', () => {
    expect(trayTooltip(view([]))).toBe('BToE Companion\nNo phone found\nAuto mode');
    expect(trayTooltip(view([], 'manual'))).toBe('BToE Companion\nNo phone found\nManual mode');
  });

  it('tells paired and connected, paired only, and not paired apart', () => {
    expect(trayTooltip(view([phone()]))).toBe('BToE Companion\nLab desk: paired, connected\nAuto mode');
    expect(trayTooltip(view([phone({ connected: false })]))).toBe(
      'BToE Companion\nLab desk: paired, not connected\nAuto mode',
    );
    expect(trayTooltip(view([phone({ paired: false, connected: false, mode: null })]))).toBe(
      'BToE Companion\nLab desk: not paired\nAuto mode',
    );
  });

  it("shows the phone's own mode, Auto or Manual", () => {
    expect(trayTooltip(view([phone({ mode: 'manual' })]))).toBe(
      'BToE Companion\nLab desk: paired, connected\nManual mode',
    );
    expect(trayTooltip(view([phone({ mode: null })], 'manual'))).toBe(
      'BToE Companion\nLab desk: paired, connected\nManual mode',
    );
  });

  it('says when pairing is off', () => {
    expect(trayTooltip(view([phone()], 'off'))).toBe(
      'BToE Companion\nLab desk: paired, connected\nPairing off',
    );
  });

  it("is about the phone on this PC's port when there are several", () => {
    const elsewhere = phone({ id: 'ccx-2', name: 'Reception', onThisPcPort: false });
    const here = phone({ id: 'vvx-1', name: 'My desk', connected: false, onThisPcPort: true });
    expect(trayTooltip(view([elsewhere, here]))).toBe(
      'BToE Companion\nMy desk: paired, not connected (+1 more)\nAuto mode',
    );
  });

  it('fits the 127 characters Windows shows', () => {
    const tooltip = trayTooltip(view([phone({ name: 'x'.repeat(200) })]));
    expect(tooltip).toHaveLength(127);
    expect(tooltip.endsWith('…')).toBe(true);
  });
});

describe('createCompanionTray', () => {
  it('shows the tooltip for each status it is given', () => {
    const tray = createCompanionTray({ pairWithPhone: vi.fn(), quit: vi.fn() });
    const [icon] = electron.trays;
    expect(icon?.setToolTip).toHaveBeenLastCalledWith('BToE Companion\nStarting…');
    tray.update(view([phone({ connected: false })]));
    expect(icon?.setToolTip).toHaveBeenLastCalledWith(
      'BToE Companion\nLab desk: paired, not connected\nAuto mode',
    );
    tray.destroy();
    expect(icon?.destroy).toHaveBeenCalledOnce();
  });

  it('offers "Pair with Phone…" and "Quit"', () => {
    const actions = { pairWithPhone: vi.fn(), quit: vi.fn() };
    createCompanionTray(actions);
    const menu = electron.trays[0]?.setContextMenu.mock.calls[0]?.[0] as MenuItem[];
    expect(menu.filter((item) => item.label !== undefined).map((item) => item.label)).toEqual([
      'Pair with Phone…',
      'Quit',
    ]);
    menu.find((item) => item.label === 'Pair with Phone…')?.click?.();
    expect(actions.pairWithPhone).toHaveBeenCalledOnce();
    menu.find((item) => item.label === 'Quit')?.click?.();
    expect(actions.quit).toHaveBeenCalledOnce();
  });
});
