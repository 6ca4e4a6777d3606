// Opening browser mode without putting the token on a command line (`xdg-open URL` is readable by
// every user in /proc/<pid>/cmdline): a small HTML file, readable only by us (0600 in a 0700
// folder), forwards the browser to the app with the token in the fragment (`#token=…`, never sent
// to a server); the opener only ever sees the file's path.
import { spawn as nodeSpawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Launcher {
  /** The forwarding page (0600), inside `dir` (0700). */
  file: string;
  dir: string;
  /** Deletes the folder and the file. */
  remove(): void;
}

/** The page: navigates to `<origin>/#token=<token>` at once (no history entry, no referrer). */
export function launcherHtml(origin: string, token: string): string {
  const target = JSON.stringify(`${origin}/#token=${encodeURIComponent(token)}`).replace(/</g, '\\u003c');
  return [
    '<!doctype html>',
    '<meta charset="utf-8">',
    '<meta name="referrer" content="no-referrer">',
    '<title>Opening Outpost…</title>',
    `<script>location.replace(${target});</script>`,
    '<p>Opening Outpost… If nothing happens, open the URL printed by <code>outpost demo</code>.</p>',
    '',
  ].join('\n');
}

export function writeLauncher(origin: string, token: string, parent: string = os.tmpdir()): Launcher {
  const dir = fs.mkdtempSync(path.join(parent, 'outpost-open-'));
  fs.chmodSync(dir, 0o700);
  const file = path.join(dir, 'open-outpost.html');
  fs.writeFileSync(file, launcherHtml(origin, token), { mode: 0o600, flag: 'wx' });
  return { file, dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** The command that opens a file in the default browser: the file's path is its only argument. */
export function openerCommand(file: string, platform: NodeJS.Platform = process.platform): [string, ...string[]] {
  if (platform === 'darwin') return ['open', file];
  if (platform === 'win32') return ['cmd', '/c', 'start', '""', file];
  return ['xdg-open', file];
}

export type Spawner = (cmd: string, args: string[]) => { on(event: 'error', fn: () => void): unknown; unref(): void };

const defaultSpawn: Spawner = (cmd, args) => nodeSpawn(cmd, args, { stdio: 'ignore', detached: true });

/**
 * Best effort: writes the launcher and opens it. Returns the launcher (remove it when the server
 * stops), or null when it could not be written; a missing opener only means the user opens the
 * printed URL.
 */
export function openInBrowser(origin: string, token: string, opts: { spawn?: Spawner; platform?: NodeJS.Platform; parent?: string } = {}): Launcher | null {
  let launcher: Launcher;
  try {
    launcher = writeLauncher(origin, token, opts.parent);
  } catch {
    return null;
  }
  const [cmd, ...args] = openerCommand(launcher.file, opts.platform);
  try {
    const child = (opts.spawn ?? defaultSpawn)(cmd, args);
    child.on('error', () => undefined);
    child.unref();
  } catch {
    /* the URL is printed */
  }
  return launcher;
}
