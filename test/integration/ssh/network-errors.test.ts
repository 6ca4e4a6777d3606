// Connection failures a user can act on, produced for real on loopback: a closed port, a server
// that never speaks SSH, a name that does not resolve, a cancelled connect.
import fsp from 'node:fs/promises';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutpostError } from '../../../electron/core/errors';
import { connectSsh } from '../../../electron/core/ssh';
import type { KnownHosts } from '../../../electron/core/ssh/known-hosts';
import { freePort, startHarness, stopAll, type Harness } from '../harness/sshd';
import { neverAsked, tempDir, trustingKnownHosts } from './helpers';

let h: Harness;
let dir: string;
let kh: KnownHosts;
let silent: net.Server;
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  dir = await tempDir();
  h = await startHarness();
  kh = await trustingKnownHosts(dir, h.sshd);
  // Accepts TCP, never sends an SSH banner.
  silent = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => silent.close(() => r()));
  await stopAll();
  await fsp.rm(dir, { recursive: true, force: true });
});

async function failure(host: string, port: number, extra: { readyTimeoutMs?: number; signal?: AbortSignal } = {}): Promise<OutpostError> {
  const e = await connectSsh({
    host,
    port,
    username: h.users.t1.name,
    auth: { password: h.users.t1.password },
    knownHosts: kh,
    hostKeyPolicy: neverAsked,
    readyTimeoutMs: extra.readyTimeoutMs ?? 5000,
    ...(extra.signal ? { signal: extra.signal } : {}),
  }).then(
    (c) => {
      c.end();
      return null;
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(OutpostError);
  return e as OutpostError;
}

describe('connection errors', () => {
  it('maps a closed port to refused', async () => {
    const port = await freePort(h.host);
    const e = await failure(h.host, port);
    expect(e.code).toBe('refused');
    expect(e.message).toContain(`${h.host}:${port}`);
    expect(e.hint).toMatch(/port/);
  });

  it('times out on a server that never completes the handshake', async () => {
    const addr = silent.address() as net.AddressInfo;
    const t0 = Date.now();
    const e = await failure('127.0.0.1', addr.port, { readyTimeoutMs: 800 });
    expect(e.code).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(e.message).toContain(`127.0.0.1:${addr.port}`);
  });

  it('maps an unresolvable name to dns', async () => {
    const e = await failure('no-such-host.invalid', 22);
    expect(e.code).toBe('dns');
    expect(e.message).toContain('no-such-host.invalid');
  });

  it('stops connecting when cancelled', async () => {
    const addr = silent.address() as net.AddressInfo;
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const e = await failure('127.0.0.1', addr.port, { readyTimeoutMs: 10_000, signal: ac.signal });
    expect(e.code).toBe('cancelled');
  });

  it('rejects invalid input, naming the field', async () => {
    const e = await failure('bad host', 22);
    expect(e.code).toBe('invalid_input');
    expect(e.message).toContain('target.host');
  });
});
