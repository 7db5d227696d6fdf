// Vendors' dotted versions compared, the minimums table, and which firmware has Device-Lock.
import { describe, expect, it } from 'vitest';
import {
  FIRMWARE_MINIMUMS,
  checkFirmware,
  compareVersions,
  lockTypeFor,
  versionParts,
} from '../../../../native-bridge/firmware/minimums.js';

describe("vendors' dotted versions", () => {
  it.each([
    ['5.4.0A', '5.4.0', 1],
    ['5.4.0', '5.4.0A', -1],
    ['5.4.0A', '5.4.0B', -1],
    ['5.4.0a', '5.4.0A', 0],
    ['5.4.0A', '5.4.1', -1],
    ['5.4', '5.4.0', 0],
    ['6.4.3', '5.4.0A', 1],
    ['5.10.0', '5.9.9', 1],
    ['4.0.7577.4463', '4.0.7577.4462', 1],
    ['4.0.7577.4463', '4.0.7577.10000', -1],
    ['3.0.0.459.1', '3.0.0.459', 1],
    ['3.0.0.459.1', '3.0.1', -1],
    ['8.1.52', '8.1.6', 1],
  ])('%s against %s: %i', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
    expect(Math.sign(compareVersions(b, a))).toBe(-sign || 0);
  });

  it('reads letters and numbers as separate parts, and text without digits as unreadable', () => {
    expect(versionParts('5.4.0A')).toEqual([5, 4, 0, 'a']);
    expect(versionParts('UC 6.4.3-rc1')).toEqual(['uc', 6, 4, 3, 'rc', 1]);
    expect(versionParts('unknown')).toBeUndefined();
  });
});

describe('the minimums table', () => {
  it('holds the published minimum of every family', () => {
    expect(Object.fromEntries(FIRMWARE_MINIMUMS.map((r) => [r.family, r.minimum]))).toEqual({
      'Lync Phone Edition': '4.0.7577.4463',
      'Polycom VVX': '5.4.0A',
      Yealink: 'X.8.1.52',
      AudioCodes: '3.0.0.459.1',
    });
  });

  it.each([
    [{ vendor: 'Polycom', family: 'VVX', model: 'VVX 450' }, '5.4.0', 'too-old'],
    [{ vendor: 'Polycom', family: 'VVX', model: 'VVX 450' }, '5.4.0A', 'ok'],
    [{ vendor: 'Poly', family: 'VVX', model: 'VVX 250' }, '6.4.3.1234', 'ok'],
    // Yealink: the first number is the model's own (28 for one model, 66 for another); 8.1.52 is the version.
    [{ vendor: 'Yealink', family: 'T4x', model: 'T46G' }, '28.8.1.52', 'ok'],
    [{ vendor: 'Yealink', family: 'T4x', model: 'T48S' }, '66.8.0.40', 'too-old'],
    [{ vendor: 'Yealink', family: 'T4x', model: 'T46G' }, '99.8.2.1', 'ok'],
    [{ vendor: 'Yealink', family: 'T4x', model: 'T46G' }, '8', 'unreadable'],
    [{ vendor: 'AudioCodes', family: '400HD', model: '450HD' }, '3.0.0.459', 'too-old'],
    [{ vendor: 'AudioCodes', family: '400HD', model: '450HD' }, '3.0.1.12', 'ok'],
    [{ vendor: 'Microsoft', family: 'Lync Phone Edition', model: 'CX600' }, '4.0.7577.4455', 'too-old'],
    [{ vendor: 'Polycom', family: 'VVX', model: 'VVX 450' }, 'n/a', 'unreadable'],
    [{ vendor: 'Cisco', family: '8800', model: '8865' }, '12.0.1', 'unknown-family'],
  ])('%o at %s is %s', (phone, firmware, kind) => {
    expect(checkFirmware(phone, firmware).kind).toBe(kind);
  });
});

describe('Device-Lock and Phone-Lock', () => {
  it('Polycom before 5.5.1 has Device-Lock; later Polycom and every other vendor Phone-Lock', () => {
    expect(lockTypeFor('Polycom', '5.4.1')).toBe('device-lock');
    expect(lockTypeFor('Polycom', '5.4.0A')).toBe('device-lock');
    expect(lockTypeFor('Polycom', '5.5.1')).toBe('phone-lock');
    expect(lockTypeFor('Poly', '6.4.3')).toBe('phone-lock');
    expect(lockTypeFor('Yealink', '28.5.0.1')).toBe('phone-lock');
  });
});
