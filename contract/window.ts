// Environment: any (plain TypeScript + zod). The one IPC contract between the main process and the
// renderer: every channel, its payload types and the schemas that check them on both ends.
import { z } from 'zod';

// Views going to the renderer drop unknown keys (nothing internal leaks through by accident);
// requests coming from the renderer reject them.

export const phoneViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  vendor: z.string(),
  model: z.string(),
  firmware: z.string(),
  address: z.string(),
  paired: z.boolean(),
  connected: z.boolean(),
  onThisPcPort: z.boolean(),
  mode: z.enum(['auto', 'manual']).nullable(),
  locked: z.boolean().nullable(),
});

export const companionViewSchema = z.object({
  pairingMode: z.enum(['auto', 'manual', 'off']),
  secretStore: z.string(),
  phones: z.array(phoneViewSchema),
});

/** The pairing code is passed on as typed (spaces, hyphens, any case): the core normalises it. */
export const pairRequestSchema = z.strictObject({
  device: z
    .string()
    .trim()
    .min(1, { error: 'Name the phone to pair with (its name, ID or address).' })
    .max(256, { error: 'The phone name is too long (256 characters at most).' }),
  code: z.string().max(64, { error: 'The pairing code is too long (64 characters at most).' }).optional(),
});

export const pairResultSchema = z.object({ ok: z.boolean(), message: z.string() });

/** `companion:get-status` takes no payload. */
export const noPayloadSchema = z.undefined({ error: 'This request takes no payload.' });

export type PhoneView = z.infer<typeof phoneViewSchema>;
export type CompanionView = z.infer<typeof companionViewSchema>;
/** What policy lets the user do: pair in Auto or Manual mode, or not at all (not the protocol's PairingMode). */
export type PolicyPairingMode = CompanionView['pairingMode'];
export type PairRequest = z.infer<typeof pairRequestSchema>;
export type PairResult = z.infer<typeof pairResultSchema>;

/** Renderer → main requests (`ipcRenderer.invoke` / `ipcMain.handle`): channel → request and response. */
export interface RequestChannels {
  'companion:get-status': { request: undefined; response: CompanionView };
  'companion:pair': { request: PairRequest; response: PairResult };
}

/** Main → renderer pushes (`webContents.send` / `ipcRenderer.on`): channel → payload. */
export interface PushChannels {
  'companion:status-changed': CompanionView;
}

export type RequestChannel = keyof RequestChannels;
export type PushChannel = keyof PushChannels;

export const requestSchemas: {
  [C in RequestChannel]: {
    request: z.ZodType<RequestChannels[C]['request']>;
    response: z.ZodType<RequestChannels[C]['response']>;
  };
} = {
  'companion:get-status': { request: noPayloadSchema, response: companionViewSchema },
  'companion:pair': { request: pairRequestSchema, response: pairResultSchema },
};

export const pushSchemas: { [C in PushChannel]: z.ZodType<PushChannels[C]> } = {
  'companion:status-changed': companionViewSchema,
};

/** What the preload exposes to the renderer as `window.btoe`. */
export interface BtoeApi {
  getStatus(): Promise<CompanionView>;
  pair(request: PairRequest): Promise<PairResult>;
  /** Calls `listener` with every status the main process pushes; returns the unsubscribe function. */
  onStatusChanged(listener: (view: CompanionView) => void): () => void;
}

export { describeInvalid } from './describe-invalid.js';
