// The tunnel key's authorized_keys options (electron/core/plan/tunnel.ts keyOptions), enforced by a
// real OpenSSH sshd and exercised with the real ssh client: the key forwards to the permitted
// destinations only — no command, no remote forward (-R), no other destination, no other source.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyOptions } from '../../../electron/core/plan/tunnel';
import { generateKeyPair, startHarness, stopAll, type Harness, type KeyPair } from '../harness/sshd';
import { tempDir } from './helpers';

let h: Harness;
let key: KeyPair;
let dir: string;
let echo: net.Server;
let echoPort = 0;
let closedPort = 0;
const JUMP_PRIVATE_IP = '127.0.0.98';

function listen(server: net.Server): Promise<number> {
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port)));
}

beforeAll(async () => {
  h = await startHarness();
  dir = await tempDir('outpost-tunnel-key-');
  fs.chmodSync(dir, 0o755);
  key = await generateKeyPair(dir, { name: 'outpost_tunnel_ed25519', comment: 'outpost-tunnel:icagent' });
  echo = net.createServer((s) => s.pipe(s));
  echoPort = await listen(echo);
  const spare = net.createServer();
  closedPort = await listen(spare);
  spare.close();
  const forwards = [{ name: 'echo', listenHost: JUMP_PRIVATE_IP, listenPort: 8149, targetHost: '127.0.0.1', targetPort: echoPort }];
  await h.sshd.authorize(h.users.t1.name, `${keyOptions(forwards, JUMP_PRIVATE_IP)} ${key.publicKeyLine}`);
  fs.writeFileSync(path.join(dir, 'known_hosts'), `[${h.host}]:${h.port} ${h.hostPublicKey}\n`);
});

afterAll(async () => {
  echo?.close();
  await stopAll();
});

/** Runs the OpenSSH client with the tunnel key against the harness, strict host key checking on. */
function ssh(args: string[], input?: string, waitFor?: RegExp): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const base = ['-i', key.privateKeyPath, '-F', '/dev/null', '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${path.join(dir, 'known_hosts')}`, '-o', 'ConnectTimeout=10', '-p', String(h.port)];
    const p = spawn('ssh', [...base, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => p.kill('SIGTERM'), 15_000);
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (waitFor?.test(out)) p.kill('SIGTERM');
    });
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
    if (input !== undefined) p.stdin.write(input);
    else p.stdin.end();
  });
}

const login = () => `${h.users.t1.name}@${h.host}`;

describe('the tunnel key on a real sshd', () => {
  it('forwards to a permitted destination', async () => {
    const r = await ssh(['-W', `127.0.0.1:${echoPort}`, login()], 'ping-through-the-tunnel\n', /ping-through-the-tunnel/);
    expect(r.out, r.err).toContain('ping-through-the-tunnel');
  });

  it('runs no command (even a harmless one)', async () => {
    const marker = path.join(dir, 'ran');
    const r = await ssh([login(), `touch ${marker}`]);
    expect(r.code).not.toBe(0);
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('opens no other destination', async () => {
    const r = await ssh(['-W', `127.0.0.1:${closedPort}`, login()], '');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/administratively prohibited|open failed/i);
  });

  it('opens no remote forward (-R)', async () => {
    const r = await ssh(['-N', '-o', 'ExitOnForwardFailure=yes', '-R', `127.0.0.1:0:127.0.0.1:${echoPort}`, login()]);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/remote port forwarding failed/i);
  });

  it('is refused from any source but the jump server itself', async () => {
    const r = await ssh(['-b', '127.0.0.99', '-W', `127.0.0.1:${echoPort}`, login()], '');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/Permission denied/);
    // sshd's own words: the key was right, the source was not.
    expect(await h.sshd.log()).toContain('with correct key but not from a permitted host (host=127.0.0.99, ip=127.0.0.99, required=127.0.0.98,127.0.0.1,::1)');
  });
});
