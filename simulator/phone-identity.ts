// Environment: Node (the phone simulator).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { type Identity, createIdentity, identityFromPem } from '../native-bridge/link/identity.js';
import { ensurePrivateDir, readJsonFile, writeFileAtomic } from '../native-bridge/persist/atomic-file.js';

/** A PC this phone has paired with: the pin its sessions are checked against. */
export const PairedPcSchema = z.object({
  id: z.string(),
  name: z.string(),
  certificate: z.string(),
  mode: z.enum(['auto', 'manual']),
  pairedAt: z.string(),
});
export type PairedPc = z.infer<typeof PairedPcSchema>;

const PeersFileSchema = z.object({ version: z.literal(1), pcs: z.array(PairedPcSchema) });

/**
 * The phone's persistent memory (`--identity DIR`): its key, certificate and paired PCs. Keeping DIR keeps
 * the identity across restarts (a reboot); a fresh DIR is a factory reset. Without DIR it lives in memory.
 */
export class PhoneIdentityStore {
  private constructor(
    readonly identity: Identity,
    private pcs: PairedPc[],
    private readonly dir: string | undefined,
  ) {}

  static async open(dir: string | undefined): Promise<PhoneIdentityStore> {
    if (dir === undefined) return new PhoneIdentityStore(createIdentity('BToE phone'), [], undefined);
    await ensurePrivateDir(dir);
    const keyPath = join(dir, 'phone-key.pem');
    const certPath = join(dir, 'phone-cert.pem');
    let identity: Identity;
    try {
      identity = identityFromPem(await readFile(keyPath, 'utf8'), await readFile(certPath, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      identity = createIdentity('BToE phone');
      await writeFileAtomic(keyPath, identity.privateKeyPem);
      await writeFileAtomic(certPath, identity.certificatePem, 0o644);
    }
    const peers = await readJsonFile(join(dir, 'paired-pcs.json'), PeersFileSchema);
    return new PhoneIdentityStore(identity, peers?.pcs ?? [], dir);
  }

  get(id: string): PairedPc | undefined {
    return this.pcs.find((pc) => pc.id === id);
  }

  async add(pc: PairedPc): Promise<void> {
    this.pcs = [...this.pcs.filter((p) => p.id !== pc.id), pc];
    await this.save();
  }

  async remove(id: string): Promise<boolean> {
    const before = this.pcs.length;
    this.pcs = this.pcs.filter((p) => p.id !== id);
    await this.save();
    return this.pcs.length < before;
  }

  private async save(): Promise<void> {
    if (this.dir === undefined) return;
    await writeFileAtomic(
      join(this.dir, 'paired-pcs.json'),
      JSON.stringify({ version: 1, pcs: this.pcs }, null, 2),
    );
  }
}
