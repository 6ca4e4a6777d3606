// Browser mode: serves the renderer build and bridges the same API over a WebSocket. Bound to
// 127.0.0.1 on a random port; every API message needs the random token from the printed URL, and
// the page itself is only served with it. Host and Origin are checked against DNS rebinding.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { contentSecurityPolicy } from '../common/csp';
import type { Client, Dispatcher } from '../core/api/dispatcher';
import type { Logger } from '../core/log/logger';

export interface WebServerOptions {
  dispatcher: Dispatcher;
  staticDir: string;
  log: Logger;
  port?: number;
  token?: string;
}

export interface WebServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
};

export const WireRequest = z.object({
  id: z.number().int().nonnegative(),
  name: z.string().max(100),
  input: z.unknown(),
});

// Cookies are shared by every port of 127.0.0.1: the name carries the port, and the WebSocket also
// checks Origin, so a page from another local port cannot use it.
const cookieName = (port: number) => `outpost_token_${port}`;

/** The token from the query string, or from the cookie set when the page was first opened with it. */
function tokenOf(req: http.IncomingMessage, url: URL, port: number): string | null {
  const q = url.searchParams.get('token');
  if (q) return q;
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === cookieName(port)) return decodeURIComponent(v.join('='));
  }
  return null;
}

function sameToken(a: string | null, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const host = '127.0.0.1';
  let port = 0;
  const allowedHosts = () => new Set([`${host}:${port}`, `localhost:${port}`]);

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      res.end(body);
    };
    if (!allowedHosts().has(req.headers.host ?? '')) return send(421, 'Misdirected request');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'Method not allowed');
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      return send(400, 'Bad request');
    }
    const extraHeaders: Record<string, string> = {};
    if (rel === '/' || rel === '/index.html') {
      if (!sameToken(tokenOf(req, url, port), token)) {
        return send(403, 'Outpost: this page needs the token from the URL printed by `outpost serve`.');
      }
      // A reload (the address bar no longer shows the token) is let in by this cookie: HttpOnly,
      // SameSite=Strict, and only ever sent to this 127.0.0.1 port.
      extraHeaders['set-cookie'] = `${cookieName(port)}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
      rel = '/index.html';
    }
    const file = path.resolve(opts.staticDir, '.' + rel);
    if (!file.startsWith(path.resolve(opts.staticDir) + path.sep)) return send(404, 'Not found');
    fs.readFile(file, (err, data) => {
      if (err) return send(404, 'Not found');
      res.writeHead(200, {
        'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
        'content-security-policy': contentSecurityPolicy({ connect: [`ws://${host}:${port}`, `ws://localhost:${port}`] }),
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': rel === '/index.html' ? 'no-store' : 'max-age=3600',
        ...extraHeaders,
      });
      res.end(req.method === 'HEAD' ? undefined : data);
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    const origin = req.headers.origin;
    const originOk = origin === undefined || allowedHosts().has(origin.replace(/^http:\/\//, ''));
    if (url.pathname !== '/api' || !sameToken(tokenOf(req, url, port), token) || !allowedHosts().has(req.headers.host ?? '') || !originOk) {
      opts.log.warn('browser mode: refused a WebSocket connection without a valid token');
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws));
  });

  let clientSeq = 0;
  const serveSocket = (ws: WebSocket) => {
    const closers: Array<() => void> = [];
    const client: Client = {
      id: `ws-${++clientSeq}`,
      emit: (name, payload) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'event', name, payload }));
      },
      onClose: (fn) => closers.push(fn),
    };
    ws.on('message', async (raw) => {
      let msg: z.infer<typeof WireRequest>;
      try {
        msg = WireRequest.parse(JSON.parse(String(raw)));
      } catch {
        ws.send(JSON.stringify({ type: 'error', error: { code: 'bad_message', message: 'Malformed message.' } }));
        return;
      }
      const result = await opts.dispatcher.call(msg.name, msg.input, client);
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'response', id: msg.id, result }));
    });
    ws.on('close', () => {
      for (const fn of closers.splice(0)) fn();
    });
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
