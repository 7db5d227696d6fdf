// Environment: Node (build script, run by `npm run build` after tsc).
// The `btoe` command (the package's bin, also what `btoe daemon` runs) bundled into CommonJS files in
// dist/btoe/: the entry, btoe.cjs, holds only the argument parser, the contract's light check and the IPC
// client, so a short command with a companion running (`btoe lock`, `btoe dial tel:…`) skips node's ES module
// loader and costs close to a bare `node -e 0`; every heavy path (no companion running, the daemon, doctor,
// hid) is a chunk it loads on demand. Bundling also drops what the companion never uses of its dependencies
// (zod's locales and JSON Schema code, for one) and the per-module overhead of some 300 ES modules: see
// docs/performance.md, "Memory". Native addons and CommonJS packages stay in node_modules.
import { chmodSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const at = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));
export const BUNDLE_DIR = at('btoe');

/** Loaded from node_modules at run time: native addons, and CommonJS packages gaining nothing from bundling. */
const EXTERNAL = [
  'usb',
  'node-hid',
  'serialport',
  '@napi-rs/keyring',
  'koffi',
  'bonjour-service',
  // Optional in @homebridge/dbus-native (abstract Unix sockets), not installed.
  'abstract-socket',
];

/** What the entry chunk may hold: the modules a short command with a companion running loads. */
const LIGHT = [
  'main/cli/btoe.js',
  'main/cli/companion-client.js',
  'main/cli/daemon-heap.js',
  'contract/companion-ipc-bounds.js',
  'main/core/app-identity.js',
  'main/core/exit-codes.js',
  'main/core/store-dir.js',
  'main/core/companion-error.js',
  'main/core/windows-pipe-trust.js',
  'main/host/companion-ipc-client.js',
  'native-bridge/link/terminal-text.js',
  '@noble/hashes/',
];

rmSync(BUNDLE_DIR, { recursive: true, force: true });
const result = await build({
  input: { btoe: at('main/cli/btoe.js') },
  platform: 'node',
  // A dynamic import of a module also imported statically stays where it is: expected, not worth a line.
  onLog: (level, log, handler) => {
    if (log.code !== 'INEFFECTIVE_DYNAMIC_IMPORT') handler(level, log);
  },
  // @homebridge/dbus-native's xml2js, loaded on first use (main/host/xml2js-on-demand.ts).
  resolve: { alias: { xml2js: at('main/host/xml2js-on-demand.js') } },
  external: (id) =>
    id.startsWith('node:') || EXTERNAL.some((name) => id === name || id.startsWith(`${name}/`)),
  output: {
    dir: BUNDLE_DIR,
    format: 'cjs',
    entryFileNames: '[name].cjs',
    chunkFileNames: '[name]-[hash].cjs',
    sourcemap: true,
    // V8 keeps each loaded chunk's source for the daemon's life, two bytes a character once one character is
    // beyond Latin-1 (an arrow in a comment is enough): without comments and whitespace, ASCII only, the daemon
    // holds ~1 MiB less (docs/performance.md, "Memory"). Names stay as written, for stack traces and errors.
    minify: { compress: false, mangle: false, codegen: { removeWhitespace: true, asciiOnly: true } },
  },
});
const entry = result.output.find((o) => o.type === 'chunk' && o.isEntry);
if (entry?.type !== 'chunk') throw new Error('no btoe entry chunk');
const heavy = entry.moduleIds.filter(
  (id) => !LIGHT.some((light) => id.replaceAll('\\', '/').includes(light)),
);
if (heavy.length > 0)
  throw new Error(`btoe's entry must stay light (import these on demand instead): ${heavy.join(', ')}`);
chmodSync(`${BUNDLE_DIR}/btoe.cjs`, 0o755);
