// The reg.exe output parser and how a failed query is read. The real registry round trip is in
// test/integration/wine.test.ts; here, output as reg.exe prints it (captured from wine's reg, which prints the
// same layout) and the localized messages a Windows machine in another language prints.
import { describe, expect, it } from 'vitest';
import {
  type RegRunner,
  parseRegQuery,
  readRegistryPolicy,
  registryToPolicyValues,
} from '../../../../main/core/policy-registry.js';

const CAPTURED =
  '\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\BToE\\Companion\r\n' +
  '    AllowedTransports    REG_MULTI_SZ    Ethernet\\0USB\r\n' +
  '    EnableBetterTogetherOverEthernet    REG_DWORD    0x1\r\n' +
  '    Some Name    REG_SZ    \r\n\r\n';

const answering =
  (code: number, stdout: string, stderr = ''): RegRunner =>
  async () => ({ code, stdout, stderr });

describe('parseRegQuery', () => {
  it('reads names with spaces, empty data and every type, and skips key lines', () => {
    expect(parseRegQuery(CAPTURED)).toEqual([
      { name: 'AllowedTransports', type: 'REG_MULTI_SZ', data: 'Ethernet\\0USB' },
      { name: 'EnableBetterTogetherOverEthernet', type: 'REG_DWORD', data: '0x1' },
      { name: 'Some Name', type: 'REG_SZ', data: '' },
    ]);
  });

  it('gives the policy schema JSON-shaped values', () => {
    expect(registryToPolicyValues(parseRegQuery(CAPTURED))).toEqual({
      AllowedTransports: ['Ethernet', 'USB'],
      EnableBetterTogetherOverEthernet: true,
      'Some Name': '',
    });
    expect(
      registryToPolicyValues([
        { name: 'lockSYNC', type: 'REG_DWORD', data: '0x2' },
        { name: 'LoggingLevel', type: 'REG_BINARY', data: '01' },
      ]),
    ).toEqual({ LockSync: 'DWORD 0x2', LoggingLevel: 'REG_BINARY 01' });
  });
});

describe('readRegistryPolicy', () => {
  it('reads a missing key as not configured, in any language', async () => {
    for (const message of [
      'ERROR: The system was unable to find the specified registry key or value.',
      "ERREUR : le système n'a pas trouvé la clé ou la valeur de Registre spécifiée.",
      'reg: Unable to find the specified registry key',
    ]) {
      expect(await readRegistryPolicy('HKLM\\X', answering(1, '', message))).toEqual({ found: false });
    }
  });

  it('reports a refused read as an error (the policy then fails closed)', async () => {
    for (const message of [
      'ERROR: Access is denied.',
      'ERREUR : Accès refusé.',
      'FEHLER: Zugriff verweigert',
    ]) {
      const read = await readRegistryPolicy('HKLM\\X', answering(1, '', message));
      expect(read).toMatchObject({ found: true, error: expect.stringContaining('cannot read HKLM\\X') });
    }
    expect(await readRegistryPolicy('HKLM\\X', answering(-1, '', 'spawn reg.exe ENOENT'))).toMatchObject({
      error: expect.stringContaining('ENOENT'),
    });
  });
});
