import { execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KnownHosts,
  fingerprintSha256,
  hashHostName,
  hostFieldMatches,
  hostKeyName,
  keyTypeOf,
  parseKnownHosts,
  publicKeyLine,
} from '../../../electron/core/ssh/known-hosts';

const run = promisify(execFile);
let dir: string;

interface Key {
  blob: Buffer;
  line: string;
  fp: string;
  pubFile: string;
}

/** A real key from ssh-keygen, with OpenSSH's own fingerprint as the oracle. */
async function newKey(type: 'ed25519' | 'ecdsa' = 'ed25519'): Promise<Key> {
  const file = path.join(dir, `k${Math.random().toString(36).slice(2)}`);
  await run('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', file]);
  const [kt, b64] = (await fsp.readFile(`${file}.pub`, 'utf8')).trim().split(/\s+/);
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${file}.pub`]);
  return { blob: Buffer.from(b64 ?? '', 'base64'), line: `${kt} ${b64}`, fp: stdout.split(/\s+/)[1] ?? '', pubFile: `${file}.pub` };
}

let a: Key;
let b: Key;
let c: Key;

beforeAll(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'outpost-kh-'));
  [a, b, c] = await Promise.all([newKey(), newKey(), newKey('ecdsa')]);
});
afterAll(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('fingerprints and key blobs', () => {
  it('computes the same SHA256 fingerprint as ssh-keygen -l', () => {
    expect(fingerprintSha256(a.blob)).toBe(a.fp);
    expect(fingerprintSha256(c.blob)).toBe(c.fp);
    expect(a.fp).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
  it('reads the key type from the blob and rebuilds the public key line', () => {
    expect(keyTypeOf(a.blob)).toBe('ssh-ed25519');
    expect(keyTypeOf(c.blob)).toBe('ecdsa-sha2-nistp256');
    expect(publicKeyLine(a.blob)).toBe(a.line);
  });
  it('rejects a malformed blob', () => {
    expect(() => keyTypeOf(Buffer.from([0, 0, 1, 0, 1]))).toThrow(/malformed/);
  });
});

describe('host name matching', () => {
  it('uses the bare name on port 22 and [host]:port otherwise, lower-cased', () => {
    expect(hostKeyName('Example.COM')).toBe('example.com');
    expect(hostKeyName('10.0.0.1', 2222)).toBe('[10.0.0.1]:2222');
  });
  it('matches comma lists, wildcards and negations like OpenSSH', () => {
    expect(hostFieldMatches('web1,web2,10.0.0.5', 'web2')).toBe(true);
    expect(hostFieldMatches('web1,web2', 'web3')).toBe(false);
    expect(hostFieldMatches('*.corp.example', 'db.corp.example')).toBe(true);
    expect(hostFieldMatches('*.corp.example,!secret.corp.example', 'secret.corp.example')).toBe(false);
    expect(hostFieldMatches('web?', 'web7')).toBe(true);
    expect(hostFieldMatches('[10.0.0.1]:2222', '10.0.0.1', 2222)).toBe(true);
    // A port-22 entry does not vouch for another port.
    expect(hostFieldMatches('10.0.0.1', '10.0.0.1', 2222)).toBe(false);
    expect(hostFieldMatches('WEB1', 'web1')).toBe(true);
  });
  it('matches hashed entries written by ssh-keygen -H', async () => {
    const file = path.join(dir, 'to-hash');
    await fsp.writeFile(file, `jump.example ${a.line}\n[10.1.2.3]:2200 ${b.line}\n`);
    await run('ssh-keygen', ['-H', '-f', file]);
    const text = await fsp.readFile(file, 'utf8');
    expect(text).not.toContain('jump.example');
    const entries = parseKnownHosts(text);
    expect(entries).toHaveLength(2);
    expect(entries.every((e) => e.hosts.startsWith('|1|'))).toBe(true);
    expect(hostFieldMatches(entries[0]?.hosts ?? '', 'jump.example')).toBe(true);
    expect(hostFieldMatches(entries[0]?.hosts ?? '', 'jump.example2')).toBe(false);
    expect(hostFieldMatches(entries[1]?.hosts ?? '', '10.1.2.3', 2200)).toBe(true);
    expect(hostFieldMatches(entries[1]?.hosts ?? '', '10.1.2.3', 22)).toBe(false);
  });
  it('hashes like OpenSSH for a given salt', () => {
    const salt = Buffer.alloc(20, 7);
    const h = hashHostName('host.example', salt);
    expect(h.startsWith(`|1|${salt.toString('base64')}|`)).toBe(true);
    expect(hostFieldMatches(h, 'host.example')).toBe(true);
  });
});

describe('parseKnownHosts', () => {
  it('skips comments, blank lines, broken lines and keeps markers', () => {
    const text = [
      '# comment',
      '',
      `host1 ${a.line} a comment with spaces`,
      'host2 ssh-ed25519 !!!notbase64',
      `host3 ssh-rsa ${a.line.split(' ')[1]}`, // type does not match the blob
      `@revoked * ${b.line}`,
      `@cert-authority *.example ${c.line}`,
      '@weird host4 ssh-ed25519 AAAA',
    ].join('\n');
    const entries = parseKnownHosts(text);
    expect(entries.map((e) => [e.marker, e.hosts, e.line])).toEqual([
      ['', 'host1', 3],
      ['@revoked', '*', 6],
      ['@cert-authority', '*.example', 7],
    ]);
  });
});

describe('KnownHosts store', () => {
  it('says unknown for a missing file and for an unlisted host', async () => {
    const kh = new KnownHosts(path.join(dir, 'missing', 'known_hosts'));
    expect(await kh.lookup('h', 22, a.blob)).toBe('unknown');
  });

  it('finds match, unknown and changed (with the known fingerprint)', async () => {
    const file = path.join(dir, 'kh-plain');
    await fsp.writeFile(file, `alpha,beta ${a.line}\n[gamma]:2022 ${c.line}\n`);
    const kh = new KnownHosts(file);
    expect(await kh.lookup('alpha', 22, a.blob)).toBe('match');
    expect(await kh.lookup('beta', 22, a.blob)).toBe('match');
    expect(await kh.lookup('delta', 22, a.blob)).toBe('unknown');
    expect(await kh.lookup('alpha', 22, b.blob)).toEqual({ changed: a.fp, knownKeyType: 'ssh-ed25519' });
    // Known under another key type: still refused as changed (the connection asks for known types first).
    expect(await kh.lookup('gamma', 2022, a.blob)).toEqual({ changed: c.fp, knownKeyType: 'ecdsa-sha2-nistp256' });
    expect(await kh.lookup('gamma', 22, a.blob)).toBe('unknown');
    expect(await kh.knownKeyTypes('gamma', 2022)).toEqual(['ecdsa-sha2-nistp256']);
  });

  it('reports a @revoked key even for a host otherwise unknown', async () => {
    const file = path.join(dir, 'kh-revoked');
    await fsp.writeFile(file, `@revoked * ${b.line}\n`);
    expect(await new KnownHosts(file).lookup('anything', 22, b.blob)).toEqual({ revoked: b.fp });
  });

  it('writes hashed entries that ssh-keygen -F finds, with private permissions', async () => {
    const file = path.join(dir, 'sub', 'known_hosts');
    const kh = new KnownHosts(file);
    await kh.add('127.0.0.9', 2222, a.blob);
    await kh.add('jump.example', 22, c.blob);
    const text = await fsp.readFile(file, 'utf8');
    expect(text).not.toContain('127.0.0.9');
    expect(text).not.toContain('jump.example');
    expect(text.trim().split('\n')).toHaveLength(2);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(await kh.lookup('127.0.0.9', 2222, a.blob)).toBe('match');
    expect(await kh.lookup('127.0.0.9', 22, a.blob)).toBe('unknown');
    // OpenSSH itself finds our hashed entries.
    const found = await run('ssh-keygen', ['-F', '[127.0.0.9]:2222', '-f', file]);
    expect(found.stdout).toContain(a.line.split(' ')[1]);
    const found2 = await run('ssh-keygen', ['-F', 'jump.example', '-f', file]);
    expect(found2.stdout).toContain(c.line.split(' ')[1]);
  });

  it('writes plain entries on request and appends after a file lacking a final newline', async () => {
    const file = path.join(dir, 'kh-append');
    await fsp.writeFile(file, `old ${b.line}`);
    const kh = new KnownHosts(file);
    await kh.add('new-host', 22, a.blob, { hashed: false });
    expect(await fsp.readFile(file, 'utf8')).toBe(`old ${b.line}\nnew-host ${a.line}\n`);
    expect(await kh.lookup('old', 22, b.blob)).toBe('match');
    expect(await kh.lookup('new-host', 22, a.blob)).toBe('match');
  });

  it('forgets a host so its new key can be accepted', async () => {
    const file = path.join(dir, 'kh-forget');
    const kh = new KnownHosts(file);
    await kh.add('re.example', 22, a.blob);
    await kh.add('keep.example', 22, b.blob);
    expect(await kh.forget('re.example')).toBe(1);
    expect(await kh.lookup('re.example', 22, c.blob)).toBe('unknown');
    expect(await kh.lookup('keep.example', 22, b.blob)).toBe('match');
  });
});
