// `outpost export ansible`, run for real: the exported playbook, run by Debian's ansible-playbook with
// host key checking on, installs the ICAgent stand-in on three real sshd hosts behind the test jump
// server (the persistent tunnel set up by the playbook carries their downloads and heartbeats); a
// second run changes nothing; `outpost run` on the same hosts then finds what Ansible installed
// healthy, with the same verify checks, and installs the same configuration itself. No secret value is
// anywhere in the export folder. Every shipped profile either exports (and passes --syntax-check) or is
// refused with a message naming the step.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExportAnsible } from '../../../electron/cli/commands/export';
import { runRunCommand } from '../../../electron/cli/commands/run';
import { startBackend, type Backend } from '../../../electron/demo/backend';
import { ensureTestUser, freePort, generateKeyPair, startSshd, stopAll, TEST_USERS, testUserName, type KeyPair, type SshdInstance, type TestUser } from '../harness/sshd';
import { cleanupUsers, FIXTURE_DIR, ROOT } from '../run/world';

const ANSIBLE = '/usr/bin/ansible-playbook';
const SECRETS = { OUTPOST_AK: 'AKANSIBLEEXPORT0123456789', OUTPOST_SK: 'SKansible-export-7f6e5d4c-SECRET' };
const NAMES = ['t-a', 't-b', 't-c'];
// One login user per target, as separate machines have: the installer is downloaded into the login
// folder (the vendor's command), and three hosts installing at once must not share that file.
const MORE_USERS = [
  { name: testUserName('outpost-tb'), password: 'Tb-pass.word!63' },
  { name: testUserName('outpost-tc'), password: 'Tc-pass.word!64' },
];

let dir: string;
let jump: SshdInstance;
let targets: SshdInstance[];
let backend: Backend;
let key: KeyPair;
let jumpUser: TestUser;
let targetUser: TestUser;
let targetUsers: TestUser[];
let answersFile: string;
let hostsFile: string;
let out: string;
let env: NodeJS.ProcessEnv;
let firstRun = '';
const savedDataDir = process.env.OUTPOST_DATA_DIR;
const installDir = (name: string) => path.join(dir, 'oss', name, 'servicemgr');

/** The agents the extra target users' installs left running. */
function cleanupMoreUsers(): void {
  // Installed as root (sudo): found by their install folder, not by user.
  spawnSync('pkill', ['-KILL', '-f', `${dir}/oss/`], { stdio: 'ignore' });
}

/** Not a terminal: host key questions are not asked. */
const noTty = () => new PassThrough() as NodeJS.ReadableStream & { isTTY?: boolean };

function capture() {
  let text = '';
  return { stream: { write: (t: string) => ((text += t), true) } as unknown as NodeJS.WritableStream, get text() { return text; } };
}

async function exportCli(args: { acceptNewHostkeys?: boolean } = {}) {
  const o = capture();
  const e = capture();
  const code = await runExportAnsible(answersFile, { hosts: hostsFile, out, ...args }, { stdout: o.stream, stderr: e.stream, stdin: noTty(), env });
  return { code, stdout: o.text, stderr: e.text };
}

function ansible(args: string[], cwd = out): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const p = spawn(ANSIBLE, args, { cwd, env: ansibleEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    p.stdout.on('data', (d: Buffer) => (output += d.toString()));
    p.stderr.on('data', (d: Buffer) => (output += d.toString()));
    p.on('close', (code) => resolve({ code, output }));
  });
}

/** Ansible with a home, temp and control folders of its own; host key checking left at its default (on). */
function ansibleEnv(): NodeJS.ProcessEnv {
  const home = path.join(dir, 'home');
  const e: NodeJS.ProcessEnv = { PATH: process.env.PATH, LANG: 'C.UTF-8', HOME: home, ...SECRETS, ANSIBLE_LOCAL_TEMP: path.join(home, 'tmp'), ANSIBLE_SSH_CONTROL_PATH_DIR: path.join(dir, 'cp'), ANSIBLE_NOCOLOR: '1', ANSIBLE_FORCE_COLOR: '0' };
  return e;
}

/** PLAY RECAP: host → counters. */
function recap(output: string): Record<string, Record<string, number>> {
  const r: Record<string, Record<string, number>> = {};
  const at = output.lastIndexOf('PLAY RECAP');
  for (const line of output.slice(at).split('\n').slice(1)) {
    const m = /^(\S+)\s+:\s+(.*)$/.exec(line.trim());
    if (!m?.[1] || !m[2]) continue;
    r[m[1]] = Object.fromEntries([...m[2].matchAll(/(\w+)=(\d+)/g)].map((x) => [x[1], Number(x[2])]));
  }
  return r;
}

function conf(name: string): Record<string, string> {
  const text = fs.readFileSync(path.join(installDir(name), 'ICAgent', 'conf', 'icagent.conf'), 'utf8');
  const c = Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  delete c.installed_at;
  return c;
}

function allFiles(d: string): string[] {
  return fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? allFiles(path.join(d, e.name)) : [path.join(d, e.name)]));
}

beforeAll(async () => {
  if (!fs.existsSync(ANSIBLE)) throw new Error(`${ANSIBLE} is missing: install Debian's ansible (test/setup-system.mjs does).`);
  [jumpUser, targetUser, ...targetUsers] = await Promise.all([ensureTestUser(TEST_USERS.t1), ensureTestUser(TEST_USERS.t2), ...MORE_USERS.map((u) => ensureTestUser(u))]);
  targetUsers.unshift(targetUser);
  cleanupUsers();
  cleanupMoreUsers();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-ansible-'));
  fs.chmodSync(dir, 0o755);
  // The install folders: each host's under one folder every target user may write to.
  fs.mkdirSync(path.join(dir, 'oss'));
  fs.chmodSync(path.join(dir, 'oss'), 0o1777);
  key = await generateKeyPair(path.join(dir, 'keys'), { name: 'id_ed25519' });
  const base = 20 + Math.floor(Math.random() * 200);
  jump = await startSshd({ address: `127.0.${base}.2`, userAuthorizedKeys: true });
  // The agents hold their heartbeat connection open and send from their host's own address (see world.ts):
  // the agent-traffic check on the jump server finds each host's traffic at once.
  targets = await Promise.all(
    [11, 12, 13].map((n) => startSshd({ address: `127.0.${base}.${n}`, extraConfig: [`SetEnv ICAGENT_HEARTBEAT_HOLD=1 ICAGENT_HEARTBEAT_SOURCE=127.0.${base}.${n}`] })),
  );
  await jump.authorize(jumpUser.name, key.publicKeyLine);
  for (const [i, t] of targets.entries()) await t.authorize((targetUsers[i] as TestUser).name, key.publicKeyLine);
  const elb = `127.0.${base}.4`;
  backend = await startBackend({ host: elb, ports: { heartbeat: 8149, others: [8102, 8923, 30200, 30201] }, http: { port: 0, fixtureDir: FIXTURE_DIR } });
  const obsListen = await freePort(jump.host);
  const answers = {
    profile: 'icagent',
    os: 'linux',
    region: 'cn-north-4',
    connectivity: {
      mode: 'jump',
      jumpServers: [{ privateIp: jump.host, ssh: { host: jump.host, port: jump.port, user: jumpUser.name, privateKey: { path: key.privateKeyPath } } }],
      elbIp: elb,
      connectionIp: jump.host,
      dc: 'dc-test-1',
      tunnel: 'persistent',
      portOverrides: { '80': { listen: obsListen, target: `${elb}:${backend.ports.http}` } },
    },
    credentials: { ak: { env: 'OUTPOST_AK' }, sk: { env: 'OUTPOST_SK' }, projectId: '2a473356cca5487f8373be891bffc1cf' },
    // The same hosts as the list, for `outpost run`; each host installs in a folder of its own (all on one machine here).
    targets: targets.map((t, i) => ({ host: t.host, port: t.port, user: (targetUsers[i] as TestUser).name, name: NAMES[i], privateKey: { path: key.privateKeyPath } })),
    options: { installDir: path.join(dir, 'oss', '{host.name}', 'servicemgr'), download: 'tunnel' },
  };
  answersFile = path.join(dir, 'answers.yaml');
  fs.writeFileSync(answersFile, YAML.stringify(answers));
  hostsFile = path.join(dir, 'hosts.csv');
  fs.writeFileSync(hostsFile, ['host,port,user,privateKey,name', ...targets.map((t, i) => `${t.host},${t.port},${(targetUsers[i] as TestUser).name},${key.privateKeyPath},${NAMES[i]}`)].join('\n') + '\n');
  out = path.join(dir, 'export');
  env = { PATH: process.env.PATH, ...SECRETS };
  process.env.OUTPOST_DATA_DIR = path.join(dir, 'data');
}, 120_000);

afterAll(async () => {
  if (savedDataDir === undefined) delete process.env.OUTPOST_DATA_DIR;
  else process.env.OUTPOST_DATA_DIR = savedDataDir;
  cleanupUsers();
  cleanupMoreUsers();
  await backend?.close();
  await stopAll();
  for (const u of [TEST_USERS.t1.name, TEST_USERS.t2.name, ...MORE_USERS.map((m) => m.name)]) fs.rmSync(path.join('/home', u, '.ansible'), { recursive: true, force: true });
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('outpost export ansible', () => {
  it('lists the hosts Outpost has not verified, then checks their keys with --accept-new-hostkeys', async () => {
    const first = await exportCli();
    expect(first.code, first.stderr).toBe(1);
    expect(first.stderr).toContain('4 hosts have no verified host key');
    for (const n of NAMES) expect(first.stderr).toContain(`  ${n}: `);
    expect(fs.readFileSync(path.join(out, 'known_hosts'), 'utf8')).toContain('NO VERIFIED HOST KEY');

    const second = await exportCli({ acceptNewHostkeys: true });
    expect(second.code, second.stderr).toBe(0);
    // Each fingerprint is shown as outpost run shows it, and matches OpenSSH's own.
    for (const s of [jump, ...targets]) expect(second.stderr).toContain(`Accepted new host key for ${s.host}:${s.port}`);
    for (const s of [jump, ...targets]) expect(second.stderr).toContain(s.hostKeyFingerprint);
    expect(second.stdout).toContain('Secrets are read from the environment when it runs: OUTPOST_AK, OUTPOST_SK.');
    const kh = fs.readFileSync(path.join(out, 'known_hosts'), 'utf8');
    expect(kh).not.toContain('NO VERIFIED HOST KEY');
    for (const s of [jump, ...targets]) expect(kh).toContain(`[${s.host}]:${s.port} ${s.hostPublicKey}`);
    for (const f of ['inventory.yml', 'site.yml', 'known_hosts', 'README.md', 'ansible.cfg', '.outpost-export']) expect(fs.existsSync(path.join(out, f)), f).toBe(true);
    const inv = fs.readFileSync(path.join(out, 'inventory.yml'), 'utf8');
    expect(inv).toContain('StrictHostKeyChecking=yes');
    expect(inv).toContain('ProxyCommand=');
    expect(inv).not.toMatch(/StrictHostKeyChecking=(no|accept-new)/);
  }, 120_000);

  it('passes ansible-playbook --syntax-check, and no secret value is anywhere in the folder', async () => {
    const r = await ansible(['site.yml', '--syntax-check']);
    expect(r.code, r.output).toBe(0);
    const values = [...Object.values(SECRETS), TEST_USERS.t1.password, TEST_USERS.t2.password, key.privateKey.split('\n')[1] ?? 'x'];
    for (const f of allFiles(out)) {
      const text = fs.readFileSync(f, 'utf8');
      for (const v of values) expect(text.includes(v), `${path.relative(out, f)} holds a secret`).toBe(false);
    }
    // grep, as an operator would check it.
    const grep = (v: string) => {
      try {
        return execFileSync('grep', ['-rlF', '--', v, out], { encoding: 'utf8' });
      } catch {
        return ''; // exit 1: nothing found
      }
    };
    for (const v of values) expect(grep(v)).toBe('');
  });

  it('installs the agent on all three targets with host key checking on; a second run changes nothing', async () => {
    expect(ansibleEnv().ANSIBLE_HOST_KEY_CHECKING).toBeUndefined();
    // The three "hosts" share one user and home folder on this machine, each installing in a folder of its own.
    const r = await ansible(['site.yml', '--forks', '3']);
    expect(r.code, r.output.slice(-6000)).toBe(0);
    const rc = recap(r.output);
    expect(Object.keys(rc).sort()).toEqual(['jump0', ...NAMES].sort());
    for (const [h, c] of Object.entries(rc)) {
      expect(c.failed, h).toBe(0);
      expect(c.unreachable, h).toBe(0);
      expect(c.changed, h).toBeGreaterThan(0);
    }
    // The same markers and checks as outpost run: the installer's success line, the verify checks.
    expect(r.output.match(/ICAgent install success/g)?.length ?? 0).toBeGreaterThanOrEqual(3);
    expect(r.output).toMatch(/tunnel started \(ssh -f in the background\)/);
    for (const n of NAMES) {
      expect(r.output).toMatch(new RegExp(`TASK \\[install: Install Huawei Cloud LTS ICAgent on the target\\][\\s\\S]*?changed: \\[${n}\\]`));
      expect(fs.existsSync(path.join(installDir(n), 'ICAgent', 'bin'))).toBe(true);
    }
    // The fixture agent is a main process and the one holding its connections to 30200 and 30201.
    expect(r.output).toMatch(/pass process icagent: icagent runs \(\d+ process(es)?\)/);
    // Agent traffic seen or not, the check only warns (as in outpost run).
    expect(r.output).toMatch(/(pass|warn) agent traffic: /);
    firstRun = r.output;
    // Task names are the plan's step ids.
    for (const id of ['connect.jump0', 'tunnel.jump0.hostkey', 'tunnel.jump0.key', 'tunnel.jump0.authorize', 'tunnel.jump0', 'ports.jump0', 'connect', 'preflight', 'install', 'cleanup', 'verify']) {
      expect(r.output).toMatch(new RegExp(`TASK \\[${id.replace(/\./g, '\\.')}: `));
    }
    // The downloaded installer was removed from each login folder (the cleanup step ran in the home folder).
    for (const u of targetUsers) expect(fs.existsSync(path.join(u.home, 'apm_agent_install.sh'))).toBe(false);
    // Three agents report through the tunnel.
    await backend.waitForHeartbeats(6, { timeoutMs: 20_000 });
    const pids = new Set(backend.heartbeats().map((h) => h.pid));
    expect(pids.size).toBeGreaterThanOrEqual(3);
    const ak = createHash('sha256').update(SECRETS.OUTPOST_AK).digest('hex');
    for (const n of NAMES) expect(conf(n)).toMatchObject({ region: 'cn-north-4', projectid: '2a473356cca5487f8373be891bffc1cf', accessip: jump.host, dc: 'dc-test-1', ak_sha256: ak });
    // No secret in what Ansible printed either (the install runs with no_log; its result is masked).
    for (const v of Object.values(SECRETS)) expect(r.output).not.toContain(v);

    const again = await ansible(['site.yml', '--forks', '3']);
    expect(again.code, again.output.slice(-6000)).toBe(0);
    for (const [h, c] of Object.entries(recap(again.output))) {
      // Nothing changes but the cleanup's `rm -f` of an installer an earlier version left in the login
      // folder (it runs where the agent already runs, too: that is where such files were left).
      expect(c.changed, `${h}: ${again.output.slice(-3000)}`).toBe(h === 'jump0' ? 0 : 1);
      expect(c.failed, h).toBe(0);
    }
    expect(again.output).toContain("healthy tunnel kept: every forward held by the tunnel's ssh and carrying; step skipped");
    expect(again.output).toContain('Huawei Cloud LTS ICAgent is already installed and running; step skipped');
  }, 600_000);

  it('matches outpost run on the same hosts: the same verify checks pass, and its own install writes the same configuration', async () => {
    const before = Object.fromEntries(NAMES.map((n) => [n, conf(n)]));
    const o = capture();
    const e = capture();
    const io = { stdout: o.stream, stderr: e.stream, stdin: noTty(), env: { PATH: process.env.PATH, ...SECRETS } };
    const code = await runRunCommand(answersFile, {}, io);
    expect(code, o.text + e.text).toBe(0);
    expect(o.text).toContain('healthy tunnel kept');
    expect(o.text.match(/already installed and running/g)?.length ?? 0).toBeGreaterThanOrEqual(3);
    // outpost run's verify checks on these hosts are the ones the playbook printed, word for word.
    const checks = (t: string) => [...t.matchAll(/(?:^|")((?:pass|warn|FAIL) (?:ICAgent files|process icagent): [^"\n]*)/gm)].map((m) => m[1]).sort();
    const ran = checks(o.text);
    expect(ran.length).toBe(6);
    expect(ran).toEqual(checks(firstRun.slice(firstRun.lastIndexOf('TASK [verify (result)]'))));

    // outpost run's own install on one host gives the installer the same values the playbook gave it.
    const t = targets[1] as SshdInstance;
    const re = capture();
    const rcode = await runRunCommand(answersFile, { target: `${(targetUsers[1] as TestUser).name}@${t.host}:${t.port}`, reinstall: true }, { ...io, stdout: re.stream });
    expect(rcode, re.text).toBe(0);
    expect(re.text).toContain('ICAgent install success');
    expect(conf('t-b')).toEqual(before['t-b']);
    void ROOT;
  }, 300_000);
});

describe('every shipped profile exports, or is refused naming the step', () => {
  it('exports each example (Linux) to a playbook that passes --syntax-check; Windows and vendor tunnels are refused', async () => {
    const examples = fs.readdirSync(path.join(ROOT, 'resources', 'examples')).filter((f) => f.endsWith('.yaml'));
    const results: string[] = [];
    const checks: Array<Promise<void>> = [];
    for (const f of examples) {
      const o = capture();
      const e = capture();
      const to = path.join(dir, 'examples', f.replace(/\.yaml$/, ''));
      const code = await runExportAnsible(path.join(ROOT, 'resources', 'examples', f), { out: to }, { stdout: o.stream, stderr: e.stream, stdin: noTty(), env: { PATH: process.env.PATH } });
      results.push(`${f}: ${code}`);
      if (code === 2) {
        // Refused (or invalid input): nothing written, and the message names a step or the problem.
        expect(e.text, f).toMatch(/Step [\w.-]+: |package|not a readable file|is not set|targets/);
        expect(fs.existsSync(path.join(to, 'site.yml')), f).toBe(false);
        continue;
      }
      expect([0, 1], `${f}: ${e.text}`).toContain(code);
      checks.push(ansible(['site.yml', '--syntax-check'], to).then((r) => expect(r.code, `${f}: ${r.output}`).toBe(0)));
    }
    await Promise.all(checks);
    expect(results.find((r) => r.startsWith('linux-jump.yaml'))).toBe('linux-jump.yaml: 1');
    expect(results.find((r) => r.startsWith('windows-jump.yaml'))).toBe('windows-jump.yaml: 2');
  }, 300_000);
});
