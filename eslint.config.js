// @ts-check
// Environment: Node (ESLint). The layers of docs/architecture.md, enforced: each folder may import only what is
// below it. test/unit/eslint-config.test.ts lints a probe import per rule and expects the error.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const electron = { name: 'electron', message: "Only main/electron/ and preload/ may import 'electron'." };

/** A no-restricted-imports rule: 'electron' (unless allowed) plus the folders this one must not reach. */
const layer = (
  /** @type {string} */ who,
  /** @type {string[]} */ forbidden,
  /** @type {{ allowElectron?: boolean }} */ options = {},
) => [
  'error',
  {
    paths: options.allowElectron ? [] : [electron],
    patterns: forbidden.length
      ? [{ regex: reaching(forbidden), message: `${who} (docs/architecture.md, "Layers").` }]
      : [],
  },
];

/**
 * A regex for relative imports that reach any of `folders` (paths from the repository root, like main/host). The
 * rule sees the import as written, so a folder is matched with or without its parents ("../host/x.js" from
 * main/core, "../../main/host/x.js" from elsewhere).
 */
const reaching = (/** @type {string[]} */ folders) => {
  const tails = folders.map((f) => {
    const parts = f.split('/');
    return parts.map((_, i) => parts.slice(i).join('/')).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  });
  return `^(\\.\\./)+(${[...new Set(tails.flat())].join('|')})(/|$)`;
};
const up = (/** @type {string[]} */ folders) => folders;

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': layer('', []),
    },
  },
  {
    files: ['native-bridge/**', 'simulator/**'],
    rules: {
      'no-restricted-imports': layer(
        'native-bridge and the simulator talk to phones and import nothing from the app',
        up(['main', 'contract', 'preload', 'renderer']),
      ),
    },
  },
  {
    files: ['contract/**'],
    rules: {
      'no-restricted-imports': layer(
        'the contracts are plain types and schemas that every side imports: they import nothing of ours',
        up(['main', 'native-bridge', 'preload', 'renderer', 'simulator']),
      ),
    },
  },
  {
    files: ['main/core/**'],
    rules: {
      'no-restricted-imports': layer(
        'main/core depends on nothing above it: adapters implement its ports (main/core/ports)',
        up(['main/host', 'main/electron', 'main/cli', 'main/composition', 'preload', 'renderer']),
      ),
    },
  },
  {
    files: ['main/host/**'],
    rules: {
      'no-restricted-imports': layer(
        'main/host adapts the OS to the core: it does not know who composes it',
        up(['main/electron', 'main/cli', 'main/composition', 'preload', 'renderer']),
      ),
    },
  },
  {
    files: ['main/composition/**'],
    rules: {
      'no-restricted-imports': layer(
        'main/composition wires the core to its adapters for the shells above it',
        up(['main/electron', 'main/cli', 'preload', 'renderer']),
      ),
    },
  },
  {
    files: ['main/cli/**'],
    rules: {
      'no-restricted-imports': layer(
        'the btoe command is not the desktop shell',
        up(['main/electron', 'preload', 'renderer']),
      ),
    },
  },
  {
    files: ['main/electron/**'],
    rules: {
      'no-restricted-imports': layer(
        'the desktop shell talks to the window only through the contract',
        up(['main/cli', 'renderer']),
        {
          allowElectron: true,
        },
      ),
    },
  },
  {
    files: ['preload/**'],
    rules: {
      'no-restricted-imports': layer(
        'the preload bridges the contract and nothing else',
        up(['main', 'native-bridge', 'renderer']),
        {
          allowElectron: true,
        },
      ),
    },
  },
  {
    files: ['renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron],
          patterns: [
            {
              group: ['../*', '!../contract', '!../contract/*', 'node:*'],
              message: 'renderer/ imports only the contract (contract/window.ts) and its own files.',
            },
          ],
        },
      ],
    },
  },
);
