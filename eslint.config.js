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

// The layers of electron/core (docs/ARCHITECTURE.md): a folder may import its own rank and below, never
// above; rooms of one rank that are siblings (run, export) stay apart. A new folder goes in here.
const LAYERS = [
  ['errors', 'quote', 'log', 'paths', 'version', 'context', 'client', 'secrets', 'platform'],
  ['render', 'ssh', 'packages', 'hosts', 'profiles', 'terminal'],
  ['exec'],
  ['actions'],
  ['plan'],
  ['run', 'export'],
  ['service'],
  ['api'],
];
const SIBLINGS_APART = { run: ['export'], export: ['run'] };
/** Import strings that reach `folder` of electron/core from a file up to four folders deep in core. */
const reach = (folder) => [1, 2, 3, 4].flatMap((d) => [`${'../'.repeat(d)}${folder}`, `${'../'.repeat(d)}${folder}/**`]);
const layerRules = LAYERS.flatMap((rank, i) =>
  rank.map((folder) => {
    const above = [...LAYERS.slice(i + 1).flat(), ...(SIBLINGS_APART[folder] ?? [])];
    return {
      files: [`electron/core/${folder}/**`, `electron/core/${folder}.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            paths: [{ name: 'electron', message: 'core/common/cli/web must run without Electron.' }],
            patterns: above.length ? [{ group: above.flatMap(reach), message: `electron/core/${folder} may not import a layer above it (docs/ARCHITECTURE.md, "Layers"): move the shared piece down, or call it from above.` }] : [],
          },
        ],
      },
    };
  }),
);
// Faces (the CLI, Electron main, browser mode, the demo) reach the core through core/service (and the
// dispatcher, core/api, which serves the same service over IPC and the WebSocket); basic utilities
// (errors, logging, paths, version, secrets, context, client, quoting) are shared by everyone.
const DOOR = ['service', 'api', 'errors', 'log', 'paths', 'version', 'secrets', 'context', 'client', 'quote'];
const behindDoor = LAYERS.flat().filter((f) => !DOOR.includes(f));
const faceRule = {
  files: ['electron/cli/**', 'electron/main/**', 'electron/web/**', 'electron/demo/**'],
  ignores: ['electron/main/ipc.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: [ipcRule.paths[0]],
        patterns: [{ group: behindDoor.flatMap((f) => [1, 2].flatMap((d) => [`${'../'.repeat(d)}core/${f}`, `${'../'.repeat(d)}core/${f}/**`])), message: 'Faces use the core through electron/core/service (the door): add what you need there.' }],
      },
    ],
  },
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
  ...layerRules,
  faceRule,
  {
    // The engine and the actions stay readable in one screen each (issue 21): split a longer function.
    files: ['electron/core/run/**', 'electron/core/actions/**'],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }] },
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
