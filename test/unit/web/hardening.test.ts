// Browser mode against hostile or broken peers, over real loopback sockets: requests and frames
// that used to crash the server (no token needed), WebSocket handshakes that must be refused, and
// terminals that belong to the connection that opened them.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { handshakeProtocols } from '../../../electron/common/browser-auth';
import type { CoreContext } from '../../../electron/core/context';
import { createDispatcher, type Handlers } from '../../../electron/core/api/dispatcher';
import { terminalHandlers } from '../../../electron/core/api/handlers/terminal';
import { silentLogger } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { MAX_WS_PAYLOAD, startWebServer, staticFile, type WebServer } from '../../../electron/web/server';

let server: WebServer;
let dir: string;
const crashes: unknown[] = [];
const onCrash = (err: unknown) => crashes.push(err);

beforeAll(async () => {
  process.on('uncaughtException', onCrash);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-web-h-'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
  const secrets = new SecretRegistry();
  const ctx = { appName: 'Outpost', version: '0', mode: 'browser', locale: 'en', dataDir: dir, resourcesDir: dir, log: silentLogger, secrets } satisfies CoreContext;
  const dispatcher = createDispatcher(terminalHandlers(ctx) as Handlers, { log: silentLogger, secrets });
  server = await startWebServer({ dispatcher, staticDir: dir, log: silentLogger });
});
afterAll(async () => {
  await server.close();
  process.off('uncaughtException', onCrash);
  fs.rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  expect(crashes).toEqual([]);
});

/** Sends raw bytes, returns everything the server answered before closing (or after `waitMs`). */
function raw(bytes: string | Buffer, waitMs = 1500): Promise<string> {
  return new Promise((resolve) => {
    const sock = net.connect(server.port, '127.0.0.1');
    let got = '';
    const done = () => {
      sock.destroy();
      resolve(got);
    };
    const timer = setTimeout(done, waitMs);
    sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    sock.on('error', () => undefined);
    sock.write(bytes);
  });
}

async function stillServes(): Promise<void> {
  const answer = await raw(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`);
  expect(answer).toMatch(/^HTTP\/1\.1 200/);
}

const upgradeHeaders = (extra: string) =>
  `Host: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`;

interface Opened {
  ws: WebSocket;
  call(name: string, input: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string } }>;
}

function connect(opts: { origin?: string | null; protocols?: string[]; path?: string } = {}): Promise<Opened> {
  const origin = opts.origin === undefined ? server.origin : opts.origin;
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}${opts.path ?? '/api'}`, opts.protocols ?? handshakeProtocols(server.token), origin ? { origin } : {});
  let seq = 0;
  const pending = new Map<number, (r: never) => void>();
  ws.on('message', (m: Buffer) => {
    const msg = JSON.parse(m.toString()) as { type: string; id?: number; result?: never };
    if (msg.type === 'response' && msg.id !== undefined) pending.get(msg.id)?.(msg.result as never);
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () =>
      resolve({
        ws,
        call: (name, input) =>
          new Promise((res) => {
            const id = ++seq;
            pending.set(id, res as (r: never) => void);
            ws.send(JSON.stringify({ id, name, input }));
          }),
      }),
    );
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

describe('browser mode survives malformed requests (no token needed)', () => {
  it('GET /a%00b: 400, not a sync throw in fs.readFile', async () => {
    const answer = await raw(`GET /a%00b HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    await stillServes();
  });

  it('a malformed request line (GET http://[ HTTP/1.1): 400, not a throw in new URL', async () => {
    const answer = await raw(`GET http://[ HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    await stillServes();
  });

  it('the same request line as a WebSocket upgrade: refused, not a throw', async () => {
    const answer = await raw(`GET http://[ HTTP/1.1\r\n${upgradeHeaders(`Origin: ${server.origin}\r\n`)}`);
    expect(answer).toMatch(/^HTTP\/1\.1 4\d\d/);
    await stillServes();
  });

  it('garbage that is not HTTP at all: 400 (clientError)', async () => {
    const answer = await raw('\x16\x03\x01\x02\x00 hello\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    await stillServes();
  });

  it('a WebSocket frame over maxPayload closes that socket (1009), not the server', async () => {
    const { ws } = await connect();
    const closed = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
    ws.on('error', () => undefined);
    ws.send(Buffer.alloc(MAX_WS_PAYLOAD + 1, 0x61));
    expect(await closed).toBe(1009);
    await stillServes();
    const again = await connect();
    expect((await again.call('nope', {})).ok).toBe(false);
    again.ws.close();
  });

  it('a message that is not JSON gets an error answer, and the socket stays open', async () => {
    const { ws, call } = await connect();
    ws.send('{{{');
    expect((await call('nope', {})).error?.code).toBe('unknown_request');
    ws.close();
  });
});

describe('browser mode WebSocket handshake', () => {
  it('accepts the page origin with the token as a subprotocol, and does not echo the token', async () => {
    const { ws } = await connect();
    expect(ws.protocol).toBe('outpost.v1');
    ws.close();
  });

  it('refuses a handshake without Origin, even with the right token', async () => {
    await expect(connect({ origin: null })).rejects.toThrow('refused: 403');
  });

  it('refuses a foreign origin (another loopback port) and a wrong or missing token', async () => {
    await expect(connect({ origin: 'http://127.0.0.1:1' })).rejects.toThrow('refused: 403');
    await expect(connect({ origin: 'null' })).rejects.toThrow('refused: 403');
    await expect(connect({ protocols: handshakeProtocols('A'.repeat(32)) })).rejects.toThrow('refused: 403');
    await expect(connect({ protocols: ['outpost.v1'] })).rejects.toThrow('refused: 403');
  });

  it('no longer takes the token from the WebSocket URL', async () => {
    await expect(connect({ protocols: ['outpost.v1'], path: `/api?token=${server.token}` })).rejects.toThrow('refused: 403');
  });
});

describe('terminals belong to the connection that opened them', () => {
  it('client B cannot write to, resize, or close client A’s terminal', async () => {
    const a = await connect();
    const b = await connect();
    const opened = await a.call('terminal.open', { cols: 80, rows: 24 });
    expect(opened.ok).toBe(true);
    const id = (opened.value as { id: string }).id;
    expect((await b.call('terminal.write', { id, data: 'echo pwned\r' })).error?.code).toBe('terminal_not_found');
    expect((await b.call('terminal.resize', { id, cols: 10, rows: 10 })).error?.code).toBe('terminal_not_found');
    expect((await b.call('terminal.close', { id })).error?.code).toBe('terminal_not_found');
    expect((await a.call('terminal.write', { id, data: 'exit\r' })).ok).toBe(true);
    expect((await a.call('terminal.close', { id })).ok).toBe(true);
    a.ws.close();
    b.ws.close();
  });
});

describe('staticFile', () => {
  it('normalises and confines paths', () => {
    expect(staticFile('/srv/ui', '/')).toEqual({ file: '/srv/ui/index.html' });
    expect(staticFile('/srv/ui', '/%2Findex.html')).toEqual({ file: '/srv/ui/index.html' });
    expect(staticFile('/srv/ui', '/%2e%2e/%2e%2e/etc/passwd')).toEqual({ file: '/srv/ui/etc/passwd' });
    expect(staticFile('/srv/ui', '/a%00b')).toEqual({ status: 400 });
    expect(staticFile('/srv/ui', '/a%5C..%5Cb')).toEqual({ status: 400 });
    expect(staticFile('/srv/ui', '/%E0%A4%A')).toEqual({ status: 400 });
  });
});
