// How a plan's login becomes ssh2's credentials: a password or key passphrase from its reference, a
// key file read now (so a wrong path names the answers field), or the SSH agent. Shared by runs and
// the terminals opened to a plan's hosts.
import fs from 'node:fs';
import path from 'node:path';
import type { AuthInfo, SecretRef } from '../../common/api/plan';
import { OutpostError } from '../errors';
import type { SshAuth } from './connection';

export function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p;
}

/** `secret` resolves a reference (throwing when it is not set); `name` is the answers path for messages. */
export function sshAuthFor(a: AuthInfo, name: string, secret: (ref: SecretRef, name: string) => string, home: string): SshAuth {
  if (a.kind === 'password') return { password: secret(a.password, `${name}.password`) };
  if (a.kind === 'agent') return { agent: true };
  let key: Buffer;
  try {
    key = fs.readFileSync(expandHome(a.path, home));
  } catch {
    throw new OutpostError('key_unreadable', `${name}.privateKey.path: ${a.path} cannot be read.`, 'Check the path and its permissions.');
  }
  return { privateKey: key, ...(a.passphrase ? { passphrase: secret(a.passphrase, `${name}.privateKey.passphrase`) } : {}) };
}
