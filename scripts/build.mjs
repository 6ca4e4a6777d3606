// Builds everything `npm start`, `outpost` and the tests run: the renderer (Vite), the Electron main
// and preload, and the CLI (esbuild). Dependencies stay external: they are installed next to dist/.
import { readFileSync, writeFileSync } from 'node:fs';
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { profileSchemaText } from './gen-profile-schema.mjs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const define = { __OUTPOST_VERSION__: JSON.stringify(pkg.version) };
const only = process.argv[2];

if (!only || only === 'renderer') {
  await viteBuild({ configFile: new URL('../vite.config.ts', import.meta.url).pathname, logLevel: 'warn' });
}
if (!only || only === 'node') {
  const common = { bundle: true, platform: 'node', target: 'node20', packages: 'external', define, sourcemap: 'linked', logLevel: 'warning' };
  await Promise.all([
    esbuild({ ...common, entryPoints: ['electron/cli/index.ts'], outfile: 'dist/cli/index.mjs', format: 'esm' }),
    esbuild({ ...common, entryPoints: ['electron/main/index.ts'], outfile: 'dist/main/index.js', format: 'esm' }),
    // Sandboxed preloads must be CommonJS.
    esbuild({ ...common, entryPoints: ['electron/preload/index.ts'], outfile: 'dist/preload/index.cjs', format: 'cjs' }),
  ]);
}
if (!only || only === 'node' || only === 'schema') {
  // resources/profile.schema.json, from the zod profile schema (a unit test checks the committed copy).
  writeFileSync(new URL('../resources/profile.schema.json', import.meta.url), await profileSchemaText());
}
console.log('outpost: build done (dist/)');
