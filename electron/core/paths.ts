import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Finds the shipped `resources/` folder by walking up from this module (works from source and from dist/). */
export function findResourcesDir(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  if (process.env.OUTPOST_RESOURCES_DIR) return process.env.OUTPOST_RESOURCES_DIR;
  let dir = from;
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, 'resources');
    if (fs.existsSync(path.join(candidate, 'profiles'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`Outpost's resources folder was not found above ${from}; set OUTPOST_RESOURCES_DIR.`);
}

/** The per-user data folder, as the desktop app would use it; OUTPOST_DATA_DIR overrides (tests, portable use). */
export function defaultDataDir(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  if (env.OUTPOST_DATA_DIR) return env.OUTPOST_DATA_DIR;
  if (platform === 'win32') {
    const base = env.APPDATA ?? path.win32.join(os.homedir(), 'AppData', 'Roaming');
    return path.win32.join(base, 'Outpost');
  }
  if (platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support', 'Outpost');
  const base = env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'outpost');
}

/** The project root when running from a checkout (package.json next to resources/). */
export function appRoot(): string {
  return path.dirname(findResourcesDir());
}
