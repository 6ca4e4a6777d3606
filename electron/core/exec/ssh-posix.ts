// A POSIX host over SSH: scripts on stdin to `bash -s` / `sh -s` (with `sudo -n` in front for root
// work when the login user is not root), file primitives as bash scripts (./posix-files.ts), an upload
// on the stdin of the script that receives it. An interactive step (a PTY a person may type into) cannot take its script on stdin, which is
// the terminal: the script goes to a private file by SFTP (0600 in a 0700 folder), which bash opens
// and removes before running it, so neither the step's text nor a secret is ever on a command line.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { ClientChannel } from 'ssh2';
import { OutpostError } from '../errors';
import { quotePosix } from '../quote';
import { drainPaused, exec as sshExec, type ExecOptions, type SshConnection } from '../ssh';
import { sftpCall, withSftp, writePrivate } from '../ssh/sftp';
import { IDENTITY_SCRIPT, parseIdentity, rootRequired, sudoPrefix, sudoRefused, type Executor, type Identity, type RunScriptOptions, type ScriptResult } from './executor';
import { posixFiles } from './posix-files';
import { PromptResponder } from './prompts';

const STEP_DIR = '.cache/outpost/steps';

/** Writes an interactive step's script to a private file in the login user's home; returns its absolute path. */
async function stageStepScript(conn: SshConnection, text: string): Promise<string> {
  return withSftp(
    conn,
    async (sftp) => {
      const home = ((await sftpCall<string>((cb) => sftp.realpath('.', cb))) ?? '').replace(/\/+$/, '');
      for (const dir of ['.cache', '.cache/outpost', STEP_DIR]) await sftpCall<void>((cb) => sftp.mkdir(dir, { mode: 0o700 }, cb)).catch(() => undefined);
      await sftpCall<void>((cb) => sftp.chmod(STEP_DIR, 0o700, cb));
      const rel = `${STEP_DIR}/step-${randomBytes(8).toString('hex')}.sh`;
      await writePrivate(sftp, rel, `${text}\n`, 0o600);
      return `${home}/${rel}`;
    },
    'an interactive step is sent as a private script file',
  );
}

async function runOnce(conn: SshConnection, shell: 'bash' | 'sh', text: string, opts: RunScriptOptions, sudo: string): Promise<ScriptResult> {
  let channel: ClientChannel | null = null;
  const responder = opts.respond?.length ? new PromptResponder(opts.respond.map((p) => ({ re: p.pattern, answer: () => p.answer, max: p.max ?? 1 }))) : null;
  const base: ExecOptions = {
    signal: opts.signal,
    timeoutMs: opts.timeoutMs,
    tailChars: 1_000_000,
    onChannel: (ch: ClientChannel) => {
      channel = ch;
      opts.onInput?.({ write: (d) => (opts.interactive ? ch.write(d) : undefined), pause: () => ch.pause(), resume: () => ch.resume(), drain: () => drainPaused(ch) });
    },
    onData: (t) => {
      opts.onData?.(t);
      if (responder) for (const a of responder.push(t)) (channel as ClientChannel | null)?.write(a);
    },
  };
  try {
    if (!opts.interactive) {
      const r = await sshExec(conn, `${sudo}${shell} -s`, { ...base, stdin: `${text}\n` });
      return { exitCode: r.exitCode, output: r.output };
    }
    const file = await stageStepScript(conn, text);
    // bash opens the file, removes it, then reads the script from the open descriptor.
    const cmd = `${sudo}bash -c 'f=$1; exec 3<"$f" || exit 126; rm -f -- "$f"; . /dev/fd/3' outpost-step ${quotePosix(file)}`;
    try {
      const r = await sshExec(conn, cmd, { ...base, pty: { cols: 120, rows: 30 } });
      return { exitCode: r.exitCode, output: r.output };
    } finally {
      // Normally gone already; after a failed start it is removed here.
      await withSftp(conn, (sftp) => sftpCall<void>((cb) => sftp.unlink(file, cb))).catch(() => undefined);
    }
  } finally {
    if (channel) opts.onInput?.(null);
  }
}

/**
 * Runs an upload's receive script (posix-files.ts receiveScript) and, when it says OUTPOST_SEND, writes
 * the local file to the same stdin, with flow control, then ends it. A script that stops before (the
 * file is already there, a refused folder) is never sent the file.
 */
async function feedFile(conn: SshConnection, sudo: string, script: string, localPath: string, o: { signal: AbortSignal; onProgress?: ((sent: number, total: number) => void) | undefined }): Promise<ScriptResult> {
  const total = fs.statSync(localPath).size;
  let said = '';
  let file: fs.ReadStream | undefined;
  let failed: Error | undefined;
  try {
    const r = await sshExec(conn, `${sudo}bash -s`, {
      signal: o.signal,
      tailChars: 100_000,
      onChannel: (ch) => {
        ch.write(`${script}\n`);
        const start = (text: string) => {
          if (file) return;
          said = (said + text).slice(-4096);
          if (!/(^|\n)OUTPOST_SEND\r?\n/.test(said)) return;
          let sent = 0;
          file = fs.createReadStream(localPath);
          file.on('data', (chunk) => {
            sent += chunk.length;
            o.onProgress?.(sent, total);
          });
          file.on('error', (err) => {
            failed = err;
            ch.close();
          });
          file.pipe(ch);
        };
        ch.on('data', (d: Buffer) => start(d.toString('utf8')));
      },
    });
    if (failed) throw new OutpostError('upload_failed', `Reading ${localPath} on this computer failed while sending it: ${failed.message}`, 'Check that the file is still there and readable.');
    return { exitCode: r.exitCode, output: r.output };
  } finally {
    file?.destroy();
  }
}

export function sshPosixExecutor(conn: SshConnection): Executor {
  let who: Promise<Identity> | undefined;
  const identity = (signal: AbortSignal): Promise<Identity> => {
    who ??= sshExec(conn, 'sh -s', { signal, timeoutMs: 30_000, stdin: `${IDENTITY_SCRIPT}\n` }).then((r) => parseIdentity(r.output));
    who.catch(() => (who = undefined));
    return who;
  };
  const ex: Executor = {
    kind: 'ssh',
    os: 'linux',
    label: conn.label,
    identity,
    async run(shell, text, opts) {
      if (shell !== 'bash' && shell !== 'sh') throw new OutpostError('plan.invalid', `${conn.label} is a POSIX host; this step is written for ${shell}.`, 'Choose the Windows OS in the answers for Windows hosts.');
      if (opts.secrets?.length) throw new OutpostError('plan.invalid', 'Secrets on stdin are for cmd steps.', 'This is a bug in Outpost.');
      const id = opts.root ? await identity(opts.signal) : null;
      const r = await runOnce(conn, shell, text, opts, id ? sudoPrefix(true, id) : '');
      if (id && r.exitCode !== 0 && sudoRefused(r.output)) throw rootRequired('This step', id, conn.label);
      return r;
    },
    files: posixFiles({
      bash: (script, o) => ex.run('bash', script, { signal: o.signal, timeoutMs: o.timeoutMs ?? 120_000, root: o.root }),
      identity,
      label: conn.label,
      feed: async (script, local, o) => {
        const id = o.root ? await identity(o.signal) : null;
        return feedFile(conn, id ? sudoPrefix(true, id) : '', script, local, o);
      },
    }),
    end: () => conn.end(),
    show: (p) => p,
  };
  return ex;
}
