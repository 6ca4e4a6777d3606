// SFTP over a connection, opened in one place: uploads, step scripts for Windows hosts and the file
// primitives of the executors all come through here, with the same message when the server has no
// sftp subsystem.
import type { SFTPWrapper } from 'ssh2';
import { OutpostError } from '../errors';
import type { SshConnection } from './connection';
import { plainSshMessage } from './errors';

/** Opens an SFTP session; `why` says what needed it (the hint of the error when the server has none). */
export function openSftp(conn: SshConnection, why = 'files are sent by SFTP'): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => {
    if (conn.closed) {
      reject(new OutpostError('connection_lost', `The connection to ${conn.label} is closed.`, 'Connect again.'));
      return;
    }
    conn.client.sftp((err, sftp) => {
      if (err) reject(new OutpostError('sftp_unavailable', `SFTP is not available on ${conn.label}: ${plainSshMessage(err.message)}`, `${why[0]?.toUpperCase() ?? ''}${why.slice(1)}: enable the sftp subsystem on the server (Subsystem sftp in sshd_config).`));
      else resolve(sftp);
    });
  });
}

/** An SFTP callback call as a promise. */
export function sftpCall<T>(f: (cb: (err: Error | undefined | null, v?: T) => void) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) => f((err, v) => (err ? reject(err) : resolve(v))));
}

/** Runs `fn` with an SFTP session that is ended afterwards, whatever happened. */
export async function withSftp<T>(conn: SshConnection, fn: (sftp: SFTPWrapper) => Promise<T>, why?: string): Promise<T> {
  const sftp = await openSftp(conn, why);
  try {
    return await fn(sftp);
  } finally {
    sftp.end();
  }
}

/** Writes `data` to `file` with `mode` from the first byte on (an existing file is truncated, chmod'ed, then written). */
export async function writePrivate(sftp: SFTPWrapper, file: string, data: Buffer | string, mode = 0o600): Promise<void> {
  const handle = await sftpCall<Buffer>((cb) => sftp.open(file, 'w', { mode }, cb));
  if (!handle) throw new Error('no handle');
  try {
    await sftpCall<void>((cb) => sftp.fchmod(handle, mode, cb));
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) {
      const n = Math.min(32 * 1024, buf.length - off);
      await sftpCall<void>((cb) => sftp.write(handle, buf, off, n, off, cb));
      off += n;
    }
  } finally {
    await sftpCall<void>((cb) => sftp.close(handle, cb)).catch(() => undefined);
  }
}
