// `electron-vite build` → out/main (ES module entry), out/preload/index.cjs (one CommonJS file: sandboxed
// preloads cannot load modules), out/renderer (the React app, served at app://companion/).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';

const at = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/**
 * The dev server's hot reload needs inline scripts and a websocket, which the page's CSP forbids: drop
 * the <meta> policy when serving in development only. Built pages keep it.
 */
const relaxCspInDev: Plugin = {
  name: 'btoe:relax-csp-in-dev',
  apply: 'serve',
  transformIndexHtml: (html) => html.replace(/<meta\s+http-equiv="Content-Security-Policy"[^>]*>/, ''),
};

export default defineConfig({
  main: {
    build: {
      outDir: at('./out/main'),
      rolldownOptions: { input: { index: at('./main/electron/app.ts') } },
    },
  },
  preload: {
    build: {
      outDir: at('./out/preload'),
      // Sandboxed preloads can require only 'electron': bundle zod and the contract into the file.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: at('./preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: at('./renderer'),
    plugins: [react(), relaxCspInDev],
    build: {
      outDir: at('./out/renderer'),
      rolldownOptions: { input: { index: at('./renderer/index.html') } },
    },
  },
});
