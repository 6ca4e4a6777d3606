#!/usr/bin/env -S node --max-semi-space-size=2
// Entry point of the `outpost` command: runs the bundled CLI built by `npm run build` (run by `npm install`).
// --max-semi-space-size=2 (MB; V8's default is 16): a batch allocates ~2 MB of short-lived buffers per
// host (SFTP packets, then their encrypted copies), which stay allocated until a scavenge frees their
// wrappers; a small young generation scavenges sooner. 200 hosts at 50 at once: peak RSS 178–221 MB with
// the default, ~150 MB with 2, same wall time (README, "Batch"). V8 reads it only at start, hence here
// (npm's shims on Windows read `env -S` too); `npm run serve` passes it as well.
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
