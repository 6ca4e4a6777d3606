// Executors: where a host's steps run. One interface for an SSH connection and for this computer
// (and, in tests, Wine), so the per-host job knows nothing about transport. POSIX scripts are fed on
// stdin to `bash -s` / `sh -s`: their text (secrets included) never appears in a process's arguments.
import fs from 'node:fs';
import path from 'node:path';
import type { ClientChannel } from 'ssh2';
import type { Shell } from '../../common/api/plan';
import { OutpostError } from '../errors';
import { drainPaused, exec as sshExec, upload as sshUpload, type SshConnection } from '../ssh';
import { needsWindows, windowsPlatform, type WindowsPlatform } from '../platform';
import { runLocal } from './local-spawn';
import { runRemoteCmd } from './remote-cmd';

export interface RunScriptOptions {
  signal: AbortSignal;
  timeoutMs: number;
  onData?: (text: string) => void;
  /** Prefix `sudo -n` (the login user is not root and sudo works without a password). */
  sudo?: boolean;
  /** A PTY a person may type into: `input` receives the channel's writer. */
  interactive?: boolean;
  /** `drain` hands over what the paused channel holds back (for dropping it after an interrupt, RunTerminal.discardQueued). */
  onInput?: (sink: { write(d: string): void; pause(): void; resume(): void; drain(): void } | null) => void;
  /** cmd (this computer, or Windows over SSH): values for the text's %OUTPOST_S<n>% references, given on stdin (never on a command line). */
  secrets?: readonly string[];
  /** A read-only check (probes): may be run again when the platform failed to start it (Wine under load). */
  readOnly?: boolean;
}

export interface ScriptResult {
  exitCode: number | null;
  /** The last part of the output (not redacted: mask before showing). */
  output: string;
}

export interface Executor {
  readonly kind: 'ssh' | 'local';
  /** Runs `text` in `shell` on the host. POSIX shells get the text on stdin. */
  run(shell: Shell, text: string, opts: RunScriptOptions): Promise<ScriptResult>;
  /** Copies a local file to the host, SHA-256 checked on the far side. */
  /** checkRemote false: skip the far-side SHA-256 check because the caller checks the copy itself. */
  upload(localPath: string, remotePath: string, opts: { signal: AbortSignal; mode?: number; onProgress?: (sent: number, total: number) => void; checkRemote?: boolean }): Promise<{ sha256: string; bytes: number }>;
  end(): void;
  /** This computer's Windows (or Wine) when the plan targets Windows here. */
  readonly windows?: WindowsPlatform;
  /** Where this process reads and writes a path of the host (a Windows path under Wine: the prefix). */
  localPath?(p: string): string;
}

const posix = (s: Shell) => s === 'bash' || s === 'sh';

export function sshExecutor(conn: SshConnection): Executor {
  return {
    kind: 'ssh',
    async run(shell, text, opts) {
      const feed = posix(shell) && !opts.interactive;
      const command = feed ? `${opts.sudo ? 'sudo -n ' : ''}${shell} -s` : text;
      // cmd with secrets (Windows over SSH): an uploaded script, values on stdin, never on cmd.exe's command line.
      const viaScript = Boolean(opts.secrets?.length);
      if (viaScript && (shell !== 'cmd' || opts.interactive)) throw new OutpostError('plan.invalid', `Secrets on stdin are for non-interactive cmd steps; this one is ${shell}${opts.interactive ? ', interactive' : ''}.`, 'This is a bug in Outpost.');
      let channel: ClientChannel | null = null;
      try {
        if (viaScript) {
          const r = await runRemoteCmd(conn, text, opts.secrets ?? [], {
            signal: opts.signal,
            timeoutMs: opts.timeoutMs,
            tailChars: 1_000_000,
            onChannel: (ch: ClientChannel) => {
              channel = ch;
              // stdin carries the secrets: nothing typed goes there.
              opts.onInput?.({ write: () => undefined, pause: () => ch.pause(), resume: () => ch.resume(), drain: () => drainPaused(ch) });
            },
            ...(opts.onData ? { onData: opts.onData } : {}),
          });
          return { exitCode: r.exitCode, output: r.output };
        }
        const r = await sshExec(conn, command, {
          signal: opts.signal,
          timeoutMs: opts.timeoutMs,
          tailChars: 1_000_000,
          ...(feed ? { stdin: text + '\n' } : {}),
          ...(opts.interactive ? { pty: { cols: 120, rows: 30 } } : {}),
          onChannel: (ch: ClientChannel) => {
            channel = ch;
            opts.onInput?.({ write: (d) => (feed ? undefined : ch.write(d)), pause: () => ch.pause(), resume: () => ch.resume(), drain: () => drainPaused(ch) });
          },
          ...(opts.onData ? { onData: opts.onData } : {}),
        });
        return { exitCode: r.exitCode, output: r.output };
      } finally {
        if (channel) opts.onInput?.(null);
      }
    },
    async upload(localPath, remotePath, opts) {
      return sshUpload(conn, localPath, remotePath, { ...(opts.mode !== undefined ? { mode: opts.mode } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}), ...(opts.checkRemote === false ? { checkRemote: false } : {}) });
    },
    end: () => conn.end(),
  };
}

/**
 * This computer: steps run in a working folder of their own (installers download into it). For a
 * Windows plan (`os: windows`) the Windows platform runs them: Windows itself, or Wine when
 * OUTPOST_WINE_PREFIX is set; on any other computer it is refused here, before any step runs.
 */
export function localExecutor(workDir: string, env?: NodeJS.ProcessEnv, opts: { os?: 'linux' | 'windows' } = {}): Executor {
  const windows = opts.os === 'windows' ? windowsPlatform() : null;
  if (opts.os === 'windows' && !windows) throw needsWindows();
  fs.mkdirSync(workDir, { recursive: true, mode: 0o700 });
  return {
    kind: 'local',
    ...(windows ? { windows, localPath: (p: string) => windows.localPath(p) } : {}),
    async run(shell, text, opts) {
      let output = '';
      const r = await runLocal(shell, text, {
        signal: opts.signal,
        timeoutMs: opts.timeoutMs,
        sudo: Boolean(opts.sudo),
        cwd: workDir,
        ...(env ? { env } : {}),
        ...(windows ? { windows } : {}),
        ...(opts.secrets?.length ? { secrets: opts.secrets } : {}),
        ...(opts.readOnly ? { readOnly: true } : {}),
        onData: (t) => {
          output = (output + t).slice(-1_000_000);
          opts.onData?.(t);
        },
      });
      return { exitCode: r.exitCode, output };
    },
    async upload(localPath, remotePath, opts) {
      if (opts.signal.aborted) throw new OutpostError('cancelled', 'Cancelled.', 'Run it again when ready.');
      const to = windows ? windows.localPath(remotePath) : remotePath;
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(windows ? windows.localPath(localPath) : localPath, to);
      if (opts.mode !== undefined) fs.chmodSync(to, opts.mode);
      const { sha256File } = await import('../ssh');
      return sha256File(to);
    },
    end: () => undefined,
  };
}
