// Browser mode: serves the renderer build and bridges the same API over a WebSocket. Bound to
// 127.0.0.1 on a random port. The page and its assets hold nothing secret and are served to anyone
// who can reach the port; the API needs the random token, which the page presents in the WebSocket
// handshake (a subprotocol, see common/browser-auth.ts). The token is this server's own: made when it
// starts, refused from the moment it stops (a new server is a new token), and given to the page in
// the URL's fragment (`#token=`), which a browser never sends to a server. The token never travels in a cookie
// (cookies are shared by every port of 127.0.0.1) and the handshake must come from the page's own
// origin. Host and Origin are checked against DNS rebinding. Malformed requests and frames get a
// 400 or a close, never a crash.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { tokenFromProtocols, WS_PROTOCOL } from '../common/browser-auth';
import { contentSecurityPolicy } from '../common/csp';
import type { Client, Dispatcher } from '../core/api/dispatcher';
import type { Logger } from '../core/log/logger';
import { mimeOf, staticFile } from './static';

export { staticFile } from './static';

export interface WebServerOptions {
  dispatcher: Dispatcher;
  staticDir: string;
  log: Logger;
  port?: number;
  /** Tests only: a fixed token instead of a random one made for this server. */
  token?: string;
}

export interface WebServer {
  /** The URL to open, carrying the token in the fragment (`#token=`); the page moves it to sessionStorage. */
  url: string;
  /** The page's origin, without the token. */
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** Largest WebSocket message accepted (terminal.write data is at most 1M characters; the client splits pastes). */
export const MAX_WS_PAYLOAD = 4 * 1024 * 1024;

export const WireRequest = z.object({
  id: z.number().int().nonnegative(),
  name: z.string().max(100),
  input: z.unknown(),
});

function sameToken(a: string | null, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function refuseSocket(socket: Duplex, status: string): void {
  try {
    if (socket.writable) socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  } catch {
    /* the peer is gone */
  }
  socket.destroy();
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  if (tokenFromProtocols(`outpost.token.${token}`) !== token) throw new Error('browser mode: the token must be 16-128 base64url characters');
  const host = '127.0.0.1';
  let port = 0;
  const hosts = () => new Set([`${host}:${port}`, `localhost:${port}`]);
  const origins = () => new Set([`http://${host}:${port}`, `http://localhost:${port}`]);
  const root = path.resolve(opts.staticDir);
  // Set by close(): the token ends with the server, also for a handshake already under way.
  let ended = false;

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const send = (status: number, body: string) => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (!hosts().has(req.headers.host ?? '')) return send(421, 'Misdirected request');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'Method not allowed');
    const target = req.url ?? '';
    // Origin-form only ("/path?query"); an absolute or malformed target is a bad request.
    if (!target.startsWith('/')) return send(400, 'Bad request');
    let pathname: string;
    try {
      pathname = new URL(target, `http://${host}`).pathname;
    } catch {
      return send(400, 'Bad request');
    }
    const found = staticFile(root, pathname);
    if ('status' in found) return send(found.status, found.status === 400 ? 'Bad request' : 'Not found');
    const file = found.file;
    const isPage = file === path.join(root, 'index.html');
    fs.readFile(file, (err, data) => {
      if (err) return send(404, 'Not found');
      res.writeHead(200, {
        'content-type': mimeOf(file),
        'content-security-policy': contentSecurityPolicy({ connect: [`ws://${host}:${port}`, `ws://localhost:${port}`], header: true }),
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-resource-policy': 'same-origin',
        'cache-control': isPage ? 'no-store' : 'max-age=3600',
      });
      res.end(req.method === 'HEAD' ? undefined : data);
    });
  };

  const server = http.createServer((req, res) => {
    try {
      onRequest(req, res);
    } catch (err) {
      opts.log.warn('browser mode: a request failed', err);
      if (!res.headersSent) {
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Bad request');
      } else res.destroy();
    }
  });
  // Requests Node's parser rejects (a malformed request line, bad headers): answer 400, stay up.
  server.on('clientError', (_err: Error, socket: Socket) => refuseSocket(socket, '400 Bad Request'));

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_WS_PAYLOAD,
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    try {
      const target = req.url ?? '';
      const pathname = target.startsWith('/') ? new URL(target, `http://${host}`).pathname : '';
      const origin = req.headers.origin;
      const problem =
        pathname !== '/api'
          ? 'wrong path'
          : !hosts().has(req.headers.host ?? '')
            ? 'wrong Host'
            : // A browser always sends Origin; a handshake without it is not from our page.
              !origin || !origins().has(origin)
              ? 'missing or foreign Origin'
              : ended || !sameToken(tokenFromProtocols(req.headers['sec-websocket-protocol']), token)
                ? 'no valid token'
                : null;
      if (problem) {
        opts.log.warn(`browser mode: refused a WebSocket connection (${problem})`);
        return refuseSocket(socket, '403 Forbidden');
      }
      wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws));
    } catch (err) {
      opts.log.warn('browser mode: a WebSocket handshake failed', err);
      refuseSocket(socket, '400 Bad Request');
    }
  });

  let clientSeq = 0;
  const serveSocket = (ws: WebSocket) => {
    const closers: Array<() => void> = [];
    const send = (msg: unknown) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
    };
    // One Client object per connection: terminals, runs and host-key questions opened through it
    // belong to it (see claim/owns in core/api/dispatcher.ts).
    const client: Client = {
      id: `ws-${++clientSeq}`,
      emit: (name, payload) => send({ type: 'event', name, payload }),
      onClose: (fn) => closers.push(fn),
    };
    // A frame over maxPayload, a bad frame or a reset: close this socket, never the server.
    ws.on('error', (err) => {
      opts.log.warn(`browser mode: closed a WebSocket after an error: ${err.message}`);
      ws.terminate();
    });
    ws.on('message', (raw) => {
      void (async () => {
        let msg: z.infer<typeof WireRequest>;
        try {
          msg = WireRequest.parse(JSON.parse(String(raw)));
        } catch {
          send({ type: 'error', error: { code: 'bad_message', message: 'Malformed message.' } });
          return;
        }
        const result = await opts.dispatcher.call(msg.name, msg.input, client);
        send({ type: 'response', id: msg.id, result });
      })().catch((err: unknown) => opts.log.error('browser mode: a message failed', err));
    });
    ws.on('close', () => {
      for (const fn of closers.splice(0)) {
        try {
          fn();
        } catch (err) {
          opts.log.warn('browser mode: cleanup after a closed socket failed', err);
        }
      }
    });
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://${host}:${port}`;
  return {
    // A fragment stays in the browser: not in a request line, a proxy's or a server's log.
    url: `${origin}/#token=${token}`,
    origin,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        ended = true;
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
