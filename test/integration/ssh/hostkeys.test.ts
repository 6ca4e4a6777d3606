// Host key verification against a real sshd: unknown key accepted (recorded, then silent),
// rejected (no connection), changed key refused naming both fingerprints.
import { execFile } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutpostError } from '../../../electron/core/errors';
import { connectSsh, type HostKeyPolicy } from '../../../electron/core/ssh';
import { KnownHosts } from '../../../electron/core/ssh/known-hosts';
import { exec } from '../../../electron/core/ssh/session';
import { startHarness, startSshd, stopAll, type Harness } from '../harness/sshd';
import { neverAsked, recordingPolicy, tempDir } from './helpers';

const run = promisify(execFile);
let h: Harness;
let dir: string;

beforeAll(async () => {
  dir = await tempDir();
  h = await startHarness();
});
afterAll(async () => {
  await stopAll();
  await fsp.rm(dir, { recursive: true, force: true });
});

function connect(sshd: { host: string; port: number }, kh: KnownHosts, hostKeyPolicy: HostKeyPolicy) {
  return connectSsh({
    host: sshd.host,
    port: sshd.port,
    username: h.users.t1.name,
    auth: { password: h.users.t1.password },
    knownHosts: kh,
    hostKeyPolicy,
    readyTimeoutMs: 10_000,
  });
}

async function failure(p: Promise<unknown>): Promise<OutpostError> {
  const e = await p.then(
    (c) => {
      (c as { end?: () => void }).end?.();
      return null;
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(OutpostError);
  return e as OutpostError;
}

describe('host key verification', () => {
  it('asks about an unknown key with its SHA256 fingerprint, records it when accepted, then stays silent', async () => {
    const kh = new KnownHosts(path.join(dir, 'accept', 'known_hosts'));
    const first = recordingPolicy('accept');
    const conn = await connect(h, kh, first.policy);
    expect((await exec(conn, 'echo ok')).output.trim()).toBe('ok');
    conn.end();
    expect(first.asked).toHaveLength(1);
    expect(first.asked[0]).toMatchObject({
      host: h.host,
      port: h.port,
      keyType: 'ssh-ed25519',
      fingerprint: h.hostKeyFingerprint, // as ssh-keygen -l prints it
      publicKeyLine: h.hostPublicKey,
    });
    // Recorded hashed, in a form OpenSSH reads.
    const text = await fsp.readFile(kh.file, 'utf8');
    expect(text).toMatch(/^\|1\|/);
    expect(text).not.toContain(h.host);
    const found = await run('ssh-keygen', ['-F', `[${h.host}]:${h.port}`, '-f', kh.file]);
    expect(found.stdout).toContain(h.hostPublicKey.split(' ')[1]);
    // Second connection: known, no question.
    const again = await connect(h, kh, neverAsked);
    again.end();
  });

  it('does not connect when the user rejects the key, and records nothing', async () => {
    const kh = new KnownHosts(path.join(dir, 'reject', 'known_hosts'));
    const logins = async () => ((await h.sshd.log()).match(/^Accepted /gm) ?? []).length;
    const before = await logins();
    const p = recordingPolicy('reject');
    const err = await failure(connect(h, kh, p.policy));
    expect(err.code).toBe('hostkey_rejected');
    expect(err.message).toContain(`${h.host}:${h.port}`);
    expect(err.message).toContain(h.hostKeyFingerprint);
    expect(p.asked).toHaveLength(1);
    expect(await kh.entries()).toHaveLength(0);
    // No credentials were sent: the server saw no login.
    expect(await logins()).toBe(before);
  });

  it('treats a failing policy as a rejection', async () => {
    const kh = new KnownHosts(path.join(dir, 'throws', 'known_hosts'));
    const err = await failure(connect(h, kh, async () => Promise.reject(new Error('window closed'))));
    expect(err.code).toBe('hostkey_rejected');
  });

  it('waits for the user beyond the connect timeout while the question is open', async () => {
    const kh = new KnownHosts(path.join(dir, 'slow', 'known_hosts'));
    const conn = await connectSsh({
      host: h.host,
      port: h.port,
      username: h.users.t1.name,
      auth: { password: h.users.t1.password },
      knownHosts: kh,
      readyTimeoutMs: 1000,
      hostKeyPolicy: () => new Promise((r) => setTimeout(() => r('accept'), 1500)),
    });
    expect(conn.closed).toBe(false);
    conn.end();
  });

  it('refuses a changed key without asking, naming the host and both fingerprints', async () => {
    const sshd = await startSshd();
    const kh = new KnownHosts(path.join(dir, 'changed', 'known_hosts'));
    (await connect(sshd, kh, recordingPolicy('accept').policy)).end();
    const { before, after } = await sshd.changeHostKey();
    expect(after).not.toBe(before);
    const asked = recordingPolicy('accept');
    const err = await failure(connect(sshd, kh, asked.policy));
    expect(err.code).toBe('hostkey_changed');
    expect(err.message).toContain(`${sshd.host}:${sshd.port}`);
    expect(err.message).toContain(before);
    expect(err.message).toContain(after);
    expect(err.hint).toContain(kh.file);
    expect(asked.asked).toHaveLength(0);
    // Still refused on the next try: nothing was overwritten.
    expect((await failure(connect(sshd, kh, asked.policy))).code).toBe('hostkey_changed');
    // The hint's exact command (OpenSSH's own ssh-keygen, run as given) forgets the old key; the new one is asked about again.
    const cmd = /forget the old key with: (ssh-keygen -R .+) and connect again/.exec(err.hint ?? '')?.[1];
    expect(cmd).toBeDefined();
    await run('sh', ['-c', cmd ?? 'false']);
    (await connect(sshd, kh, asked.policy)).end();
    expect(asked.asked.map((i) => i.fingerprint)).toEqual([after]);
  });

  it('asks the server for the key type already known (a host with several keys is not "changed")', async () => {
    const multi = await startSshd({ hostKeyType: 'ecdsa' });
    // Give the server an extra ed25519 key, which ssh2 would otherwise prefer.
    const extra = path.join(multi.dir, 'extra_ed25519');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', extra]);
    await multi.stop();
    multi.opts.extraConfig = [`HostKey ${extra}`];
    await multi.start();
    const kh = new KnownHosts(path.join(dir, 'multi', 'known_hosts'));
    await kh.add(multi.host, multi.port, Buffer.from(multi.hostPublicKey.split(' ')[1] ?? '', 'base64'));
    expect(multi.hostPublicKey).toMatch(/^ecdsa-sha2-nistp256 /);
    (await connect(multi, kh, neverAsked)).end();
  });
});
