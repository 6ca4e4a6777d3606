// Browser mode's HTTP side over a real loopback socket: what is served, to whom, and that bad
// requests get an answer instead of crashing the server.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { handshakeProtocols } from '../../../electron/common/browser-auth';
import { contentSecurityPolicy } from '../../../electron/common/csp';
import { createDispatcher, type Handlers } from '../../../electron/core/api/dispatcher';
import { silentLogger } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { startWebServer, type WebServer } from '../../../electron/web/server';

let server: WebServer;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-web-'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(os.tmpdir(), 'outpost-web-secret.txt'), 'outside');
  server = await startWebServer({ dispatcher: createDispatcher({} as Handlers, { log: silentLogger, secrets: new SecretRegistry() }), staticDir: dir, log: silentLogger });
});
afterAll(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function get(pathAndQuery: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: pathAndQuery, headers: { host: `127.0.0.1:${server.port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('browser mode HTTP', () => {
  it('binds 127.0.0.1 and prints a URL carrying a long random token in the fragment (never sent to a server)', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/#token=[\\w-]{32}$`));
    expect(server.url).not.toContain('?');
    expect(server.origin).toBe(`http://127.0.0.1:${server.port}`);
  });

  it('the token ends with the server: a new server on the same port has a new token and refuses the old one', async () => {
    const first = await startWebServer({ dispatcher: createDispatcher({} as Handlers, { log: silentLogger, secrets: new SecretRegistry() }), staticDir: dir, log: silentLogger });
    const open = (s: WebServer, token: string) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${s.port}/api`, handshakeProtocols(token), { origin: s.origin });
        ws.once('open', () => {
          ws.close();
          resolve('open');
        });
        ws.once('unexpected-response', (_req, res) => resolve(`refused ${res.statusCode ?? 0}`));
        ws.once('error', (e) => resolve(`error ${e.message}`));
      });
    expect(await open(first, first.token)).toBe('open');
    await first.close();
    const second = await startWebServer({ dispatcher: createDispatcher({} as Handlers, { log: silentLogger, secrets: new SecretRegistry() }), staticDir: dir, log: silentLogger, port: first.port });
    try {
      expect(second.port).toBe(first.port);
      expect(second.token).not.toBe(first.token);
      // A page still holding the old token (sessionStorage, a reload) is refused; the new URL works.
      expect(await open(second, first.token)).toBe('refused 403');
      expect(await open(second, second.token)).toBe('open');
    } finally {
      await second.close();
    }
    // And a stopped server takes nobody's token.
    expect(await open(second, second.token)).toMatch(/^error /);
  });

  it('serves the page without a token and sets no cookie; the CSP header carries frame-ancestors', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>t</title>');
    expect(page.headers['content-security-policy']).toBe(contentSecurityPolicy({ connect: [`ws://127.0.0.1:${server.port}`, `ws://localhost:${server.port}`], header: true }));
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['set-cookie']).toBeUndefined();
    const withToken = await get(`/?token=${server.token}`);
    expect(withToken.status).toBe(200);
    expect(withToken.headers['set-cookie']).toBeUndefined();
    expect(JSON.stringify(withToken.headers)).not.toContain(server.token);
    expect(withToken.body).not.toContain(server.token);
  });

  it('normalises page paths: /%2Findex.html, /./index.html and /index.html are the same page', async () => {
    for (const p of ['/%2Findex.html', '/./index.html', '/assets/../index.html', '/index.html']) {
      const r = await get(p);
      expect(r.status, p).toBe(200);
      expect(r.body, p).toContain('<title>t</title>');
    }
  });

  it('serves assets, never files outside its folder, and answers malformed paths', async () => {
    expect((await get('/assets/app.js')).body).toBe('console.log(1)');
    expect((await get('/../outpost-web-secret.txt')).status).toBe(404);
    expect((await get('/%2e%2e/outpost-web-secret.txt')).status).toBe(404);
    expect((await get('/%E0%A4%A')).status).toBe(400);
    // Still alive after all that.
    expect((await get('/assets/app.js')).status).toBe(200);
  });

  it('refuses other Host names (DNS rebinding) and methods', async () => {
    expect((await get(`/?token=${server.token}`, { host: `evil.example:${server.port}` })).status).toBe(421);
    const post = await new Promise<number>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: server.port, path: '/', method: 'POST' }, (res) => resolve(res.statusCode ?? 0));
      req.end();
    });
    expect(post).toBe(405);
  });
});
