// Environment: DOM (renderer). The contract's API reaches components through this context, so tests and
// the browser end-to-end test can hand in another implementation than the preload's `window.btoe`.
import { createContext, useContext, type ReactNode } from 'react';
import type { BtoeApi } from '../contract/window.js';

declare global {
  interface Window {
    /** Exposed by preload/index.ts; absent when the page is opened outside the app. */
    readonly btoe?: BtoeApi;
  }
}

export const ApiContext = createContext<BtoeApi | null>(null);

export function ApiProvider({ api, children }: { api: BtoeApi; children: ReactNode }) {
  return <ApiContext value={api}>{children}</ApiContext>;
}

export function useApi(): BtoeApi {
  const api = useContext(ApiContext);
  if (api === null) throw new Error('useApi() needs an <ApiProvider> above it.');
  return api;
}

/** The text of a rejected call, for showing to the user. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
