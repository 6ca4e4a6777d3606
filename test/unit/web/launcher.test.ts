// `outpost demo` opens the browser through a private file: the opener's command line (readable in
// /proc/<pid>/cmdline by every user) carries a path, never the token.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { launcherHtml, openInBrowser, openerCommand, writeLauncher } from '../../../electron/web/launcher';

const TOKEN = 'AbC_dEf-0123456789abcdefghijklmn';
const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-launch-'));
afterAll(() => fs.rmSync(parent, { recursive: true, force: true }));

describe('browser launcher', () => {
  it('is a 0600 file in a 0700 folder that forwards to the app with the token in the fragment', () => {
    const l = writeLauncher('http://127.0.0.1:4567', TOKEN, parent);
    expect(fs.statSync(l.dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(l.file).mode & 0o777).toBe(0o600);
    const html = fs.readFileSync(l.file, 'utf8');
    expect(html).toContain(`location.replace("http://127.0.0.1:4567/#token=${TOKEN}")`);
    expect(html).not.toContain('?token=');
    l.remove();
    expect(fs.existsSync(l.dir)).toBe(false);
  });

  it('cannot be broken out of its script by what it embeds', () => {
    expect(launcherHtml('http://127.0.0.1:1', '</script><script>alert(1)</script>')).not.toContain('</script><script>alert');
  });

  it('runs the opener with the file path only: the token is on no command line', () => {
    const calls: string[][] = [];
    const spawn = (cmd: string, args: string[]) => {
      calls.push([cmd, ...args]);
      return { on: () => undefined, unref: () => undefined };
    };
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      const l = openInBrowser('http://127.0.0.1:4567', TOKEN, { spawn, platform, parent });
      expect(l).not.toBeNull();
      const argv = calls.at(-1) ?? [];
      expect(argv.join(' ')).not.toContain(TOKEN);
      expect(argv.at(-1)).toBe(l?.file);
      expect(argv).toEqual(openerCommand(l?.file ?? '', platform));
      l?.remove();
    }
    expect(calls.map((c) => c[0])).toEqual(['xdg-open', 'open', 'cmd']);
  });

  it('a missing opener is not an error', () => {
    const l = openInBrowser('http://127.0.0.1:4567', TOKEN, {
      spawn: () => {
        throw new Error('ENOENT');
      },
      parent,
    });
    expect(l).not.toBeNull();
    l?.remove();
  });
});
