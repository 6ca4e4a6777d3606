// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const ipcRule = {
  paths: [
    {
      name: 'electron',
      importNames: ['ipcMain', 'ipcRenderer'],
      message: 'Only electron/main/ipc.ts and electron/preload/index.ts may touch raw IPC: go through the typed API.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test/e2e/artifacts/**', 'test/fixtures/**/*.sh'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', ipcRule],
    },
  },
  {
    // Core, common, CLI and browser mode run under plain Node: never Electron.
    files: ['electron/core/**', 'electron/common/**', 'electron/cli/**', 'electron/web/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'core/common/cli/web must run without Electron.' }] },
      ],
    },
  },
  {
    files: ['electron/main/ipc.ts', 'electron/preload/index.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer talks to main only through the typed API.' }],
          patterns: [
            {
              group: ['**/electron/core/**', '**/electron/main/**', '**/electron/cli/**', '**/electron/web/**'],
              message: 'The renderer may import electron/common only.',
            },
          ],
        },
      ],
    },
  },
);
