// hosts.pickFile / hosts.deleteFile: the host list file the user imported in the desktop app, deleted on
// request (it may hold passwords in clear text). The file is one the user picked in a native dialog
// (ctx.pickFile, Electron main): no request names a path, so neither a page nor anything else holding
// the API can have another file read (`/proc/self/environ` held secrets) or deleted. Only a file this
// client picked, by the id the pick returned, and only while it is still that file (same inode, same
// contents): a file replaced or edited since is left alone.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { CoreContext } from '../../context';
import { OutpostError } from '../../errors';
import type { Client, Handlers } from '../dispatcher';

/** Larger than any host list (tens of thousands of lines). */
export const HOST_FILE_MAX_BYTES = 5 * 1024 * 1024;

/** The kernel's views of live state, never a host list, even when a dialog could pick them. */
const SYSTEM_ROOTS = ['/proc', '/sys', '/dev'];
/**
 * Filesystems whose "files" are kernel state (statfs f_type), wherever they are mounted: proc, sysfs,
 * devpts, debugfs, securityfs, cgroup, cgroup2, tracefs, configfs, efivarfs, bpf, pstore.
 */
const KERNEL_FS = new Set([0x9fa0, 0x62656572, 0x1cd1, 0x64626720, 0x73636673, 0x27e0eb, 0x63677270, 0x74726163, 0x62656570, 0xde5e81e4, 0xcafe4a11, 0x6165676c]);

export interface HostListFile {
  /** The file read, links resolved: what hosts.deleteFile would delete. */
  path: string;
  dev: number;
  ino: number;
  data: Buffer;
}

const unreadable = (p: string, why: string, hint = 'Pick the host list file itself (iplist.cfg or a .csv).') => new OutpostError('hostfile_unreadable', `${p} ${why}.`, hint);

/**
 * Reads a host list file the user picked, refusing anything that is not a plain file of a normal
 * filesystem: /proc, /sys and /dev (and those filesystems mounted elsewhere), devices, FIFOs, sockets,
 * folders. The file is opened without following a last link (its real path is resolved first) and
 * without blocking (a FIFO would wait for a writer), then checked on the open descriptor, so what is
 * read is what was checked; at most `maxBytes` are read whatever size it claims.
 */
export function readHostListFile(picked: string, maxBytes = HOST_FILE_MAX_BYTES): HostListFile {
  const full = path.resolve(picked);
  let real: string;
  try {
    real = fs.realpathSync(full);
  } catch {
    throw unreadable(full, 'cannot be read', 'Check the file exists and you may read it.');
  }
  if (process.platform !== 'win32' && SYSTEM_ROOTS.some((r) => real === r || real.startsWith(`${r}/`))) {
    throw unreadable(full, `is under ${SYSTEM_ROOTS.find((r) => real === r || real.startsWith(`${r}/`)) ?? '/proc'}, the system's live state, not a host list`);
  }
  const { O_RDONLY, O_NOFOLLOW = 0, O_NONBLOCK = 0, O_NOCTTY = 0 } = fs.constants;
  let fd: number;
  try {
    fd = fs.openSync(real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw unreadable(full, 'was replaced by a link while it was opened');
    if (code === 'ENXIO') throw unreadable(full, 'is not a file (a socket or a device)');
    throw unreadable(full, 'cannot be read', 'Check the file exists and you may read it.');
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) {
      const what = st.isDirectory() ? 'a folder' : st.isFIFO() ? 'a FIFO (named pipe)' : st.isSocket() ? 'a socket' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'not a regular file';
      throw unreadable(full, `is ${what}, not a host list file`);
    }
    if (process.platform === 'linux' && KERNEL_FS.has(Number(fs.statfsSync(real).type))) throw unreadable(full, "is on a kernel filesystem (the system's live state), not a host list");
    if (st.size > maxBytes) throw tooLarge(full, st.size, maxBytes);
    // One byte more than allowed tells a file that grew (or claims size 0) from one that fits.
    const buf = Buffer.alloc(maxBytes + 1);
    let n = 0;
    while (n < buf.length) {
      const got = fs.readSync(fd, buf, n, buf.length - n, n);
      if (got === 0) break;
      n += got;
    }
    if (n > maxBytes) throw tooLarge(full, n, maxBytes);
    return { path: real, dev: st.dev, ino: st.ino, data: buf.subarray(0, n) };
  } finally {
    fs.closeSync(fd);
  }
}

function tooLarge(p: string, size: number, max: number): OutpostError {
  return new OutpostError('hostfile_too_large', `${p} is ${size.toLocaleString('en-US')} bytes or more: larger than a host list (${max.toLocaleString('en-US')} bytes at most).`, 'Pick the host list file.');
}

interface ReadFile {
  path: string;
  dev: number;
  ino: number;
  sha256: string;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export function hostsHandlers(ctx: Pick<CoreContext, 'mode' | 'pickFile'>): Pick<Handlers, 'hosts.pickFile' | 'hosts.deleteFile'> {
  const files = new WeakMap<Client, Map<string, ReadFile>>();
  const mine = (client: Client) => {
    let m = files.get(client);
    if (!m) files.set(client, (m = new Map()));
    return m;
  };
  return {
    'hosts.pickFile': async (_input, client) => {
      // Only the desktop app has a dialog of its own; a browser page sends the contents it was given.
      if (ctx.mode !== 'electron' || !ctx.pickFile) {
        throw new OutpostError('hostfile_no_dialog', 'Outpost reads a host list file from disk only when you pick it in the desktop app.', 'In a browser, Import list… reads the file you pick in the page: use that.');
      }
      const picked = await ctx.pickFile({ title: 'Import a host list', filters: [{ name: 'Host lists (iplist.cfg, CSV)', extensions: ['cfg', 'txt', 'csv'] }, { name: 'All files', extensions: ['*'] }] });
      if (!picked) return { picked: false };
      const f = readHostListFile(picked);
      const fileId = `hf-${randomBytes(8).toString('hex')}`;
      mine(client).set(fileId, { path: f.path, dev: f.dev, ino: f.ino, sha256: sha256(f.data) });
      return { picked: true, fileId, path: f.path, text: f.data.toString('utf8') };
    },
    'hosts.deleteFile': ({ fileId }, client) => {
      const f = mine(client).get(fileId);
      if (!f) throw new OutpostError('hostfile_unknown', 'That file was not imported in this session.', 'Only a host list imported just now can be deleted from here; delete other files yourself.');
      let st: fs.Stats;
      try {
        st = fs.lstatSync(f.path);
      } catch {
        mine(client).delete(fileId);
        throw new OutpostError('hostfile_gone', `${f.path} is no longer there.`, 'It may have been moved or deleted already.');
      }
      if (!st.isFile() || st.dev !== f.dev || st.ino !== f.ino || sha256(fs.readFileSync(f.path)) !== f.sha256) {
        throw new OutpostError('hostfile_changed', `${f.path} has changed since it was imported: it was not deleted.`, 'Check it and delete it yourself if it should go.');
      }
      fs.unlinkSync(f.path);
      mine(client).delete(fileId);
      return { deleted: f.path };
    },
  };
}
