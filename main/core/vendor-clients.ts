// Environment: Node (main process core).
import { DeviceHttpClient } from '../../native-bridge/vendor/device-http.js';
import type {
  VendorKind,
  VendorPhoneClient,
  VendorPhoneOptions,
} from '../../native-bridge/vendor/vendor-phone.js';
import { YealinkClient } from '../../native-bridge/vendor/yealink/yealink-client.js';
import { CompanionError } from './companion.js';

export { type PhoneCertificate, readPhoneCertificate } from '../../native-bridge/vendor/device-http.js';

/** Makes the client of one phone's device API; the running companion and `btoe` use the vendors' own. */
export type VendorClientFactory = (
  kind: VendorKind,
  options: VendorPhoneOptions,
) => Promise<VendorPhoneClient>;

/** The vendors' clients (native-bridge/vendor/poly, native-bridge/vendor/yealink) over one HTTP(S) client each. */
export const vendorClients: VendorClientFactory = async (kind, options) => {
  const http = new DeviceHttpClient(options);
  switch (kind) {
    case 'yealink':
      // device-http names this PC's address on the connection, which features.action_uri_limit_ip must list.
      return new YealinkClient(options, http);
    default:
      throw new CompanionError('usage', `this build has no ${kind} client`);
  }
};
