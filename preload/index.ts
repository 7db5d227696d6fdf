// Environment: sandboxed preload. Exposes the contract's narrow API as `window.btoe`; the renderer
// never sees ipcRenderer. Bundled into one CommonJS file (sandboxed preloads cannot load modules).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  describeInvalid,
  pushSchemas,
  requestSchemas,
  type BtoeApi,
  type CompanionView,
  type RequestChannel,
  type RequestChannels,
} from '../contract/window.js';

/** Electron prefixes a handler's error with "Error invoking remote method '…': Error: "; users need the rest. */
function withoutIpcPrefix(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^Error invoking remote method '[^']*': (?:\w*Error: )?/, '');
}

async function invoke<C extends RequestChannel>(
  channel: C,
  request: RequestChannels[C]['request'],
): Promise<RequestChannels[C]['response']> {
  // Only the contract's channels: the page cannot reach any other handler through this bridge.
  if (!Object.hasOwn(requestSchemas, channel)) throw new Error(`"${String(channel)}" is not a request.`);
  const schemas = requestSchemas[channel];
  const checkedRequest = schemas.request.safeParse(request);
  if (!checkedRequest.success) {
    throw new Error(describeInvalid(`The ${channel} request`, checkedRequest.error));
  }
  let response: unknown;
  try {
    response = await ipcRenderer.invoke(channel, checkedRequest.data);
  } catch (error) {
    throw new Error(withoutIpcPrefix(error));
  }
  const checkedResponse = schemas.response.safeParse(response);
  if (!checkedResponse.success) {
    throw new Error(describeInvalid(`The ${channel} response`, checkedResponse.error));
  }
  return checkedResponse.data;
}

const api: BtoeApi = {
  invoke,
  onStatusChanged(listener: (view: CompanionView) => void): () => void {
    const channel = 'companion:status-changed';
    const onMessage = (_event: IpcRendererEvent, payload: unknown): void => {
      const checked = pushSchemas[channel].safeParse(payload);
      if (checked.success) listener(checked.data);
      else console.error(describeInvalid(`The ${channel} push`, checked.error));
    };
    ipcRenderer.on(channel, onMessage);
    return () => {
      ipcRenderer.removeListener(channel, onMessage);
    };
  },
};

contextBridge.exposeInMainWorld('btoe', api);
