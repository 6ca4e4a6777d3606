// The cloudpods-telegraf world (seed 003) shared by its two test files (run/cloudpods-telegraf.test.ts: the
// remote forward through the proxy VM; run/cloudpods-direct.test.ts: direct reporting and the user-assisted
// login): the loopback sshd hosts, the InfluxDB stand-in, the stand-in binaries and the run helpers.
// What each part stands in for is said in run/cloudpods-telegraf.test.ts.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import type { EventPayload } from '../../../electron/common/api';
import { ensureTestUser, grantSudo, startSshd, stopAll, TEST_USERS, testUserName, type SshdInstance, type TestUser } from './sshd';
import { opts, session } from '../run/api-session';
import { afterAll, beforeAll, expect } from 'vitest';


export const execFileP = promisify(execFile);
/** The proxy VM's login: a user of its own, so its authorized_keys is not the proxy's home. */
export const PROXYVM_USER = { name: testUserName('outpost-t3'), password: 'T3-proxy.vm#58' };
export const LISTEN_PORT = 12345; // the profile's port (the seed's)
/** The VM login the user gives once for the user-assisted passwordless login: a sudo user with a password. */
export const ADMIN_USER = { name: testUserName('outpost-t7'), password: 'T7-admin.once#63' };
/** The profile's comment on a cloudroot it created (a cloudroot without it is someone else's). */
export const CLOUDROOT_MARK = 'Outpost cloudroot (cloudpods-telegraf)';

export let proxy: SshdInstance;
export let proxyVm: SshdInstance;
/** A second proxy VM whose sshd keeps the default GatewayPorts no. */
export let proxyVmNo: SshdInstance;
export let vm: SshdInstance;
/** The same VM's sshd honouring users' own ~/.ssh/authorized_keys (as a stock sshd does): cloudroot's key login. */
export let vmKeys: SshdInstance;
export let adminUser: TestUser;
export let proxyUser: TestUser;
export let proxyVmUser: TestUser;
export let vmUser: TestUser;
export let dir: string;
export let state: string;
export let installDir: string;
export let unitDir: string;
export let sink: http.Server;
export const writes: Array<{ url: string; body: string }> = [];
/** Every request the InfluxDB stand-in saw: method and URL. */
export const requests: string[] = [];
/** The stand-in's databases, and whether it asks for credentials (InfluxDB's auth-enabled). */
export const influx = { databases: ['_internal', 'telegraf'], auth: false, refuseWrites: false };

export function script(file: string, text: string): void {
  fs.writeFileSync(file, text, { mode: 0o755 });
}

/** Ends the tunnel ssh the proxy user runs and the stand-in agent (what the runs leave behind). */
export function cleanup(): void {
  // The stand-in agent runs as root when the steps do (sudo): found by this test's own install path.
  if (installDir) {
    try {
      for (const pid of execFileSync('pgrep', ['-f', `^/bin/bash ${installDir}/telegraf --config`], { encoding: 'utf8' }).split('\n').filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      /* none running */
    }
  }
  for (const [user, pattern] of [
    [TEST_USERS.t1.name, `ssh .*-R ${proxyVm?.host ?? 'none'}:`],
    [TEST_USERS.t2.name, 'cloud-monitor/telegraf --config'],
  ] as const) {
    try {
      execFileSync('pkill', ['-KILL', '-u', user, '-f', pattern], { stdio: 'ignore' });
    } catch {
      /* nothing to kill */
    }
  }
}

/** Removes the cloudroot a test made (never one this test did not make: a foreign one fails the test instead). */
export function removeCloudroot(): void {
  let entry = '';
  try {
    entry = execFileSync('getent', ['passwd', 'cloudroot'], { encoding: 'utf8' });
  } catch {
    /* none */
  }
  fs.rmSync('/etc/sudoers.d/outpost-cloudroot', { force: true });
  if (!entry) return;
  if (entry.split(':')[4] !== CLOUDROOT_MARK && entry.split(':')[4] !== 'made by the test as another admin') throw new Error(`this machine has a user cloudroot the test did not make (${entry.trim()}): not touching it`);
  try {
    execFileSync('pkill', ['-KILL', '-u', 'cloudroot'], { stdio: 'ignore' });
  } catch {
    /* nothing runs as it */
  }
  execFileSync('userdel', ['-r', 'cloudroot'], { stdio: 'ignore' });
}


/** The world's hosts, users and stand-ins, set up before the file's tests and taken down after. */
export function useCloudpodsWorld(): void {
  beforeAll(async () => {
    [proxyUser, vmUser, proxyVmUser] = await Promise.all([ensureTestUser(TEST_USERS.t1), ensureTestUser(TEST_USERS.t2), ensureTestUser(PROXYVM_USER)]);
    fs.rmSync(path.join(proxyVmUser.home, '.ssh'), { recursive: true, force: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-cloudpods-'));
    fs.chmodSync(dir, 0o755);
    const bin = path.join(dir, 'bin');
    state = path.join(dir, 'state');
    fs.mkdirSync(bin, { mode: 0o755 });
    fs.mkdirSync(state, { mode: 0o777 });
    fs.chmodSync(state, 0o777);
    installDir = path.join(vmUser.home, 'cloud-monitor');
    unitDir = path.join(vmUser.home, 'units');
    fs.rmSync(installDir, { recursive: true, force: true });
    fs.rmSync(unitDir, { recursive: true, force: true });
    execFileSync('install', ['-d', '-o', vmUser.name, unitDir]);

    // The stand-in telegraf: what the real one does with this config, in the smallest form: every
    // second, a line of line protocol POSTed to <urls[0]>/write?db=<database>.
    script(
      path.join(dir, 'telegraf'),
      `#!/bin/bash
  conf=
  while [ $# -gt 0 ]; do case "$1" in --config) conf=$2; shift 2;; *) shift;; esac; done
  url=$(sed -n 's/^ *urls = \\["\\(.*\\)"\\]/\\1/p' "$conf")
  db=$(sed -n 's/^ *database = "\\(.*\\)"/\\1/p' "$conf")
  host=$(sed -n 's/^ *hostname = "\\(.*\\)"/\\1/p' "$conf")
  log=$(sed -n 's/^ *logfile = "\\(.*\\)"/\\1/p' "$conf")
  echo "url=$url db=$db" >> "$CP_STATE/telegraf.log"
  # Its own log as telegraf writes it: the start, and each failed write as its influxdb output says it.
  echo "$(date -u +%FT%TZ) I! Starting Telegraf 1.30.0" >> "$log"
  while true; do
    code=$(curl -s -o "$CP_STATE/answer" -w '%{http_code}' -XPOST "$url/write?db=$db" --data-binary "cpu,host=$host usage_idle=97.5 $(date +%s%N)")
    echo "write $code" >> "$CP_STATE/telegraf.log"
    case $code in 2*) ;; *) echo "$(date -u +%FT%TZ) E! [outputs.influxdb] When writing to [$url]: received error $(cat "$CP_STATE/answer" 2>/dev/null) ($code)" >> "$log";; esac
    sleep 1
  done
  `,
    );
    // The stand-in systemctl: restart runs the unit file's ExecStart in the background.
    script(
      path.join(bin, 'systemctl'),
      `#!/bin/bash
  echo "systemctl $*" >> "$CP_STATE/calls.log"
  pidf="$CP_STATE/agent.pid"
  case "$1" in
    restart)
      [ -f "$pidf" ] && kill "$(cat "$pidf")" 2>/dev/null
      cmd=$(sed -n 's/^ExecStart=//p' "$CP_UNIT_DIR/$2")
      [ -n "$cmd" ] || { echo "no unit $2"; exit 5; }
      setsid $cmd >/dev/null 2>&1 < /dev/null &
      echo $! > "$pidf";;
  esac
  exit 0
  `,
    );

    const base = `127.0.${20 + Math.floor(Math.random() * 200)}`;
    // InfluxDB 1.x's HTTP API as far as these checks use it: /ping answers 204 with its version header
    // (and needs no credentials), /query reads by GET, /write takes POST into an existing database only.
    sink = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        // Under /monitor: the metadata endpoint's path (seed: http://169.254.169.254/monitor), which passes InfluxDB's API on.
        const u = new URL((req.url ?? '/').replace(/^\/monitor(?=\/)/, ''), 'http://influx');
        requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
        const json = (code: number, v: unknown) => {
          res.writeHead(code, { 'Content-Type': 'application/json', 'X-Influxdb-Version': '1.8.10' });
          res.end(JSON.stringify(v));
        };
        if (u.pathname === '/ping') {
          res.writeHead(204, { 'X-Influxdb-Version': '1.8.10', 'X-Influxdb-Build': 'OSS' });
          return res.end();
        }
        if (influx.auth && !u.searchParams.get('u')) return json(401, { error: 'unable to parse authentication credentials' });
        if (u.pathname === '/query') {
          const q = (u.searchParams.get('q') ?? '').trim();
          if (req.method !== 'GET' && req.method !== 'POST') return json(405, { error: 'method not allowed' });
          if (/^SHOW DATABASES$/i.test(q)) return json(200, { results: [{ statement_id: 0, series: [{ name: 'databases', columns: ['name'], values: influx.databases.map((d) => [d]) }] }] });
          if (req.method === 'GET' && !/^(SELECT|SHOW)\b/i.test(q)) return json(405, { error: `${q.split(/\s/)[0] ?? ''} queries must be sent by POST` });
          return json(400, { error: 'error parsing query' });
        }
        if (u.pathname === '/write') {
          if (req.method !== 'POST') return json(405, { error: 'method not allowed' });
          const db = u.searchParams.get('db') ?? '';
          if (!influx.databases.includes(db)) return json(404, { error: `database not found: "${db}"` });
          if (influx.refuseWrites) return json(500, { error: 'partial write: points beyond retention policy dropped=1' });
          writes.push({ url: req.url ?? '', body });
          res.statusCode = 204;
          return res.end();
        }
        json(404, { error: 'not found' });
      });
    });
    await new Promise<void>((r) => sink.listen(0, `${base}.9`, r));
    proxy = await startSshd({ address: `${base}.2` });
    proxyVm = await startSshd({ address: `${base}.3`, userAuthorizedKeys: true });
    proxyVmNo = await startSshd({ address: `${base}.5`, userAuthorizedKeys: true, gatewayPorts: 'no' });
    vm = await startSshd({ address: `${base}.4`, extraConfig: [`SetEnv PATH=${bin}:/usr/local/bin:/usr/bin:/bin CP_STATE=${state} CP_UNIT_DIR=${unitDir}`] });
    vmKeys = await startSshd({ address: `${base}.6`, userAuthorizedKeys: true, extraConfig: [`SetEnv PATH=${bin}:/usr/local/bin:/usr/bin:/bin CP_STATE=${state} CP_UNIT_DIR=${unitDir}`] });
    adminUser = await ensureTestUser(ADMIN_USER);
    cleanup();
  });

  afterAll(async () => {
    cleanup();
    removeCloudroot();
    if (proxyVmUser) grantSudo(proxyVmUser.name);
    sink?.close();
    await stopAll();
    fs.rmSync(installDir, { recursive: true, force: true });
    fs.rmSync(unitDir, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });
}


export interface RunOpts {
  jump?: SshdInstance;
  writeTest?: boolean;
  tunnelOnly?: boolean;
  influxUrl?: string;
  /** The VM reached directly as the admin user (its password stored as ADMIN_PASSWORD), on this sshd. */
  admin?: SshdInstance;
  cloudrootKey?: string;
}

export function answers(o: RunOpts = {}): Record<string, unknown> {
  const binary = path.join(dir, 'telegraf');
  const sink_ = sink.address() as AddressInfo;
  const pvm = o.jump ?? proxyVm;
  return {
    profile: 'cloudpods-telegraf',
    os: 'linux',
    connectivity: o.influxUrl !== undefined ? { mode: 'direct' } : {
      mode: 'jump',
      jumpServers: [
        {
          privateIp: pvm.host,
          ssh: { host: pvm.host, port: pvm.port, user: proxyVmUser.name, password: { stored: 'PROXYVM_PASSWORD' } },
          proxy: { ssh: { host: proxy.host, port: proxy.port, user: proxyUser.name, password: { stored: 'JUMP_PASSWORD' } } },
        },
      ],
      elbIp: sink_.address,
      connectionIp: pvm.host,
      tunnel: 'persistent',
      // InfluxDB's port here is the sink's (the profile's default is the seed's 30086).
      portOverrides: { [String(LISTEN_PORT)]: { target: `${sink_.address}:${sink_.port}` } },
    },
    inputs: {
      telegrafBinary: binary,
      telegrafSha256: createHash('sha256').update(fs.readFileSync(binary)).digest('hex'),
      database: 'telegraf',
      intervalSec: '3',
      unitDir,
      ...(o.writeTest ? { writeTest: true } : {}),
      ...(o.influxUrl !== undefined ? { influxUrl: o.influxUrl } : {}),
      ...(o.cloudrootKey !== undefined ? { cloudrootKey: o.cloudrootKey } : {}),
    },
    targets: o.admin
      ? [{ name: 'vm-1', host: o.admin.host, port: o.admin.port, user: adminUser.name, password: { stored: 'ADMIN_PASSWORD' } }]
      : [{ name: 'vm-1', host: vm.host, port: vm.port, user: vmUser.name, password: { stored: 'TARGET_PASSWORD' } }],
    options: { installDir },
  };
}

export async function run(o: RunOpts = {}): Promise<{ end: EventPayload<'run.end'>; text: string }> {
  const s = session(fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-cloudpods-run-')));
  s.ctx.secretStore?.set('PROXYVM_PASSWORD', PROXYVM_USER.password, '••••');
  s.ctx.secretStore?.set('ADMIN_PASSWORD', ADMIN_USER.password, '••••');
  const started = await s.call('run.start', { answers: answers(o), options: opts(o.tunnelOnly ? { tunnelOnly: true } : {}) });
  expect(started.ok, JSON.stringify(started)).toBe(true);
  const end = await s.waitEnd();
  return { end, text: JSON.stringify(s.events) + fs.readFileSync(end.journal, 'utf8') };
}

/** ssh as root with the proxy's tunnel key, against the proxy VM's sshd (its host key checked). */
export async function sshWithTunnelKey(args: string[]): Promise<{ code: number; out: string }> {
  const key = path.join(dir, 'tunnel-key');
  fs.copyFileSync(path.join(proxyUser.home, '.ssh', 'outpost_tunnel_cloudpods-telegraf_ed25519'), key);
  fs.chmodSync(key, 0o600);
  const kh = path.join(dir, 'known_hosts');
  fs.writeFileSync(kh, `[${proxyVm.host}]:${proxyVm.port} ${proxyVm.hostPublicKey}\n`);
  const base = ['-i', key, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${kh}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'ExitOnForwardFailure=yes', '-p', String(proxyVm.port)];
  try {
    const r = await execFileP('timeout', ['15', 'ssh', ...base, ...args, `${proxyVmUser.name}@${proxyVm.host}`], { encoding: 'utf8' });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

export const connects = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const c = net.connect({ host, port }, () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });
