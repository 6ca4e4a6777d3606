// The aops-agent profile (seed 001) run for real over SSH against a loopback sshd target, through the
// API as the wizard drives it. Real: sshd, bash, the INI edit of the seed's own agent.conf, the
// register.json written with mode 0600 and deleted, the HTTP registration reaching a manager.
// Stand-ins (the vendor's binaries cannot exist on this Debian machine), on the target's PATH:
// `yum` (installs the seed's agent.conf), `systemctl` (starts an agent that listens on the address
// and port agent.conf names), `aops_agent` (POSTs register.json to the manager's /manage/host/add
// and prints the vendor's result line, saving the token the manager gave as access_token in agent.conf),
// aops-manager itself (an HTTP server run by the test, which hands out a token), and the agent's API (it
// listens where agent.conf's [agent] ip and port say, reads access_token when it starts, and refuses a
// request without that token with 401).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../../electron/common/api';
import { ensureTestUser, freePort, startSshd, stopAll, TEST_USERS, type SshdInstance, type TestUser } from '../harness/sshd';
import { opts, session } from './api-session';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const SEED_CONF = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'seeds', 'aops-agent.conf'), 'utf8');
// Quotes, a backslash and shell syntax: JSON and shell escaping must both hold.
const WEB_PASSWORD = 'pa"ss\\wo$rd `id` \'x\'';

let target: SshdInstance;
let user: TestUser;
let dir: string;
let bin: string;
let state: string;
let confDir: string;
let manager: http.Server;
let managerPort = 0;
let managerStatus = 200;
/** The token the stand-in manager hands out on a registration ('' = none: a manager that saves nothing). */
let managerToken = `tok-${Math.random().toString(36).slice(2)}-${Date.now()}`;
const received: Array<{ url: string; body: unknown }> = [];

function script(name: string, text: string): void {
  fs.writeFileSync(path.join(bin, name), text, { mode: 0o755 });
}

beforeAll(async () => {
  user = await ensureTestUser(TEST_USERS.t2);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-aops-'));
  fs.chmodSync(dir, 0o755);
  bin = path.join(dir, 'bin');
  state = path.join(dir, 'state');
  fs.mkdirSync(bin, { mode: 0o755 });
  fs.mkdirSync(state, { mode: 0o777 });
  fs.chmodSync(state, 0o777);
  // The stand-ins log as root (install steps, through sudo) and as the login user (checks): both append.
  fs.writeFileSync(path.join(state, 'calls.log'), '', { mode: 0o666 });
  fs.chmodSync(path.join(state, 'calls.log'), 0o666);
  fs.writeFileSync(path.join(state, 'agent.conf.dist'), SEED_CONF, { mode: 0o644 });
  confDir = path.join(user.home, 'etc-aops');
  fs.rmSync(confDir, { recursive: true, force: true });
  const node = process.execPath;
  script('yum', `#!/bin/bash\necho "yum $*" >> "$AOPS_STATE/calls.log"\nfor p in "$@"; do if [ "$p" = aops-agent ]; then mkdir -p "$AOPS_CONF_DIR"; [ -f "$AOPS_CONF_DIR/agent.conf" ] || cp "$AOPS_STATE/agent.conf.dist" "$AOPS_CONF_DIR/agent.conf"; fi; done\necho Complete!\n`);
  // The agent: its API listens on agent.conf's [agent] ip and port (so the edit is what it runs with), with
  // the access_token agent.conf held when it started; a request without that token is refused (401).
  fs.writeFileSync(
    path.join(bin, 'agent.mjs'),
    `import fs from 'node:fs'; import http from 'node:http';
const conf = fs.readFileSync(process.argv[2], 'utf8');
const sec = conf.split(/^\\[agent\\]/m)[1].split(/^\\[/m)[0];
const ip = /^ip=(.*)$/m.exec(sec)[1].trim(); const port = Number(/^port\\s*=\\s*(.*)$/m.exec(sec)[1]);
const token = (/^access_token\\s*=\\s*(.*)$/m.exec(conf) || [])[1]?.trim() || '';
http.createServer((q, r) => {
  const ok = token !== '' && q.headers['access_token'] === token && q.method === 'GET' && q.url === '/v1/agent/plugin/info';
  r.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify(ok ? { code: 200, msg: 'operate success', resp: [] } : { code: 401, msg: 'token error' }));
}).listen(port, ip, () => fs.writeFileSync(process.argv[3], String(process.pid)));
`,
    { mode: 0o644 },
  );
  script(
    'systemctl',
    `#!/bin/bash
echo "systemctl $*" >> "$AOPS_STATE/calls.log"
pidf="$AOPS_STATE/agent.pid"
# A killed agent may linger as a zombie here (no init reaps it): that is not running.
running() { [ -f "$pidf" ] && p=$(cat "$pidf") && [ -r "/proc/$p/status" ] && ! grep -q '^State:.*Z' "/proc/$p/status"; }
case "$1" in
  is-active) [ "\${@: -1}" = aops-agent ] && running && { echo active; exit 0; }; [ "\${@: -1}" = gala-gopher ] && [ -f "$AOPS_STATE/gopher.active" ] && { echo active; exit 0; }; echo inactive; exit 3;;
  start|restart) if [ "$2" = gala-gopher ]; then cp "$AOPS_STATE/gopher.limits" "$AOPS_STATE/gopher.active" 2>/dev/null || touch "$AOPS_STATE/gopher.active"; fi
    if [ "$2" = aops-agent ]; then if [ "$1" = restart ] && running; then kill "$(cat "$pidf")"; for i in $(seq 30); do running || break; sleep 0.1; done; fi; running || { rm -f "$pidf"; setsid ${node} "$AOPS_STATE/../bin/agent.mjs" "$AOPS_CONF_DIR/agent.conf" "$pidf" >/dev/null 2>&1 < /dev/null & for i in $(seq 50); do [ -f "$pidf" ] && exit 0; sleep 0.1; done; echo "aops-agent failed to start"; exit 1; }; fi;;
  daemon-reload) d="$AOPS_CONF_DIR/units/gala-gopher.service.d"; cat "$d"/*.conf > "$AOPS_STATE/gopher.limits" 2>/dev/null;;
esac
exit 0
`,
  );
  script(
    'aops_agent',
    `#!${node}
import fs from 'node:fs';
const file = process.argv[process.argv.indexOf('-f') + 1];
const body = fs.readFileSync(file, 'utf8');
const j = JSON.parse(body);
try {
  const r = await fetch('http://' + j.manager_ip + ':' + j.manager_port + '/manage/host/add', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (r.status !== 200) throw new Error('HTTP ' + r.status);
  // The token the manager gave, saved in agent.conf's [agent] section (the guide's FAQ 3); never printed.
  const token = (await r.json()).token;
  if (token) {
    const conf = process.env.AOPS_CONF_DIR + '/agent.conf';
    fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace(/^\\[agent\\]\\n/m, '[agent]\\naccess_token=' + token + '\\n'));
  }
  console.log('Agent Register Success');
} catch (e) {
  fs.appendFileSync(process.env.AOPS_STATE + '/aops.log', 'ERROR command_manage/register/331: ' + e.message + '\\n');
  console.log('Agent Register Fail');
}
`,
  );
  fs.renameSync(path.join(bin, 'aops_agent'), path.join(bin, 'aops_agent.mjs'));
  script('aops_agent', `#!/bin/bash\nexec ${node} "$(dirname "$0")/aops_agent.mjs" "$@"\n`);

  manager = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ url: req.url ?? '', body: JSON.parse(body) as unknown });
      res.statusCode = managerStatus;
      res.end(JSON.stringify(managerStatus === 200 && managerToken ? { code: 200, token: managerToken } : { code: managerStatus }));
    });
  });
  const host = `127.0.${20 + Math.floor(Math.random() * 200)}.5`;
  await new Promise<void>((r) => manager.listen(0, host, r));
  managerPort = (manager.address() as AddressInfo).port;
  target = await startSshd({ extraConfig: [`SetEnv PATH=${bin}:/usr/local/bin:/usr/bin:/bin AOPS_STATE=${state} AOPS_CONF_DIR=${confDir}`] });
});

afterAll(async () => {
  try {
    const pid = Number(fs.readFileSync(path.join(state, 'agent.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
  } catch {
    /* not running */
  }
  manager?.close();
  await stopAll();
  fs.rmSync(confDir, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
});

async function runAops(agentPort: number, override = true, more: { inputs?: Record<string, unknown>; vars?: Record<string, string> } = {}): Promise<{ end: EventPayload<'run.end'>; text: string }> {
  const s = session(fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-aops-run-')));
  s.ctx.secretStore?.set('aops-agent.webPassword', WEB_PASSWORD, '••••');
  const answers = {
    profile: 'aops-agent',
    os: 'linux',
    connectivity: { mode: 'direct', accessIp: (manager.address() as AddressInfo).address },
    inputs: { managerPort, agentPort, webUsername: 'admin', webPassword: { stored: 'aops-agent.webPassword' }, hostGroup: 'group1', ...more.inputs },
    targets: [{ name: 'host-47', host: target.host, port: target.port, user: user.name, password: { stored: 'TARGET_PASSWORD' }, ...(more.vars ? { vars: more.vars } : {}) }],
    options: { installDir: confDir },
  };
  // The test host is Debian, not openEuler: the guide's prerequisite check fails there (said, below).
  const started = await s.call('run.start', { answers, options: opts({ overridePreflight: override }) });
  expect(started.ok, JSON.stringify(started)).toBe(true);
  const end = await s.waitEnd();
  const journal = fs.readFileSync(end.journal, 'utf8');
  return { end, text: JSON.stringify(s.events) + journal + s.logs.join('\n') };
}

/** A fresh host for the next run: the agent stopped, agent.conf and the stand-ins' records gone. */
function reset(): void {
  try {
    process.kill(Number(fs.readFileSync(path.join(state, 'agent.pid'), 'utf8')), 'SIGKILL');
  } catch {
    /* not running */
  }
  for (const f of ['agent.pid', 'gopher.active', 'gopher.limits']) fs.rmSync(path.join(state, f), { force: true });
  fs.writeFileSync(path.join(state, 'calls.log'), '');
  fs.rmSync(confDir, { recursive: true, force: true });
  received.length = 0;
}

/** This machine's source address on its route to the manager (what `ip route get` gives the target, on the same machine). */
function routeSource(to: string): string {
  const out = execFileSync('ip', ['-o', 'route', 'get', to], { encoding: 'utf8' });
  return /\bsrc (\S+)/.exec(out)?.[1] ?? '';
}

describe('aops-agent on a real sshd target', () => {
  it("stops at preflight on a host that is not openEuler 20.03 or later, naming the system, before anything changes", async () => {
    const { end, text } = await runAops(await freePort(target.host), false);
    expect(end.outcome).toBe('failed');
    expect(text).toMatch(/openEuler 20\.03 or later.{0,40}not openEuler: Debian/);
    // Python 3.7 or later is advised (a warning), and this host has it.
    expect(text).toMatch(/Python 3\.7 or later.{0,40}Python 3\.\d+/);
    // aops-manager is checked from the host before anything changes, and it answers.
    expect(text).toMatch(/aops-manager reachable.{0,20}aops-manager at 127\.0\.\d+\.5:\d+ answers \(TCP\)/);
    expect(fs.existsSync(path.join(state, 'calls.log')) ? fs.readFileSync(path.join(state, 'calls.log'), 'utf8').trim() : '').toBe('');
    expect(received).toHaveLength(0);
  });

  it("installs, sets ip (the host's source address on its route to the manager) and port in the seed agent.conf, registers, deletes register.json; the token is saved and the agent's API takes it", async () => {
    const agentPort = await freePort(target.host);
    const src = routeSource((manager.address() as AddressInfo).address);
    // The address Outpost logs in to is not the one ip= gets: the route's own source address.
    expect(src).toMatch(/^127\./);
    expect(src).not.toBe(target.host);
    const { end, text } = await runAops(agentPort);
    expect(end.outcome, `${end.reason ?? ""} ${end.hint ?? ""}`).toBe("done");

    // The manager got the seed's fields, the password intact through JSON and the shell.
    expect(received).toHaveLength(1);
    expect(received[0]?.url).toBe('/manage/host/add');
    expect(received[0]?.body).toEqual({
      web_username: 'admin',
      web_password: WEB_PASSWORD,
      host_name: 'host-47',
      host_group_name: 'group1',
      manager_ip: (manager.address() as AddressInfo).address,
      management: false,
      manager_port: String(managerPort),
      agent_port: String(agentPort),
    });

    // agent.conf: exactly two lines differ from the vendor's file (besides the token the registration
    // saved); its comments are all there.
    const conf = fs.readFileSync(path.join(confDir, 'agent.conf'), 'utf8');
    const before = SEED_CONF.split('\n');
    const after = conf.split('\n').filter((l) => !l.startsWith('access_token='));
    expect(conf).toContain(`[agent]\naccess_token=${managerToken}\n`);
    expect(after).toHaveLength(before.length);
    const changed = after.map((l, i) => (l !== before[i] ? `${before[i]} -> ${l}` : null)).filter(Boolean);
    expect(changed).toEqual([`ip=192.168.1.47 -> ip=${src}`, `port=12000 -> port=${agentPort}`]);
    expect(text).toContain(`this host's address on its route to aops-manager (${(manager.address() as AddressInfo).address}): ${src}`);

    // The token: saved, taken by the agent's API (which refuses a request without it), and never shown.
    expect(text).toMatch(/access_token saved.{0,20}access_token is saved in /);
    expect(text).toContain(`http://${src}:${agentPort}/v1/agent/plugin/info answered 200 with the saved token`);
    expect((await fetch(`http://${src}:${agentPort}/v1/agent/plugin/info`)).status).toBe(401);
    expect(text).not.toContain(managerToken);
    expect(fs.readFileSync(path.join(confDir, 'agent.conf.outpost-backup'), 'utf8')).toBe(SEED_CONF);

    // register.json is gone; the password is in no event, journal line or log.
    expect(fs.existsSync(path.join(confDir, 'register.json'))).toBe(false);
    expect(text).not.toContain('pa\\"ss');
    expect(text).not.toContain('wo$rd');

    // The vendor's order: install, start, register, then restart only after it.
    const calls = fs.readFileSync(path.join(state, 'calls.log'), 'utf8').trim().split('\n');
    expect(calls).toEqual(['yum install -y aops-agent', 'systemctl is-active --quiet firewalld', 'systemctl start aops-agent', 'systemctl restart aops-agent', 'systemctl is-active aops-agent']);
  }, 120_000);

  it('a refused registration fails the register step with the log and the hint, and still deletes register.json', async () => {
    managerStatus = 500;
    received.length = 0;
    const { end } = await runAops(await freePort(target.host));
    managerStatus = 200;
    expect(end).toMatchObject({ outcome: 'failed', failedStep: 'register' });
    expect(end.reason).toMatch(/Agent Register Fail/);
    expect(end.hint).toMatch(/^Check that aops-manager runs at 127\.0\.\d+\.5:\d+ and that the host group group1 exists/);
    expect(received).toHaveLength(1);
    expect(fs.existsSync(path.join(confDir, 'register.json'))).toBe(false);
  }, 120_000);

  it("an aops-manager that does not answer stops the run before the password is written, naming its address; a host's agentIp overrides the route's", async () => {
    reset();
    const host = (manager.address() as AddressInfo).address;
    const closed = await freePort(host);
    const { end, text } = await runAops(await freePort(target.host), true, { inputs: { managerPort: closed }, vars: { agentIp: target.host } });
    // Preflight said it first (overridden here, as the host is Debian), and the gate before registering stops.
    expect(text).toMatch(new RegExp(`aops-manager reachable.{0,20}aops-manager at ${host.replace(/\./g, '\\.')}:${closed} does not answer from this host`));
    expect(end).toMatchObject({ outcome: 'failed', failedStep: 'manager' });
    expect(end.reason).toContain(`aops-manager at ${host}:${closed} does not answer from this host (TCP)`);
    expect(end.hint).toBe(`Start aops-manager at ${host}:${closed}, or open the route and firewalls from this host to it; then run again. The agent's log is /var/log/aops/aops.log.`);
    expect(received).toHaveLength(0);
    expect(fs.existsSync(path.join(confDir, 'register.json'))).toBe(false);
    // The host list's own address for this host, not the route's.
    expect(fs.readFileSync(path.join(confDir, 'agent.conf'), 'utf8')).toMatch(new RegExp(`^\\[agent\\]\\n;[^\\n]*\\nip=${target.host.replace(/\./g, '\\.')}\\n`));
  }, 120_000);

  it('a registration that saved no token fails the verify on that evidence, the hint naming aops.log', async () => {
    reset();
    managerToken = '';
    const { end, text } = await runAops(await freePort(target.host));
    managerToken = `tok-${Math.random().toString(36).slice(2)}-${Date.now()}`;
    expect(text).toContain('Agent Register Success');
    expect(end).toMatchObject({ outcome: 'failed', failedStep: 'verify' });
    expect(end.reason).toMatch(/access_token saved \(exit code 1: no access_token in .*agent\.conf: the registration saved none\)/);
    expect(end.reason).toMatch(/agent API answers \(exit code 1: http:\/\/[0-9.]+:\d+\/v1\/agent\/plugin\/info answered 401 with the saved token\)/);
    expect(end.hint).toBe('The registration saved no token: read /var/log/aops/aops.log, then register again (outpost run --reinstall).');
  }, 120_000);

  it("gala-gopher with the FAQ's limits: the drop-in written, systemd reloaded before the plug-in starts, its service checked", async () => {
    reset();
    const unitDir = path.join(confDir, 'units');
    const { end, text } = await runAops(await freePort(target.host), true, { inputs: { gopher: true, gopherMemoryHigh: '40M', gopherCpuQuota: '20%', unitDir } });
    expect(end.outcome, `${end.reason ?? ''} ${end.hint ?? ''}`).toBe('done');
    const dropIn = path.join(unitDir, 'gala-gopher.service.d', 'outpost-limits.conf');
    expect(fs.readFileSync(dropIn, 'utf8')).toBe("# Written by Outpost: the A-Ops guide's plug-in limits (FAQ 4).\n[Service]\nMemoryHigh=40M\nCPUQuota=20%\n");
    expect(fs.statSync(dropIn).mode & 0o777).toBe(0o644);
    // gala-gopher started after the reload, so with the limits in effect.
    expect(fs.readFileSync(path.join(state, 'gopher.active'), 'utf8')).toContain('MemoryHigh=40M\nCPUQuota=20%');
    const calls = fs.readFileSync(path.join(state, 'calls.log'), 'utf8').trim().split('\n');
    expect(calls.slice(calls.indexOf('yum install -y gala-gopher'))).toEqual(['yum install -y gala-gopher', 'systemctl daemon-reload', 'systemctl is-active --quiet gala-gopher', 'systemctl start gala-gopher', 'systemctl is-active aops-agent', 'systemctl is-active gala-gopher']);
    expect(text).toMatch(/service gala-gopher.{0,20}gala-gopher is active/);
  }, 120_000);
});
