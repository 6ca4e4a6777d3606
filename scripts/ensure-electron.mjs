// postinstall: fetch Electron's binary when this machine can (Electron's own install script is not
// allowed to run from npm, so a machine without internet access still installs cleanly).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { electronBinary, electronDir } from './electron-binary.mjs';

if (electronBinary()) process.exit(0);
if (!existsSync(path.join(electronDir, 'install.js'))) process.exit(0); // production install without dev deps
if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  console.log('outpost: ELECTRON_SKIP_BINARY_DOWNLOAD is set; the desktop window needs it unset (use `npx outpost serve` meanwhile).');
  process.exit(0);
}
const r = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000, encoding: 'utf8' });
if (r.status === 0 && electronBinary()) {
  console.log('outpost: Electron binary installed.');
} else {
  const why = (r.stderr || '').split('\n').find((l) => l.trim()) ?? (r.error ? String(r.error) : 'unknown error');
  console.warn(`outpost: could not download Electron's binary (${why.trim().slice(0, 200)}).`);
  console.warn('outpost: everything else is installed. `npm start` will say how to get it; `npx outpost serve` runs the same UI in your browser.');
}
