import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createNotifier, plainText, type NoticeActions } from '../../../../main/electron/notifications.js';
import { createTranslate } from '../../../../main/electron/shell-i18n.js';

type Listener = (...args: unknown[]) => void;
interface FakeNotification {
  options: Record<string, unknown>;
  listeners: Map<string, Listener>;
  show: ReturnType<typeof vi.fn>;
  close: ReturnType<typeof vi.fn>;
  emit(name: string, ...args: unknown[]): void;
}

const electron = vi.hoisted(() => ({ shown: [] as FakeNotification[], supported: true }));

vi.mock('electron', () => {
  const Notification = vi.fn(function (this: FakeNotification, options: Record<string, unknown>) {
    this.options = options;
    this.listeners = new Map();
    this.show = vi.fn(() => electron.shown.push(this));
    this.close = vi.fn(() => this.emit('close'));
    this.emit = (name, ...args) => this.listeners.get(name)?.(...args);
    Object.assign(this, {
      on: (name: string, listener: Listener) => {
        this.listeners.set(name, listener);
        return this;
      },
    });
  });
  return { Notification: Object.assign(Notification, { isSupported: () => electron.supported }) };
});

const t = createTranslate('en');
const actions = () =>
  ({
    open: vi.fn(),
    answer: vi.fn(),
    decline: vi.fn(),
  }) satisfies NoticeActions;
const call = {
  kind: 'incoming-call',
  phoneId: 'vvx-1',
  phoneName: 'Lab desk',
  callId: 7,
  number: '+12015550123',
} as const;

beforeEach(() => {
  electron.shown = [];
  electron.supported = true;
});

describe('incoming call', () => {
  it('offers Answer and Decline on Windows, and each reaches the phone that rings', () => {
    const act = actions();
    createNotifier(t, act, 'win32').notice(call);
    const [shown] = electron.shown;
    expect(shown?.options).toMatchObject({
      title: 'Incoming call',
      body: '+12015550123 is calling on Lab desk.',
      timeoutType: 'never',
      actions: [
        { type: 'button', text: 'Answer' },
        { type: 'button', text: 'Decline' },
      ],
    });
    shown?.emit('action', { actionIndex: 0 });
    expect(act.answer).toHaveBeenCalledWith('vvx-1');
    shown?.emit('action', { actionIndex: 1 });
    expect(act.decline).toHaveBeenCalledWith('vvx-1');
    shown?.emit('click');
    expect(act.open).toHaveBeenCalledWith('calls');
  });

  it('has no buttons on Linux, where a click opens the calls page', () => {
    const act = actions();
    createNotifier(t, act, 'linux').notice(call);
    expect(electron.shown[0]?.options).not.toHaveProperty('actions');
  });

  it('goes away when the call stops ringing', () => {
    const notifier = createNotifier(t, actions(), 'win32');
    notifier.notice(call);
    notifier.notice({ kind: 'call-settled', phoneId: 'vvx-1', callId: 7 });
    expect(electron.shown[0]?.close).toHaveBeenCalledOnce();
    // Already gone: a second settle closes nothing.
    notifier.notice({ kind: 'call-settled', phoneId: 'vvx-1', callId: 7 });
    expect(electron.shown[0]?.close).toHaveBeenCalledOnce();
  });

  it('shows a number from the phone without control or direction characters', () => {
    createNotifier(t, actions(), 'win32').notice({ ...call, number: '\u202E+1201\u0007555\u200F0123' });
    expect(electron.shown[0]?.options['body']).toBe('+1201 555 0123 is calling on Lab desk.');
    createNotifier(t, actions(), 'win32').notice({ ...call, callId: 8, number: '' });
    expect(electron.shown[1]?.options['body']).toBe('Unknown number is calling on Lab desk.');
  });
});

describe('other notices', () => {
  it('tells of a pairing request, a sign-in request and a reset phone, each opening its page', () => {
    const act = actions();
    const notifier = createNotifier(t, act, 'win32');
    notifier.notice({ kind: 'pair-request', phoneNames: ['Desk A (vvx-1)', 'Desk B (vvx-2)'] });
    notifier.notice({ kind: 'sign-in-request', phoneId: 'vvx-1', phoneName: 'Lab desk' });
    notifier.notice({ kind: 'pair-again', phoneId: 'vvx-1', phoneName: 'Lab desk' });
    expect(electron.shown.map((n) => [n.options['title'], n.options['body']])).toEqual([
      [
        'A phone asks to pair',
        "Desk A (vvx-1), Desk B (vvx-2) claim this PC's port: open BToE Companion and pair with the code your phone shows.",
      ],
      ['Sign-in request', 'Lab desk asks to be signed in via this PC: open BToE Companion to continue.'],
      ['Pair again', 'Lab desk was reset: it is not trusted until you pair with it again.'],
    ]);
    for (const n of electron.shown) n.emit('click');
    expect(act.open.mock.calls).toEqual([['pair'], ['sign-in'], ['phones']]);
  });

  it('says why a dial was refused, in French too', () => {
    createNotifier(createTranslate('fr'), actions(), 'win32').failed(
      'dialRefused',
      '"tel:x" is not a phone number',
    );
    expect(electron.shown[0]?.options).toMatchObject({
      title: 'Appel non passé',
      body: '"tel:x" is not a phone number',
    });
  });

  it('replaces a notice of the same kind rather than stacking them', () => {
    const notifier = createNotifier(t, actions(), 'win32');
    notifier.failed('dialRefused', 'first');
    notifier.failed('dialRefused', 'second');
    expect(electron.shown[0]?.close).toHaveBeenCalledOnce();
    expect(electron.shown).toHaveLength(2);
  });

  it('shows nothing where the desktop has no notifications', () => {
    electron.supported = false;
    createNotifier(t, actions(), 'linux').notice(call);
    expect(electron.shown).toHaveLength(0);
  });
});

describe('plainText', () => {
  it('bounds text and removes what could disguise it', () => {
    expect(plainText('a\u0000b\u202Ec\u2066d\u2028e')).toBe('a b c d e');
    expect(plainText('x'.repeat(10_240), 64)).toHaveLength(64);
  });
});
