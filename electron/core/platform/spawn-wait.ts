// One process for one step, run to its end: output streamed, stdin given once (or, for an interactive
// step, given first and then kept open for what a person types), its own process group on POSIX (a
// cancel or timeout ends the step's children too), never an environment variable that holds a secret.
// Shared by local steps and the Windows platform (cmd, PowerShell, Wine).
import { spawn } from 'node:child_process';
import { OutpostError } from '../errors';
import { childEnv } from '../secrets/env';

export interface SpawnWaitOptions {
  signal: AbortSignal;
  timeoutMs: number;
  onData: (text: string) => void;
  cwd?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  stdin: string;
  verbatim?: boolean | undefined;
  /** Added after the secret-named variables were stripped (e.g. WINEPREFIX). */
  extraEnv?: NodeJS.ProcessEnv | undefined;
  /** An interactive step: stdin stays open after `stdin`; the pipe is handed over, then null once the process ended. */
  onStdin?: ((pipe: StdinPipe | null) => void) | undefined;
}

/** The open stdin of an interactive step, and its output's flow control. */
export interface StdinPipe {
  write(d: string): void;
  pause(): void;
  resume(): void;
}

export function spawnAndWait(file: string, args: string[], opts: SpawnWaitOptions): Promise<{ exitCode: number | null }> {
  return new Promise((resolve, reject) => {
    const posix = process.platform !== 'win32';
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: { ...childEnv(opts.env ?? process.env), ...(opts.extraEnv ?? {}) },
      windowsVerbatimArguments: Boolean(opts.verbatim),
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
      detached: posix,
    });
    let failure: OutpostError | null = null;
    const stop = (e: OutpostError) => {
      failure = e;
      try {
        if (posix && child.pid) process.kill(-child.pid, 'SIGTERM');
        else child.kill();
      } catch {
        child.kill();
      }
    };
    const timer = setTimeout(() => stop(new OutpostError('timeout', `The local step did not finish within ${Math.round(opts.timeoutMs / 1000)} s and was stopped.`, 'Raise the step timeout or check why it hangs.')), opts.timeoutMs);
    const onAbort = () => stop(new OutpostError('cancelled', 'Cancelled: the local step was stopped.', 'Run it again when ready.'));
    if (opts.signal.aborted) onAbort();
    else opts.signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8').on('data', opts.onData);
    child.stderr.setEncoding('utf8').on('data', opts.onData);
    child.stdin.on('error', () => undefined);
    child.on('error', (err) => stop(new OutpostError('local_failed', `Could not start ${file}: ${err.message}`, 'Check that it is installed.')));
    let settled = false;
    const finish = (code: number | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', onAbort);
      if (opts.onStdin) {
        opts.onStdin(null);
        child.stdin.destroy();
      }
      if (failure) reject(failure);
      else resolve({ exitCode: code });
    };
    child.on('close', (code) => finish(code));
    // A process the step starts may keep its output pipe open after it ended: under Wine, the service
    // manager started by the first Windows process of a session inherits that process's stdio and
    // lives on. The step is over when its process exits; what is already in the pipe is read first.
    child.on('exit', (code) => {
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(code);
      }, 500).unref();
    });
    if (!opts.onStdin) {
      child.stdin.end(opts.stdin);
      return;
    }
    child.stdin.write(opts.stdin);
    opts.onStdin({
      write: (d) => void (child.stdin.writable && child.stdin.write(d)),
      pause: () => [child.stdout, child.stderr].forEach((s) => s.pause()),
      resume: () => [child.stdout, child.stderr].forEach((s) => s.resume()),
    });
  });
}
