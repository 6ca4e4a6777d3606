// Windows on this computer, behind one small interface: run a cmd script or a PowerShell one, check
// elevation, map paths.
// Two implementations: Windows itself, and Wine (a testing aid, chosen by OUTPOST_WINE_PREFIX=<prefix>)
// so the Windows path runs for real on Linux: cmd.exe, the vendor's .bat files, `sc` and a real
// service control manager. Nothing else in core knows which one it got.
//
// A step runs as a script file (`cmd /d /c <file>.cmd`), never as a command line: the file is the
// text, and secrets are not even in the file. They come on stdin, one line that the script reads with
// `set /p` and cuts into variables by length, and the step's line uses them as `%OUTPOST_S1%`:
// same-process expansion, so no process's command line (cmd's, or the vendor .bat's: a batch runs
// inside the same cmd) ever holds a value. The line clears the variables before its commands run
// (`%…%` is expanded when cmd reads the line, `set "X="` runs after), so the programs the step starts do
// not inherit them either. Delayed expansion (`!X!`) is not used for this: it would see the variables
// already cleared, and Wine's cmd does not do `!X:~a,b!` substrings. An interactive step's stdin stays
// open after that line: what a person types reaches the script's own `set /p` or the programs it starts.
//
// PowerShell gets its whole script on stdin too, read by a fixed command (quote/powershell.ts), so its
// command line holds nothing of the step; never `-EncodedCommand`, which any user listing processes
// can decode. Wine's own powershell.exe is a stub that runs nothing and exits 0: under Wine a PowerShell
// step is refused unless the prefix holds another powershell.exe (the tests' stand-in).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OutpostError } from '../errors';
import { powershellStdin, powershellStdinArgs } from '../quote';
import { spawnAndWait, type StdinPipe } from './spawn-wait';

export type { StdinPipe } from './spawn-wait';

export interface CmdRunOptions {
  signal: AbortSignal;
  timeoutMs: number;
  onData: (text: string) => void;
  cwd?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** Values for %OUTPOST_S1%, %OUTPOST_S2%, … in the script (see cmdSecretRef), given on stdin. */
  secrets?: readonly string[] | undefined;
  /** A read-only check: safe to run again when Wine failed to start one of its programs. */
  readOnly?: boolean | undefined;
  /** An interactive step: stdin stays open after the secrets' line, for what a person types (see StdinPipe). */
  onStdin?: ((pipe: StdinPipe | null) => void) | undefined;
}

export type PowerShellRunOptions = Omit<CmdRunOptions, 'secrets' | 'onStdin'>;

export interface Elevation {
  /** null: could not tell. */
  elevated: boolean | null;
  /** What was checked and what it said, in a sentence. */
  detail: string;
  hint?: string;
}

export interface WindowsPlatform {
  readonly kind: 'windows' | 'wine';
  /** "Windows" or "Wine (prefix /path)", for messages. */
  readonly label: string;
  /** Runs cmd text (one or more lines) as a .cmd file with `cmd /d /c`. */
  runCmd(text: string, opts: CmdRunOptions): Promise<{ exitCode: number | null }>;
  /** Runs a PowerShell script, given on stdin (never on a command line). */
  runPowerShell(script: string, opts: PowerShellRunOptions): Promise<{ exitCode: number | null }>;
  /** Where this process reads and writes a Windows path (C:\… under Wine: the prefix's drive_c). */
  localPath(p: string): string;
  /** Is this process elevated (administrator rights)? Says what it checked. */
  elevation(signal: AbortSignal): Promise<Elevation>;
}

const DRIVE_PATH = /^([A-Za-z]):[\\/]?(.*)$/;

export function isWindowsPath(p: string): boolean {
  return DRIVE_PATH.test(p);
}

/** How a secret is written in a step's cmd text: `%OUTPOST_S<n>%`, in quotes when the value needs them. */
export function cmdSecretRef(index: number, quoted: boolean): string {
  return quoted ? `"%OUTPOST_S${index + 1}%"` : `%OUTPOST_S${index + 1}%`;
}

/**
 * The .cmd file for a step: echo off (an echoed line would show expanded values), the secrets read
 * from stdin and cut by length, then the step's text with the variables cleared in front of it.
 * Secrets must be printable ASCII (lengths are counted in characters on both sides of the pipe, and
 * cmd reads stdin in the console's code page).
 */
export function cmdScript(text: string, secrets: readonly string[] = []): string {
  const lines = ['@echo off'];
  if (/[^\x20-\x7e\t\r\n]/.test(text)) lines.push('chcp 65001 >nul');
  if (secrets.length) {
    for (const [i, v] of secrets.entries()) {
      if (!/^[\x21-\x7e]+$/.test(v)) throw new OutpostError('secret.unquotable', `A secret for this cmd step (number ${i + 1}) has a space or a character outside printable ASCII, which cmd cannot read back from stdin exactly.`, 'Use a credential made of printable ASCII characters.');
    }
    lines.push('set "OUTPOST_IN="', 'set /p "OUTPOST_IN="');
    let at = 0;
    for (const [i, v] of secrets.entries()) {
      lines.push(`set "OUTPOST_S${i + 1}=%OUTPOST_IN:~${at},${v.length}%"`);
      at += v.length;
    }
    lines.push('set "OUTPOST_IN="');
  }
  const clear = secrets.map((_v, i) => `set "OUTPOST_S${i + 1}=" & `).join('');
  const body = text.split(/\r?\n/);
  lines.push(`${clear}${body[0] ?? ''}`, ...body.slice(1));
  return lines.join('\r\n') + '\r\n';
}

/** The stdin that goes with cmdScript: every value on one line (Wine's `set /p` reads the whole pipe). */
export function cmdStdin(secrets: readonly string[] = []): string {
  return secrets.length ? `${secrets.join('')}\r\n` : '';
}


/** Writes the step's script into a fresh folder of `dir`, runs `use(file)`, and removes the folder. */
async function withScriptFile<T>(dir: string, content: string, use: (file: string, folder: string) => Promise<T>): Promise<T> {
  fs.mkdirSync(dir, { recursive: true });
  const folder = fs.mkdtempSync(path.join(dir, 'outpost-'));
  try {
    const file = path.join(folder, 'step.cmd');
    fs.writeFileSync(file, content, { mode: 0o600 });
    return await use(file, folder);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

const NOT_ELEVATED_HINT = 'Close Outpost and start it with right-click > Run as administrator (or from an elevated prompt: outpost run …), then run again.';

/** The check both implementations can run in cmd: `net session` answers administrators only. */
async function netSession(p: WindowsPlatform, signal: AbortSignal): Promise<Elevation> {
  let out = '';
  const r = await p.runCmd('net session', { signal, timeoutMs: 30_000, readOnly: true, onData: (t) => (out += t) });
  if (r.exitCode === 0) return { elevated: true, detail: '`net session` answered: Outpost runs elevated (administrator rights).' };
  if (/access is denied|error 5\b/i.test(out) || r.exitCode === 2) return { elevated: false, detail: `\`net session\` was refused (${out.trim().split(/\r?\n/)[0] ?? `exit code ${r.exitCode}`}): Outpost is not elevated.`, hint: NOT_ELEVATED_HINT };
  return { elevated: null, detail: `\`net session\` exited with code ${r.exitCode ?? 'none'}: could not tell whether Outpost is elevated.`, hint: NOT_ELEVATED_HINT };
}

/** Windows itself: %ComSpec%, scripts in %TEMP%. */
export function nativeWindows(env: NodeJS.ProcessEnv = process.env): WindowsPlatform {
  const comspec = env.ComSpec ?? env.COMSPEC ?? 'C:\\Windows\\System32\\cmd.exe';
  const p: WindowsPlatform = {
    kind: 'windows',
    label: 'Windows',
    runCmd: (text, opts) =>
      withScriptFile(os.tmpdir(), cmdScript(text, opts.secrets), (file) =>
        // /s: strip the outer quotes and keep the rest, so a path with spaces stays one word.
        spawnAndWait(comspec, ['/d', '/s', '/c', `""${file}""`], { ...opts, stdin: cmdStdin(opts.secrets), verbatim: true }),
      ),
    runPowerShell: (script, opts) => spawnAndWait('powershell.exe', powershellStdinArgs(), { ...opts, stdin: powershellStdin(script) }),
    localPath: (x) => x,
    elevation: (signal) => netSession(p, signal),
  };
  return p;
}

/** Where Windows keeps powershell.exe (Wine's prefixes too). */
export const POWERSHELL_PATH = 'C:\\windows\\system32\\WindowsPowerShell\\v1.0\\powershell.exe';

/** The wine64 loader: OUTPOST_WINE64 when set, `wine64` on PATH, else Debian's /usr/lib/wine/wine64. */
export function wineBinary(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OUTPOST_WINE64) return env.OUTPOST_WINE64;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, 'wine64'))) return path.join(dir, 'wine64');
  }
  return '/usr/lib/wine/wine64';
}

/** The wineserver beside the wine64 loader (Debian: /usr/lib/wine/wineserver64), else on the PATH. */
export function wineserverBinary(wine64: string): string {
  for (const f of [path.join(path.dirname(wine64), 'wineserver64'), path.join(path.dirname(wine64), 'wineserver'), '/usr/lib/wine/wineserver64', '/usr/bin/wineserver']) if (fs.existsSync(f)) return f;
  return 'wineserver';
}

/**
 * Wine (a testing aid): `wine64 cmd /d /c C:\windows\temp\outpost-…\step.cmd` in the prefix, C:\ is the
 * prefix's drive_c. Wine has no UAC: every process has administrator rights, and the elevation check
 * says so rather than pretending to have checked a token.
 */
export function winePlatform(prefix: string, env: NodeJS.ProcessEnv = process.env): WindowsPlatform {
  const root = path.resolve(prefix);
  if (!fs.existsSync(path.join(root, 'drive_c'))) {
    // Debian puts wine64 and wineserver in /usr/lib/wine, not on the PATH: the hint names the ones found.
    // wineserver -k ends the session wineboot started: its service manager would not see services created later.
    const bin = wineBinary(env);
    const server = wineserverBinary(bin);
    throw new OutpostError('wine_prefix', `OUTPOST_WINE_PREFIX=${prefix} is not a Wine prefix (it has no drive_c).`, `Create it first: WINEPREFIX=${root} ${bin} wineboot -i && WINEPREFIX=${root} ${server} -k (OUTPOST_WINE64 names another wine64).`);
  }
  const bin = wineBinary(env);
  const wineEnv = { WINEPREFIX: root, WINEDEBUG: env.WINEDEBUG ?? '-all', WINEDLLOVERRIDES: env.WINEDLLOVERRIDES ?? 'mscoree,mshtml=' };
  const localPath = (x: string): string => {
    const m = DRIVE_PATH.exec(x);
    if (!m) return x;
    const drive = (m[1] ?? 'c').toLowerCase();
    const rest = (m[2] ?? '').split(/[\\/]+/).filter(Boolean);
    const base = drive === 'c' ? path.join(root, 'drive_c') : fs.realpathSync(path.join(root, 'dosdevices', `${drive}:`));
    return path.join(base, ...rest);
  };
  const p: WindowsPlatform = {
    kind: 'wine',
    label: `Wine (prefix ${root})`,
    runCmd: (text, opts) =>
      withScriptFile(path.join(root, 'drive_c', 'windows', 'temp'), cmdScript(text, opts.secrets), async (file) => {
        const win = `C:\\${path.relative(path.join(root, 'drive_c'), file).split(path.sep).join('\\')}`;
        // On a loaded machine Wine's cmd now and then fails to start a program ("ShellExecuteEx failed:
        // Internal error"). A read-only check is run again (up to twice); anything else reports it as is.
        for (let attempt = 1; ; attempt++) {
          let out = '';
          const r = await spawnAndWait(bin, ['cmd', '/d', '/c', win], { ...opts, onData: (t) => (opts.readOnly ? (out += t) : opts.onData(t)), stdin: cmdStdin(opts.secrets), extraEnv: wineEnv });
          if (!opts.readOnly) return r;
          if (attempt < 3 && r.exitCode !== 0 && /ShellExecuteEx failed/.test(out)) continue;
          opts.onData(out);
          return r;
        }
      }),
    async runPowerShell(script, opts) {
      // Wine's builtin programs are placeholder files marked as such: its powershell.exe would run nothing.
      const file = localPath(POWERSHELL_PATH);
      const head = fs.existsSync(file) ? fs.readFileSync(file) : null;
      if (!head || head.includes('Wine builtin DLL')) {
        throw new OutpostError('local_unsupported', `PowerShell steps cannot run under Wine (prefix ${root}): its powershell.exe is a stub that runs nothing.`, `Run them on Windows itself. (Tests put a stand-in at ${POWERSHELL_PATH} in the prefix.)`);
      }
      return spawnAndWait(bin, [POWERSHELL_PATH, ...powershellStdinArgs()], { ...opts, stdin: powershellStdin(script), extraEnv: wineEnv });
    },
    localPath,
    async elevation(signal) {
      let who = '';
      const r = await p.runCmd('whoami', { signal, timeoutMs: 60_000, readOnly: true, onData: (t) => (who += t) });
      const user = who.trim().split(/\r?\n/).at(-1) ?? '';
      if (r.exitCode !== 0) return { elevated: null, detail: `Wine prefix ${root}: cmd did not answer (whoami exited with ${r.exitCode ?? 'none'}).`, hint: 'Check the prefix with: WINEPREFIX=<prefix> wine64 cmd /c ver' };
      return { elevated: true, detail: `Wine prefix ${root}: Wine has no UAC, so every process, user ${user || 'unknown'} included, has administrator rights; a real Windows elevation check was not exercised.` };
    },
  };
  return p;
}

/** This computer's Windows platform: Windows itself, Wine when OUTPOST_WINE_PREFIX is set, else null. */
export function windowsPlatform(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): WindowsPlatform | null {
  if (platform === 'win32') return nativeWindows(env);
  const prefix = env.OUTPOST_WINE_PREFIX;
  if (prefix) return winePlatform(prefix, env);
  return null;
}

/** The refusal when a Windows step is asked to run here and there is no Windows. */
export function needsWindows(platform: NodeJS.Platform = process.platform): OutpostError {
  return new OutpostError(
    'local_unsupported',
    `Windows steps on this computer need Windows: this computer runs ${platform}.`,
    'Run Outpost on the Windows computer itself, or reach it over SSH as a target. (For tests, OUTPOST_WINE_PREFIX=<Wine prefix> runs them under Wine.)',
  );
}
