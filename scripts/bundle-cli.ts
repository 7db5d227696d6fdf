// Environment: Node (build script, run by `npm run build` after tsc).
// The `btoe` command as ONE CommonJS file (dist/main/cli/btoe.cjs, the package's bin): a short command with a
// companion running (`btoe lock`, `btoe dial tel:…`) then reads one file, skips node's ES module loader and
// loads no more than the argument parser, the contract's light check and the IPC client; its time and memory
// are close to a bare `node -e 0` (docs/performance.md, "Memory"). Everything heavy stays where tsc put it and
// is imported on the paths that need it (no companion running; doctor, hid, daemon).
import { chmodSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const dist = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));
export const BUNDLED_CLI = dist('main/cli/btoe.cjs');

/** The modules btoe.ts and its light imports load with import() on the heavy paths: never bundled. */
const LOADED_ON_DEMAND =
  /^\.\.?\/(?:.*\/)?(?:one-shot|doctor-command|hid-command|daemon-command|commands|windows-pipe-koffi)\.js$/;

const result = await build({
  input: dist('main/cli/btoe.js'),
  platform: 'node',
  external: (id) => id.startsWith('node:') || LOADED_ON_DEMAND.test(id),
  output: { file: BUNDLED_CLI, format: 'cjs', sourcemap: true },
});
// One chunk: anything imported that is neither light nor loaded on demand would have become a second file.
if (result.output.filter((o) => o.type === 'chunk').length !== 1)
  throw new Error('the btoe bundle must be one file: an import is neither bundled nor loaded on demand');
chmodSync(BUNDLED_CLI, 0o755);
