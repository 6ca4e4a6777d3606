// Authentication against a real sshd: password, wrong password, key with passphrase, ssh-agent,
// keyboard-interactive.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, type SshAuth } from '../../../electron/core/ssh';
import { exec } from '../../../electron/core/ssh/session';
import type { KnownHosts } from '../../../electron/core/ssh/known-hosts';
import { OutpostError } from '../../../electron/core/errors';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { generateKeyPair, startAgent, startHarness, startSshd, stopAll, TEST_USERS, type Harness, type KeyPair, type SshdInstance } from '../harness/sshd';
import { neverAsked, tempDir, trustingKnownHosts } from './helpers';

let h: Harness;
let kbdOnly: SshdInstance;
let dir: string;
let kh: KnownHosts;
let encKey: KeyPair;
let plainKey: KeyPair;
const PASSPHRASE = 'pp-Secret-9183';

beforeAll(async () => {
  dir = await tempDir();
  h = await startHarness();
  // Only keyboard-interactive (PAM) is offered here, so success proves that path.
  kbdOnly = await startSshd({ passwordAuth: false, pubkeyAuth: false });
  [encKey, plainKey] = await Promise.all([
    generateKeyPair(path.join(dir, 'keys'), { passphrase: PASSPHRASE }),
    generateKeyPair(path.join(dir, 'keys')),
  ]);
  await h.sshd.authorize(h.users.t1.name, encKey.publicKeyLine);
  await h.sshd.authorize(h.users.t2.name, plainKey.publicKeyLine);
  kh = await trustingKnownHosts(dir, h.sshd, kbdOnly);
});
afterAll(async () => {
  await stopAll();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

async function whoami(host: string, port: number, username: string, auth: SshAuth): Promise<string> {
  const conn = await connectSsh({ host, port, username, auth, knownHosts: kh, hostKeyPolicy: neverAsked, readyTimeoutMs: 10_000 });
  try {
    const r = await exec(conn, 'id -un');
    expect(r.exitCode).toBe(0);
    return r.output.trim();
  } finally {
    conn.end();
  }
}

async function rejection(p: Promise<unknown>): Promise<OutpostError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OutpostError);
  return err as OutpostError;
}

describe('ssh authentication', () => {
  it('logs in with a password', async () => {
    expect(await whoami(h.host, h.port, h.users.t1.name, { password: h.users.t1.password })).toBe(h.users.t1.name);
    expect(await h.sshd.log()).toMatch(new RegExp(`Accepted password for ${TEST_USERS.t1.name}`));
  });

  it('refuses a wrong password with auth_failed naming the methods tried, never the password', async () => {
    const wrong = 'Wrong-Pa55-zz81';
    const err = await rejection(whoami(h.host, h.port, h.users.t1.name, { password: wrong, keyboardInteractive: false }));
    expect(err.code).toBe('auth_failed');
    expect(err.message).toContain(`${h.users.t1.name}@${h.host}:${h.port}`);
    expect(err.message).toContain('Methods tried: password');
    expect(err.message).not.toContain(wrong);
    expect(err.hint).toBeTruthy();
    expect(JSON.stringify({ m: err.message, h: err.hint, c: String(err.cause) })).not.toContain(wrong);
  });

  it('lists every method tried when password and keyboard-interactive both fail', async () => {
    const wrong = 'Another-Wrong-77';
    const err = await rejection(whoami(h.host, h.port, h.users.t1.name, { password: wrong }));
    expect(err.code).toBe('auth_failed');
    expect(err.message).toContain('Methods tried: password, keyboard-interactive');
    expect(err.message).not.toContain(wrong);
  });

  it('logs in with an encrypted private key and its passphrase', async () => {
    expect(await whoami(h.host, h.port, h.users.t1.name, { privateKey: encKey.privateKey, passphrase: PASSPHRASE })).toBe(h.users.t1.name);
    expect(await h.sshd.log()).toContain(`Accepted publickey for ${TEST_USERS.t1.name} from 127.0.0.1`);
  });

  it('says which passphrase problem it is, before connecting', async () => {
    const missing = await rejection(whoami(h.host, h.port, h.users.t1.name, { privateKey: encKey.privateKey }));
    expect(missing.code).toBe('key_passphrase');
    expect(missing.message).toMatch(/encrypted and no passphrase/);
    const bad = await rejection(whoami(h.host, h.port, h.users.t1.name, { privateKey: encKey.privateKey, passphrase: 'nope-nope' }));
    expect(bad.code).toBe('key_passphrase');
    expect(bad.message).not.toContain('nope-nope');
  });

  it('refuses a key the server does not know, with publickey in the tried list', async () => {
    const err = await rejection(whoami(h.host, h.port, h.users.t2.name, { privateKey: encKey.privateKey, passphrase: PASSPHRASE }));
    expect(err.code).toBe('auth_failed');
    expect(err.message).toContain('Methods tried: publickey');
  });

  it('logs in through a real ssh-agent', async () => {
    const agent = await startAgent(dir);
    await agent.add(plainKey.privateKeyPath);
    expect(await whoami(h.host, h.port, h.users.t2.name, { agent: agent.sock })).toBe(h.users.t2.name);
    await agent.stop();
  });

  it('uses SSH_AUTH_SOCK when agent is true', async () => {
    const agent = await startAgent(dir);
    await agent.add(plainKey.privateKeyPath);
    const saved = process.env.SSH_AUTH_SOCK;
    process.env.SSH_AUTH_SOCK = agent.sock;
    try {
      expect(await whoami(h.host, h.port, h.users.t2.name, { agent: true })).toBe(h.users.t2.name);
    } finally {
      if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = saved;
      await agent.stop();
    }
  });

  it('answers keyboard-interactive password prompts', async () => {
    expect(await whoami(kbdOnly.host, kbdOnly.port, h.users.t2.name, { password: h.users.t2.password })).toBe(h.users.t2.name);
    expect(await kbdOnly.log()).toMatch(new RegExp(`Accepted keyboard-interactive/pam for ${TEST_USERS.t2.name}`));
  });

  it('answers other prompts through onPrompt', async () => {
    const seen: string[] = [];
    const user = h.users.t1;
    expect(
      await whoami(kbdOnly.host, kbdOnly.port, user.name, {
        onPrompt: async (prompts) => {
          seen.push(...prompts.map((p) => p.prompt));
          return prompts.map(() => user.password);
        },
      }),
    ).toBe(user.name);
    expect(seen.join(' ')).toMatch(/password/i);
  });

  it('registers the password and passphrase with the secret registry it is given', async () => {
    const reg = new SecretRegistry();
    const conn = await connectSsh({
      host: h.host,
      port: h.port,
      username: h.users.t1.name,
      auth: { privateKey: encKey.privateKey, passphrase: PASSPHRASE, password: h.users.t1.password },
      knownHosts: kh,
      hostKeyPolicy: neverAsked,
      secrets: reg,
    });
    conn.end();
    expect(reg.redact(`pw=${h.users.t1.password} pp=${PASSPHRASE}`)).toBe('pw=**** pp=****');
  });

  it('refuses to start without any auth method', async () => {
    const err = await rejection(whoami(h.host, h.port, h.users.t1.name, {}));
    expect(err.code).toBe('auth_config');
  });
});
