// Environment: Node (vitest).
// Which reports of a descriptor carry the tunnel.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseReportDescriptor } from '../../../../native-bridge/hid/report-descriptor.js';
import {
  TunnelLayoutError,
  findTunnelReports,
  tunnelCandidates,
} from '../../../../native-bridge/hid/tunnel-layout.js';
import { FIXTURES, fixture } from './fixtures.js';

const synthetic = () =>
  parseReportDescriptor(
    Uint8Array.from(
      readFileSync(
        new URL('../../../fixtures/hid-descriptors/btoe-phone-hid-synthetic.hex', import.meta.url),
        'utf8',
      )
        .trim()
        .split(/\s+/),
      (b) => parseInt(b, 16),
    ),
  );

/** Hex bytes to a descriptor ("06 00 ff 09 01 ..."). */
const descriptorOf = (hex: string) =>
  parseReportDescriptor(Uint8Array.from(hex.trim().split(/\s+/), (b) => parseInt(b, 16)));

/** A vendor collection with one input and one output byte-array report (ids and sizes as given). */
const vendorCollection = (page: number, input: number, output: number, count: number, outCount = count) =>
  [
    `06 ${(page & 0xff).toString(16)} ${(page >> 8).toString(16)} 09 01 a1 01 15 00 26 ff 00 75 08`,
    `95 ${count.toString(16)} 85 ${input.toString(16)} 09 02 81 02`,
    `95 ${outCount.toString(16)} 85 ${output.toString(16)} 09 03 91 02 c0`,
  ].join(' ');

describe('finding the tunnel in a report descriptor', () => {
  it('finds it in the synthetic phone, next to its telephony collection', () => {
    expect(findTunnelReports(synthetic())).toMatchObject({
      usagePage: 0xff00,
      usage: 0x01,
      numbered: true,
      reportId: 2,
      inputReportId: 1,
      reportSize: 63,
    });
  });

  it('among the real headsets, only the EPOS IMPACT DW has a collection of that shape', () => {
    // Vendor channels of that shape exist on real headsets (firmware updates, settings): the shape alone is
    // no proof, which is why the tunnel is only tried on phones and OPEN/ACCEPT decides.
    const shaped = Object.fromEntries(
      FIXTURES.map((name) => [name, tunnelCandidates(fixture(name)).map((c) => c.usagePage)]),
    );
    expect(shaped).toEqual({
      'jabra-evolve-link-ms': [],
      'jabra-biz2400ii': [],
      'plantronics-blackwire-c5220': [],
      'plantronics-blackwire3220': [],
      'poly-bt700': [],
      'sennheiser-sc660-anc-usb': [],
      'epos-impact-dw': [0xff58],
    });
    expect(() => findTunnelReports(fixture('jabra-evolve-link-ms'))).toThrow(TunnelLayoutError);
  });

  it('never guesses between two candidates; a usage filter picks one', () => {
    const two = descriptorOf(`${vendorCollection(0xff00, 1, 2, 32)} ${vendorCollection(0xff42, 3, 3, 64)}`);
    expect(() => findTunnelReports(two)).toThrow(/2 collections could carry the tunnel/);
    expect(findTunnelReports(two, { usagePage: 0xff42 })).toMatchObject({
      reportId: 3,
      inputReportId: 3,
      reportSize: 64,
    });
    expect(() => findTunnelReports(two, { usagePage: 0xff99 })).toThrow(/no tunnel collection matches/);
  });

  it('wants equal sizes, byte arrays, a vendor page and at least 8 bytes', () => {
    expect(tunnelCandidates(descriptorOf(vendorCollection(0xff00, 1, 2, 32, 16)))).toEqual([]);
    expect(tunnelCandidates(descriptorOf(vendorCollection(0xff00, 1, 2, 7)))).toEqual([]);
    // Usage page 0x0C (Consumer): not a vendor page.
    expect(
      tunnelCandidates(descriptorOf(vendorCollection(0xff00, 1, 2, 32).replace('06 0 ff', '05 0c'))),
    ).toEqual([]);
    // 16-bit values instead of bytes.
    const words = vendorCollection(0xff00, 1, 2, 16)
      .replace('75 08', '75 10')
      .replace('26 ff 00', '27 ff ff 00 00');
    expect(tunnelCandidates(descriptorOf(words))).toEqual([]);
    // Not numbered: report id 0 both ways.
    const unnumbered = descriptorOf(
      '06 00 ff 09 01 a1 01 15 00 26 ff 00 75 08 95 20 09 02 81 02 09 03 91 02 c0',
    );
    expect(findTunnelReports(unnumbered)).toMatchObject({ reportId: 0, inputReportId: 0, reportSize: 32 });
  });
});
