// Environment: Node (Electron main, without importing electron). The table of the contract's request
// handlers: each checks its request against the contract's schema, asks the companion core, and checks the
// answer before it leaves. main/electron/window-ipc.ts registers exactly these with ipcMain; the browser
// end-to-end test's bridge calls the same table, so both exercise one path.
import {
  type AddPhoneRequest,
  type AddPhoneResult,
  describeInvalid,
  requestSchemas,
  type CallAction,
  type CompanionView,
  type DiagnosticsView,
  type Report,
  type RequestChannel,
  type RequestChannels,
  type Result,
  type SettingsRequest,
  type SettingsView,
} from '../../contract/window.js';
import type { DoctorReport } from '../../contract/doctor-report.js';

/** What the shell needs from the companion core; implemented in main/composition/running-companion.ts. */
export interface CompanionPort {
  status(): Promise<CompanionView>;
  pair(device: string, code?: string): Promise<Result>;
  lookUp(address: string): Promise<Result>;
  unpair(device: string): Promise<Result>;
  dial(target: string, device?: string): Promise<Result>;
  call(action: CallAction, device?: string): Promise<Result>;
  signIn(device: string, user: string, password: string): Promise<Result>;
  openSignIn(device: string): Promise<Result>;
  /**
   * Adds a Poly or Yealink phone through its device API. An HTTPS phone's first answer is its certificate to
   * confirm (ask again with its fingerprint); every failure is thrown with the message for the user.
   */
  addPhone(request: AddPhoneRequest): Promise<AddPhoneResult>;
  settings(): SettingsView;
  setSettings(next: SettingsRequest): Promise<SettingsView>;
  diagnostics(): Promise<DiagnosticsView>;
  report(): Promise<Report>;
  /** The `btoe doctor` checks, run now. */
  doctor(): Promise<DoctorReport>;
  /** Writes the redacted support bundle to a file the main process chooses; says where, or why not. */
  saveBundle(): Promise<Result>;
  /** Calls `listener` on every status change; returns the unsubscribe function. */
  onStatusChanged(listener: (view: CompanionView) => void): () => void;
}

type Answer<C extends RequestChannel> = (
  request: RequestChannels[C]['request'],
) => Promise<RequestChannels[C]['response']> | RequestChannels[C]['response'];

/** One checked handler per channel: takes the untrusted payload, resolves the checked answer. */
export type IpcHandlers = {
  [C in RequestChannel]: (payload: unknown) => Promise<RequestChannels[C]['response']>;
};

export function createIpcHandlers(port: CompanionPort): IpcHandlers {
  const checked =
    <C extends RequestChannel>(channel: C, answer: Answer<C>) =>
    async (payload: unknown): Promise<RequestChannels[C]['response']> => {
      const schemas = requestSchemas[channel];
      const request = schemas.request.safeParse(payload);
      if (!request.success) throw new Error(describeInvalid(`The ${channel} request`, request.error));
      const response = schemas.response.safeParse(await answer(request.data));
      if (!response.success) {
        throw new Error(describeInvalid(`The companion's answer to ${channel}`, response.error));
      }
      return response.data;
    };

  return {
    'companion:get-status': checked('companion:get-status', () => port.status()),
    'companion:pair': checked('companion:pair', ({ device, code }) => port.pair(device, code)),
    'companion:look-up': checked('companion:look-up', ({ address }) => port.lookUp(address)),
    'companion:unpair': checked('companion:unpair', ({ device }) => port.unpair(device)),
    'companion:dial': checked('companion:dial', ({ target, device }) => port.dial(target, device)),
    'companion:call': checked('companion:call', ({ action, device }) => port.call(action, device)),
    'companion:sign-in': checked('companion:sign-in', ({ device, user, password }) =>
      port.signIn(device, user, password),
    ),
    'companion:open-sign-in': checked('companion:open-sign-in', ({ device }) => port.openSignIn(device)),
    'companion:add-phone': checked('companion:add-phone', (request) => port.addPhone(request)),
    'companion:get-settings': checked('companion:get-settings', () => port.settings()),
    'companion:set-settings': checked('companion:set-settings', (next) => port.setSettings(next)),
    'companion:get-diagnostics': checked('companion:get-diagnostics', () => port.diagnostics()),
    'companion:get-report': checked('companion:get-report', () => port.report()),
    'companion:run-doctor': checked('companion:run-doctor', () => port.doctor()),
    'companion:save-bundle': checked('companion:save-bundle', () => port.saveBundle()),
  };
}
