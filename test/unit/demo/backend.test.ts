// The stand-in LTS backend over real loopback sockets: parsing, counting, the bucket, errors.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const execFileAsync = promisify(execFile);
import { OutpostError } from '../../../electron/core/errors';
import { INSTALLER_URL_PATH, parseHeartbeatLine, startBackend, type Backend, type Heartbeat } from '../../../electron/demo/backend';

const HOST = '127.0.0.1';
const started: Backend[] = [];

async function start(opts: Partial<Parameters<typeof startBackend>[0]> = {}): Promise<Backend> {
  const b = await startBackend({ host: HOST, ports: { heartbeat: 0, others: [0, 0] }, ...opts });
  started.push(b);
  return b;
}

/** Writes the chunks in order (pausing between them so they arrive apart), then closes. */
async function send(port: number, chunks: string[]): Promise<void> {
  const sock = net.connect({ host: HOST, port });
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  for (const c of chunks) {
    sock.write(c);
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise<void>((resolve) => sock.end(resolve));
}

async function rejection(p: Promise<unknown>): Promise<OutpostError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(OutpostError);
    return err as OutpostError;
  }
  throw new Error('expected a rejection');
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(cond()).toBe(true);
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((b) => b.close()));
});

describe('parseHeartbeatLine', () => {
  it('reads the fixture agent line', () => {
    expect(parseHeartbeatLine('HEARTBEAT host=web-1 projectid=p1 region=cn-north-4 pid=42 seq=7')).toEqual({
      host: 'web-1',
      projectid: 'p1',
      region: 'cn-north-4',
      pid: 42,
      seq: 7,
    });
  });

  it.each([
    'HEARTBEAT host=web-1 projectid=p1 region=r pid=42',
    'HEARTBEAT host=web-1 projectid=p1 region=r pid=x seq=1',
    'HEARTBEAT host=web-1 projectid=p1 region=r pid=0 seq=1',
    'HEARTBEAT host= projectid=p1 region=r pid=1 seq=1',
    'HEARTBEAT host=web-1 oops projectid=p1 region=r pid=1 seq=1',
    'HELLO host=web-1 projectid=p1 region=r pid=1 seq=1',
    '',
  ])('refuses %j', (line) => {
    expect(parseHeartbeatLine(line)).toBeNull();
  });
});

describe('startBackend', () => {
  it('binds every port given as 0 to a distinct free port, in order', async () => {
    const b = await start({ ports: { heartbeat: 0, others: [0, 0, 0, 0] } });
    const all = [b.ports.heartbeat, ...b.ports.others];
    expect(all).toHaveLength(5);
    expect(new Set(all).size).toBe(5);
    for (const p of all) expect(p).toBeGreaterThan(0);
    expect(b.stats().ports.map((s) => s.port)).toEqual(all);
    expect(b.ports.http).toBeNull();
    expect(b.httpUrl).toBeNull();
  });

  it('listens on IPv6 loopback too, with a bracketed URL', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-bucket-'));
    try {
      fs.writeFileSync(path.join(dir, 'apm_agent_install.sh'), 'echo hi\n');
      const b = await start({ host: '::1', ports: { heartbeat: 0, others: [] }, http: { port: 0, fixtureDir: dir } });
      expect(b.httpUrl).toBe(`http://[::1]:${b.ports.http}`);
      expect(await (await fetch(`${b.httpUrl}${INSTALLER_URL_PATH}`)).text()).toBe('echo hi\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(['0.0.0.0', '10.1.2.3', 'localhost', '::', '::ffff:127.0.0.1'])('refuses the non-loopback host %s', async (host) => {
    const err = await rejection(startBackend({ host, ports: { heartbeat: 0, others: [] } }));
    expect(err.code).toBe('demo.backend.options');
    expect(err.message).toContain('host');
  });

  it('refuses a port given twice and a port out of range', async () => {
    const dup = await rejection(startBackend({ host: HOST, ports: { heartbeat: 40123, others: [40123] } }));
    expect(dup.message).toContain('port 40123 is given twice');
    const range = await rejection(startBackend({ host: HOST, ports: { heartbeat: 70000, others: [] } }));
    expect(range.message).toContain('ports.heartbeat');
  });

  it('says which port is taken, and releases the ones it had bound', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, HOST, r));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      const free = await new Promise<number>((resolve) => {
        const s = net.createServer().listen(0, HOST, () => {
          const p = (s.address() as net.AddressInfo).port;
          s.close(() => resolve(p));
        });
      });
      const err = await rejection(startBackend({ host: HOST, ports: { heartbeat: free, others: [taken] } }));
      expect(err.code).toBe('demo.backend.port_in_use');
      expect(err.message).toContain(String(taken));
      // The heartbeat port bound before the failure is free again.
      const again = await start({ ports: { heartbeat: free, others: [] } });
      expect(again.ports.heartbeat).toBe(free);
    } finally {
      blocker.close();
    }
  });

  it('parses heartbeats split across packets, with CRLF, or unterminated at close; counts bad lines', async () => {
    const b = await start();
    const seen: Heartbeat[] = [];
    const unsubscribe = b.on('heartbeat', (hb) => seen.push(hb));
    await send(b.ports.heartbeat, ['HEARTBEAT host=a projectid=p region=r ', 'pid=10 seq=1\r\nnonsense\n', 'HEARTBEAT host=a projectid=p region=r pid=10 seq=2']);
    await until(() => b.stats().heartbeats === 2);
    expect(b.heartbeats().map((h) => h.seq)).toEqual([1, 2]);
    expect(seen.map((h) => h.seq)).toEqual([1, 2]);
    expect(b.heartbeats()[0]).toMatchObject({ host: 'a', pid: 10, remoteAddress: HOST, localPort: b.ports.heartbeat });
    expect(b.stats().invalidLines).toBe(1);
    expect(b.stats().ports[0]).toMatchObject({ connections: 1, lines: 3 });

    unsubscribe();
    await send(b.ports.heartbeat, ['HEARTBEAT host=a projectid=p region=r pid=10 seq=3\n']);
    await until(() => b.stats().heartbeats === 3);
    expect(seen).toHaveLength(2);
  });

  it('counts connections, lines and bytes on the other agent ports without treating them as heartbeats', async () => {
    const b = await start();
    const other = b.ports.others[1] ?? 0;
    await send(other, ['abc\nde', 'f\n']);
    await send(other, ['HEARTBEAT host=a projectid=p region=r pid=1 seq=1\n']);
    await until(() => b.stats().ports[2]?.connections === 2 && b.stats().ports[2]?.lines === 3);
    expect(b.stats().ports[2]).toMatchObject({ role: 'other', port: other, bytes: 8 + 50 });
    expect(b.stats().ports[1]).toMatchObject({ connections: 0, lines: 0 });
    expect(b.stats().heartbeats).toBe(0);
  });

  it('waits for heartbeats already received and to come, filtered by host, address and time', async () => {
    const b = await start();
    await send(b.ports.heartbeat, ['HEARTBEAT host=x projectid=p region=r pid=1 seq=1\n']);
    await until(() => b.stats().heartbeats === 1);
    await expect(b.waitForHeartbeats(1, { fromHost: 'x', timeoutMs: 100 })).resolves.toHaveLength(1);

    const later = b.waitForHeartbeats(2, { fromHost: 'y', fromAddress: HOST, timeoutMs: 5000 });
    await send(b.ports.heartbeat, ['HEARTBEAT host=x projectid=p region=r pid=1 seq=2\n', 'HEARTBEAT host=y projectid=p region=r pid=2 seq=1\n']);
    await send(b.ports.heartbeat, ['HEARTBEAT host=y projectid=p region=r pid=2 seq=2\n']);
    expect((await later).map((h) => `${h.host}${h.seq}`)).toEqual(['y1', 'y2']);

    const timeout = await rejection(b.waitForHeartbeats(1, { fromHost: 'x', since: Date.now() + 1000, timeoutMs: 100 }));
    expect(timeout.code).toBe('demo.backend.timeout');
    expect(timeout.message).toContain('host x');
    const wrongAddress = await rejection(b.waitForHeartbeats(1, { fromAddress: '127.0.0.9', timeoutMs: 100 }));
    expect(wrongAddress.message).toContain('got 0');
  });

  it('rejects pending waits when closed, and close is idempotent', async () => {
    const b = await startBackend({ host: HOST, ports: { heartbeat: 0, others: [] } });
    const pending = rejection(b.waitForHeartbeats(1, { timeoutMs: 10_000 }));
    await b.close();
    expect((await pending).code).toBe('demo.backend.closed');
    await b.close();
    await expect(new Promise((resolve, reject) => net.connect(b.ports.heartbeat, HOST).on('connect', resolve).on('error', reject))).rejects.toThrow(/ECONNREFUSED/);
  });

  describe('stand-in bucket', () => {
    let dir: string;
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('serves the installer bytes on the vendor path only', async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-bucket-'));
      const bytes = Buffer.from('#!/bin/bash\necho ICAgent install success\n');
      fs.writeFileSync(path.join(dir, 'apm_agent_install.sh'), bytes);
      const b = await start({ http: { port: 0, fixtureDir: dir } });
      expect(b.httpUrl).toBe(`http://${HOST}:${b.ports.http}`);

      const ok = await fetch(`${b.httpUrl}${INSTALLER_URL_PATH}`);
      expect(ok.status).toBe(200);
      expect(Buffer.from(await ok.arrayBuffer())).toEqual(bytes);
      const head = await fetch(`${b.httpUrl}${INSTALLER_URL_PATH}`, { method: 'HEAD' });
      expect(head.headers.get('content-length')).toBe(String(bytes.length));
      for (const p of ['/', '/ICAgent_linux/', '/ICAgent_linux/other.sh', '/ICAgent_linux/apm_agent_install.sh/..%2F..%2Fetc%2Fpasswd']) {
        const res = await fetch(`${b.httpUrl}${p}`);
        expect(res.status, p).toBe(404);
        await res.arrayBuffer();
      }
      expect((await fetch(`${b.httpUrl}${INSTALLER_URL_PATH}`, { method: 'POST' })).status).toBe(405);
      expect(b.stats().http).toMatchObject({ port: b.ports.http, downloads: 1, notFound: 4 });
    });

    it('with vhost, answers only requests whose Host is the bucket name (as a virtual-hosted bucket): curl through an address needs -H Host', async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-bucket-'));
      fs.writeFileSync(path.join(dir, 'apm_agent_install.sh'), 'echo ICAgent install success\n');
      const b = await start({ http: { port: 0, fixtureDir: dir, vhost: 'icagent-r1.obs.example.com' } });
      const curl = (...extra: string[]) => execFileAsync('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', ...extra, `${b.httpUrl}${INSTALLER_URL_PATH}`]).then((r) => r.stdout);
      expect(await curl()).toBe('404');
      expect(await curl('-H', 'Host: other.example.com')).toBe('404');
      expect(await curl('-H', 'Host: icagent-r1.obs.example.com')).toBe('200');
      expect(await curl('-H', `Host: icagent-r1.obs.example.com:${b.ports.http}`)).toBe('200');
      expect(b.stats().http).toMatchObject({ downloads: 2, wrongHost: 2 });
    });

    it('fails early when the fixture installer is missing', async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-bucket-'));
      const err = await rejection(startBackend({ host: HOST, ports: { heartbeat: 0, others: [] }, http: { port: 0, fixtureDir: dir } }));
      expect(err.code).toBe('demo.backend.fixture_missing');
      expect(err.message).toContain(path.join(dir, 'apm_agent_install.sh'));
    });
  });
});
