/**
 * Session lock sources against a REAL dbus-daemon that the test starts (its own config, a socket in a temp
 * directory), with signals sent by `dbus-send` and by a fake logind that owns org.freedesktop.login1 on that
 * bus. The daemon is killed and restarted at the same address to show the sources report, reconnect with
 * backoff and resubscribe. Electron's powerMonitor adapter is tested with a mocked 'electron'.
 *
 * Needs `dbus-daemon` and `dbus-send` (apt package dbus): skipped with a message when missing, failed under CI.
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { needs } from '../helpers/needs.js';
import { DBUS_MISSING, TestBus } from './helpers/dbus.js';
import { LogindLockSource } from '../../main/host/logind-lock-source.js';
import { ScreenSaverLockSource } from '../../main/host/screensaver-lock-source.js';
import {
  type LockChange,
  type SessionLockSource,
  SessionLockError,
} from '../../main/core/ports/session-lock.js';
import { type Timers, realTimers } from '../../main/core/timers.js';
import { backoffDelay } from '../../main/host/dbus-lock-source.js';
import { BaseLockSource } from '../../main/host/lock-source-base.js';

vi.mock('electron', async () => {
  const { EventEmitter: Emitter } = await import('node:events');
  class FakePowerMonitor extends Emitter {
    idleState: string = 'unknown';
    getSystemIdleState(): string {
      return this.idleState;
    }
  }
  return { powerMonitor: new FakePowerMonitor() };
});

const noDbus = needs('the session-lock D-Bus tests', DBUS_MISSING);

// ---------------------------------------------------------------------------------------------------------------
// A private bus

// ---------------------------------------------------------------------------------------------------------------
// A fake logind (and screen saver) on that bus, with @homebridge/dbus-native

interface NativeBus {
  name?: string;
  connection: EventEmitter & { end(): void; stream: { destroy(): void } };
  requestName(name: string, flags: number, callback: (error: unknown, code?: number) => void): void;
  exportInterface(object: object, path: string, iface: object): void;
  sendSignal(path: string, iface: string, member: string, signature: string, body: unknown[]): void;
  invoke(message: object, callback: (error: unknown, ...values: unknown[]) => void): void;
}

const dbus = createRequire(import.meta.url)('@homebridge/dbus-native') as {
  createClient(options: { busAddress: string }): NativeBus;
};

async function nativeClient(address: string): Promise<NativeBus> {
  const bus = dbus.createClient({ busAddress: address });
  bus.connection.on('error', () => {}); // killed with the daemon
  await new Promise<void>((resolve, reject) => {
    bus.connection.once('connect', () => resolve());
    bus.connection.once('error', reject);
  });
  // A round trip, so that Hello has been answered and the client has its unique name.
  await new Promise<void>((resolve, reject) =>
    bus.invoke(
      {
        destination: 'org.freedesktop.DBus',
        path: '/org/freedesktop/DBus',
        interface: 'org.freedesktop.DBus',
        member: 'GetId',
      },
      (error) => (error ? reject(new Error(JSON.stringify(error))) : resolve()),
    ),
  );
  return bus;
}

function close(bus: NativeBus | undefined): void {
  try {
    bus?.connection.end();
    bus?.connection.stream.destroy();
  } catch {
    // gone
  }
}

const SESSION_PATH = '/org/freedesktop/login1/session/_3fake';
const SESSION = 'org.freedesktop.login1.Session';
const PROPERTIES = 'org.freedesktop.DBus.Properties';

class FakeLogind {
  readonly session = { LockedHint: false };
  sessionIds: string[] = [];

  private constructor(readonly bus: NativeBus) {}

  static async start(address: string, lockedHint = false): Promise<FakeLogind> {
    const bus = await nativeClient(address);
    const fake = new FakeLogind(bus);
    fake.session.LockedHint = lockedHint;
    bus.exportInterface(
      {
        GetSession: (id: string) => {
          fake.sessionIds.push(id);
          return SESSION_PATH;
        },
        GetSessionByPID: () => SESSION_PATH,
      },
      '/org/freedesktop/login1',
      {
        name: 'org.freedesktop.login1.Manager',
        methods: { GetSession: ['s', 'o'], GetSessionByPID: ['u', 'o'] },
        signals: {},
        properties: {},
      },
    );
    bus.exportInterface(fake.session, SESSION_PATH, {
      name: SESSION,
      methods: {},
      signals: { Lock: [''], Unlock: [''] },
      properties: { LockedHint: 'b' },
    });
    await new Promise<void>((resolve, reject) =>
      bus.requestName('org.freedesktop.login1', 0, (error, code) =>
        error || code !== 1 ? reject(new Error(`RequestName: ${JSON.stringify(error ?? code)}`)) : resolve(),
      ),
    );
    return fake;
  }

  lock(): void {
    this.bus.sendSignal(SESSION_PATH, SESSION, 'Lock', '', []);
  }

  unlock(): void {
    this.bus.sendSignal(SESSION_PATH, SESSION, 'Unlock', '', []);
  }

  hint(locked: boolean): void {
    this.session.LockedHint = locked;
    this.bus.sendSignal(SESSION_PATH, PROPERTIES, 'PropertiesChanged', 'sa{sv}as', [
      SESSION,
      [['LockedHint', ['b', locked]]],
      [],
    ]);
  }

  stop(): void {
    close(this.bus);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Watching a source

interface Seen {
  readonly event: 'lock' | 'unlock' | 'ready' | 'error';
  readonly via?: string;
  readonly error?: SessionLockError;
}

class Watcher {
  readonly seen: Seen[] = [];
  readonly #waiters = new Set<() => void>();

  constructor(readonly source: SessionLockSource) {
    source.on('lock', (change: LockChange) => this.#push({ event: 'lock', via: change.via }));
    source.on('unlock', (change: LockChange) => this.#push({ event: 'unlock', via: change.via }));
    source.on('ready', () => this.#push({ event: 'ready' }));
    source.on('error', (error: SessionLockError) => this.#push({ event: 'error', error }));
  }

  #push(seen: Seen): void {
    this.seen.push(seen);
    for (const waiter of this.#waiters) waiter();
  }

  get changes(): string[] {
    return this.seen.filter((s) => s.event === 'lock' || s.event === 'unlock').map((s) => s.event);
  }

  count(event: Seen['event']): number {
    return this.seen.filter((s) => s.event === event).length;
  }

  /** Waits for the n-th `event` (counting from 1 since the source was created); returns it. */
  async waitFor(event: Seen['event'], n: number, timeoutMs = 10_000): Promise<Seen> {
    const found = () => this.seen.filter((s) => s.event === event)[n - 1];
    if (found()) return found()!;
    return new Promise<Seen>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`no ${event} #${n} within ${timeoutMs} ms; saw ${JSON.stringify(this.summary())}`));
      }, timeoutMs);
      const check = () => {
        const hit = found();
        if (!hit) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(hit);
      };
      this.#waiters.add(check);
    });
  }

  summary(): string[] {
    return this.seen.map((s) => (s.via ? `${s.event} (${s.via})` : s.event));
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const FAST = { backoff: { initialMs: 50, maxMs: 400 }, callTimeoutMs: 2000 };

// ---------------------------------------------------------------------------------------------------------------

describe.skipIf(noDbus !== undefined)('D-Bus lock sources against a real dbus-daemon', () => {
  const bus = new TestBus();
  const sources: SessionLockSource[] = [];
  const fakes: FakeLogind[] = [];
  const natives: NativeBus[] = [];

  beforeAll(async () => {
    await bus.start();
  });
  afterEach(async () => {
    for (const source of sources.splice(0)) await source.stop();
    for (const fake of fakes.splice(0)) fake.stop();
    for (const native of natives.splice(0)) close(native);
  });
  afterAll(async () => {
    await bus.dispose();
  });

  async function started<T extends SessionLockSource>(source: T): Promise<[T, Watcher]> {
    sources.push(source);
    const watcher = new Watcher(source);
    await source.start();
    await watcher.waitFor('ready', 1);
    return [source, watcher];
  }

  describe('ScreenSaver (ActiveChanged on org.freedesktop and org.gnome)', () => {
    it('reports lock and unlock sent with dbus-send, folding duplicates', async () => {
      const [source, watcher] = await started(
        new ScreenSaverLockSource({ busAddress: bus.address, ...FAST }),
      );
      expect(source.locked).toBeUndefined(); // no screen saver service on this bus answers GetActive
      expect(source.connected).toBe(true);

      await bus.send('/org/freedesktop/ScreenSaver', 'org.freedesktop.ScreenSaver.ActiveChanged', [
        'boolean:true',
      ]);
      expect(await watcher.waitFor('lock', 1)).toMatchObject({
        via: 'ActiveChanged (org.freedesktop.ScreenSaver)',
      });
      expect(source.locked).toBe(true);
      // GNOME says the same thing: no second lock.
      await bus.send('/org/gnome/ScreenSaver', 'org.gnome.ScreenSaver.ActiveChanged', ['boolean:true']);
      // Malformed: a string instead of a boolean, an unrelated member; ignored.
      await bus.send('/org/gnome/ScreenSaver', 'org.gnome.ScreenSaver.ActiveChanged', ['string:false']);
      await bus.send('/org/gnome/ScreenSaver', 'org.gnome.ScreenSaver.WakeUpScreen');
      await bus.send('/org/gnome/ScreenSaver', 'org.gnome.ScreenSaver.ActiveChanged', ['boolean:false']);
      expect(await watcher.waitFor('unlock', 1)).toMatchObject({
        via: 'ActiveChanged (org.gnome.ScreenSaver)',
      });
      // KDE also emits on /ScreenSaver.
      await bus.send('/ScreenSaver', 'org.freedesktop.ScreenSaver.ActiveChanged', ['boolean:true']);
      await watcher.waitFor('lock', 2);
      expect(watcher.changes).toEqual(['lock', 'unlock', 'lock']);
      expect(watcher.count('error')).toBe(0);
      expect(source.locked).toBe(true);
    });

    it('reads the state at start from GetActive without emitting it', async () => {
      const saver = await nativeClient(bus.address);
      natives.push(saver);
      saver.exportInterface({ GetActive: () => true }, '/org/gnome/ScreenSaver', {
        name: 'org.gnome.ScreenSaver',
        methods: { GetActive: ['', 'b'] },
        signals: { ActiveChanged: ['b'] },
        properties: {},
      });
      await new Promise<void>((resolve, reject) =>
        saver.requestName('org.gnome.ScreenSaver', 0, (error) =>
          error ? reject(new Error('RequestName')) : resolve(),
        ),
      );
      const [source, watcher] = await started(
        new ScreenSaverLockSource({ busAddress: bus.address, ...FAST }),
      );
      expect(source.locked).toBe(true);
      expect(watcher.changes).toEqual([]);
      await bus.send('/org/gnome/ScreenSaver', 'org.gnome.ScreenSaver.ActiveChanged', ['boolean:false']);
      await watcher.waitFor('unlock', 1);
      expect(source.locked).toBe(false);
    });
  });

  describe('systemd-logind (Lock/Unlock signals and LockedHint)', () => {
    it('finds the session through logind and reports Lock, Unlock and LockedHint changes', async () => {
      const logind = await FakeLogind.start(bus.address, false);
      fakes.push(logind);
      const [source, watcher] = await started(
        new LogindLockSource({ busAddress: bus.address, env: { XDG_SESSION_ID: '3fake' }, ...FAST }),
      );
      expect(logind.sessionIds).toEqual(['3fake']);
      expect(source.sessionPath).toBe(SESSION_PATH);
      expect(source.locked).toBe(false); // read from LockedHint, not emitted
      expect(watcher.changes).toEqual([]);

      logind.lock();
      expect(await watcher.waitFor('lock', 1)).toMatchObject({ via: 'Lock signal' });
      logind.hint(true); // the screen locker confirms: the same lock, not a second one
      logind.unlock();
      expect(await watcher.waitFor('unlock', 1)).toMatchObject({ via: 'Unlock signal' });
      logind.hint(false);
      logind.hint(true);
      expect(await watcher.waitFor('lock', 2)).toMatchObject({ via: 'LockedHint' });
      logind.hint(false);
      expect(await watcher.waitFor('unlock', 2)).toMatchObject({ via: 'LockedHint' });
      expect(watcher.changes).toEqual(['lock', 'unlock', 'lock', 'unlock']);
      expect(watcher.count('error')).toBe(0);
    });

    it('asks for the "auto" session when no session id is known', async () => {
      const logind = await FakeLogind.start(bus.address, true);
      fakes.push(logind);
      const [source] = await started(new LogindLockSource({ busAddress: bus.address, env: {}, ...FAST }));
      expect(logind.sessionIds).toEqual(['auto']);
      expect(source.locked).toBe(true);
    });

    it('ignores Lock, Unlock and LockedHint from anyone but the owner of org.freedesktop.login1', async () => {
      const logind = await FakeLogind.start(bus.address, false);
      fakes.push(logind);
      const [source, watcher] = await started(
        new LogindLockSource({ busAddress: bus.address, sessionPath: SESSION_PATH, ...FAST }),
      );
      logind.lock();
      await watcher.waitFor('lock', 1);

      // dbus-send: broadcast on the session's path, and sent straight to the source's own connection.
      await bus.send(SESSION_PATH, `${SESSION}.Unlock`);
      await bus.send(SESSION_PATH, `${SESSION}.Unlock`, [], source.uniqueName);
      // dbus-send cannot write a{sv}; this a{sb} imitation is ignored too.
      await bus.send(SESSION_PATH, `${PROPERTIES}.PropertiesChanged`, [
        `string:${SESSION}`,
        'dict:string:boolean:LockedHint,false',
        'array:string:',
      ]);
      // An impostor with a well-formed PropertiesChanged, broadcast and direct.
      const impostor = await nativeClient(bus.address);
      natives.push(impostor);
      impostor.sendSignal(SESSION_PATH, PROPERTIES, 'PropertiesChanged', 'sa{sv}as', [
        SESSION,
        [['LockedHint', ['b', false]]],
        [],
      ]);
      impostor.sendSignal(SESSION_PATH, SESSION, 'Unlock', '', []);
      // The genuine logind, afterwards: the only change seen.
      await pause(200);
      logind.unlock();
      await watcher.waitFor('unlock', 1);
      expect(watcher.changes).toEqual(['lock', 'unlock']);
      expect(watcher.seen.find((s) => s.event === 'unlock')?.via).toBe('Unlock signal');
    });

    it('ignores signals for other sessions', async () => {
      const logind = await FakeLogind.start(bus.address, false);
      fakes.push(logind);
      const [, watcher] = await started(
        new LogindLockSource({ busAddress: bus.address, sessionPath: SESSION_PATH, ...FAST }),
      );
      logind.bus.sendSignal('/org/freedesktop/login1/session/_3other', SESSION, 'Lock', '', []);
      await pause(200);
      logind.lock();
      await watcher.waitFor('lock', 1);
      expect(watcher.changes).toEqual(['lock']);
    });

    it('refuses a session path or service name that is not D-Bus grammar (they go into match rules)', () => {
      expect(() => new LogindLockSource({ sessionPath: "/x',sender='evil" })).toThrow(RangeError);
      expect(() => new LogindLockSource({ service: "org.freedesktop.login1',x='" })).toThrow(RangeError);
      expect(() => new LogindLockSource({ service: ':1.5' })).toThrow(RangeError);
    });
  });

  describe('a D-Bus that goes away and comes back', () => {
    it('reports errors, reconnects with backoff at the same address, resubscribes and resyncs', async () => {
      let logind = await FakeLogind.start(bus.address, false);
      fakes.push(logind);
      const [saver, saverSeen] = await started(
        new ScreenSaverLockSource({ busAddress: bus.address, ...FAST }),
      );
      const [login, loginSeen] = await started(
        new LogindLockSource({ busAddress: bus.address, sessionPath: SESSION_PATH, ...FAST }),
      );
      expect(login.locked).toBe(false);

      await bus.kill();
      // Each source reports the loss, then each failed attempt, with a growing delay.
      const lost = await saverSeen.waitFor('error', 1);
      expect(lost.error).toBeInstanceOf(SessionLockError);
      expect(lost.error!.message).toMatch(
        /^screensaver: lost the D-Bus connection to unix:path=.*; retrying in 50 ms$/,
      );
      await saverSeen.waitFor('error', 3);
      await loginSeen.waitFor('error', 3);
      const delays = saverSeen.seen.filter((s) => s.event === 'error').map((s) => s.error!.retryInMs);
      expect(delays.slice(0, 3)).toEqual([50, 100, 200]);
      expect(saver.connected).toBe(false);
      expect(saver.uniqueName).toBeUndefined();

      // Back at the same address; logind comes back with the session locked meanwhile.
      await bus.start();
      logind.stop();
      logind = await FakeLogind.start(bus.address, true);
      fakes.push(logind);
      await saverSeen.waitFor('ready', 2);
      await loginSeen.waitFor('ready', 2);
      // The lock that happened while the bus was away is reported once read.
      const resync = await loginSeen.waitFor('lock', 1);
      expect(resync.via).toMatch(/^LockedHint read after (reconnecting|logind restarted)$/);
      expect(login.locked).toBe(true);

      // Subscribed again: signals flow.
      await bus.send('/org/freedesktop/ScreenSaver', 'org.freedesktop.ScreenSaver.ActiveChanged', [
        'boolean:true',
      ]);
      await saverSeen.waitFor('lock', 1);
      logind.unlock();
      await loginSeen.waitFor('unlock', 1);
      expect(loginSeen.changes).toEqual(['lock', 'unlock']);

      // The backoff starts again from the beginning after a success.
      const errorsBefore = saverSeen.count('error');
      await bus.kill();
      const again = await saverSeen.waitFor('error', errorsBefore + 1);
      expect(again.error!.retryInMs).toBe(50);
      await bus.start();
      await saverSeen.waitFor('ready', 3);
    });

    it('stays down quietly after stop(): no reconnect attempts, no events', async () => {
      const source = new ScreenSaverLockSource({ busAddress: bus.address, ...FAST });
      const watcher = new Watcher(source);
      await source.start();
      await watcher.waitFor('ready', 1);
      await source.stop();
      await bus.kill();
      await pause(300);
      await bus.start();
      await pause(300);
      expect(watcher.summary()).toEqual(['ready']);
    });
  });

  describe('never crashes', () => {
    it('a bus that is not there: start() resolves, errors are reported and retried until stop()', async () => {
      const source = new LogindLockSource({
        busAddress: `unix:path=${join(bus.dir, 'nothing-here')}`,
        ...FAST,
      });
      sources.push(source);
      const watcher = new Watcher(source);
      await source.start();
      const first = await watcher.waitFor('error', 1);
      expect(first.error!.message).toMatch(
        /^logind: could not connect to the D-Bus at unix:path=.*nothing-here: .*ENOENT.*; retrying in 50 ms$/,
      );
      await watcher.waitFor('error', 3);
      await source.stop();
      const count = watcher.count('error');
      await pause(500);
      expect(watcher.count('error')).toBe(count);
    });

    it('an address it cannot parse, no address at all, and no error listener', async () => {
      const bad = new ScreenSaverLockSource({ busAddress: 'nonsense:foo=bar', ...FAST });
      sources.push(bad);
      const watcher = new Watcher(bad);
      await bad.start();
      expect((await watcher.waitFor('error', 1)).error!.message).toMatch(
        /cannot open the D-Bus at nonsense:foo=bar/,
      );

      const none = new ScreenSaverLockSource({ env: {}, ...FAST });
      sources.push(none);
      const noneSeen = new Watcher(none);
      await none.start();
      expect((await noneSeen.waitFor('error', 1)).error!.message).toMatch(
        /no bus address is known; retrying in 50 ms/,
      );

      // Without an 'error' listener: nothing thrown, nothing unhandled.
      const silent = new LogindLockSource({ busAddress: 'unix:path=/nonexistent/bus', ...FAST });
      sources.push(silent);
      await silent.start();
      await pause(200);
      await silent.stop();
    });

    it('a listener that throws does not stop the source', async () => {
      const [source, watcher] = await started(
        new ScreenSaverLockSource({ busAddress: bus.address, ...FAST }),
      );
      source.on('lock', () => {
        throw new Error('listener bug');
      });
      await bus.send('/org/freedesktop/ScreenSaver', 'org.freedesktop.ScreenSaver.ActiveChanged', [
        'boolean:true',
      ]);
      await watcher.waitFor('lock', 1);
      const reported = await watcher.waitFor('error', 1);
      expect(reported.error!.message).toBe('a "lock" listener threw');
      await bus.send('/org/freedesktop/ScreenSaver', 'org.freedesktop.ScreenSaver.ActiveChanged', [
        'boolean:false',
      ]);
      await watcher.waitFor('unlock', 1);
      expect(source.connected).toBe(true);
    });
  });
});

describe('reconnect timing through injected timers (no bus needed)', () => {
  it('backs off 500 ms, doubling, to 30 s; stop() cancels the pending attempt', async () => {
    expect([0, 1, 2, 3, 5, 6, 7, 100].map((n) => backoffDelay(n))).toEqual([
      500, 1000, 2000, 4000, 16_000, 30_000, 30_000, 30_000,
    ]);
    const pending = new Map<number, { callback: () => void; ms: number }>();
    let next = 1;
    const timers: Timers = {
      setTimeout: (callback, ms) => {
        pending.set(next, { callback, ms });
        return next++;
      },
      clearTimeout: (handle) => void pending.delete(handle as number),
    };
    let attempts = 0;
    const source = new ScreenSaverLockSource({
      busAddress: 'unix:path=/nowhere',
      timers,
      connect: () => {
        attempts += 1;
        throw new Error('refused');
      },
    });
    const watcher = new Watcher(source);
    await source.start();
    expect(attempts).toBe(1);
    for (const expected of [1000, 2000, 4000]) {
      expect(pending.size).toBe(1);
      const [handle, timer] = [...pending.entries()][0]!;
      pending.delete(handle);
      timer.callback();
      await pause(0);
      expect([...pending.values()].map((t) => t.ms)).toEqual([expected]);
    }
    expect(attempts).toBe(4);
    expect(watcher.seen.map((s) => s.error?.retryInMs)).toEqual([500, 1000, 2000, 4000]);
    await source.stop();
    expect(pending.size).toBe(0);
  });

  it('realTimers do not keep the process alive', () => {
    const handle = realTimers.setTimeout(() => {}, 60_000) as NodeJS.Timeout;
    expect(handle.hasRef()).toBe(false);
    realTimers.clearTimeout(handle);
  });
});

describe('Electron powerMonitor adapter (electron mocked)', () => {
  it("reports 'lock-screen' and 'unlock-screen', reads the state at start, and detaches on stop", async () => {
    const electron = (await import('electron')) as unknown as {
      powerMonitor: EventEmitter & { idleState: string };
    };
    const { PowerMonitorLockSource } = await import('../../main/electron/power-monitor-lock-source.js');
    const monitor = electron.powerMonitor;
    monitor.idleState = 'active';
    const source = new PowerMonitorLockSource();
    expect(source).toBeInstanceOf(BaseLockSource);
    expect(source.name).toBe('electron-power-monitor');
    const watcher = new Watcher(source);
    await source.start();
    expect(source.locked).toBe(false);
    expect(monitor.listenerCount('lock-screen')).toBe(1);

    monitor.emit('lock-screen');
    monitor.emit('lock-screen');
    monitor.emit('unlock-screen');
    expect(watcher.summary()).toEqual(['ready', 'lock (lock-screen)', 'unlock (unlock-screen)']);

    await source.stop();
    expect(monitor.listenerCount('lock-screen')).toBe(0);
    expect(monitor.listenerCount('unlock-screen')).toBe(0);
    monitor.emit('lock-screen');
    expect(watcher.changes).toEqual(['lock', 'unlock']);

    monitor.idleState = 'locked';
    const locked = new PowerMonitorLockSource();
    await locked.start();
    expect(locked.locked).toBe(true);
    await locked.stop();
    monitor.idleState = 'unknown';
    const unknown = new PowerMonitorLockSource();
    await unknown.start();
    expect(unknown.locked).toBeUndefined();
    await unknown.stop();
  });
});
