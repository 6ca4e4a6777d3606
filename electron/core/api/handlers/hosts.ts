// hosts.readFile / hosts.deleteFile: the host list file the user imported, deleted on request (it may
// hold passwords in clear text). Only a file this client read through hosts.readFile, by the id that
// read returned, and only while it is still that file (same inode, same contents): a file replaced or
// edited since is left alone.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { OutpostError } from '../../errors';
import type { Client, Handlers } from '../dispatcher';

/** Larger than any host list (tens of thousands of lines). */
export const HOST_FILE_MAX_BYTES = 5 * 1024 * 1024;

interface ReadFile {
  path: string;
  dev: number;
  ino: number;
  sha256: string;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export function hostsHandlers(): Pick<Handlers, 'hosts.readFile' | 'hosts.deleteFile'> {
  const files = new WeakMap<Client, Map<string, ReadFile>>();
  const mine = (client: Client) => {
    let m = files.get(client);
    if (!m) files.set(client, (m = new Map()));
    return m;
  };
  return {
    'hosts.readFile': ({ path: p }, client) => {
      const full = path.resolve(p);
      let st: fs.Stats;
      try {
        st = fs.statSync(full);
      } catch {
        throw new OutpostError('hostfile_unreadable', `${full} cannot be read.`, 'Check the file exists and you may read it.');
      }
      if (!st.isFile()) throw new OutpostError('hostfile_unreadable', `${full} is not a file.`, 'Pick the host list file itself.');
      if (st.size > HOST_FILE_MAX_BYTES) throw new OutpostError('hostfile_too_large', `${full} is ${st.size} bytes: more than a host list (${HOST_FILE_MAX_BYTES} bytes at most).`, 'Pick the host list file.');
      const data = fs.readFileSync(full);
      const fileId = `hf-${randomBytes(8).toString('hex')}`;
      mine(client).set(fileId, { path: full, dev: st.dev, ino: st.ino, sha256: sha256(data) });
      return { fileId, path: full, text: data.toString('utf8') };
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
