// Environment: Node (main process core).
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
    case 'yealink':
      return new YealinkClient(options);
  }
};
