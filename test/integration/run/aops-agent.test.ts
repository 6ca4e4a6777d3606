// The aops-agent profile (seed 001) run for real over SSH against a loopback sshd target, through the
// API as the wizard drives it. Real: sshd, bash, the INI edit of the seed's own agent.conf, the
// register.json written with mode 0600 and deleted, the HTTP registration reaching a manager.
// Stand-ins (the vendor's binaries cannot exist on this Debian machine), on the target's PATH:
// `yum` (installs the seed's agent.conf), `systemctl` (starts an agent that listens on the address
// and port agent.conf names), `aops_agent` (POSTs register.json to the manager's /manage/host/add
// and prints the vendor's result line), and aops-manager itself (an HTTP server run by the test).
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
  // The agent: listens on agent.conf's [agent] ip and port (so the edit is what it runs with).
  fs.writeFileSync(
    path.join(bin, 'agent.mjs'),
    `import fs from 'node:fs'; import net from 'node:net';
const conf = fs.readFileSync(process.argv[2], 'utf8');
const sec = conf.split(/^\\[agent\\]/m)[1].split(/^\\[/m)[0];
const ip = /^ip=(.*)$/m.exec(sec)[1].trim(); const port = Number(/^port\\s*=\\s*(.*)$/m.exec(sec)[1]);
net.createServer((s) => s.end()).listen(port, ip, () => fs.writeFileSync(process.argv[3], String(process.pid)));
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
  is-active) [ "\${@: -1}" = aops-agent ] && running && { echo active; exit 0; }; echo inactive; exit 3;;
  start|restart) if [ "$2" = aops-agent ]; then if [ "$1" = restart ] && running; then kill "$(cat "$pidf")"; for i in $(seq 30); do running || break; sleep 0.1; done; fi; running || { rm -f "$pidf"; setsid ${node} "$AOPS_STATE/../bin/agent.mjs" "$AOPS_CONF_DIR/agent.conf" "$pidf" >/dev/null 2>&1 < /dev/null & for i in $(seq 50); do [ -f "$pidf" ] && exit 0; sleep 0.1; done; echo "aops-agent failed to start"; exit 1; }; fi;;
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
      res.end('{}');
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

async function runAops(agentPort: number, override = true): Promise<{ end: EventPayload<'run.end'>; text: string }> {
  const s = session(fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-aops-run-')));
  s.ctx.secretStore?.set('aops-agent.webPassword', WEB_PASSWORD, '••••');
  const answers = {
    profile: 'aops-agent',
    os: 'linux',
    connectivity: { mode: 'direct', accessIp: (manager.address() as AddressInfo).address },
    inputs: { managerPort, agentPort, webUsername: 'admin', webPassword: { stored: 'aops-agent.webPassword' }, hostGroup: 'group1' },
    targets: [{ name: 'host-47', host: target.host, port: target.port, user: user.name, password: { stored: 'TARGET_PASSWORD' } }],
    options: { installDir: confDir },
  };
  // The test host is Debian, not openEuler: the guide's prerequisite check fails there (said, below).
  const started = await s.call('run.start', { answers, options: opts({ overridePreflight: override }) });
  expect(started.ok, JSON.stringify(started)).toBe(true);
  const end = await s.waitEnd();
  const journal = fs.readFileSync(end.journal, 'utf8');
  return { end, text: JSON.stringify(s.events) + journal + s.logs.join('\n') };
}

describe('aops-agent on a real sshd target', () => {
  it("stops at preflight on a host that is not openEuler 20.03 or later, naming the system, before anything changes", async () => {
    const { end, text } = await runAops(await freePort(target.host), false);
    expect(end.outcome).toBe('failed');
    expect(text).toMatch(/openEuler 20\.03 or later.{0,40}not openEuler: Debian/);
    // Python 3.7 or later is advised (a warning), and this host has it.
    expect(text).toMatch(/Python 3\.7 or later.{0,40}Python 3\.\d+/);
    expect(fs.existsSync(path.join(state, 'calls.log')) ? fs.readFileSync(path.join(state, 'calls.log'), 'utf8').trim() : '').toBe('');
    expect(received).toHaveLength(0);
  });

  it('installs, sets only ip and port in the seed agent.conf, registers with the manager, deletes register.json, and the agent listens there', async () => {
    const agentPort = await freePort(target.host);
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

    // agent.conf: exactly two lines differ from the vendor's file; its comments are all there.
    const conf = fs.readFileSync(path.join(confDir, 'agent.conf'), 'utf8');
    const before = SEED_CONF.split('\n');
    const after = conf.split('\n');
    expect(after).toHaveLength(before.length);
    const changed = after.map((l, i) => (l !== before[i] ? `${before[i]} -> ${l}` : null)).filter(Boolean);
    expect(changed).toEqual([`ip=192.168.1.47 -> ip=${target.host}`, `port=12000 -> port=${agentPort}`]);
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
});
