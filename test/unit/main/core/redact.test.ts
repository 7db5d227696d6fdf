import { homedir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { redactForSupport } from '../../../../main/core/redact.js';

describe('redactForSupport', () => {
  it('removes accounts, secret-named members and the home folder, and keeps what support needs', () => {
    const text = JSON.stringify({
      user: 'amosm@contoso.com',
      store: `${homedir()}/.config/btoe-companion`,
      signIn: { userCode: 'WDJB-MJHT', address: 'https://microsoft.com/devicelogin' },
      password: 'hunter2',
      secretStore: 'Windows Credential Manager',
      phone: { id: 'pj6t6zwftekoahbanxnf47fjl4', address: 'tcp://10.0.4.21:24801', firmware: '6.4.3' },
    });
    const out = redactForSupport(text);
    for (const secret of ['amosm@contoso.com', 'WDJB-MJHT', 'hunter2', homedir()]) {
      expect(out).not.toContain(secret);
    }
    for (const kept of [
      'pj6t6zwftekoahbanxnf47fjl4',
      'tcp://10.0.4.21:24801',
      '6.4.3',
      '~/.config/btoe-companion',
    ]) {
      expect(out).toContain(kept);
    }
    expect(() => JSON.parse(out) as unknown).not.toThrow();
  });
});
