// The cloudpods-telegraf profile (seed 003) run for real over SSH, through the API as the wizard drives
// it, on three loopback sshd hosts: the proxy (in the platform's network, reaches InfluxDB), the proxy
// VM (the jump server: in the VMs' network; Outpost reaches the VM through it) and the VM. Real: sshd
// on all three, OpenSSH's ssh -R run by the proxy into the proxy VM with the tunnel key Outpost made
// there (background form: these hosts have no systemd), the authorized_keys line on the proxy VM
// enforced by sshd, the upload with its SHA-256, telegraf.conf and the unit file as written, curl's
// read-only verify (/ping, SHOW DATABASES) and the write test only when asked, the GatewayPorts check
// against the proxy VM's own sshd (sshd -T as root, the file without sudo, could not check, "no"), and
// an HTTP server standing in for InfluxDB that refuses what InfluxDB 1.x refuses (an unknown database,
// a write by GET, queries without credentials when auth is on).
// Stand-ins, because the vendor's binary cannot be downloaded here: `telegraf` (a bash script that
// reads the generated telegraf.conf's urls and database and POSTs line protocol to <url>/write, as
// telegraf's influxdb output does), and `systemctl` (runs the unit's ExecStart in the background).
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../../electron/common/api';
import { ensureTestUser, grantSudo, revokeSudo, startSshd, stopAll, TEST_USERS, testUserName, type SshdInstance, type TestUser } from '../harness/sshd';
import { opts, session } from './api-session';

const execFileP = promisify(execFile);
/** The proxy VM's login: a user of its own, so its authorized_keys is not the proxy's home. */
const PROXYVM_USER = { name: testUserName('outpost-t3'), password: 'T3-proxy.vm#58' };
const LISTEN_PORT = 12345; // the profile's port (the seed's)
/** The VM login the user gives once for the user-assisted passwordless login: a sudo user with a password. */
const ADMIN_USER = { name: testUserName('outpost-t7'), password: 'T7-admin.once#63' };
/** The profile's comment on a cloudroot it created (a cloudroot without it is someone else's). */
const CLOUDROOT_MARK = 'Outpost cloudroot (cloudpods-telegraf)';

let proxy: SshdInstance;
let proxyVm: SshdInstance;
/** A second proxy VM whose sshd keeps the default GatewayPorts no. */
let proxyVmNo: SshdInstance;
let vm: SshdInstance;
/** The same VM's sshd honouring users' own ~/.ssh/authorized_keys (as a stock sshd does): cloudroot's key login. */
let vmKeys: SshdInstance;
let adminUser: TestUser;
let proxyUser: TestUser;
let proxyVmUser: TestUser;
let vmUser: TestUser;
let dir: string;
let state: string;
let installDir: string;
let unitDir: string;
let sink: http.Server;
const writes: Array<{ url: string; body: string }> = [];
/** Every request the InfluxDB stand-in saw: method and URL. */
const requests: string[] = [];
/** The stand-in's databases, and whether it asks for credentials (InfluxDB's auth-enabled). */
const influx = { databases: ['_internal', 'telegraf'], auth: false, refuseWrites: false };

function script(file: string, text: string): void {
  fs.writeFileSync(file, text, { mode: 0o755 });
}

/** Ends the tunnel ssh the proxy user runs and the stand-in agent (what the runs leave behind). */
function cleanup(): void {
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
function removeCloudroot(): void {
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

interface RunOpts {
  jump?: SshdInstance;
  writeTest?: boolean;
  tunnelOnly?: boolean;
  influxUrl?: string;
  /** The VM reached directly as the admin user (its password stored as ADMIN_PASSWORD), on this sshd. */
  admin?: SshdInstance;
  cloudrootKey?: string;
}

function answers(o: RunOpts = {}): Record<string, unknown> {
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

async function run(o: RunOpts = {}): Promise<{ end: EventPayload<'run.end'>; text: string }> {
  const s = session(fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-cloudpods-run-')));
  s.ctx.secretStore?.set('PROXYVM_PASSWORD', PROXYVM_USER.password, '••••');
  s.ctx.secretStore?.set('ADMIN_PASSWORD', ADMIN_USER.password, '••••');
  const started = await s.call('run.start', { answers: answers(o), options: opts(o.tunnelOnly ? { tunnelOnly: true } : {}) });
  expect(started.ok, JSON.stringify(started)).toBe(true);
  const end = await s.waitEnd();
  return { end, text: JSON.stringify(s.events) + fs.readFileSync(end.journal, 'utf8') };
}

/** ssh as root with the proxy's tunnel key, against the proxy VM's sshd (its host key checked). */
async function sshWithTunnelKey(args: string[]): Promise<{ code: number; out: string }> {
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

const connects = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const c = net.connect({ host, port }, () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });

describe('cloudpods-telegraf through a real SSH remote forward (proxy → proxy VM), on three sshd hosts', () => {
  it("installs telegraf on the VM, whose writes reach the InfluxDB stand-in only through the proxy's ssh -R", async () => {
    const { end, text } = await run();
    expect(end.outcome, `${end.failedStep ?? ''} ${end.reason ?? ''} ${end.hint ?? ''}`).toBe('done');
    // The tunnel ran as its plan says where systemd is absent (these hosts have none), and said so.
    expect(text).toMatch(/does not run systemd: the tunnel was started with ssh -f in the background/);

    // The proxy runs exactly the planned ssh -R (ASCII options, addresses from the answers).
    const sink_ = sink.address() as AddressInfo;
    const procs = execFileSync('ps', ['-u', proxyUser.name, '-o', 'args='], { encoding: 'utf8' });
    expect(procs).toContain(`-R ${proxyVm.host}:${LISTEN_PORT}:${sink_.address}:${sink_.port} -p ${proxyVm.port} ${proxyVmUser.name}@${proxyVm.host}`);

    // telegraf.conf points at the forward on the proxy VM, not at InfluxDB.
    const conf = fs.readFileSync(path.join(installDir, 'telegraf.conf'), 'utf8');
    expect(conf).toContain(`urls = ["http://${proxyVm.host}:${LISTEN_PORT}"]`);
    expect(conf).toContain('hostname = "vm-1"');
    expect(fs.readFileSync(path.join(unitDir, 'cloud-monitor-telegraf.service'), 'utf8')).toContain(`ExecStart=${installDir}/telegraf --config ${installDir}/telegraf.conf`);
    expect((fs.statSync(path.join(installDir, 'telegraf')).mode & 0o777).toString(8)).toBe('755');

    // GatewayPorts was read on the proxy VM before the tunnel: its own sshd's configuration, through sudo -n.
    expect(text).toMatch(/GatewayPorts clientspecified \(sshd -T as root\): the remote forward may listen on 127\.0\.\d+\.3:12345/);
    // The verify only read: /ping with InfluxDB's version header, SHOW DATABASES by GET; the agent's own line protocol arrived.
    expect(text).toMatch(/InfluxDB 1\.8\.10 answered \/ping/);
    expect(text).toContain('database telegraf exists');
    expect(requests).toContain('GET /ping');
    expect(requests.filter((r) => /^GET \/query\?q=SHOW(%20|\+)DATABASES$/.test(r)).length).toBeGreaterThan(0);
    expect(requests.filter((r) => r.startsWith('POST ') && !r.startsWith('POST /write?db=telegraf'))).toEqual([]);
    const deadline = Date.now() + 10_000;
    while (!writes.some((w) => w.body.startsWith('cpu,host=vm-1 ')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(writes.find((w) => w.body.startsWith('cpu,host=vm-1 '))?.url).toBe('/write?db=telegraf');
    // Nothing of Outpost's was written into the database (writeTest not asked).
    expect(writes.filter((w) => w.body.startsWith('outpost_check'))).toEqual([]);
    expect(fs.readFileSync(path.join(state, 'telegraf.log'), 'utf8')).toMatch(new RegExp(`url=http://${proxyVm.host.replace(/\./g, '\\.')}:${LISTEN_PORT} db=telegraf\\nwrite 204`));

    // The proxy VM's authorized_keys: one line, for this listen address only, no command, no -L.
    const ak = fs.readFileSync(path.join(proxyVmUser.home, '.ssh', 'authorized_keys'), 'utf8').trim().split('\n');
    expect(ak).toHaveLength(1);
    // Only from the proxy (the address this server sees it come from: loopback here).
    expect(ak[0]).toMatch(new RegExp(`^from="127\\.0\\.0\\.1",restrict,port-forwarding,command="/bin/false",permitlisten="${proxyVm.host.replace(/\./g, '\\.')}:${LISTEN_PORT}",permitopen="127\\.0\\.0\\.1:1" ssh-ed25519 AAAA\\S+ outpost-rtunnel:cloudpods-telegraf$`));

    // A second run keeps the healthy tunnel (its step skipped by the guard), the same key and one line.
    const pid = execFileSync('pgrep', ['-u', proxyUser.name, '-f', `ssh .*-R ${proxyVm.host}:${LISTEN_PORT}:`], { encoding: 'utf8' }).trim();
    const again = await run();
    expect(again.end.outcome, `${again.end.failedStep ?? ''} ${again.end.reason ?? ''}`).toBe('done');
    expect(again.text).toMatch(/"stepId":"tunnel\.jump0","title":"[^"]*","hostId":"proxy0","host":"[^"]*","status":"skipped"/);
    expect(execFileSync('pgrep', ['-u', proxyUser.name, '-f', `ssh .*-R ${proxyVm.host}:${LISTEN_PORT}:`], { encoding: 'utf8' }).trim()).toBe(pid);
    expect(fs.readFileSync(path.join(proxyVmUser.home, '.ssh', 'authorized_keys'), 'utf8').trim().split('\n')).toEqual(ak);

    // Without the tunnel nothing listens there: the data went through the forward, nowhere else.
    cleanup();
    await new Promise((r) => setTimeout(r, 500));
    expect(await connects(proxyVm.host, LISTEN_PORT)).toBe(false);
  }, 180_000);

  it('sshd refuses the tunnel key any other listen address, any -L and any command; the planned forward is allowed', async () => {
    cleanup(); // the first test's tunnel, had it failed before ending it
    const sink_ = sink.address() as AddressInfo;
    const dest = `${sink_.address}:${sink_.port}`;
    for (const listen of [`127.0.0.1:${LISTEN_PORT}`, `${proxyVm.host}:${LISTEN_PORT + 1}`, `0.0.0.0:${LISTEN_PORT}`]) {
      const r = await sshWithTunnelKey(['-N', '-R', `${listen}:${dest}`]);
      expect(r.code, `${listen}: ${r.out}`).not.toBe(0);
      expect(r.out).toMatch(/remote port forwarding failed/);
    }
    // -L to the sink: the channel is refused (the key may open nothing but a port nobody uses).
    const lport = 20000 + Math.floor(Math.random() * 20000);
    const l = await sshWithTunnelKey(['-f', '-N', '-L', `127.0.0.1:${lport}:${dest}`]);
    expect(l.code, l.out).toBe(0); // the local listener is ssh's own; the channel behind it is what sshd refuses
    {
      const got = await new Promise<string>((resolve) => {
        const req = http.request({ host: '127.0.0.1', port: lport, method: 'POST', path: '/write?db=x' }, (res) => resolve(String(res.statusCode)));
        req.on('error', (e) => resolve(e.message));
        req.end('x');
      });
      expect(got).not.toBe('204');
      try {
        execFileSync('pkill', ['-f', `ssh .*-L 127.0.0.1:${lport}:`]);
      } catch {
        /* gone */
      }
    }
    const c = await sshWithTunnelKey(['id']);
    expect(c.out).not.toMatch(/uid=/);

    // The key copied elsewhere (another source address) is refused even for the planned forward (from=).
    const elsewhere = await sshWithTunnelKey(['-b', '127.0.0.77', '-N', '-R', `${proxyVm.host}:${LISTEN_PORT}:${dest}`]);
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.out).toMatch(/Permission denied/);
    // Control: the same key, the same sshd, the planned listen address: accepted.
    const ok = await sshWithTunnelKey(['-f', '-N', '-R', `${proxyVm.host}:${LISTEN_PORT}:${dest}`]);
    expect(ok.code, ok.out).toBe(0);
    expect(await connects(proxyVm.host, LISTEN_PORT)).toBe(true);
    try {
      execFileSync('pkill', ['-f', `ssh .*-R ${proxyVm.host}:${LISTEN_PORT}:`]);
    } catch {
      /* gone */
    }
  }, 120_000);

  it('writes a test point only when asked (writeTest); a missing database fails the read-only verify, credentials asked make it "could not check"', async () => {
    cleanup();
    writes.length = 0;
    const asked = await run({ writeTest: true });
    expect(asked.end.outcome, `${asked.end.failedStep ?? ''} ${asked.end.reason ?? ''}`).toBe('done');
    expect(asked.text).toMatch(/"stepId":"write-test"[^}]*"status":"(ok|done|passed)"/);
    expect(writes.filter((w) => w.body.startsWith('outpost_check,host=vm-1 ')).map((w) => w.url)).toEqual(['/write?db=telegraf']);

    // The database telegraf writes to is gone (the stand-in refuses its writes, 404, as InfluxDB does): the read-only check says so.
    influx.databases = ['_internal'];
    try {
      const gone = await run({});
      expect(gone.end.outcome).toBe('failed');
      expect(gone.end.failedStep).toBe('verify');
      expect(gone.text).toContain('InfluxDB has no database telegraf: telegraf does not create it');
      expect(gone.text).toMatch(/InfluxDB 1\.8\.10 answered \/ping/);
    } finally {
      influx.databases = ['_internal', 'telegraf'];
    }
    // An InfluxDB with auth on: /ping still answers; SHOW DATABASES is refused (401): could not check, never a pass.
    influx.auth = true;
    try {
      const auth = await run({});
      expect(auth.text).toContain('could not check: InfluxDB asks for credentials (HTTP 401): the database telegraf was not checked');
      expect(auth.text).not.toContain('database telegraf exists');
    } finally {
      influx.auth = false;
    }
    cleanup();
  }, 240_000);

  it('GatewayPorts on the proxy VM: "no" stops before any tunnel; unreadable without sudo is "could not check"; a readable file is read', async () => {
    cleanup();
    // The default (no): the run stops at the check, before the tunnel key, its authorized_keys line or ssh -R.
    const no = await run({ jump: proxyVmNo, tunnelOnly: true });
    expect(no.end.outcome).toBe('failed');
    expect(no.end.failedStep).toBe('tunnel.jump0.gatewayports');
    expect(no.text).toMatch(/GatewayPorts no \(sshd -T as root\): sshd binds remote forwards to loopback only, so the targets could not reach 127\.0\.\d+\.5:12345\. Set GatewayPorts clientspecified in \S+sshd_config and reload sshd/);
    expect(no.text).not.toMatch(/"stepId":"tunnel\.jump0\.(key|authorize)"[^}]*"status":"(ok|done)"/);
    expect(execFileSync('ps', ['-u', proxyUser.name, '-o', 'args='], { encoding: 'utf8' })).not.toContain(`-R ${proxyVmNo.host}:`);
    expect(fs.existsSync(path.join(proxyVmUser.home, '.ssh', 'authorized_keys')) ? fs.readFileSync(path.join(proxyVmUser.home, '.ssh', 'authorized_keys'), 'utf8') : '').not.toContain(proxyVmNo.host);

    // Without sudo the proxy VM's user cannot run sshd -T (the host keys are root's) nor read the 0600 file: could not check, and the tunnel goes on.
    revokeSudo(proxyVmUser.name);
    try {
      const unread = await run({ tunnelOnly: true });
      expect(unread.text).toMatch(/could not check: GatewayPorts not read: \S+sshd_config \(or a file it includes\) is not readable by outpost-t3/);
      expect(unread.end.outcome, `${unread.end.failedStep ?? ''} ${unread.end.reason ?? ''}`).toBe('done');
      // The same file made readable: read there (outside Match blocks).
      const cfg = path.join(proxyVm.dir, 'sshd_config');
      fs.chmodSync(cfg, 0o644);
      try {
        const read = await run({ tunnelOnly: true });
        expect(read.text).toContain(`GatewayPorts clientspecified (read in ${cfg}, outside Match blocks)`);
      } finally {
        fs.chmodSync(cfg, 0o600);
      }
    } finally {
      grantSudo(proxyVmUser.name);
      cleanup();
    }
  }, 240_000);
  // Direct reporting: the VM reaches InfluxDB itself. The seed's metadata endpoint
  // (http://169.254.169.254/monitor) cannot exist here: the same stand-in, on a loopback address, takes
  // its place, once at its root (InfluxDB's own URL) and once under /monitor (the endpoint's path).
  it('direct reporting: no proxy, no forward; telegraf writes to the given URL, which the VM itself reaches and checks, read-only', async () => {
    cleanup();
    const sink_ = sink.address() as AddressInfo;
    for (const prefix of ['', '/monitor']) {
      // A write the previous agent had in flight when it was killed lands before the counts start.
      await new Promise((r) => setTimeout(r, 1500));
      requests.length = 0;
      writes.length = 0;
      const url = `http://${sink_.address}:${sink_.port}${prefix}`;
      const { end, text } = await run({ influxUrl: url });
      expect(end.outcome, `${end.failedStep ?? ''} ${end.reason ?? ''} ${end.hint ?? ''}`).toBe('done');
      expect(text).not.toMatch(/"hostId":"(jump0|proxy0)"/);
      // Nothing runs on the proxy's account (ps exits 1 when it lists nothing).
      let procs = '';
      try {
        procs = execFileSync('ps', ['-u', proxyUser.name, '-o', 'args='], { encoding: 'utf8' });
      } catch {
        /* no process */
      }
      expect(procs).not.toMatch(/ssh .*-R /);
      expect(fs.readFileSync(path.join(installDir, 'telegraf.conf'), 'utf8')).toContain(`urls = ["${url}"]`);
      // From the VM to that URL: the preflight's reach, then /ping and SHOW DATABASES (reads only).
      expect(text).toContain(`${url} answered HTTP 204`);
      expect(text).toMatch(/InfluxDB 1\.8\.10 answered \/ping/);
      expect(text).toContain('database telegraf exists');
      expect(text).toContain(`no write errors in ${installDir}/telegraf.log since telegraf started `);
      expect(requests).toContain(`GET ${prefix}/ping`);
      expect(requests.some((r) => r.startsWith(`GET ${prefix}/query?q=SHOW`))).toBe(true);
      expect(requests.filter((r) => r.startsWith('POST ') && !r.startsWith(`POST ${prefix}/write?db=telegraf`)), `${prefix}: ${requests.join(", ")}`).toEqual([]);
      const deadline = Date.now() + 10_000;
      while (!writes.some((w) => w.body.startsWith('cpu,host=vm-1 ')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(writes.find((w) => w.body.startsWith('cpu,host=vm-1 '))?.url).toBe(`${prefix}/write?db=telegraf`);
      expect(writes.filter((w) => w.body.startsWith('outpost_check'))).toEqual([]);
      cleanup();
    }
    // InfluxDB answers the reads but refuses the writes: only telegraf's own log says so, and the verify fails on it.
    influx.refuseWrites = true;
    try {
      const refused = await run({ influxUrl: `http://${sink_.address}:${sink_.port}` });
      expect(refused.end.outcome).toBe('failed');
      expect(refused.end.failedStep).toBe('verify');
      expect(refused.text).toContain('database telegraf exists');
      expect(refused.text).toMatch(/telegraf could not write, \d+ errors since it started; the last: \S+ E! \[outputs\.influxdb\] When writing to \[http:[^\]]+\]: received error \{\\"error\\":\\"partial write: points beyond retention policy dropped=1\\"\} \(500\)/);
      expect(refused.text).toContain("telegraf's writes to http://");
    } finally {
      influx.refuseWrites = false;
      cleanup();
    }
    // A URL the VM cannot reach: the preflight says so on that host, before anything is installed.
    fs.rmSync(path.join(installDir, 'telegraf.conf'), { force: true });
    const closed = await new Promise<number>((resolve) => {
      const srv = net.createServer();
      srv.listen(0, sink_.address, () => {
        const port = (srv.address() as AddressInfo).port;
        srv.close(() => resolve(port));
      });
    });
    const unreachable = `http://${sink_.address}:${closed}/monitor`;
    const { end, text } = await run({ influxUrl: unreachable });
    expect(end.outcome).toBe('failed');
    expect(end.failedStep).toBe('preflight');
    expect(text).toContain(`this VM cannot reach ${unreachable} (no HTTP answer within 10 s)`);
    expect(fs.existsSync(path.join(installDir, 'telegraf.conf'))).toBe(false);
  }, 240_000);
  // The seed's user-assisted passwordless login: the admin's password given once, cloudroot made with key login.
  it('user-assisted passwordless login: cloudroot created with the key, a key login as cloudroot checked; the password nowhere; a cloudroot someone else made is left alone', async () => {
    cleanup();
    removeCloudroot();
    const sink_ = sink.address() as AddressInfo;
    const url = `http://${sink_.address}:${sink_.port}`;
    const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-cloudroot-key-'));
    const key = path.join(keyDir, 'cloudroot_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'outpost-test', '-f', key]);
    const pub = fs.readFileSync(`${key}.pub`, 'utf8');
    try {
      // A cloudroot that is another admin's: the run stops at that step and changes nothing of it.
      execFileSync('useradd', ['-M', '-d', '/home/cloudroot', '-s', '/bin/sh', '-c', 'made by the test as another admin', 'cloudroot']);
      const foreign = await run({ influxUrl: url, admin: vmKeys, cloudrootKey: key });
      expect(foreign.end.outcome).toBe('failed');
      expect(foreign.end.failedStep).toBe('cloudroot-user');
      expect(foreign.text).toContain("A user cloudroot that Outpost did not create is left as it is: remove it yourself");
      expect(foreign.text).toContain("a user cloudroot exists that Outpost did not create (comment: 'made by the test as another admin'): it is left as it is");
      expect(execFileSync('getent', ['passwd', 'cloudroot'], { encoding: 'utf8' })).toContain(':made by the test as another admin:');
      expect(fs.existsSync('/home/cloudroot/.ssh/authorized_keys')).toBe(false);
      expect(fs.existsSync('/etc/sudoers.d/outpost-cloudroot')).toBe(false);
      execFileSync('userdel', ['cloudroot']);

      // The real thing, watching every process's command line while it runs.
      const seen = new Set<string>();
      let watching = true;
      const watch = (async () => {
        while (watching) {
          try {
            for (const l of execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' }).split('\n')) seen.add(l);
          } catch {
            /* ps between processes */
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      const made = await run({ influxUrl: url, admin: vmKeys, cloudrootKey: key });
      watching = false;
      await watch;
      expect(made.end.outcome, `${made.end.failedStep ?? ''} ${made.end.reason ?? ''} ${made.end.hint ?? ''}`).toBe('done');
      const entry = execFileSync('getent', ['passwd', 'cloudroot'], { encoding: 'utf8' }).trim().split(':');
      expect(entry[4]).toBe(CLOUDROOT_MARK);
      expect(entry[5]).toBe('/home/cloudroot');
      const uid = Number(entry[2]);
      const dotSsh = fs.lstatSync('/home/cloudroot/.ssh');
      const ak = fs.lstatSync('/home/cloudroot/.ssh/authorized_keys');
      expect([dotSsh.isDirectory(), dotSsh.uid, (dotSsh.mode & 0o777).toString(8)]).toEqual([true, uid, '700']);
      expect([ak.isFile(), ak.uid, (ak.mode & 0o777).toString(8)]).toEqual([true, uid, '600']);
      expect(fs.readFileSync('/home/cloudroot/.ssh/authorized_keys', 'utf8')).toBe(pub);
      expect((fs.statSync('/etc/sudoers.d/outpost-cloudroot').mode & 0o777).toString(8)).toBe('440');
      // Outpost's own check: a second login, as cloudroot with the key.
      expect(made.text).toContain(`logged in as cloudroot with the key ${key} (host key verified)`);
      // And independently: OpenSSH's client, host key checked, the key only: cloudroot, with sudo.
      const kh = path.join(keyDir, 'known_hosts');
      fs.writeFileSync(kh, `[${vmKeys.host}]:${vmKeys.port} ${vmKeys.hostPublicKey}\n`);
      const who = execFileSync('ssh', ['-i', key, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'PasswordAuthentication=no', '-o', `UserKnownHostsFile=${kh}`, '-o', 'StrictHostKeyChecking=yes', '-p', String(vmKeys.port), `cloudroot@${vmKeys.host}`, 'id -un; sudo -n true && echo sudo-ok'], { encoding: 'utf8', timeout: 20_000 });
      expect(who.split('\n')).toEqual(['cloudroot', 'sudo-ok', '']);
      // The password given once: on no command line, in no event, journal or output.
      expect(seen.size).toBeGreaterThan(10);
      expect([...seen].filter((l) => l.includes(ADMIN_USER.password))).toEqual([]);
      expect(made.text).not.toContain(ADMIN_USER.password);

      // Run again: the cloudroot Outpost made is Outpost's, so it goes on (one key, the same user).
      const again = await run({ influxUrl: url, admin: vmKeys, cloudrootKey: key });
      expect(again.end.outcome, `${again.end.failedStep ?? ''} ${again.end.reason ?? ''}`).toBe('done');
      expect(again.text).toContain('user cloudroot exists (created by Outpost)');
      expect(Number(execFileSync('getent', ['passwd', 'cloudroot'], { encoding: 'utf8' }).split(':')[2])).toBe(uid);

      // Where sshd does not honour the user's authorized_keys, the key login fails the verify, saying so.
      const refused = await run({ influxUrl: url, admin: vm, cloudrootKey: key });
      expect(refused.end.outcome).toBe('failed');
      expect(refused.end.failedStep).toBe('verify');
      expect(refused.text).toContain(`the key ${key} did not log in as cloudroot`);
    } finally {
      cleanup();
      removeCloudroot();
      fs.rmSync(keyDir, { recursive: true, force: true });
    }
  }, 300_000);
});
