// Environment: Electron main. Answers the renderer's requests from the contract and pushes status
// changes to it. Every request is checked twice before it reaches the core: who sent it (the app's own
// top-level page) and what it carries (the contract's schemas).
import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron';
import {
  describeInvalid,
  pushSchemas,
  requestSchemas,
  type CompanionView,
  type RequestChannel,
} from '../../contract/window.js';
import { createIpcHandlers, type CompanionPort } from './window-ipc-handlers.js';

export type { CompanionPort } from './window-ipc-handlers.js';

export interface IpcOptions {
  port: CompanionPort;
  /** Whether a page at `url` is the app's own renderer. */
  isTrustedUrl(url: string): boolean;
}

/** Registers the request handlers and the status push; returns the function that removes them. */
export function registerIpcHandlers({ port, isTrustedUrl }: IpcOptions): () => void {
  const handlers = createIpcHandlers(port);
  for (const channel of Object.keys(handlers) as RequestChannel[]) {
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, payload: unknown) => {
      assertTrustedSender(channel, event, isTrustedUrl);
      return handlers[channel](payload);
    });
  }

  const unsubscribe = port.onStatusChanged((view) => pushStatus(view, isTrustedUrl));

  return () => {
    unsubscribe();
    for (const channel of Object.keys(requestSchemas) as RequestChannel[]) ipcMain.removeHandler(channel);
  };
}

function assertTrustedSender(
  channel: string,
  event: IpcMainInvokeEvent,
  isTrustedUrl: (url: string) => boolean,
): void {
  const frame = event.senderFrame;
  if (frame === null) throw new Error(`Refused ${channel}: the requesting page has gone.`);
  if (frame.parent !== null || !isTrustedUrl(frame.url)) {
    throw new Error(`Refused ${channel} from ${frame.url}: only the BToE Companion window may ask.`);
  }
}

function pushStatus(view: CompanionView, isTrustedUrl: (url: string) => boolean): void {
  const channel = 'companion:status-changed';
  const checked = pushSchemas[channel].safeParse(view);
  if (!checked.success) {
    console.error(describeInvalid(`The companion's ${channel} push`, checked.error));
    return;
  }
  for (const win of BrowserWindow.getAllWindows()) {
    const contents = win.webContents;
    if (!contents.isDestroyed() && isTrustedUrl(contents.getURL())) contents.send(channel, checked.data);
  }
}
