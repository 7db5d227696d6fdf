// The layer rules of eslint.config.js (docs/architecture.md, "Layers"): a probe import per rule, linted as if it
// were a file in that folder, must fail lint; the imports each folder may make must pass.
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

/** The no-restricted-imports messages for `code` linted as the file `path` (nothing is written to disk). */
async function restrictions(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const probe = 1;\n`, {
    filePath: `${root}${path}`,
  });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const forbidden: Array<[string, string, string, RegExp]> = [
  [
    'electron outside the shell',
    'main/core/probe.ts',
    "import 'electron';",
    /Only main\/electron\/ and preload\//,
  ],
  ['electron in native-bridge', 'native-bridge/link/probe.ts', "import 'electron';", /Only main\/electron/],
  ['electron in the renderer', 'renderer/probe.ts', "import 'electron';", /Only main\/electron/],
  ['electron in main/host', 'main/host/probe.ts', "import 'electron';", /Only main\/electron/],
  [
    'main/core → main/host',
    'main/core/probe.ts',
    "import '../host/companion-socket.js';",
    /main\/core depends/,
  ],
  ['main/core → main/electron', 'main/core/probe.ts', "import '../electron/tray.js';", /main\/core depends/],
  ['main/core → main/cli', 'main/core/probe.ts', "import '../cli/btoe.js';", /main\/core depends/],
  [
    'main/core → main/composition',
    'main/core/ports/probe.ts',
    "import '../../composition/running-companion.js';",
    /main\/core depends/,
  ],
  ['main/core → preload', 'main/core/probe.ts', "import '../../preload/index.js';", /main\/core depends/],
  ['main/core → renderer', 'main/core/probe.ts', "import '../../renderer/App.js';", /main\/core depends/],
  [
    'renderer → main/core',
    'renderer/probe.ts',
    "import '../main/core/policy.js';",
    /renderer\/ imports only/,
  ],
  [
    'renderer → native-bridge',
    'renderer/probe.ts',
    "import '../native-bridge/link/frame.js';",
    /imports only/,
  ],
  ['renderer → preload', 'renderer/probe.ts', "import '../preload/index.js';", /renderer\/ imports only/],
  ['renderer → Node', 'renderer/probe.ts', "import 'node:fs';", /renderer\/ imports only/],
  [
    'native-bridge → main',
    'native-bridge/link/probe.ts',
    "import '../../main/core/policy.js';",
    /talk to phones/,
  ],
  ['main/host → main/cli', 'main/host/probe.ts', "import '../cli/btoe.js';", /main\/host adapts/],
  ['contract → main', 'contract/probe.ts', "import '../main/core/policy.js';", /the contracts are plain/],
];

const allowed: Array<[string, string, string]> = [
  ['electron in main/electron', 'main/electron/probe.ts', "import 'electron';"],
  ['electron in preload', 'preload/probe.ts', "import 'electron';"],
  ['main/core → native-bridge', 'main/core/probe.ts', "import '../../native-bridge/link/frame.js';"],
  ['main/core → contract', 'main/core/probe.ts', "import '../../contract/companion-ipc.js';"],
  ['main/host → main/core', 'main/host/probe.ts', "import '../core/ports/session-lock.js';"],
  ['main/composition → main/host', 'main/composition/probe.ts', "import '../host/os-desktop.js';"],
  ['renderer → contract', 'renderer/probe.ts', "import '../contract/window.js';"],
  ['renderer → its own files', 'renderer/probe.tsx', "import './App.js';"],
];

describe('lint enforces the layers', () => {
  it.each(forbidden)('%s is a lint error', async (_name, path, code, message) => {
    const messages = await restrictions(path, code);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(message);
  });

  it.each(allowed)('%s is allowed', async (_name, path, code) => {
    expect(await restrictions(path, code)).toEqual([]);
  });
});
