// Environment: Node (vitest). The web sign-in address a phone sends is opened only on the identity provider's pages.
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../../main/core/policy.js';
import { verificationAddress } from '../../../../main/core/sign-in.js';

const allowed = DEFAULT_POLICY.WebSignInAllowedAddresses;

describe('verificationAddress', () => {
  it.each([
    'https://microsoft.com/devicelogin',
    'https://microsoft.com/devicelogin?otc=FQK7RH3JC',
    'https://www.microsoft.com/devicelogin',
    'https://login.microsoftonline.com/common/oauth2/deviceauth',
    'https://login.microsoft.com/device',
  ])("opens Microsoft's device-login page %s by default", (address) => {
    expect(verificationAddress(address, allowed)).toBe(new URL(address).href);
  });

  it.each([
    'https://evil.example/devicelogin',
    'https://microsoft.com.evil.example/devicelogin',
    'https://microsoft.com/en-us/anything-else',
    'https://microsoft.com/deviceloginx',
    'https://login.microsoftonline.com:8443/common',
    'https://evil.example/?https://login.microsoftonline.com',
  ])('refuses %s, naming the policy', (address) => {
    expect(() => verificationAddress(address, allowed)).toThrow(/WebSignInAllowedAddresses/);
  });

  it("follows the administrator's list, and refuses everything when it is empty", () => {
    expect(verificationAddress('https://idp.contoso.com/device/x', ['idp.contoso.com/device'])).toBe(
      'https://idp.contoso.com/device/x',
    );
    expect(() => verificationAddress('https://microsoft.com/devicelogin', [])).toThrow(/none/);
  });

  it('still refuses what is not a plain https address', () => {
    expect(() => verificationAddress('http://microsoft.com/devicelogin', allowed)).toThrow(/plain https/);
    expect(() => verificationAddress('https://u:p@microsoft.com/devicelogin', allowed)).toThrow(
      /plain https/,
    );
  });
});
