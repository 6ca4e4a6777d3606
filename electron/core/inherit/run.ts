// The vendor's "inherited installation", run for real: on a host that already runs the agent (the
// "seed", reached like any target: its jump server, host keys verified), Outpost uploads the list by
// SFTP (0600, never through a command line), runs the vendor's script in a PTY, answers its password
// question by typing into the PTY, reads which hosts its output confirms, and removes the list
// whatever happened. Every text that leaves (output, journal, errors) is masked by the secrets registry.
import type { SFTPWrapper } from 'ssh2';
import type { Inherited } from '../profiles/schema';
import type { SecretRegistry } from '../secrets/registry';
import { quotePosix } from '../quote';
import { exec, ExecError, type SshConnection } from '../ssh';
import { OutpostError } from '../errors';
import { iplistText, normalizeIp, parseInstallerOutput, PromptResponder, type IplistLine } from './iplist';

export type InheritedStep = 'inherited-connect' | 'inherited-check' | 'inherited-upload' | 'inherited-install';

export interface InheritedHostResult {
  ip: string;
  state: 'done' | 'failed' | 'cancelled';
  step: InheritedStep;
  reason: string | null;
}

export interface InheritedResult {
  hosts: InheritedHostResult[];
  /** The list could not be removed from the seed (it holds passwords): say so loudly. */
  cleanupError: string | null;
  exitCode: number | null;
  /** The masked tail of the installer's output. */
  tail: string;
  mode: 'batch' | 'single';
}

export interface InheritedOptions {
  inherited: Inherited;
  lines: readonly IplistLine[];
  /** Typed at the script's default-password question (empty: Enter). Never on a command line. */
  defaultPassword: string;
  secrets: SecretRegistry;
  /** Opens (or reopens, for the clean-up) the connection to the seed. */
  connect: () => Promise<SshConnection>;
  /** Masked output, as it arrives. */
  onOutput: (text: string) => void;
  signal?: AbortSignal;
  /** Use the one-host form (`-ip`) when the list has one host and the profile has it (default true). */
  preferSingle?: boolean;
}

function openSftp(conn: SshConnection): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => conn.client.sftp((err, s) => (err ? reject(err) : resolve(s))));
}

function call<T>(f: (cb: (err: Error | undefined | null, v?: T) => void) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) => f((err, v) => (err ? reject(err) : resolve(v))));
}

/** Writes text to path with mode 0600 from the first byte on (an existing file is truncated, then chmod'ed, then written). */
async function writePrivate(sftp: SFTPWrapper, file: string, text: string): Promise<void> {
  const handle = await call<Buffer>((cb) => sftp.open(file, 'w', { mode: 0o600 }, cb));
  if (!handle) throw new Error('no handle');
  try {
    await call<void>((cb) => sftp.fchmod(handle, 0o600, cb));
    const data = Buffer.from(text, 'utf8');
    await call<void>((cb) => sftp.write(handle, data, 0, data.length, 0, cb));
  } finally {
    await call<void>((cb) => sftp.close(handle, cb)).catch(() => undefined);
  }
}

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));

export async function runInherited(o: InheritedOptions): Promise<InheritedResult> {
  const inh = o.inherited;
  const ips = o.lines.map((l) => normalizeIp(l.ip));
  const single = (o.preferSingle ?? true) && o.lines.length === 1 && Boolean(inh.ipFlag && inh.promptPassword && inh.singleDone);
  const mode = single ? 'single' : 'batch';
  const red = (s: string) => o.secrets.redact(s);
  const allFailed = (step: InheritedStep, reason: string, state: InheritedHostResult['state'] = 'failed'): InheritedResult => ({
    hosts: ips.map((ip) => ({ ip, state, step, reason: red(reason) })),
    cleanupError: null,
    exitCode: null,
    tail: '',
    mode,
  });
  for (const l of o.lines) o.secrets.add(l.password);
  o.secrets.add(o.defaultPassword);

  let conn: SshConnection;
  try {
    conn = await o.connect();
  } catch (err) {
    return allFailed('inherited-connect', `could not log in to the host that has the agent: ${errText(err)}`);
  }
  let uploaded = false;
  const result: InheritedResult = { hosts: [], cleanupError: null, exitCode: null, tail: '', mode };
  try {
    const sftp = await openSftp(conn).catch((err: unknown) => {
      throw new StepError('inherited-check', `SFTP is not available on ${conn.label}: ${errText(err)}`);
    });
    try {
      await call((cb) => sftp.stat(inh.script, cb)).catch(() => {
        throw new StepError('inherited-check', `${conn.label} has no ${inh.script}: is the agent installed there?`);
      });
      if (!single) {
        uploaded = true; // from here on, the clean-up removes it (also after a half-written upload)
        await writePrivate(sftp, inh.listPath, iplistText(o.lines)).catch((err: unknown) => {
          throw new StepError('inherited-upload', `could not write ${inh.listPath} on ${conn.label}: ${errText(err)}`);
        });
      }
    } finally {
      sftp.end();
    }

    // The command holds paths and flags only; passwords are typed into the PTY.
    const command = ['bash', inh.script, ...(single ? [inh.ipFlag as string, ips[0] as string] : [inh.batchFlag, inh.listPath])].map(quotePosix).join(' ');
    const onlyPassword = o.lines[0]?.password ?? o.defaultPassword;
    const responder = new PromptResponder(
      single
        ? [{ re: new RegExp(inh.promptPassword as string), answer: () => onlyPassword, max: 3 }]
        : [{ re: new RegExp(inh.promptDefaultPassword), answer: () => o.defaultPassword, max: 1 }],
    );
    const stream = o.secrets.stream({ onFlush: (t) => o.onOutput(t) });
    let all = '';
    let channel: { write(d: string): unknown } | null = null;
    let exitCode: number | null = null;
    let failure: ExecError | null = null;
    try {
      const r = await exec(conn, command, {
        pty: { cols: 200, rows: 50, term: 'dumb' },
        timeoutMs: inh.timeoutSec * 1000,
        tailChars: 8000,
        ...(o.signal ? { signal: o.signal } : {}),
        onChannel: (ch) => (channel = ch),
        onData: (text) => {
          all += text;
          if (all.length > 4_000_000) all = all.slice(-2_000_000);
          o.onOutput(stream.push(text));
          for (const a of responder.push(text)) channel?.write(a);
        },
      });
      exitCode = r.exitCode;
    } catch (err) {
      if (!(err instanceof ExecError)) throw err;
      failure = err;
    }
    o.onOutput(stream.flush());
    stream.dispose();
    result.exitCode = exitCode;
    result.tail = red(all.slice(-8000));
    const out = parseInstallerOutput(all, { hostDone: new RegExp(inh.hostDone), singleDone: inh.singleDone ? new RegExp(inh.singleDone) : undefined, finished: inh.finished ? new RegExp(inh.finished) : undefined }, single ? ips[0] : undefined);
    const why = (() => {
      if (failure?.code === 'cancelled') return 'cancelled before the installer confirmed this host';
      if (failure) return `the installer's output did not confirm this host (${failure.message})`;
      if (out.finishedLine) return `the installer's output did not confirm this host (it printed "${out.finishedLine}" which only means its loop ended)`;
      return `the installer's output did not confirm this host (it ended with exit code ${exitCode ?? 'none'} without its last line)`;
    })();
    result.hosts = ips.map((ip) =>
      out.confirmed.has(ip)
        ? { ip, state: 'done', step: 'inherited-install', reason: null }
        : { ip, state: failure?.code === 'cancelled' ? 'cancelled' : 'failed', step: 'inherited-install', reason: red(why) },
    );
  } catch (err) {
    if (!(err instanceof StepError)) throw err;
    Object.assign(result, allFailed(err.step, err.message));
  } finally {
    if (uploaded) result.cleanupError = await removeList(conn, o.connect, inh.listPath);
    conn.end();
  }
  if (result.cleanupError) result.cleanupError = red(result.cleanupError);
  return result;
}

class StepError extends OutpostError {
  constructor(
    readonly step: InheritedStep,
    message: string,
  ) {
    super('inherited_failed', message);
  }
}

/** Removes the list (it holds passwords); on a dropped connection, logs in again once. Returns the error, if any. */
async function removeList(conn: SshConnection, reconnect: () => Promise<SshConnection>, file: string): Promise<string | null> {
  const attempt = async (c: SshConnection) => {
    const sftp = await openSftp(c);
    try {
      await call<void>((cb) => sftp.unlink(file, cb)).catch(async (err: unknown) => {
        // Already gone is fine.
        const gone = await call((cb) => sftp.stat(file, cb)).then(
          () => false,
          () => true,
        );
        if (!gone) throw err;
      });
    } finally {
      sftp.end();
    }
  };
  const withTimeout = <T>(p: Promise<T>) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    return Promise.race([p, new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error('timed out after 20 s')), 20_000)))]).finally(() => clearTimeout(timer));
  };
  try {
    if (conn.closed) throw new Error('connection closed');
    await withTimeout(attempt(conn));
    return null;
  } catch {
    try {
      const again = await withTimeout(reconnect());
      try {
        await withTimeout(attempt(again));
        return null;
      } finally {
        again.end();
      }
    } catch (err) {
      return `could not remove ${file} on ${conn.label} (${errText(err)}): it holds passwords, remove it by hand`;
    }
  }
}
