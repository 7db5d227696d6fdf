// Environment: any (plain TypeScript).

/**
 * What `btoe doctor` knows about this PC, gathered by the adapters in main/host/doctor (or given by a test): the
 * checks in checks.ts are a pure function of these facts, so the CLI, the app's Diagnostics page and the tests
 * all judge the same way.
 */
export interface DoctorFacts {
  readonly platform: string;
  readonly appVersion: string;
  readonly interfaces: readonly InterfaceFact[];
  readonly discovery: DiscoveryFact;
  /** Paired phones asked directly at their known addresses (whether or not mDNS heard them). */
  readonly directProbes: readonly DirectProbe[];
  readonly usbSerial: EnumerationFact<SerialPortFact>;
  readonly hid: EnumerationFact<HidDeviceFact>;
  readonly store: StoreFact;
  readonly policy: PolicyFact;
  readonly session: RemoteSession | undefined;
  readonly companion: CompanionFact;
  /** Poly and Yealink phones asked for their device facts through their APIs (docs/vendor-phones.md). */
  readonly vendorPhones?: readonly VendorPhoneFact[];
}

export interface VendorPhoneFact {
  readonly id: string;
  readonly name: string;
  readonly driver: 'poly' | 'yealink';
  readonly url: string;
  /** What the phone answered; undefined with `error` when it did not. */
  readonly facts?: {
    readonly vendor: string;
    readonly model: string;
    readonly firmware: string;
    readonly mac: string;
    readonly lines: ReadonlyArray<{ line: string; address: string; registered: boolean }>;
  };
  readonly error?: string;
}

export type InterfaceKind = 'ethernet' | 'wifi' | 'vpn' | 'virtual' | 'loopback';

export interface InterfaceFact {
  readonly name: string;
  readonly kind: InterfaceKind;
  readonly mac?: string | undefined;
  /** Administratively up. */
  readonly up: boolean;
  /** A cable with a live partner; undefined where the OS does not say. */
  readonly carrier: boolean | undefined;
  readonly addresses: readonly { family: 'IPv4' | 'IPv6'; address: string; prefix: number }[];
}

/** A phone's hello as read over TLS (what the phone proves), reduced to what the checks use. */
export interface HelloFact {
  readonly vendor: string;
  readonly family: string;
  readonly model: string;
  readonly firmware: string;
  readonly lockType: 'phone-lock' | 'device-lock';
  readonly pairingMode: 'auto' | 'manual';
  /** The phone saw this very connection's layer-2 source on its PC port (docs/protocol.md, "Auto mode"). */
  readonly peerOnPcPort: boolean;
}

export interface HeardPhone {
  readonly instance: string;
  /** The link it was heard on. */
  readonly link: string;
  readonly addresses: readonly string[];
  /** What its mDNS record claims. */
  readonly claims: {
    readonly id: string;
    readonly vendor: string;
    readonly model: string;
    readonly firmware: string;
  };
  /** Asked over TLS: where it answered, the id its certificate hashes to, and its hello; or why not. */
  readonly probe: {
    readonly address?: string | undefined;
    readonly id?: string | undefined;
    readonly verified: boolean;
    readonly hello?: HelloFact | undefined;
    readonly error?: string | undefined;
  };
}

export type DiscoveryFact =
  | { readonly state: 'off'; readonly reason: string }
  | { readonly state: 'failed'; readonly error: string }
  | {
      readonly state: 'ran';
      /** The links browsed. */
      readonly links: readonly string[];
      readonly seconds: number;
      readonly heard: readonly HeardPhone[];
      /** BTOE_DISCOVERY=eth0,eth1: only these links. */
      readonly only?: readonly string[] | undefined;
    };

export interface DirectProbe {
  readonly id: string;
  readonly name: string;
  readonly address: string;
  readonly answered: boolean;
  /** The id the answering phone's certificate hashes to (another phone may have its old address). */
  readonly answeredAs?: string | undefined;
  readonly hello?: HelloFact | undefined;
  readonly error?: string | undefined;
}

export type EnumerationFact<T> =
  { readonly ok: true; readonly items: readonly T[] } | { readonly ok: false; readonly message: string };

export interface SerialPortFact {
  readonly path: string;
  readonly vendor: string;
  readonly vendorId: string;
  /** This user may open it (read and write); undefined where that cannot be told without opening it. */
  readonly accessible: boolean | undefined;
}

export interface HidDeviceFact {
  readonly path: string;
  readonly product: string;
  readonly vendorId: string;
  readonly accessible: boolean | undefined;
}

export interface PairedPhoneFact {
  readonly id: string;
  readonly name: string;
  readonly vendor: string;
  readonly family: string;
  readonly model: string;
  readonly firmware: string;
  readonly lockType: 'phone-lock' | 'device-lock';
  readonly address: string;
  readonly mode: 'auto' | 'manual';
}

export interface StoreFact {
  readonly dir: string;
  readonly pairings: { readonly ok: true; readonly phones: readonly PairedPhoneFact[] } | StoreProblem;
  /** settings.json: undefined when fine (or absent), else what is wrong. */
  readonly settingsWarning?: string | undefined;
  readonly secretStore:
    { readonly ok: true; readonly kind: string; readonly description: string } | StoreProblem;
  /** This PC's identity: certificate and private key, both or neither (a fresh install). */
  readonly identity: { readonly certificate: boolean; readonly key: boolean | 'unreadable' };
}

export interface StoreProblem {
  readonly ok: false;
  readonly message: string;
}

export interface PolicyFact {
  /** The effective values, by name. */
  readonly values: Readonly<Record<string, unknown>>;
  /** Where they came from (a file, the registry, "defaults"). */
  readonly source: string;
  /** Where each value came from, where the policy sources say (machine policy, user policy, settings, default). */
  readonly sources?: Readonly<Record<string, string>> | undefined;
  readonly warnings: readonly string[];
  /** A file given to `btoe doctor --policy`: evaluated, not in force. */
  readonly candidate?: string | undefined;
}

export type RemoteSessionKind = 'rdp' | 'citrix' | 'horizon' | 'ssh' | 'xrdp';

export interface RemoteSession {
  readonly kind: RemoteSessionKind;
  /** What gave it away (an environment variable and its value). */
  readonly evidence: string;
}

export type CompanionFact =
  | { readonly running: false }
  | {
      readonly running: true;
      readonly pid?: number | undefined;
      readonly version?: string | undefined;
      readonly startedAt?: string | undefined;
    }
  | { readonly running: 'unknown'; readonly error: string };
