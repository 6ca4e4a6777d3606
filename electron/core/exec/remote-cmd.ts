// A cmd step with secrets on a Windows host over SSH (issue 8, item 4). Windows OpenSSH runs an exec
// request as `cmd.exe /c <command>`, which any local user sees in the process list, so the step's text
// never goes there. The same script as for Windows on this computer (platform/windows.ts: cmdScript,
// secrets as %OUTPOST_S<n>% read by `set /p` from stdin and cut by length) is uploaded by SFTP to
// `.outpost\step-<random>.cmd` in the login user's home, run with `cmd /d /c "<that file>"` with the
// values on the channel's stdin, and removed afterwards, whatever happened. The file holds no value.
// An interactive step's channel stays open after that line (no PTY: it would echo the line back), and
// what a person types follows on the same stdin (./pipe-input.ts).
//
// Tested for the exact exec command and what reaches the file and stdin (test/unit/exec/remote-cmd.test.ts);
// no Windows OpenSSH server exists in the test environment, so this has not run against one.
import { randomBytes } from 'node:crypto';
import type { SFTPWrapper } from 'ssh2';
import { OutpostError } from '../errors';
import { cmdScript, cmdStdin } from '../platform/windows';
import { drainPaused, exec as sshExec, type ExecOptions, type ExecResult, type SshConnection } from '../ssh';
import type { InputSink, PromptAnswer } from './executor';
import { pipeInput } from './pipe-input';
import { plainSshMessage } from '../ssh/errors';
import { openSftp, sftpCall } from '../ssh/sftp';

/** The folder, relative to the SFTP start folder (the login user's home), that holds step scripts. */
export const REMOTE_CMD_DIR = '.outpost';

/**
 * The script's path as cmd takes it, from the home folder SFTP reports: Windows OpenSSH says
 * `/C:/Users/bob`, which is `C:\Users\bob`. A POSIX home (not a Windows server: the test stand-in) is
 * kept as it is. Refused when cmd could not take the path inside quotes as one word.
 */
export function remoteScriptPath(home: string, name: string): string {
  const drive = /^\/?([A-Za-z]):(?:[\\/](.*))?$/.exec(home);
  const p = drive ? `${drive[1] ?? 'C'}:\\${[...(drive[2] ?? '').split(/[\\/]+/).filter(Boolean), REMOTE_CMD_DIR, name].join('\\')}` : `${home.replace(/\/+$/, '')}/${REMOTE_CMD_DIR}/${name}`;
  // `cmd /c "…"` keeps the quotes only without these (and `%` would be expanded by the outer cmd.exe).
  if (/["%&<>()@^|!]/.test(p) || [...p].some((ch) => ch.charCodeAt(0) < 0x20)) {
    throw new OutpostError('remote_path', `The login user's home on the host (${home}) has a character cmd cannot take in a script path.`, 'Log in as a user whose profile folder has only letters, digits, spaces and . _ - in its path.');
  }
  return p;
}

/** The exec request for the script: no step text, no secret, only the script's path. */
export function remoteCmdCommand(scriptPath: string): string {
  return `cmd /d /c "${scriptPath}"`;
}

/** Removes the script; never throws (the file holds no secret), gives up after 15 s. */
async function removeScript(conn: SshConnection, rel: string): Promise<void> {
  if (conn.closed) return;
  let sftp: SFTPWrapper | null = null;
  const work = (async () => {
    sftp = await openSftp(conn, 'a cmd step with secrets is uploaded as a script');
    await sftpCall<void>((cb) => sftp?.unlink(rel, cb));
  })().catch(() => undefined);
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([work, new Promise<void>((r) => (timer = setTimeout(r, 15_000)))]);
  clearTimeout(timer);
  (sftp as SFTPWrapper | null)?.end();
}

/** An interactive step: where typed input goes while it runs (null after), and the prompts to answer. */
export interface RemoteCmdInput {
  onInput?: ((sink: InputSink | null) => void) | undefined;
  respond?: readonly PromptAnswer[] | undefined;
}

/**
 * Runs cmd `text` (with %OUTPOST_S<n>% references) on a Windows host over SSH, `secrets` on stdin (then,
 * with `input`, what a person types). Same result and failures as exec (timeout, cancel, lost
 * connection); the script is removed in every case.
 */
export async function runRemoteCmd(conn: SshConnection, text: string, secrets: readonly string[], opts: Omit<ExecOptions, 'stdin' | 'pty'>, input?: RemoteCmdInput): Promise<ExecResult> {
  const script = cmdScript(text, secrets);
  const name = `step-${randomBytes(8).toString('hex')}.cmd`;
  const rel = `${REMOTE_CMD_DIR}/${name}`;
  let command: string;
  const sftp = await openSftp(conn, 'a cmd step with secrets is uploaded as a script');
  try {
    const home = (await sftpCall<string>((cb) => sftp.realpath('.', cb))) ?? '';
    command = remoteCmdCommand(remoteScriptPath(home, name));
    await sftpCall<void>((cb) => sftp.mkdir(REMOTE_CMD_DIR, { mode: 0o700 }, cb)).catch(() => undefined);
    await sftpCall<void>((cb) => sftp.writeFile(rel, script, { mode: 0o600 }, cb)).catch((err: Error) => {
      throw new OutpostError('upload_failed', `Could not write the step's script to ${conn.label}:${rel}: ${plainSshMessage(err.message)}`, "Check that the login user may write in its home folder and that the disk has room.");
    });
  } catch (err) {
    sftp.end();
    await removeScript(conn, rel);
    throw err;
  }
  sftp.end();
  try {
    if (!input) return await sshExec(conn, command, { ...opts, stdin: cmdStdin(secrets) });
    let watch: ((t: string) => void) | undefined;
    let opened = false;
    try {
      return await sshExec(conn, command, {
        ...opts,
        onChannel: (ch) => {
          opts.onChannel?.(ch);
          ch.write(cmdStdin(secrets));
          const p = pipeInput({ write: (d) => ch.write(d), pause: () => ch.pause(), resume: () => ch.resume(), drain: () => drainPaused(ch) }, input.respond);
          watch = p.onOutput;
          opened = true;
          input.onInput?.(p.sink);
        },
        onData: (t, stream) => {
          opts.onData?.(t, stream);
          watch?.(t);
        },
      });
    } finally {
      if (opened) input.onInput?.(null);
    }
  } finally {
    await removeScript(conn, rel);
  }
}
