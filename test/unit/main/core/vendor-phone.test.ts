// Environment: Node (vitest). A vendor phone as a phone driver: the same rules as any phone (click-to-call
// policy; activation with nobody known to be signed in), a clear refusal naming the phone and what would enable
// a capability its API lacks (its own exit code), lock sync skipped with the reason, and call state from events.
import { describe, expect, it } from 'vitest';
import { failure } from '../../../../main/core/commands.js';
import { CompanionError } from '../../../../main/core/companion.js';
import { EXIT } from '../../../../main/core/exit-codes.js';
import { LockSync } from '../../../../main/core/lock-sync.js';
import type { PhoneLinks } from '../../../../main/core/phone-links.js';
import { vendorDeviceId } from '../../../../main/core/pairing-store.js';
import { RuleError, type Rules } from '../../../../main/core/rules/rules.js';
import { VendorPhone } from '../../../../main/core/vendor-phone.js';
import { VendorPhoneError } from '../../../../native-bridge/vendor/vendor-phone.js';
import { YealinkClient } from '../../../../native-bridge/vendor/yealink/yealink-client.js';
import { EventEmitter } from 'node:events';
import { pairedPhone, rules } from './fakes.js';

const URL_ = 'http://192.0.2.30';
const NOT_AVAILABLE =
  'not available on this phone: their device APIs have no remote lock; pair a phone that speaks the open BToE protocol';

/** A Yealink phone whose requests are recorded and answered 200 (the Action URI transport, not the phone). */
function yealinkPhone(companionRules: Rules = rules()) {
  const sent: string[] = [];
  const client = new YealinkClient(
    { url: URL_, credentials: { user: 'admin', password: 'x' } },
    {
      request: async ({ path }) => {
        sent.push(`${URL_}${path}`);
        return { status: 200, headers: {}, body: Buffer.alloc(0), localAddress: '192.0.2.1' };
      },
    },
  );
  const phone = pairedPhone({
    id: vendorDeviceId('yealink', '', URL_),
    name: 'Yealink T54W',
    address: URL_,
    driver: { kind: 'yealink', url: URL_, user: 'admin' },
  });
  const facts = { vendor: 'Yealink', model: 'T54W', firmware: '96.86.0.100', mac: '', lines: [] };
  return { driver: new VendorPhone(phone, client, facts, companionRules), sent };
}

function notified(driver: VendorPhone, path: string): void {
  const url = new URL(`http://pc${path}`);
  driver.notified(
    driver.client.parseNotification({
      method: 'GET',
      path: url.pathname,
      query: url.searchParams,
      body: Buffer.alloc(0),
    }),
  );
}

describe('VendorPhone (a phone driver around a vendor client)', () => {
  it('refuses lock and unlock with the phone named, what would enable it, and exit code 13', async () => {
    const { driver, sent } = yealinkPhone();
    const error = await driver.lock().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CompanionError);
    expect((error as CompanionError).kind).toBe('not-available');
    expect((error as Error).message).toBe(`lock on Yealink T54W (${driver.phone.id}): ${NOT_AVAILABLE}`);
    const result = failure(error);
    expect(result.code).toBe(EXIT['not-available']);
    expect(result.data).toMatchObject({ ok: false, error: { kind: 'not-available' } });
    await expect(driver.unlock()).rejects.toThrow(/^unlock on Yealink T54W/);
    await expect(driver.signIn()).rejects.toThrow(/cannot sign the phone in/);
    expect(sent).toEqual([]);
  });

  it('is skipped by lock sync, with the reason the snapshot shows', () => {
    const { driver } = yealinkPhone();
    const sync = new LockSync(new EventEmitter() as unknown as PhoneLinks, rules());
    expect(sync.stateOf(driver)).toEqual({ phone: driver.phone.id, syncing: false, reason: NOT_AVAILABLE });
  });

  it('dials only where the rules allow: policy is enforced, activation holds no phone back whose user is unknown', async () => {
    const off = yealinkPhone(rules({ AllowClickToCall: false }, { user: 'amosm@contoso.com' }));
    const refused = await off.driver.dial('1002').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RuleError);
    expect((refused as RuleError).kind).toBe('policy');
    expect(off.sent).toEqual([]);
    const on = yealinkPhone(rules({}, { user: 'amosm@contoso.com' }));
    await on.driver.dial('1002');
    expect(on.sent).toEqual([expect.stringContaining('number=1002')]);
  });

  it("follows the phone's events: the call's states, mute, and its end", () => {
    const { driver } = yealinkPhone();
    const calls: string[] = [];
    driver.on('call', (call) => calls.push(`${call.callId}:${call.state}:${call.muted}`));
    notified(driver, '/btoe/phones/x/yealink/incoming_call?call_id=7&remote=1002');
    expect(driver.call).toMatchObject({ state: 'offering', direction: 'in', number: '1002' });
    notified(driver, '/btoe/phones/x/yealink/call_established?call_id=7&remote=1002');
    notified(driver, '/btoe/phones/x/yealink/mute?call_id=7');
    notified(driver, '/btoe/phones/x/yealink/call_terminated?call_id=7&remote=1002');
    expect(driver.call).toBeUndefined();
    expect(calls).toEqual(['1:offering:false', '1:connected:false', '1:connected:true', '1:ended:false']);
    expect(driver.eventsSeen).toBe(true);
  });

  it('drops itself when the phone stops answering, so the link reconnects with backoff', async () => {
    const client = new YealinkClient(
      { url: URL_, credentials: { user: 'admin', password: 'x' } },
      { request: () => Promise.reject(new VendorPhoneError('unreachable', 'no route to 192.0.2.30')) },
    );
    const facts = { vendor: 'Yealink', model: 'T54W', firmware: '96.86.0.100', mac: '', lines: [] };
    const driver = new VendorPhone(
      pairedPhone({ driver: { kind: 'yealink', url: URL_, user: 'admin' } }),
      client,
      facts,
      rules(),
    );
    const closed: Array<Error | undefined> = [];
    driver.on('close', (reason) => closed.push(reason));
    await expect(driver.ping()).rejects.toThrow('no route');
    expect(closed).toHaveLength(1);
    expect(closed[0]?.message).toBe('no route to 192.0.2.30');
  });
});
