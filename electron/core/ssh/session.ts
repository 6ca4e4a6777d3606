// What runs over a connection: exec (checks and steps, with exit codes, streamed), an interactive
// shell with a PTY, and SFTP uploads verified by SHA-256. Output is decoded as UTF-8 with a
// StringDecoder per stream, so a character split across two packets is never mangled.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { ClientChannel, PseudoTtyOptions, SFTPWrapper } from 'ssh2';
import { quote } from 'shell-quote';
import { OutpostError } from '../errors';
import type { SshConnection } from './connection';
import { plainSshMessage } from './errors';
import { openSftp } from './sftp';

export interface PtyOptions {
  cols?: number;
  rows?: number;
  term?: string;
}

export interface ExecOptions {
  onData?: (text: string, stream: 'stdout' | 'stderr') => void;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Allocate a PTY (interactive programs; closing it also hangs up the remote process group). */
  pty?: boolean | PtyOptions;
  env?: Record<string, string>;
  /** Characters of combined output kept for the result (default 8000). */
  tailChars?: number;
  /** Written to the command's stdin, then EOF (a script for `bash -s`: keeps it out of process arguments). */
  stdin?: string;
  /** The channel, once open: to pause/resume it (terminal flow control) or answer a prompt. */
  onChannel?: (ch: ClientChannel) => void;
}

export interface ExecResult {
  /** null when the process ended by a signal. */
  exitCode: number | null;
  signal: string | null;
  /** The last tailChars characters of stdout+stderr, in arrival order (not redacted: mask before logging). */
  output: string;
}

/** A failed exec (timeout, cancel, lost connection) still carries the output seen so far. */
export class ExecError extends OutpostError {
  constructor(
    code: 'timeout' | 'cancelled' | 'connection_lost' | 'exec_failed',
    message: string,
    hint: string,
    readonly outputTail: string,
  ) {
    super(code, message, hint);
  }
}

class Tail {
  private text = '';
  constructor(private readonly max: number) {}
  push(s: string): void {
    this.text += s;
    if (this.text.length > this.max * 2) this.text = this.text.slice(-this.max);
  }
  get value(): string {
    return this.text.slice(-this.max);
  }
}

function ptyOptions(p: true | PtyOptions): PseudoTtyOptions {
  const o = p === true ? {} : p;
  return { term: o.term ?? 'xterm-256color', cols: o.cols ?? 120, rows: o.rows ?? 30 };
}

/**
 * Hands over at once what a channel holds back (ssh2 keeps reading up to its 2 MB window while the
 * stream is paused, and a resumed stream emits its buffer only on the next tick): each buffered chunk
 * is emitted to the 'data' listeners, synchronously. The terminal uses it to drop that backlog after
 * an interrupt (InterruptDiscard, terminal/interrupt.ts). The stream's paused or flowing state is kept.
 */
export function drainPaused(ch: { read(): unknown; readonly readableFlowing: boolean | null; pause(): unknown; resume(): unknown }): void {
  const flowing = ch.readableFlowing === true;
  if (flowing) ch.pause();
  while (ch.read() !== null) {
    // read() emits each chunk to the 'data' listeners
  }
  if (flowing) ch.resume();
}

/** How long a stopped command's channel may take to close before the stop is reported anyway. */
const STOP_WAIT_MS = 2000;

/**
 * Runs one command and resolves when it has exited and its output is drained. Rejects with an
 * ExecError on timeout or cancel (the channel is signalled and closed) or when the connection drops.
 */
export function exec(conn: SshConnection, command: string, opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise<ExecResult>((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new ExecError('cancelled', `Cancelled before running on ${conn.label}.`, 'Start again when ready.', ''));
      return;
    }
    if (conn.closed) {
      reject(new ExecError('connection_lost', `The connection to ${conn.label} is closed.`, 'Connect again.', ''));
      return;
    }
    const execOpts = {
      ...(opts.pty ? { pty: ptyOptions(opts.pty) } : {}),
      ...(opts.env ? { env: opts.env } : {}),
    };
    conn.client.exec(command, execOpts, (openErr, ch) => {
      if (openErr) {
        reject(new ExecError('exec_failed', `Could not start a command on ${conn.label}: ${plainSshMessage(openErr.message)}`, 'The server may limit sessions (MaxSessions) or the connection dropped; try again.', ''));
        return;
      }
      // Listeners are attached here, synchronously: the exit status can arrive in the same TCP read
      // as the channel confirmation, and an await in between would miss it.
      watchExec(conn, ch, opts, resolve, reject);
    });
  });
}

function watchExec(conn: SshConnection, ch: ClientChannel, opts: ExecOptions, resolve: (r: ExecResult) => void, reject: (e: ExecError) => void): void {
  const tail = new Tail(opts.tailChars ?? 8000);
  const out = new StringDecoder('utf8');
  const err = new StringDecoder('utf8');
  let exitCode: number | null = null;
  let exitSignal: string | null = null;
  let exited = false;
  type Failure = { code: 'timeout' | 'cancelled'; message: string; hint: string };
  let failure: Failure | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const emit = (text: string, stream: 'stdout' | 'stderr') => {
    if (!text) return;
    tail.push(text);
    opts.onData?.(text, stream);
  };
  let settled = false;
  const stop = (e: Failure) => {
    if (failure || exited) return;
    failure = e;
    // Ask the process to stop, then close: with a PTY the close also hangs up its process group.
    try {
      ch.signal('TERM');
    } catch {
      /* channel already closing */
    }
    ch.close();
    // A child that outlives the shell (a sleep holding the output pipe) keeps sshd from closing the
    // channel: a cancel or a timeout does not wait for it longer than this.
    setTimeout(() => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      reject(new ExecError(e.code, e.message, e.hint, tail.value));
    }, STOP_WAIT_MS).unref();
  };
  const onAbort = () => stop({ code: 'cancelled', message: `Cancelled: the command on ${conn.label} was stopped.`, hint: 'Run it again when ready.' });

  ch.on('data', (d: Buffer) => emit(out.write(d), 'stdout'));
  ch.stderr.on('data', (d: Buffer) => emit(err.write(d), 'stderr'));
  ch.on('exit', (code: number | null, sig?: string) => {
    exited = true;
    exitCode = typeof code === 'number' ? code : null;
    exitSignal = sig ?? null;
  });
  ch.on('close', () => {
    clearTimeout(timer);
    if (settled) return;
    settled = true;
    opts.signal?.removeEventListener('abort', onAbort);
    emit(out.end(), 'stdout');
    emit(err.end(), 'stderr');
    const f = failure as Failure | null; // set from callbacks, which TS's flow analysis cannot see
    if (f) {
      reject(new ExecError(f.code, f.message, f.hint, tail.value));
    } else if (!exited) {
      reject(new ExecError('connection_lost', `The connection to ${conn.label} ended before the command finished.`, 'Check that the host is up and the network stable; the command may or may not have completed.', tail.value));
    } else {
      resolve({ exitCode, signal: exitSignal, output: tail.value });
    }
  });
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  opts.onChannel?.(ch);
  if (opts.stdin !== undefined) ch.end(opts.stdin);
  if (opts.timeoutMs && opts.timeoutMs > 0) {
    const ms = opts.timeoutMs;
    timer = setTimeout(
      () =>
        stop({
          code: 'timeout',
          message: `The command on ${conn.label} did not finish within ${Math.round(ms / 1000)} s and was stopped.`,
          hint: 'Raise the step timeout if the host is slow, or check why the command hangs (the output tail shows where).',
        }),
      ms,
    );
  }
}

export interface RemoteShell {
  write(data: string): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
  /** Hands over at once, to the onData listeners, what the paused channel holds back (drainPaused). */
  drain(): void;
  /** Text output (stdout and stderr, UTF-8 decoded). Data arriving before the first listener is kept. */
  onData(cb: (text: string) => void): () => void;
  onExit(cb: (e: { exitCode: number | null; signal: string | null }) => void): () => void;
  close(): void;
  readonly channel: ClientChannel;
}

/** An interactive login shell with a PTY (for steps marked interactive and the embedded terminal). */
export function shell(conn: SshConnection, opts: PtyOptions & { env?: Record<string, string> } = {}): Promise<RemoteShell> {
  return new Promise((resolve, reject) => {
    if (conn.closed) {
      reject(new OutpostError('connection_lost', `The connection to ${conn.label} is closed.`, 'Connect again.'));
      return;
    }
    const win = ptyOptions(opts);
    conn.client.shell(win, opts.env ? { env: opts.env } : {}, (err, ch) => {
      if (err) {
        reject(new OutpostError('exec_failed', `Could not open a shell on ${conn.label}: ${plainSshMessage(err.message)}`, 'The server may refuse PTYs or limit sessions; try again.'));
        return;
      }
      const dataListeners = new Set<(t: string) => void>();
      const exitListeners = new Set<(e: { exitCode: number | null; signal: string | null }) => void>();
      const early: string[] = [];
      const out = new StringDecoder('utf8');
      const errDec = new StringDecoder('utf8');
      let exit: { exitCode: number | null; signal: string | null } = { exitCode: null, signal: null };
      let closed = false;
      const emit = (t: string) => {
        if (!t) return;
        if (dataListeners.size === 0) early.push(t);
        else for (const l of dataListeners) l(t);
      };
      ch.on('data', (d: Buffer) => emit(out.write(d)));
      ch.stderr.on('data', (d: Buffer) => emit(errDec.write(d)));
      ch.on('exit', (code: number | null, sig?: string) => {
        exit = { exitCode: typeof code === 'number' ? code : null, signal: sig ?? null };
      });
      ch.on('close', () => {
        emit(out.end());
        emit(errDec.end());
        closed = true;
        for (const l of exitListeners) l(exit);
      });
      resolve({
        channel: ch,
        write: (data) => {
          if (!closed) ch.write(data);
        },
        resize: (cols, rows) => {
          if (!closed) ch.setWindow(rows, cols, 0, 0);
        },
        pause: () => ch.pause(),
        resume: () => ch.resume(),
        drain: () => {
          drainPaused(ch);
          drainPaused(ch.stderr);
        },
        onData: (cb) => {
          dataListeners.add(cb);
          for (const t of early.splice(0)) cb(t);
          return () => dataListeners.delete(cb);
        },
        onExit: (cb) => {
          if (closed) cb(exit);
          else exitListeners.add(cb);
          return () => exitListeners.delete(cb);
        },
        close: () => {
          if (!closed) ch.close();
        },
      });
    });
  });
}

export async function sha256File(localPath: string): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(localPath)) {
    h.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: h.digest('hex'), bytes };
}

/** sha256File, remembered while the file is unchanged: a batch sends the same package to hundreds of hosts. */
const localSums = new Map<string, { mtimeMs: number; size: number; sum: Promise<{ sha256: string; bytes: number }> }>();
async function localSha256(localPath: string): Promise<{ sha256: string; bytes: number }> {
  const st = await stat(localPath);
  const had = localSums.get(localPath);
  if (had && had.mtimeMs === st.mtimeMs && had.size === st.size) return had.sum;
  const sum = sha256File(localPath);
  localSums.set(localPath, { mtimeMs: st.mtimeMs, size: st.size, sum });
  sum.catch(() => localSums.delete(localPath));
  return sum;
}

async function remoteSha256ViaSftp(sftp: SFTPWrapper, remotePath: string): Promise<string> {
  const h = createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    const rs = sftp.createReadStream(remotePath);
    rs.on('data', (d: Buffer) => h.update(d));
    rs.on('error', reject);
    rs.on('end', () => resolve());
  });
  return h.digest('hex');
}

/** The remote file's SHA-256 by a POSIX tool, or null when none is there (Windows, minimal hosts). */
async function remoteSha256ViaShell(conn: SshConnection, remotePath: string): Promise<string | null> {
  const p = quote([remotePath]);
  const cmd = `if command -v sha256sum >/dev/null 2>&1; then sha256sum -- ${p}; elif command -v shasum >/dev/null 2>&1; then shasum -a 256 -- ${p}; else exit 127; fi`;
  try {
    const r = await exec(conn, cmd, { timeoutMs: 120_000 });
    const m = r.exitCode === 0 ? /^([0-9a-f]{64})\b/.exec(r.output.trim()) : null;
    return m?.[1] ?? null;
  } catch {
    return null;
  }
}

/**
 * Uploads a file by SFTP and checks that the remote copy has the same SHA-256 (hashed remotely
 * with sha256sum/shasum, else read back). Fails with `upload_corrupt` when they differ.
 */
export async function upload(
  conn: SshConnection,
  localPath: string,
  remotePath: string,
  opts: { mode?: number; onProgress?: (sent: number, total: number) => void; checkRemote?: boolean } = {},
): Promise<{ sha256: string; bytes: number }> {
  const local = await localSha256(localPath);
  const sftp = await openSftp(conn, 'the package is sent by SFTP');
  try {
    await new Promise<void>((resolve, reject) => {
      sftp.fastPut(
        localPath,
        remotePath,
        {
          // 16 requests of 32 KiB in flight (512 KiB a transfer, 2 MiB by default): a pool sends to 50 hosts at once.
          concurrency: 16,
          ...(opts.mode !== undefined ? { mode: opts.mode } : {}),
          ...(opts.onProgress ? { step: (sent: number, _chunk: number, total: number) => opts.onProgress?.(sent, total) } : {}),
        },
        (err) => {
          if (err) reject(new OutpostError('upload_failed', `Uploading ${localPath} to ${conn.label}:${remotePath} failed: ${plainSshMessage(err.message)}`, 'Check that the remote folder exists, that the user may write there, and that the disk has room.'));
          else resolve();
        },
      );
    });
    // checkRemote false: the caller checks the copy itself (the runner's staged upload, in its place step).
    if (opts.checkRemote === false) return local;
    const remote = (await remoteSha256ViaShell(conn, remotePath)) ?? (await remoteSha256ViaSftp(sftp, remotePath));
    if (remote !== local.sha256) {
      throw new OutpostError(
        'upload_corrupt',
        `The uploaded file ${conn.label}:${remotePath} does not match: local SHA-256 ${local.sha256}, remote ${remote}.`,
        'Upload again; if it keeps differing, check the remote disk (full, or a filesystem that alters files) and the network path.',
      );
    }
    return local;
  } finally {
    sftp.end();
  }
}
