// Steps that run on this computer ("local"): the platform decides how a step's shell is started.
// POSIX shells get the script on stdin. cmd goes through the Windows platform (electron/core/platform):
// Windows itself, or Wine when OUTPOST_WINE_PREFIX is set (a testing aid); elsewhere it is refused.
// PowerShell runs on Windows only (Wine has none).
import type { Shell } from '../../common/api/plan';
import { powershellEncodedArgv } from '../quote';
import { OutpostError } from '../errors';
import { needsWindows, windowsPlatform, type WindowsPlatform } from '../platform';
import { spawnAndWait } from '../platform/spawn-wait';

export interface SpawnSpec {
  file: string;
  args: string[];
  /** Windows: pass the command line as is (cmd's own parsing rules apply, not the C runtime's). */
  verbatim: boolean;
  /** Text to write on stdin (POSIX scripts). */
  stdin?: string;
}

/** How a step's text is started directly on this platform; null when it is not (cmd: see WindowsPlatform). */
export function localSpawnSpec(shell: Shell, text: string, platform: NodeJS.Platform = process.platform): SpawnSpec | null {
  if (platform === 'win32') {
    if (shell === 'powershell') {
      const [file, ...args] = text.startsWith('powershell.exe ') ? text.split(' ') : powershellEncodedArgv(text);
      return { file: file ?? 'powershell.exe', args, verbatim: false };
    }
    return null;
  }
  if (shell === 'bash' || shell === 'sh') return { file: shell === 'bash' ? '/bin/bash' : '/bin/sh', args: ['-s'], verbatim: false, stdin: text + '\n' };
  return null;
}

export interface LocalResult {
  exitCode: number | null;
}

export function runLocal(
  shell: Shell,
  text: string,
  opts: { onData: (t: string) => void; signal: AbortSignal; timeoutMs: number; sudo?: boolean; cwd?: string; env?: NodeJS.ProcessEnv; secrets?: readonly string[]; readOnly?: boolean; windows?: WindowsPlatform | null },
): Promise<LocalResult> {
  if (shell === 'cmd') {
    let win: WindowsPlatform | null;
    try {
      win = opts.windows === undefined ? windowsPlatform() : opts.windows;
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    if (!win) return Promise.reject(needsWindows());
    return win.runCmd(text, { signal: opts.signal, timeoutMs: opts.timeoutMs, onData: opts.onData, cwd: opts.cwd, env: opts.env, secrets: opts.secrets, readOnly: opts.readOnly });
  }
  if (opts.secrets?.length) return Promise.reject(new OutpostError('plan.invalid', `Secrets on stdin are for cmd steps; this one is ${shell}.`, 'This is a bug in Outpost.'));
  const base = localSpawnSpec(shell, text);
  // `sudo -n`: never a password prompt nobody can see; preflight said sudo works without one.
  const spec = base && opts.sudo && process.platform !== 'win32' ? { ...base, file: 'sudo', args: ['-n', base.file, ...base.args] } : base;
  if (!spec) {
    if (shell === 'powershell') return Promise.reject(needsWindows());
    return Promise.reject(new OutpostError('local_unsupported', `This step needs ${shell}, which this computer (${process.platform}) does not have.`, 'Reach that host over SSH as a target instead.'));
  }
  return spawnAndWait(spec.file, spec.args, { signal: opts.signal, timeoutMs: opts.timeoutMs, onData: opts.onData, cwd: opts.cwd, env: opts.env, stdin: spec.stdin ?? '', verbatim: spec.verbatim });
}
