// A stand-in for the LTS side of an ICAgent install, for `outpost demo` and the integration tests:
// TCP listeners on the agent's ports (the ELB behind the jump server's tunnel) that count what
// arrives and parse the fixture agent's HEARTBEAT lines, and an HTTP server standing in for the
// OBS bucket the installer is downloaded from. Loopback only: it accepts anything and serves an
// installer, so it must never face a network.
import { EventEmitter } from 'node:events';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { OutpostError } from '../core/errors';
import { silentLogger, type Logger } from '../core/log/logger';

/** The agent's ports as the vendor documents them (the heartbeat one is where the fixture reports). */
export const ICAGENT_PORTS = { heartbeat: 8149, others: [8102, 8923, 30200, 30201] } as const;
/** Where the installer lives in the bucket, as the console's install command fetches it. */
export const INSTALLER_URL_PATH = '/ICAgent_linux/apm_agent_install.sh';
export const INSTALLER_FILE = 'apm_agent_install.sh';

// Bounds that keep a long-running demo (or a misbehaving client) from growing memory without end.
const MAX_KEPT_HEARTBEATS = 10_000;
const MAX_LINE_CHARS = 64 * 1024;

const portSchema = z.number().int().min(0).max(65535);

export const backendOptionsSchema = z
  .object({
    host: z.string().refine(isLoopback, {
      message: 'must be a loopback IP address (127.0.0.0/8 or ::1): the stand-in backend never faces a network',
    }),
    ports: z.object({
      heartbeat: portSchema,
      others: z.array(portSchema),
    }),
    // vhost: answer only requests whose Host is this name (port aside), as a virtual-hosted bucket does.
    http: z.object({ port: portSchema, fixtureDir: z.string().min(1), vhost: z.string().min(1).optional() }).optional(),
  })
  .superRefine((o, ctx) => {
    const fixed = [o.ports.heartbeat, ...o.ports.others, ...(o.http ? [o.http.port] : [])].filter((p) => p !== 0);
    const dup = fixed.find((p, i) => fixed.indexOf(p) !== i);
    if (dup !== undefined) ctx.addIssue({ code: 'custom', path: ['ports'], message: `port ${dup} is given twice` });
  });

export type BackendOptions = z.input<typeof backendOptionsSchema>;

export interface Heartbeat {
  host: string;
  projectid: string;
  region: string;
  pid: number;
  seq: number;
  /** When it arrived (epoch ms). */
  time: number;
  /** Who connected: through a tunnel this is the tunnel's end, not the target. */
  remoteAddress: string;
  remotePort: number;
  /** The backend port it arrived on. */
  localPort: number;
}

export interface PortStats {
  port: number;
  role: 'heartbeat' | 'other';
  connections: number;
  lines: number;
  bytes: number;
}

export interface BackendStats {
  ports: PortStats[];
  /** Heartbeats parsed since start (the list returned by heartbeats() keeps the latest 10,000). */
  heartbeats: number;
  /** Lines on the heartbeat port that were not a well-formed HEARTBEAT. */
  invalidLines: number;
  http: { port: number; requests: number; downloads: number; notFound: number; wrongHost: number } | null;
}

export interface WaitOptions {
  timeoutMs?: number;
  /** Only heartbeats whose `host=` field is this. */
  fromHost?: string;
  /** Only heartbeats whose connection came from this address. */
  fromAddress?: string;
  /** Only heartbeats received at or after this time (epoch ms); default: any, including earlier ones. */
  since?: number;
}

export interface BackendEvents {
  heartbeat: (hb: Heartbeat) => void;
}

export interface Backend {
  readonly host: string;
  /** The ports actually bound (0 in the options becomes a free port), in the order given. */
  readonly ports: { heartbeat: number; others: number[]; http: number | null };
  /** Base URL of the stand-in bucket, or null without `http`. */
  readonly httpUrl: string | null;
  stats(): BackendStats;
  heartbeats(): Heartbeat[];
  /** Resolves with the first `n` matching heartbeats, counting those already received; rejects on timeout or close. */
  waitForHeartbeats(n: number, opts?: WaitOptions): Promise<Heartbeat[]>;
  /** Subscribes; returns the unsubscribe function. */
  on<E extends keyof BackendEvents>(event: E, listener: BackendEvents[E]): () => void;
  off<E extends keyof BackendEvents>(event: E, listener: BackendEvents[E]): void;
  close(): Promise<void>;
}

const heartbeatFieldsSchema = z.object({
  host: z.string().min(1).max(253),
  projectid: z.string().min(1).max(128),
  region: z.string().min(1).max(64),
  pid: z.coerce.number().int().positive(),
  seq: z.coerce.number().int().nonnegative(),
});

/** Parses `HEARTBEAT host=h projectid=p region=r pid=1 seq=2`; null when the line is anything else. */
export function parseHeartbeatLine(line: string): z.infer<typeof heartbeatFieldsSchema> | null {
  const words = line.trim().split(/\s+/);
  if (words[0] !== 'HEARTBEAT') return null;
  const fields: Record<string, string> = {};
  for (const w of words.slice(1)) {
    const eq = w.indexOf('=');
    if (eq <= 0) return null;
    fields[w.slice(0, eq)] = w.slice(eq + 1);
  }
  const parsed = heartbeatFieldsSchema.safeParse(fields);
  return parsed.success ? parsed.data : null;
}

export async function startBackend(options: BackendOptions, logger: Logger = silentLogger): Promise<Backend> {
  const parsed = backendOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'options';
    throw new OutpostError(
      'demo.backend.options',
      `Stand-in backend: ${where} ${issue?.message ?? 'is invalid'}.`,
      'Use a loopback host and port numbers from 0 (any free port) to 65535.',
    );
  }
  const opts = parsed.data;
  const { host } = opts;

  let installer: Buffer | null = null;
  if (opts.http) {
    const file = path.join(opts.http.fixtureDir, INSTALLER_FILE);
    try {
      installer = await fs.readFile(file);
    } catch (err) {
      throw new OutpostError(
        'demo.backend.fixture_missing',
        `The fixture installer ${file} cannot be read.`,
        'Point fixtureDir at the folder holding apm_agent_install.sh (Outpost ships it in resources/demo/icagent).',
        { cause: err },
      );
    }
  }

  const emitter = new EventEmitter();
  // Every pending waitForHeartbeats is a listener: many at once is normal here, not a leak.
  emitter.setMaxListeners(0);
  const sockets = new Set<net.Socket>();
  const servers: Array<net.Server | http.Server> = [];
  const kept: Heartbeat[] = [];
  let total = 0;
  let invalidLines = 0;
  let closed = false;
  const waiters = new Set<(err: Error) => void>();
  const httpStats = { requests: 0, downloads: 0, notFound: 0, wrongHost: 0 };

  const onHeartbeat = (hb: Heartbeat) => {
    total++;
    kept.push(hb);
    if (kept.length > MAX_KEPT_HEARTBEATS) kept.splice(0, kept.length - MAX_KEPT_HEARTBEATS);
    logger.debug(`backend: heartbeat from ${hb.host} (${hb.remoteAddress}) seq=${hb.seq} on port ${hb.localPort}`);
    for (const l of emitter.listeners('heartbeat')) {
      try {
        (l as BackendEvents['heartbeat'])(hb);
      } catch (err) {
        logger.warn('backend: a heartbeat listener failed', err);
      }
    }
  };

  const tcpServer = (st: PortStats) =>
    net.createServer((socket) => {
      sockets.add(socket);
      st.connections++;
      const remoteAddress = socket.remoteAddress ?? '';
      const remotePort = socket.remotePort ?? 0;
      const decoder = new StringDecoder('utf8');
      let pending = '';
      const takeLine = (raw: string) => {
        const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
        st.lines++;
        if (st.role !== 'heartbeat') return;
        const fields = parseHeartbeatLine(line);
        if (!fields) {
          invalidLines++;
          return;
        }
        onHeartbeat({ ...fields, time: Date.now(), remoteAddress, remotePort, localPort: st.port });
      };
      socket.on('data', (chunk: Buffer) => {
        st.bytes += chunk.length;
        pending += decoder.write(chunk);
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          takeLine(pending.slice(0, nl));
          pending = pending.slice(nl + 1);
        }
        if (pending.length > MAX_LINE_CHARS) pending = '';
      });
      socket.on('end', () => {
        pending += decoder.end();
        if (pending.length > 0) takeLine(pending);
        pending = '';
      });
      // Peers resetting connections is normal traffic here, not a failure of the backend.
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    });

  const httpServer = () =>
    http.createServer((req, res) => {
      httpStats.requests++;
      const pathname = new URL(req.url ?? '/', 'http://backend.invalid').pathname;
      const vhost = opts.http?.vhost;
      if (vhost && (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase() !== vhost.toLowerCase()) {
        // What an object store says to a request for a bucket it does not serve under that name.
        httpStats.wrongHost++;
        res.writeHead(404, { 'content-type': 'application/xml' }).end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>\n');
        return;
      }
      if (pathname !== INSTALLER_URL_PATH || !installer) {
        httpStats.notFound++;
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not Found\n');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Method Not Allowed\n');
        return;
      }
      if (req.method === 'GET') httpStats.downloads++;
      logger.debug(`backend: ${req.method} ${pathname} from ${req.socket.remoteAddress ?? '?'}`);
      res.writeHead(200, { 'content-type': 'text/x-shellscript', 'content-length': installer.length });
      res.end(req.method === 'HEAD' ? undefined : installer);
    });

  const portStats: PortStats[] = [
    { port: opts.ports.heartbeat, role: 'heartbeat', connections: 0, lines: 0, bytes: 0 },
    ...opts.ports.others.map((port): PortStats => ({ port, role: 'other', connections: 0, lines: 0, bytes: 0 })),
  ];

  const closeAll = async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  };

  let httpPort: number | null = null;
  try {
    for (const st of portStats) {
      const server = tcpServer(st);
      servers.push(server);
      st.port = await listen(server, host, st.port);
    }
    if (opts.http) {
      const server = httpServer();
      servers.push(server);
      // Tracked so close() can end kept-alive connections instead of waiting on them.
      server.on('connection', (s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      httpPort = await listen(server, host, opts.http.port);
    }
  } catch (err) {
    await closeAll();
    throw err;
  }

  const heartbeatPort = portStats[0]?.port ?? 0;
  const otherPorts = portStats.slice(1).map((s) => s.port);
  logger.info(
    `backend: listening on ${host} heartbeat ${heartbeatPort}, others ${otherPorts.join(', ') || 'none'}` +
      (httpPort !== null ? `, http ${httpPort}` : ''),
  );

  const matches = (hb: Heartbeat, o: WaitOptions) =>
    (o.fromHost === undefined || hb.host === o.fromHost) &&
    (o.fromAddress === undefined || hb.remoteAddress === o.fromAddress) &&
    (o.since === undefined || hb.time >= o.since);

  const backend: Backend = {
    host,
    ports: { heartbeat: heartbeatPort, others: otherPorts, http: httpPort },
    httpUrl: httpPort !== null ? `http://${host.includes(':') ? `[${host}]` : host}:${httpPort}` : null,
    stats: () => ({
      ports: portStats.map((s) => ({ ...s })),
      heartbeats: total,
      invalidLines,
      http: httpPort !== null ? { port: httpPort, ...httpStats } : null,
    }),
    heartbeats: () => kept.slice(),
    waitForHeartbeats(n, o = {}) {
      const timeoutMs = o.timeoutMs ?? 10_000;
      const found = kept.filter((hb) => matches(hb, o)).slice(0, n);
      if (found.length >= n) return Promise.resolve(found);
      if (closed) return Promise.reject(closedError());
      return new Promise<Heartbeat[]>((resolve, reject) => {
        const finish = () => {
          clearTimeout(timer);
          emitter.off('heartbeat', listener);
          waiters.delete(abort);
        };
        const listener = (hb: Heartbeat) => {
          if (!matches(hb, o)) return;
          found.push(hb);
          if (found.length >= n) {
            finish();
            resolve(found);
          }
        };
        const abort = (err: Error) => {
          finish();
          reject(err);
        };
        const filter = [
          o.fromHost !== undefined ? `host ${o.fromHost}` : '',
          o.fromAddress !== undefined ? `address ${o.fromAddress}` : '',
        ]
          .filter(Boolean)
          .join(', ');
        const timer = setTimeout(
          () =>
            abort(
              new OutpostError(
                'demo.backend.timeout',
                `Waited ${timeoutMs} ms for ${n} heartbeat(s)${filter ? ` from ${filter}` : ''} on ${host}:${heartbeatPort}; got ${found.length}.`,
                'Check that the agent is running (status.sh), that its access IP and port lead here, and that the tunnel is up.',
              ),
            ),
          timeoutMs,
        );
        emitter.on('heartbeat', listener);
        waiters.add(abort);
      });
    },
    on(event, listener) {
      emitter.on(event, listener);
      return () => emitter.off(event, listener);
    },
    off(event, listener) {
      emitter.off(event, listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const abort of [...waiters]) abort(closedError());
      emitter.removeAllListeners();
      await closeAll();
      logger.info(`backend: closed (${total} heartbeat(s) received)`);
    },
  };
  return backend;
}

function closedError(): OutpostError {
  return new OutpostError('demo.backend.closed', 'The stand-in backend was closed while waiting for heartbeats.');
}

function isLoopback(host: string): boolean {
  // net.isIP first: ipaddr also accepts forms like '127.1' that listen() would read differently.
  // IPv4-mapped IPv6 (::ffff:127.0.0.1) parses as range 'ipv4Mapped' and is refused: one plain form only.
  return net.isIP(host) !== 0 && ipaddr.parse(host).range() === 'loopback';
}

function listen(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new OutpostError(
            'demo.backend.port_in_use',
            `Port ${port} on ${host} is already in use.`,
            'Stop what listens there (an earlier demo?) or choose another port; 0 picks a free one.',
            { cause: err },
          ),
        );
      } else if (err.code === 'EACCES') {
        reject(
          new OutpostError(
            'demo.backend.port_denied',
            `Not allowed to listen on ${host}:${port}.`,
            'Ports below 1024 need root; use a high port (the agent ports have overrides for that).',
            { cause: err },
          ),
        );
      } else if (err.code === 'EADDRNOTAVAIL') {
        reject(
          new OutpostError(
            'demo.backend.address',
            `The address ${host} is not available on this machine.`,
            'Use 127.0.0.1 or another 127.x address (Linux routes all of 127.0.0.0/8 to loopback; macOS needs an alias).',
            { cause: err },
          ),
        );
      } else {
        reject(err);
      }
    };
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}
