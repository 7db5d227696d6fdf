// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Only the Electron shell may import 'electron'; only the renderer may touch the DOM packages. */
const electronOnlyInShell = {
  paths: [{ name: 'electron', message: "Only main/electron/ and preload/ may import 'electron'." }],
};

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', electronOnlyInShell],
    },
  },
  {
    files: ['main/electron/**', 'preload/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['native-bridge/**', 'simulator/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...electronOnlyInShell,
          patterns: [
            {
              group: ['**/main/**', '**/renderer/**', '**/preload/**'],
              message: 'native-bridge and the simulator import nothing from the app.',
            },
          ],
        },
      ],
    },
  },
);
