// Issue 8, item 4, Windows over SSH: a stand-in, not Windows. No Windows OpenSSH server exists in the
// test environment, so a real OpenSSH sshd on loopback logs in a throwaway user whose `cmd` (first in
// PATH, set by the sshd's SetEnv) is a wrapper running Wine's cmd.exe in that user's own prefix. The
// exec request Outpost sends (`cmd /d /c "<script>"`) therefore reaches a real cmd.exe, with the
// channel's stdin, as Windows OpenSSH would give it; what differs is the outer shell (bash here, cmd.exe
// /c on Windows) and the script path (a POSIX home, mapped to Z:\ by the wrapper). While the step
// runs, `ps` (Wine shows a Windows process's command line as its argv) must not show the secret; a
// control case proves the poll sees one sent inline.
//
// Issue 27 adds an interactive cmd step (its secrets on stdin too, then what a person types; the script
// file holds no value) and a PowerShell step: the exec request is `powershell.exe …` with a fixed reader
// and the script, secrets included, goes on the channel's stdin. The user's `powershell.exe` runs a
// stand-in (test/fixtures/windows/powershell-standin.c, built with mingw-w64) placed where Windows keeps
// powershell.exe in the user's prefix: it reads its script from stdin and shows it. The outer shell
// here is bash (Windows OpenSSH's is cmd.exe), so the reader's `$` words reach the stand-in mangled:
// what is checked is that no value is on any command line, in any form, and that the script arrives.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshExecutor } from '../../../electron/core/exec';
import { connectSsh, type SshConnection } from '../../../electron/core/ssh';
import type { Action } from '../../../electron/common/api/plan';
import type { InputSink } from '../../../electron/core/exec';
import { ensureTestUser, startSshd, stopAll, type SshdInstance, type TestUser } from '../harness/sshd';
import { leaks, pollCommandLines, runStep } from '../harness/step';
import { neverAsked, tempDir, trustingKnownHosts } from '../ssh/helpers';
import { FIXTURES, WINE64 } from './wine';

const execFileP = promisify(execFile);
const USER = { name: 'outpost-wcmd', password: 'Wcmd-pass.word!58' };
const SECRET = 'SSHWINEAK0123456789ABCD';
const SECRET2 = 'ssh+wine/SK=0123456789_abc-XYZ';

let sshd: SshdInstance;
let user: TestUser;
let conn: SshConnection;

function wineserver(): string {
  for (const f of [path.join(path.dirname(WINE64), 'wineserver64'), path.join(path.dirname(WINE64), 'wineserver'), '/usr/lib/wine/wineserver64', '/usr/bin/wineserver']) if (fs.existsSync(f)) return f;
  return 'wineserver';
}

/** Runs a program as the test user, with its prefix. */
function asUser(file: string, args: string[], timeout = 180_000) {
  const env = [`HOME=${user.home}`, `WINEPREFIX=${user.home}/wineprefix`, 'WINEDEBUG=-all', 'WINEDLLOVERRIDES=mscoree,mshtml=', 'DISPLAY='];
  return execFileP('runuser', ['-u', user.name, '--', 'env', ...env, file, ...args], { timeout });
}

beforeAll(async () => {
  if (!fs.existsSync(WINE64)) throw new Error(`${WINE64} is missing: install Debian's wine64 (test/setup-system.mjs does).`);
  user = await ensureTestUser(USER);
  const bin = path.join(user.home, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(
    path.join(bin, 'cmd'),
    [
      '#!/bin/sh',
      '# Test stand-in for cmd.exe: `cmd /d /c <script>` runs the script in Wine\'s cmd (POSIX path -> Z:\\).',
      `export WINEPREFIX="$HOME/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES='mscoree,mshtml=' DISPLAY=`,
      'last=""; for a in "$@"; do last="$a"; done',
      'case "$last" in /*) last="Z:$(printf %s "$last" | tr / \'\\\\\')" ;; esac',
      `exec ${WINE64} cmd /d /c "$last"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  fs.writeFileSync(
    path.join(bin, 'powershell.exe'),
    [
      '#!/bin/sh',
      '# Test stand-in: powershell.exe is the stand-in PowerShell in the user\'s Wine prefix, with the channel\'s stdin.',
      `export WINEPREFIX="$HOME/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES='mscoree,mshtml=' DISPLAY=`,
      `exec ${WINE64} 'C:\\windows\\system32\\WindowsPowerShell\\v1.0\\powershell.exe' "$@"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  await execFileP('chown', ['-R', `${user.name}:${user.name}`, bin]);
  // A prefix of the user's own (Wine refuses one owned by someone else); wineboot's helpers are ended after.
  if (!fs.existsSync(path.join(user.home, 'wineprefix', 'drive_c'))) await asUser(WINE64, ['wineboot', '-i']);
  const standIn = path.join(user.home, 'wineprefix', 'drive_c', 'windows', 'system32', 'WindowsPowerShell', 'v1.0', 'powershell.exe');
  await execFileP('x86_64-w64-mingw32-gcc', ['-O2', '-s', '-o', standIn, path.join(FIXTURES, 'powershell-standin.c')]);
  await execFileP('chown', [`${user.name}:${user.name}`, standIn]);
  await asUser(wineserver(), ['-k']).catch(() => undefined);
  sshd = await startSshd({ extraConfig: [`Match User ${user.name}`, `  SetEnv PATH=${bin}:/usr/local/bin:/usr/bin:/bin`] });
  const dir = await tempDir();
  const kh = await trustingKnownHosts(dir, sshd);
  conn = await connectSsh({ host: sshd.host, port: sshd.port, username: user.name, auth: { password: user.password }, knownHosts: kh, hostKeyPolicy: neverAsked, readyTimeoutMs: 10_000 });
}, 300_000);
afterAll(async () => {
  conn?.end();
  await stopAll();
  if (user) await asUser(wineserver(), ['-k'], 30_000).catch(() => undefined);
}, 60_000);

/** Every process command line seen, polled every ~100 ms until stop(). */
function pollProcesses(): { stop: () => Promise<string[]> } {
  let stopped = false;
  const seen = new Set<string>();
  const loop = (async () => {
    while (!stopped) {
      const { stdout } = await execFileP('ps', ['-ww', '-eo', 'args='], { maxBuffer: 16 * 1024 * 1024 });
      for (const line of stdout.split('\n')) if (line.trim()) seen.add(line.trim());
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return [...seen];
    },
  };
}

describe('cmd step with secrets over SSH, Wine stand-in for Windows (issue 8, item 4)', () => {
  it('control: a cmd line sent inline (as Windows OpenSSH runs it: cmd /c <line>) shows on a process command line', async () => {
    const canary = 'CANARY-ssh-wine-inline-1';
    const poll = pollProcesses();
    const r = await sshExecutor(conn, 'windows').run('cmd', `cmd /d /c "ping -n 3 127.0.0.1 >nul & rem ${canary}"`, { signal: new AbortController().signal, timeoutMs: 120_000 });
    const lines = await poll.stop();
    expect(r.exitCode).toBe(0);
    expect(lines.some((l) => l.includes(canary))).toBe(true);
  }, 180_000);

  it('the values reach the step through stdin, appear on no command line, and the script is removed', async () => {
    const poll = pollProcesses();
    // echo is cmd's own: the values are expanded inside cmd, no program gets them as arguments.
    const text = 'ping -n 3 127.0.0.1 >nul & echo ak=%OUTPOST_S1% sk=%OUTPOST_S2%& exit /b 7';
    const r = await sshExecutor(conn, 'windows').run('cmd', text, { signal: new AbortController().signal, timeoutMs: 120_000, secrets: [SECRET, SECRET2] });
    const lines = await poll.stop();
    expect(r.output).toContain(`ak=${SECRET} sk=${SECRET2}`);
    expect(r.exitCode).toBe(7);
    expect(lines.some((l) => l.includes('cmd /d /c') || l.includes('.outpost'))).toBe(true);
    expect(lines.filter((l) => l.includes(SECRET) || l.includes(SECRET2))).toEqual([]);
    expect(fs.readdirSync(path.join(user.home, '.outpost'))).toEqual([]);
  }, 180_000);
});

const secret = (env: string) => ({ secret: { env }, name: `inputs.${env.toLowerCase()}` });

describe('interactive cmd and PowerShell over SSH, Wine stand-in for Windows (issue 27)', () => {
  it('an interactive cmd step: the script holds no value, the values and then what a person types arrive on stdin, no value on a command line', async () => {
    const action: Action = {
      kind: 'exec',
      shell: 'cmd',
      // Each line is expanded when cmd reads it: %ANSWER% after `set /p` has read it.
      command: [{ op: 'echo key=' }, secret('OUTPOST_SK'), { op: '& ping -n 2 127.0.0.1 >nul\r\nset /p "ANSWER=Continue? "\r\necho answer=%ANSWER%\r\nping -n 2 127.0.0.1 >nul\r\nexit /b 5' }],
      success: { exitCode: 5 },
      failureMarkers: [],
      timeoutSec: 120,
      interactive: true,
      root: false,
      diagnosis: [],
    };
    const sinks: Array<InputSink | null> = [];
    const scripts: string[] = [];
    let typed = false;
    const poll = pollCommandLines();
    const r = runStep(sshExecutor(conn, 'windows'), action, { secrets: { OUTPOST_SK: SECRET2 }, onInput: (sink) => sinks.push(sink) });
    const typing = setInterval(() => {
      const sink = sinks.at(-1);
      if (!typed && sink && r.output().includes('key=')) {
        typed = true;
        // While the step runs: what its script file holds.
        const d = path.join(user.home, '.outpost');
        for (const f of fs.readdirSync(d)) scripts.push(fs.readFileSync(path.join(d, f), 'utf8'));
        sink.write('typed-over-ssh\r');
      }
    }, 50);
    await r.outcome.finally(() => clearInterval(typing)).catch(async (err: unknown) => {
      await poll.stop();
      throw new Error(`${String(err)}\n${r.output()}`);
    });
    const { lines } = await poll.stop();
    expect(r.output()).toContain(`key= "${SECRET2}"`);
    expect(r.output()).toContain('answer=typed-over-ssh');
    expect(sinks.at(-1)).toBeNull();
    expect(scripts).toHaveLength(1);
    expect(scripts[0]).toContain('set /p "OUTPOST_IN="');
    expect(scripts[0]).not.toContain(SECRET2);
    expect(lines.some((l) => l.includes('cmd /d /c') && l.includes('.outpost'))).toBe(true);
    expect(leaks(lines, SECRET2)).toEqual([]);
    expect(fs.readdirSync(path.join(user.home, '.outpost'))).toEqual([]);
  }, 180_000);

  it('a PowerShell step: the exec request is powershell.exe with a fixed reader, the script and its values on stdin only', async () => {
    const action: Action = {
      kind: 'exec',
      shell: 'powershell',
      command: [{ op: "& 'C:\\ICAgent\\install.ps1' -ak" }, secret('OUTPOST_AK'), { op: '-sk' }, secret('OUTPOST_SK'), { op: '; exit 6' }],
      success: { exitCode: 6 },
      failureMarkers: [],
      timeoutSec: 120,
      interactive: false,
      root: false,
      diagnosis: [],
    };
    const poll = pollCommandLines();
    const r = runStep(sshExecutor(conn, 'windows'), action, { secrets: { OUTPOST_AK: SECRET, OUTPOST_SK: SECRET2 } });
    await r.outcome.catch(async (err: unknown) => {
      await poll.stop();
      throw new Error(`${String(err)}\n${r.output()}`);
    });
    const { lines, samples } = await poll.stop();
    expect(r.output()).toContain(`& 'C:\\ICAgent\\install.ps1' -ak '${SECRET}' -sk '${SECRET2}' ; exit 6`);
    expect(lines.some((l) => /powershell\.exe -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command/i.test(l)), `no PowerShell seen in ${samples} samples`).toBe(true);
    expect(lines.filter((l) => l.includes('EncodedCommand'))).toEqual([]);
    expect(leaks(lines, SECRET)).toEqual([]);
    expect(leaks(lines, SECRET2)).toEqual([]);
  }, 180_000);
});
