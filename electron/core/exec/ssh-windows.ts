// A Windows host over SSH (OpenSSH Server for Windows, default shell cmd): cmd steps run as a script
// file uploaded by SFTP with their secrets on stdin, interactive ones too (./remote-cmd.ts); PowerShell
// reads its whole script from stdin with a fixed command (quote/powershell.ts), so no step text is on
// the exec request Windows OpenSSH shows as `cmd.exe /c …`; file primitives go through SFTP, whose paths
// for a drive are `/C:/…`.
// The SHA-256 of a file on the host is read with `certutil -hashfile` (Windows Server 2012 R2 and
// later). `root` has no meaning here: the session's rights are what they are (preflight checks
// elevation).
import path from 'node:path';
import type { SFTPWrapper, Stats } from 'ssh2';
import { randomBytes } from 'node:crypto';
import { OutpostError } from '../errors';
import { powershellStdin, powershellStdinCommand } from '../quote';
import { exec as sshExec, upload as sshUpload, type SshConnection } from '../ssh';
import { plainSshMessage } from '../ssh/errors';
import { sftpCall, withSftp, writePrivate } from '../ssh/sftp';
import type { Executor, FileOps, FileStat, Identity, TreeFile } from './executor';
import { runRemoteCmd } from './remote-cmd';

/** `C:\ICAgent\x` → `/C:/ICAgent/x` (SFTP's form); a POSIX path is kept (the test stand-in). */
export function sftpPath(p: string): string {
  const m = /^([A-Za-z]):[\\/]*(.*)$/.exec(p);
  if (!m) return p.replace(/\\/g, '/');
  return `/${(m[1] ?? 'C').toUpperCase()}:/${(m[2] ?? '').split(/[\\/]+/).filter(Boolean).join('/')}`;
}

const dirOf = (p: string) => path.posix.dirname(p);

/** `C:\\ICAgent` + `a/b.exe` → `C:\\ICAgent\\a\\b.exe`. */
export function winJoin(dir: string, rel: string): string {
  return `${dir.replace(/[\\/]+$/, '')}\\${rel.split('/').filter(Boolean).join('\\')}`;
}

/**
 * One cmd script that prints each file's SHA-256 (`certutil -hashfile`, Windows Server 2012 R2 and
 * later), each after an `OUTPOST_FILE <n>` line. `%` is doubled: a batch file would expand it.
 */
export function hashScript(paths: readonly string[]): string {
  return paths.map((p, i) => `echo OUTPOST_FILE ${i}\r\ncertutil -hashfile "${p.replace(/\//g, '\\').replace(/%/g, '%%')}" SHA256`).join('\r\n');
}

/** The hashes hashScript printed, by index (null where certutil gave none). */
export function parseHashes(output: string, count: number): Array<string | null> {
  const got: Array<string | null> = Array.from({ length: count }, () => null);
  const parts = output.split(/^OUTPOST_FILE (\d+)\s*$/m);
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const m = /^([0-9a-f]{2}(?: ?[0-9a-f]{2}){31})\s*$/im.exec(parts[i + 1] ?? '');
    const n = Number(parts[i]);
    if (m?.[1] && n < count) got[n] = m[1].replace(/ /g, '').toLowerCase();
  }
  return got;
}

async function mkdirs(sftp: SFTPWrapper, dir: string): Promise<void> {
  const parts = dir.split('/').filter(Boolean);
  let cur = dir.startsWith('/') ? '' : '.';
  for (const part of parts) {
    cur = `${cur}/${part}`;
    if (/^\/[A-Za-z]:$/.test(cur)) continue;
    const st = await sftpCall((cb) => sftp.stat(cur, cb)).catch(() => null);
    if (!st) await sftpCall<void>((cb) => sftp.mkdir(cur, cb));
  }
}

async function replace(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  // Windows' rename does not replace: remove the old file first (the new one is complete already).
  await sftpCall<void>((cb) => sftp.unlink(to, cb)).catch(() => undefined);
  await sftpCall<void>((cb) => sftp.rename(from, to, cb));
}

/** An SFTP failure as a file action's failure, in plain words. */
async function plainly<T>(what: string, label: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof OutpostError) throw err;
    throw new OutpostError('file_action_failed', `${what} failed on ${label}: ${plainSshMessage(err instanceof Error ? err.message : String(err))}.`, 'Check the path and its permissions.');
  }
}

export function sshWindowsExecutor(conn: SshConnection): Executor {
  let who: Promise<Identity> | undefined;
  const hashOf = async (p: string, signal: AbortSignal): Promise<string | null> => {
    const r = await runRemoteCmd(conn, `certutil -hashfile "${p.replace(/\//g, '\\')}" SHA256`, [], { signal, timeoutMs: 120_000 }).catch(() => null);
    const m = r ? /^([0-9a-f]{2}(?: ?[0-9a-f]{2}){31})\s*$/im.exec(r.output) : null;
    return m?.[1] ? m[1].replace(/ /g, '').toLowerCase() : null;
  };
  const putTree: NonNullable<FileOps['putTree']> = async (localDir, dest, list, o) => {
    const keep = new Set((o.keep ?? []).map((k) => k.replace(/\\/g, '/').toLowerCase()));
    const kept: string[] = [];
    const todo: TreeFile[] = [];
    await plainly(`Sending the unpacked files to ${dest}`, conn.label, () =>
      withSftp(conn, async (sftp) => {
        if (o.fresh) {
          const there = await sftpCall<unknown[]>((cb) => sftp.readdir(sftpPath(dest), cb)).catch(() => null);
          if (there?.length) throw new OutpostError('unpack.exists', `${dest} already exists and is not empty on ${conn.label}.`, 'To install over it, run again with --reinstall (outpost run --reinstall, or Uninstall and reinstall on the app\'s Result page): the service is stopped and the package\'s files replace the old ones; or choose an empty install folder.');
        }
        await mkdirs(sftp, sftpPath(dest));
        for (const f of list) {
          const to = sftpPath(winJoin(dest, f.rel));
          if (keep.has(f.rel.toLowerCase()) && (await sftpCall((cb) => sftp.stat(to, cb)).catch(() => null))) {
            kept.push(winJoin(dest, f.rel));
            continue;
          }
          if (o.signal.aborted) throw new OutpostError('cancelled', 'Cancelled.');
          await mkdirs(sftp, dirOf(to));
          await sftpCall<void>((cb) => sftp.fastPut(path.join(localDir, ...f.rel.split('/')), `${to}.outpost-part`, { concurrency: 16 }, cb));
          todo.push(f);
        }
      }),
    );
    const parts = todo.map((f) => `${winJoin(dest, f.rel)}.outpost-part`);
    const removeParts = () => withSftp(conn, async (sftp) => void (await Promise.all(parts.map((p) => sftpCall<void>((cb) => sftp.unlink(sftpPath(p), cb)).catch(() => undefined))))).catch(() => undefined);
    // Every file's hash in one script: one cmd for the whole tree.
    const r = todo.length ? await runRemoteCmd(conn, hashScript(parts), [], { signal: o.signal, timeoutMs: 600_000, tailChars: 4_000_000 }).catch(async (err: unknown) => {
      await removeParts();
      throw err;
    }) : { output: '' };
    const got = parseHashes(r.output, todo.length);
    const bad = todo.map((f, i) => ({ f, got: got[i] })).filter((x) => x.got !== x.f.sha256.toLowerCase());
    if (bad.length) {
      await removeParts();
      const first = bad[0];
      throw new OutpostError(
        'upload_corrupt',
        `${bad.length} of ${todo.length} files sent to ${dest} on ${conn.label} did not arrive whole: ${first ? `${winJoin(dest, first.f.rel)} has SHA-256 ${first.got ?? 'unknown (certutil -hashfile gave none)'}, expected ${first.f.sha256}` : ''}. Nothing was put in place.`,
        first?.got ? 'Run again; if it keeps differing, check the disk on the host.' : 'certutil must be on the host (Windows Server 2012 R2 and later have it in C:\\Windows\\System32): check that the login user can run it, then run again.',
      );
    }
    await plainly(`Putting the files in place under ${dest}`, conn.label, () => withSftp(conn, async (sftp) => {
      for (const f of todo) {
        const to = sftpPath(winJoin(dest, f.rel));
        await replace(sftp, `${to}.outpost-part`, to);
      }
    }));
    return { sent: todo.length, kept };
  };
  const files: FileOps = {
    putTree,
    stat: (p) =>
      withSftp(conn, async (sftp): Promise<FileStat | null> => {
        const st = await sftpCall<Stats>((cb) => sftp.lstat(sftpPath(p), cb)).catch(() => null);
        if (!st) return null;
        return { type: st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'link' : 'other', mode: st.mode & 0o7777, uid: null, owner: '', size: st.size };
      }),
    read: (p) => withSftp(conn, async (sftp) => ((await sftpCall<Buffer>((cb) => sftp.readFile(sftpPath(p), cb)).catch(() => null))?.toString('utf8') ?? null)),
    write: (p, content) =>
      plainly(`Writing ${p}`, conn.label, () => withSftp(conn, async (sftp) => {
        const to = sftpPath(p);
        await mkdirs(sftp, dirOf(to));
        const tmp = `${to}.outpost-${randomBytes(4).toString('hex')}`;
        await writePrivate(sftp, tmp, content);
        await replace(sftp, tmp, to);
      })),
    mkdirp: (p) => plainly(`Creating ${p}`, conn.label, () => withSftp(conn, (sftp) => mkdirs(sftp, sftpPath(p)))),
    remove: (ps) => withSftp(conn, async (sftp) => void (await Promise.all(ps.map((p) => sftpCall<void>((cb) => sftp.unlink(sftpPath(p), cb)).catch(() => undefined))))),
    async upload(localPath, dest, o) {
      if ((await hashOf(dest, o.signal)) === o.sha256) return { sent: false, replaced: false, bytes: 0 };
      const to = sftpPath(dest);
      await withSftp(conn, (sftp) => mkdirs(sftp, dirOf(to)));
      const tmp = `${to}.outpost-part`;
      const r = await sshUpload(conn, localPath, tmp, { checkRemote: false, ...(o.onProgress ? { onProgress: o.onProgress } : {}) });
      const got = await hashOf(tmp.replace(/^\/([A-Za-z]:)/, '$1'), o.signal);
      if (got !== o.sha256) {
        await withSftp(conn, (sftp) => sftpCall<void>((cb) => sftp.unlink(tmp, cb))).catch(() => undefined);
        throw new OutpostError('upload_corrupt', `The copy of ${localPath} at ${dest} on ${conn.label} has SHA-256 ${got ?? 'unknown (certutil did not answer)'}, expected ${o.sha256}.`, 'Upload again; if it keeps differing, check the disk on the host.');
      }
      await withSftp(conn, (sftp) => replace(sftp, tmp, to));
      return { sent: true, replaced: false, bytes: r.bytes };
    },
  };
  return {
    kind: 'ssh',
    os: 'windows',
    label: conn.label,
    identity(signal) {
      who ??= runRemoteCmd(conn, 'whoami', [], { signal, timeoutMs: 30_000 }).then((r) => ({ uid: null, user: r.output.trim().split(/\r?\n/).at(-1) ?? '?', home: '' }));
      who.catch(() => (who = undefined));
      return who;
    },
    async run(shell, text, opts) {
      const onData = opts.onData ? { onData: opts.onData } : {};
      if (shell === 'cmd') {
        const input = opts.interactive ? { onInput: opts.onInput, respond: opts.respond } : undefined;
        const r = await runRemoteCmd(conn, text, opts.secrets ?? [], { signal: opts.signal, timeoutMs: opts.timeoutMs, tailChars: 1_000_000, ...onData }, input);
        return { exitCode: r.exitCode, output: r.output };
      }
      if (shell === 'powershell') {
        if (opts.secrets?.length) throw new OutpostError('plan.invalid', 'Secrets on stdin are for cmd steps; a PowerShell step has its values in its script, which goes on stdin.', 'This is a bug in Outpost.');
        const r = await sshExec(conn, powershellStdinCommand(), { signal: opts.signal, timeoutMs: opts.timeoutMs, tailChars: 1_000_000, stdin: powershellStdin(text), ...onData });
        return { exitCode: r.exitCode, output: r.output };
      }
      throw new OutpostError('plan.invalid', `${conn.label} is a Windows host; this step is written for ${shell}.`, 'Choose the Linux OS in the answers for POSIX hosts.');
    },
    files,
    end: () => conn.end(),
    show: (p) => p,
  };
}
