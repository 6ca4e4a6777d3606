#!/usr/bin/env node
// Entry point of the `outpost` command: runs the bundled CLI built by `npm run build` (run by `npm install`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, '..', 'dist', 'cli', 'index.mjs');
if (!existsSync(cli)) {
  process.stderr.write(`outpost: ${cli} is missing. Run \`npm run build\` in ${path.dirname(here)} first.\n`);
  process.exit(2);
}
const { run } = await import(pathToFileURL(cli).href);
await run(process.argv.slice(2));
