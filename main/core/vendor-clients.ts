// Environment: Node (main process core).
import { DeviceHttpClient } from '../../native-bridge/vendor/device-http.js';
import { facingAddress, phoneAddressOf } from '../../native-bridge/vendor/event-listener.js';
import type {
  VendorKind,
  VendorPhoneClient,
  VendorPhoneOptions,
} from '../../native-bridge/vendor/vendor-phone.js';
import { PolyClient } from '../../native-bridge/vendor/poly/poly-client.js';
import { YealinkClient } from '../../native-bridge/vendor/yealink/yealink-client.js';

export { type PhoneCertificate, readPhoneCertificate } from '../../native-bridge/vendor/device-http.js';

/** Makes the client of one phone's device API; the running companion and `btoe` use the vendors' own. */
export type VendorClientFactory = (
  kind: VendorKind,
  options: VendorPhoneOptions,
) => Promise<VendorPhoneClient>;

/** The vendors' clients (native-bridge/vendor/poly, native-bridge/vendor/yealink) over one HTTP(S) client each. */
export const vendorClients: VendorClientFactory = async (kind, options) => {
  switch (kind) {
    case 'poly':
      return new PolyClient(options);
    case 'yealink': {
      const http = new DeviceHttpClient(options);
      // What features.action_uri_limit_ip must name, for the message when the phone refuses this PC.
      let local: Promise<string | undefined> | undefined;
      const localAddress = () =>
        (local ??= phoneAddressOf(new URL(options.url).hostname)
          .then(facingAddress)
          .catch(() => undefined));
      return new YealinkClient(options, async (url) => {
        // Sent exactly as the client built it: Yealink needs its own order and escaping.
        const answer = await http.request({ method: 'GET', path: url.slice(new URL(url).origin.length) });
        return {
          status: answer.status,
          headers: answer.headers,
          body: answer.body.toString('utf8'),
          localAddress: await localAddress(),
        };
      });
    }
  }
};
