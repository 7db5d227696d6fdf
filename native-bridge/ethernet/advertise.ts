// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
import { EventEmitter } from 'node:events';
// Loaded with the module (the phone side only): a restarted phone then serves its first connections at once
// instead of loading mDNS right after it starts listening.
import Bonjour from 'bonjour-service';
import {
  type PhoneClaims,
  SERVICE_NAME as SERVICE_TYPE_NAME,
  SERVICE_PROTOCOL,
  SERVICE_TYPE,
  encodeTxt,
} from './record.js';

/**
 * The phone's side of discovery (the simulator's `--mdns`): publishes `_btoe._tcp` with bonjour-service, which
 * probes for the name (RFC 6762: about 0.6 s) and then announces, and answers queries from then on. When what
 * the phone claims changes (a PC plugged into its PC port) or its addresses change, it re-announces at once.
 */
export interface AdvertiseOptions {
  /** The instance label, unique on the link (e.g. "Polycom VVX 450 1a2b"). */
  name: string;
  /** The host name for the SRV target and A/AAAA records, ending in ".local". */
  host: string;
  port: number;
  claims: Omit<PhoneClaims, 'protocol'>;
}

interface Registered {
  name: string;
  type: string;
  ttl: number;
  data: unknown;
}
type Query = (...args: unknown[]) => void;
interface BonjourInternals {
  server: {
    register(records: Registered[]): void;
    unregister(records: Registered[]): void;
    mdns: {
      respond(packet: { answers: Registered[] }, callback?: (error?: Error) => void): void;
      query: Query;
    };
  };
}
interface ServiceInternals {
  txt: Record<string, string>;
  published: boolean;
  records(): Registered[];
  on(event: 'up', listener: () => void): void;
  stop(callback?: () => void): void;
}

export class PhoneAdvertiser extends EventEmitter<{ announced: []; warning: [Error] }> {
  private records: Registered[] = [];
  private stopped = false;

  private constructor(
    private readonly bonjour: InstanceType<typeof Bonjour>,
    private readonly service: ServiceInternals,
  ) {
    super();
  }

  /** Starts probing and announcing; `announced` fires when the first announcement is sent. */
  static async start(options: AdvertiseOptions): Promise<PhoneAdvertiser> {
    const made: { advertiser?: PhoneAdvertiser } = {};
    const bonjour = new Bonjour({}, (error: Error) => made.advertiser?.emit('warning', error));
    const service = bonjour.publish({
      name: options.name,
      type: SERVICE_TYPE,
      protocol: SERVICE_PROTOCOL,
      host: options.host,
      port: options.port,
      txt: encodeTxt(options.claims),
    }) as unknown as ServiceInternals;
    // In time: bonjour-service sends its first probe after a random 0-250 ms.
    probeWithProposedRecords(bonjour, `${options.name}.${SERVICE_TYPE_NAME}`, () => service.records());
    const advertiser = new PhoneAdvertiser(bonjour, service);
    made.advertiser = advertiser;
    advertiser.records = service.records();
    service.on('up', () => advertiser.emit('announced'));
    return advertiser;
  }

  get announced(): boolean {
    return this.service.published;
  }

  /**
   * New claims and/or new addresses: the old records are replaced in the responder and the new ones announced
   * at once (before the first announcement, the new records simply go out with it).
   */
  update(claims?: Omit<PhoneClaims, 'protocol'>): void {
    if (this.stopped) return;
    if (claims) this.service.txt = encodeTxt(claims);
    const next = this.service.records();
    if (JSON.stringify(next) === JSON.stringify(this.records)) return;
    const server = (this.bonjour as unknown as BonjourInternals).server;
    server.unregister(this.records.filter((r) => r.type !== 'PTR'));
    server.register(next);
    this.records = next;
    if (!this.service.published) return;
    server.mdns.respond({ answers: next }, (error) => {
      if (error) this.emit('warning', error);
    });
  }

  /** Says goodbye (records with TTL 0) and closes the socket. */
  stop(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.stopped = true;
    return new Promise((resolve) => {
      const timer = setTimeout(finish, 500);
      function finish() {
        clearTimeout(timer);
        resolve();
      }
      this.service.stop(() => {
        this.bonjour.destroy(finish);
      });
    });
  }
}

/**
 * bonjour-service probes with a bare question (`<instance> ANY`). RFC 6762 section 8.2 has a probe carry the records
 * it proposes in its Authority section (for the tie-break between two hosts probing the same name), and the
 * companion takes such a probe as a hint to ask the phone over TLS at once (docs/protocol.md, section 5): the phone
 * already listens while it probes. The instance's own records go in the Authority section, its addresses as
 * additional records.
 */
function probeWithProposedRecords(
  bonjour: InstanceType<typeof Bonjour>,
  fqdn: string,
  proposed: () => Registered[],
): void {
  const mdns = (bonjour as unknown as BonjourInternals).server.mdns;
  const query = mdns.query.bind(mdns);
  mdns.query = (...args: unknown[]) => {
    const [question, type, ...rest] = args;
    if (typeof question !== 'string' || type !== 'ANY' || question.toLowerCase() !== fqdn.toLowerCase())
      return query(...args);
    const records = proposed();
    const own = (r: Registered) => r.name.toLowerCase() === fqdn.toLowerCase();
    query(
      {
        questions: [{ name: question, type: 'ANY' }],
        authorities: records.filter(own),
        additionals: records.filter((r) => r.type === 'A' || r.type === 'AAAA'),
      },
      ...rest,
    );
  };
}
