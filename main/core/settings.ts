// Environment: Node (main process core).
import { join } from 'node:path';
import { z } from 'zod';
import {
  StoreFileError,
  ensurePrivateDir,
  readJsonFile,
  writeFileAtomic,
} from '../../native-bridge/persist/atomic-file.js';

/** The user's own settings (`<store>/settings.json`), as opposed to the admin's policy. */
export const SettingsSchema = z.object({
  version: z.literal(1),
  /** The PC user's UPN: a phone signed in as someone else is "paired but not activated". */
  user: z.string().max(256).optional(),
  /** ISO 3166 region for numbers dialled without a country code, e.g. "US". */
  // The shape only: whether libphonenumber knows the region is checked when a number is dialled.
  defaultRegion: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'a two-letter region code like "US" or "GB"')
    .transform((region) => region.toUpperCase())
    .optional(),
  /** Start with the session (tray only); policy StartAtLogin may force it either way. */
  startAtLogin: z.boolean().optional(),
  /** Lock the phone when the PC locks; policy LockSync may force it either way. */
  lockSync: z.boolean().optional(),
  /** Auto or Manual pairing, where no admin policy decides it (policy BetterTogetherOverEthernetPairingMode). */
  pairingMode: z.enum(['auto', 'manual']).optional(),
  /** The window's language; absent: the OS locale's. */
  language: z.enum(['en', 'fr']).optional(),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const DEFAULT_SETTINGS: Settings = { version: 1 };

/** A damaged settings file is reported and left untouched; the defaults apply until it is fixed. */
export async function loadSettings(storeDir: string): Promise<{ settings: Settings; warning?: string }> {
  try {
    return {
      settings: (await readJsonFile(join(storeDir, 'settings.json'), SettingsSchema)) ?? DEFAULT_SETTINGS,
    };
  } catch (error) {
    if (error instanceof StoreFileError) return { settings: DEFAULT_SETTINGS, warning: error.message };
    throw error;
  }
}

/**
 * Changes some settings and writes the file atomically. A damaged file is not overwritten: the StoreFileError
 * says what is wrong with it, so the user's other settings are never replaced by defaults behind their back.
 */
export async function updateSettings(
  storeDir: string,
  change: Partial<Omit<Settings, 'version'>>,
): Promise<Settings> {
  const path = join(storeDir, 'settings.json');
  const current = (await readJsonFile(path, SettingsSchema)) ?? DEFAULT_SETTINGS;
  const next = SettingsSchema.parse({ ...current, ...change, version: 1 });
  await ensurePrivateDir(storeDir);
  await writeFileAtomic(path, `${JSON.stringify(next, null, 2)}\n`);
  return next;
}
