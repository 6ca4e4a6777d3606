// Steps that run on this computer ("local"): the platform decides how a step's shell is started.
// POSIX shells get the script on stdin. cmd and PowerShell go through the Windows platform
// (electron/core/platform): Windows itself, or Wine when OUTPOST_WINE_PREFIX is set (a testing aid,
// which has no PowerShell of its own); elsewhere they are refused. No shell gets its script, or a
// secret, on its command line.
import type { Shell } from '../../common/api/plan';
import { OutpostError } from '../errors';
import { needsWindows, windowsPlatform, type StdinPipe, type WindowsPlatform } from '../platform';
import { spawnAndWait } from '../platform/spawn-wait';

export interface SpawnSpec {
  file: string;
  args: string[];
  /** Windows: pass the command line as is (cmd's own parsing rules apply, not the C runtime's). */
  verbatim: boolean;
  /** Text to write on stdin (POSIX scripts). */
  stdin?: string;
}

/** How a step's text is started directly on this platform; null when it is not (cmd and PowerShell: see WindowsPlatform). */
export function localSpawnSpec(shell: Shell, text: string, platform: NodeJS.Platform = process.platform): SpawnSpec | null {
  if (platform === 'win32') return null;
  if (shell === 'bash' || shell === 'sh') return { file: shell === 'bash' ? '/bin/bash' : '/bin/sh', args: ['-s'], verbatim: false, stdin: text + '\n' };
  return null;
}

export interface LocalResult {
  exitCode: number | null;
}

export function runLocal(
  shell: Shell,
  text: string,
  opts: {
    onData: (t: string) => void;
    signal: AbortSignal;
    timeoutMs: number;
    sudo?: boolean;
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    secrets?: readonly string[];
    readOnly?: boolean;
    windows?: WindowsPlatform | null;
    /** An interactive cmd step: its stdin, kept open after the secrets' line. */
    onStdin?: (pipe: StdinPipe | null) => void;
  },
): Promise<LocalResult> {
  if (shell === 'cmd' || shell === 'powershell') {
    let win: WindowsPlatform | null;
    try {
      win = opts.windows === undefined ? windowsPlatform() : opts.windows;
      if (!win) throw needsWindows();
      if (shell === 'powershell' && opts.secrets?.length) throw new OutpostError('plan.invalid', 'Secrets on stdin are for cmd steps; a PowerShell step has its values in its script, which goes on stdin.', 'This is a bug in Outpost.');
      const base = { signal: opts.signal, timeoutMs: opts.timeoutMs, onData: opts.onData, cwd: opts.cwd, env: opts.env, readOnly: opts.readOnly };
      return shell === 'cmd' ? win.runCmd(text, { ...base, secrets: opts.secrets, onStdin: opts.onStdin }) : win.runPowerShell(text, base);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
  if (opts.secrets?.length) return Promise.reject(new OutpostError('plan.invalid', `Secrets on stdin are for cmd steps; this one is ${shell}.`, 'This is a bug in Outpost.'));
  const base = localSpawnSpec(shell, text);
  // `sudo -n`: never a password prompt nobody can see; preflight said sudo works without one.
  const spec = base && opts.sudo && process.platform !== 'win32' ? { ...base, file: 'sudo', args: ['-n', base.file, ...base.args] } : base;
  if (!spec) {
    return Promise.reject(new OutpostError('local_unsupported', `This step needs ${shell}, which this computer (${process.platform}) does not have.`, 'Reach that host over SSH as a target instead.'));
  }
  return spawnAndWait(spec.file, spec.args, { signal: opts.signal, timeoutMs: opts.timeoutMs, onData: opts.onData, cwd: opts.cwd, env: opts.env, stdin: spec.stdin ?? '', verbatim: spec.verbatim });
}
