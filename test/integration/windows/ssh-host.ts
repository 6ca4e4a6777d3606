// A "Windows host over SSH" for tests, without Windows: a real OpenSSH sshd on loopback that logs in a
// throwaway user whose commands run in Wine, in a Wine prefix of that user's own.
// - Exec requests: Windows OpenSSH runs them with cmd.exe /c; here the user's shell (bash) runs them,
//   and `cmd` (first on the PATH sshd sets) is a wrapper running Wine's cmd.exe, so Outpost's
//   `cmd /d /c "C:\users\<user>\.outpost\step-….cmd"` reaches a real cmd.exe with the channel's stdin.
// - SFTP: Windows OpenSSH's SFTP shows drives as `/C:/…`. Here the sftp subsystem is a wrapper that
//   starts OpenSSH's sftp-server in a private mount namespace of the user's (unshare -r -m: no root, no
//   mount outside it) chrooted into a tmpfs whose `C:` is the prefix's drive_c (a bind mount), and /usr
//   for sftp-server's libraries. Its start folder is the user's Wine profile, `/C:/users/<user>`.
// - certutil: Wine's is a stub that prints nothing; a stand-in built from
//   test/fixtures/windows/certutil-standin.c replaces it in the prefix (the output of Windows Server
//   2012 R2's `certutil -hashfile`).
// - Services: Wine's service control manager in that prefix, under a persistent wineserver (-p) started
//   for the test and ended (-k) after it, so services outlive the SSH sessions that started them.
// What differs from Windows: the outer shell (bash, not cmd.exe /c), UAC (Wine has none), the SFTP
// server (OpenSSH's, not Windows OpenSSH's), and the stand-in certutil.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureTestUser, startSshd, testUserName, type SshdInstance, type TestUser } from '../harness/sshd';
import { FIXTURES, WINE64, requireTools } from './wine';

const execFileP = promisify(execFile);

export interface WindowsSshHost {
  sshd: SshdInstance;
  user: TestUser;
  prefix: string;
  driveC: string;
  /** Runs a Wine program as the host's user, in its prefix (the test's own checks: sc query, reg query). */
  wine(args: string[]): Promise<{ code: number; stdout: string }>;
  /** Stops the sshd, the prefix's wineserver (and its services) and the user's processes. */
  stop(): Promise<void>;
}

export function wineserverBinary(): string {
  for (const f of [path.join(path.dirname(WINE64), 'wineserver64'), path.join(path.dirname(WINE64), 'wineserver'), '/usr/lib/wine/wineserver64', '/usr/bin/wineserver']) if (fs.existsSync(f)) return f;
  return 'wineserver';
}

const wineEnv = (home: string) => [`HOME=${home}`, `WINEPREFIX=${home}/wineprefix`, 'WINEDEBUG=-all', 'WINEDLLOVERRIDES=mscoree,mshtml=', 'DISPLAY='];

/** A Windows-over-SSH stand-in for the user `base` (+ the checkout's suffix); a fresh prefix every time. */
export async function startWindowsSshHost(base: string, password: string, opts: { address?: string } = {}): Promise<WindowsSshHost> {
  requireTools();
  const user = await ensureTestUser({ name: testUserName(base), password, sudo: false });
  const asUser = (file: string, args: string[], timeout = 240_000) => execFileP('runuser', ['-u', user.name, '--', 'env', ...wineEnv(user.home), file, ...args], { timeout });
  // Wine's helpers (services.exe…) keep a starting program's stdio open long after it exits, as long as
  // the wineserver lives: wait for the program's exit, not for its pipes (execFile waited 4 minutes).
  const untilExit = (args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const p = spawn('runuser', ['-u', user.name, '--', 'env', ...wineEnv(user.home), WINE64, ...args], { stdio: 'ignore' });
      p.on('error', reject);
      p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`wine64 ${args.join(' ')} as ${user.name} exited with ${code}`))));
    });
  // Nothing of an earlier run: its wineserver, prefix and files.
  await asUser(wineserverBinary(), ['-k'], 30_000).catch(() => undefined);
  await execFileP('pkill', ['-KILL', '-u', user.name]).catch(() => undefined);
  for (const d of ['wineprefix', '.outpost', '.sftp-root', 'bin']) fs.rmSync(path.join(user.home, d), { recursive: true, force: true });
  const bin = path.join(user.home, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(
    path.join(bin, 'cmd'),
    [
      '#!/bin/sh',
      "# Test stand-in for Windows OpenSSH's cmd.exe: `cmd /d /c <script>` runs the script in Wine's cmd.",
      // Wine prefers its builtin certutil (a stub) to the file in system32 unless told otherwise.
      `export WINEPREFIX="$HOME/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES='mscoree,mshtml=;certutil.exe=n' DISPLAY=`,
      'last=""; for a in "$@"; do last="$a"; done',
      `exec ${WINE64} cmd /d /c "$last"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  fs.writeFileSync(
    path.join(bin, 'sftp-drives'),
    [
      '#!/bin/sh',
      "# Test stand-in for Windows OpenSSH's SFTP: /C:/… is the Wine prefix's drive_c (see ssh-host.ts).",
      'r="$HOME/.sftp-root"; mkdir -p "$r"',
      `exec unshare -r -m --propagation private /bin/sh -c 'set -e; r=$1; mount -t tmpfs -o mode=755 none "$r"; mkdir "$r/C:" "$r/usr"; mount --rbind "$HOME/wineprefix/drive_c" "$r/C:"; mount --rbind /usr "$r/usr"; mkdir "$r/dev"; : > "$r/dev/null"; mount --bind /dev/null "$r/dev/null"; mkdir "$r/etc"; echo "$2:x:0:0::/C:/users/$2:/bin/sh" > "$r/etc/passwd"; echo "$2:x:0:" > "$r/etc/group"; ln -s usr/lib "$r/lib"; ln -s usr/lib64 "$r/lib64"; ln -s usr/bin "$r/bin"; exec /usr/sbin/chroot "$r" /usr/lib/openssh/sftp-server -d "/C:/users/$2"' sh "$r" "$(id -un)"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  await execFileP('chown', ['-R', `${user.name}:${user.name}`, bin]);
  await untilExit(['wineboot', '-i']);
  const prefix = path.join(user.home, 'wineprefix');
  const driveC = path.join(prefix, 'drive_c');
  const certutil = path.join(driveC, 'windows', 'system32', 'certutil.exe');
  await execFileP('x86_64-w64-mingw32-gcc', ['-O2', '-s', '-o', certutil, path.join(FIXTURES, 'certutil-standin.c')]);
  await execFileP('chown', [`${user.name}:${user.name}`, certutil]);
  // Wine 8's service manager started with the prefix does not find services created afterwards: a new
  // session, under a persistent wineserver that keeps the services up between SSH sessions.
  await asUser(wineserverBinary(), ['-k'], 30_000).catch(() => undefined);
  await asUser(wineserverBinary(), ['-w'], 60_000).catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    const p = spawn('runuser', ['-u', user.name, '--', 'env', ...wineEnv(user.home), wineserverBinary(), '-p'], { stdio: 'ignore', detached: true });
    p.on('error', reject);
    p.on('spawn', () => resolve());
    p.unref();
  });
  await untilExit(['cmd', '/c', 'ver']);
  const sshd = await startSshd({
    ...(opts.address ? { address: opts.address } : {}),
    allowTcpForwarding: false,
    sftpSubsystem: path.join(bin, 'sftp-drives'),
    extraConfig: [`Match User ${user.name}`, `  SetEnv PATH=${bin}:/usr/local/bin:/usr/bin:/bin`],
  });
  const wine = async (args: string[]) => {
    try {
      const r = await asUser(WINE64, args, 60_000);
      return { code: 0, stdout: r.stdout };
    } catch (err) {
      const e = err as { code?: number; stdout?: string };
      return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '' };
    }
  };
  return {
    sshd,
    user,
    prefix,
    driveC,
    wine,
    async stop() {
      await sshd.stop();
      await asUser(wineserverBinary(), ['-k'], 30_000).catch(() => undefined);
      await execFileP('pkill', ['-KILL', '-u', user.name]).catch(() => undefined);
    },
  };
}

/** `sc query <name>` on the host: STATE word (RUNNING, STOPPED…), or the output. */
export async function hostServiceState(h: WindowsSshHost, name: string): Promise<string> {
  const r = await h.wine(['sc', 'query', name]);
  return /STATE\s*:\s*\d+\s+(\w+)/.exec(r.stdout)?.[1] ?? r.stdout.trim();
}

/** The Linux pid of the Wine process running `exe` (a service), or null. */
export async function servicePid(h: WindowsSshHost, exe: string): Promise<number | null> {
  const r = await execFileP('pgrep', ['-u', h.user.name, '-f', exe]).catch(() => ({ stdout: '' }));
  const pids = r.stdout.split('\n').map(Number).filter((n) => n > 0);
  return pids[0] ?? null;
}
