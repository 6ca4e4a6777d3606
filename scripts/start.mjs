// `npm start`: builds if needed and opens the desktop window, or says plainly what is missing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { electronBinary, root } from './electron-binary.mjs';

const bin = electronBinary();
if (!bin) {
  console.error(`Outpost cannot open its desktop window: Electron's binary is not installed
(node_modules/electron/dist is missing). npm install could not download it: this machine has no
access to Electron's download server, or ELECTRON_SKIP_BINARY_DOWNLOAD was set.

  On a machine with internet access:   node node_modules/electron/install.js && npm start
  Or use the same UI in your browser:  npx outpost serve`);
  process.exit(1);
}
if (!existsSync(path.join(root, 'dist', 'main', 'index.js')) || process.argv.includes('--build')) {
  const b = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: root });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const child = spawn(bin, [root], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 0));
