// Each rule and each refusal is the same on every path: a one-shot `btoe` (no companion running) and `btoe`
// through a running companion (the daemon; the desktop app hosts the same CompanionService). Separate
// processes against the phone simulator.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { COMPANION_IPC_VERSION } from '../../contract/companion-ipc.js';
import { needs } from '../helpers/needs.js';
import {
  type BtoeResult,
  type Phone,
  cleanup,
  importDist,
  machinePolicyUnavailable,
  runBtoe,
  show,
  startDaemon,
  startPhone,
  tempDir,
} from './helpers/processes.js';

afterEach(cleanup);

// Machine policy reaches a process only through /etc/btoe-companion/policy.json (see processes.ts).
const noMachinePolicy = needs('the machine-policy path test', machinePolicyUnavailable());

type Socket = typeof import('../../main/host/companion-socket.js');

async function paired(phoneArgs: string[] = []): Promise<{ store: string; phone: Phone }> {
  const store = await tempDir();
  const phone = await startPhone(phoneArgs);
  const code = await phone.openPairing();
  const pair = await runBtoe(['pair', phone.address, '--code', code], { store });
  expect(pair.code, show(pair)).toBe(0);
  return { store, phone };
}

/** Runs the same btoe command without and then with a running daemon; both results. */
async function bothWays(
  store: string,
  args: string[],
  machinePolicy?: string,
): Promise<{ alone: BtoeResult; viaDaemon: BtoeResult }> {
  const alone = await runBtoe(args, { store, ...(machinePolicy === undefined ? {} : { machinePolicy }) });
  await startDaemon(store, {}, machinePolicy);
  const viaDaemon = await runBtoe(args, { store });
  return { alone, viaDaemon };
}

describe('the same rules on every path', () => {
  it('refuses btoe dial on a phone signed in as someone else, with or without a running companion', async () => {
    const { store, phone } = await paired(['--user', 'meganb@contoso.com']);
    await writeFile(join(store, 'settings.json'), JSON.stringify({ version: 1, user: 'amosm@contoso.com' }));
    const { alone, viaDaemon } = await bothWays(store, ['dial', '+12015550123', '--json']);
    for (const result of [alone, viaDaemon]) {
      expect(result.code, show(result)).toBe(9);
      expect(result.json).toMatchObject({ ok: false, error: { kind: 'refused' } });
      expect(JSON.stringify(result.json)).toMatch(/paired but not activated.*meganb@contoso\.com/);
    }
    expect(viaDaemon.json).toEqual(alone.json);
    expect(phone.events.filter((e) => e.event === 'call')).toEqual([]);
  });

  it.skipIf(noMachinePolicy !== undefined)(
    'refuses Auto pairing where policy requires Manual, with or without a running companion',
    async () => {
      const { store, phone } = await paired();
      const policy = JSON.stringify({ BetterTogetherOverEthernetPairingMode: 'Manual' });
      const { alone, viaDaemon } = await bothWays(store, ['pair', phone.address, '--json'], policy);
      for (const result of [alone, viaDaemon]) {
        expect(result.code, show(result)).toBe(10);
        expect(JSON.stringify(result.json)).toMatch(/requires Manual pairing/);
      }
      expect(viaDaemon.json).toEqual(alone.json);
    },
  );
});

describe('bad input gets the same exit code and JSON error on every path (issue 13, item 4)', () => {
  const cases: Array<[string, (address: string) => string[], RegExp]> = [
    [
      'a 2,000-character --device',
      () => ['lock', '--device', 'x'.repeat(2000)],
      /device: .*1,024 characters/,
    ],
    ['a 10 KB tel: URI', () => ['dial', `tel:+1${'2'.repeat(10_000)}`], /args\.0: .*4,096 characters/],
    ['a 100-character code', (a) => ['pair', a, '--code', 'A'.repeat(100)], /code: .*64 characters/],
  ];

  it.each(cases)(
    '%s: exit 2 and a usage error, alone and through the daemon',
    async (_name, argv, message) => {
      const { store, phone } = await paired();
      const args = argv(phone.address);
      const { alone, viaDaemon } = await bothWays(store, [...args, '--json']);
      for (const result of [alone, viaDaemon]) {
        expect(result.code, show(result)).toBe(2);
        expect(result.json).toMatchObject({ ok: false, error: { kind: 'usage' } });
        expect((result.json as { error: { message: string } }).error.message).toMatch(message);
      }
      expect(viaDaemon.json).toEqual(alone.json);
      const human = await runBtoe(args, { store });
      expect(human.code, show(human)).toBe(2);
      expect(human.stderr).toMatch(message);
      expect(human.stderr).not.toMatch(/undefined/);
    },
  );

  it('the companion checks the contract itself: oversized fields and other versions are refused clearly', async () => {
    const { store } = await paired();
    await startDaemon(store);
    const { callIpc, ipcEndpoint } = await importDist<Socket>('main/host/companion-socket.js');
    const endpoint = ipcEndpoint(store);
    const oversized = await callIpc(endpoint, {
      v: COMPANION_IPC_VERSION,
      kind: 'command',
      request: { command: 'lock', args: [], device: 'x'.repeat(2000) },
    });
    expect(oversized).toMatchObject({ error: { kind: 'usage', message: expect.stringMatching(/device/) } });
    const older = await callIpc(endpoint, { kind: 'command', request: { command: 'status', args: [] } });
    expect(older).toMatchObject({
      error: { kind: 'version', message: expect.stringMatching(/\(unversioned\).*v1/) },
    });
    const newer = await callIpc(endpoint, { v: COMPANION_IPC_VERSION + 1, kind: 'hello' });
    expect(newer).toMatchObject({ error: { kind: 'version' } });
  });
});
