// Issue 26's "done when", on real sshd hosts behind a real jump server with a profile the repository does
// not ship (test/fixtures/profiles/lifecycle-test.yaml: a daemon per host, an uninstall section):
// install 5 hosts; kill one agent → `outpost check` says 1 agent-down, exit 1; stop the jump's tunnel →
// every host tunnel-down, exit 1; neither check changes a file or a process anywhere; repair (the
// install again) → all healthy, exit 0; `outpost uninstall --remove-tunnel` → every agent removed and
// proved gone, the jump user's files as before the first install (another key in authorized_keys kept),
// journals complete; `outpost inventory` lists the 5 hosts with their install, check and uninstall times.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTestUser, freePort, generateKeyPair, startSshd, stopAll, TEST_USERS, type KeyPair, type SshdInstance, type TestUser } from './harness/sshd';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const PROFILES = path.join(ROOT, 'test', 'fixtures', 'profiles');
// Someone else's key in the jump user's authorized_keys: the tunnel's removal must keep it.
const OTHER_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0Zp2Jm3Xw0t3mM7h9Qy4bB3Xy2k6zHj7rVv0sW1aB someone-else@example';

let dir: string;
let jump: SshdInstance;
let targets: SshdInstance[];
let collector: net.Server;
const sockets = new Set<net.Socket>();
let key: KeyPair;
let jumpUser: TestUser;
let user: TestUser;
let base: string;
let answersFile: string;
let hostsFile: string;

function outpost(args: string[], started?: (child: ReturnType<typeof spawn>, out: () => string) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'outpost.mjs'), ...args], { env: { PATH: process.env.PATH, OUTPOST_DATA_DIR: path.join(dir, 'data') }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  started?.(child, () => stdout);
  // A hang fails that command with what it printed, not the whole test with nothing.
  const guard = setTimeout(() => child.kill('SIGKILL'), 150_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout: stdout + (code === null ? `\n[killed after 150 s: outpost ${args[0] ?? ''}]` : ''), stderr });
    }),
  );
}

/** ansible-playbook in the export folder; its temporary files on the hosts under /tmp, not in the users' homes. */
function ansible(playbook: string): Promise<{ code: number | null; output: string }> {
  const home = path.join(dir, 'ansible-home');
  const run = spawn('/usr/bin/ansible-playbook', [playbook], { cwd: path.join(dir, 'export'), env: { PATH: process.env.PATH, LANG: 'C.UTF-8', HOME: home, ANSIBLE_LOCAL_TEMP: path.join(home, 'tmp'), ANSIBLE_REMOTE_TMP: '/tmp', ANSIBLE_SSH_CONTROL_PATH_DIR: path.join(dir, 'cp'), ANSIBLE_NOCOLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  run.stdout.on('data', (d: Buffer) => (output += d.toString()));
  run.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => run.on('close', (code) => resolve({ code, output })));
}

const common = () => [answersFile, '--hosts', hostsFile, '--profiles', PROFILES, '--known-hosts', path.join(dir, 'known_hosts')];

/** Every file under a folder: path, mode, content (what a host's or the jump user's "files" are here). */
function tree(d: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    if (!fs.existsSync(p)) return;
    for (const e of fs.readdirSync(p, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const f = path.join(p, e.name);
      const st = fs.lstatSync(f);
      out.push(`${path.relative(d, f)} ${(st.mode & 0o7777).toString(8)} ${st.uid} ${e.isFile() ? fs.readFileSync(f, 'utf8') : ''}`);
      if (e.isDirectory()) walk(f);
    }
  };
  walk(d);
  return out;
}

/** The test users' processes (pid and command line), their login sessions left out. */
function processes(): string[] {
  const uids = new Set([jumpUser.uid, user.uid]);
  const out: string[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (!uids.has(fs.statSync(`/proc/${e}`).uid)) continue;
      const cmd = fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (!cmd || cmd.startsWith('sshd')) continue;
      out.push(`${e} ${cmd}`);
    } catch {
      /* gone meanwhile */
    }
  }
  return out.sort();
}

/** A snapshot of everything the check could change: each host's folder, the jump user's home, the processes. */
const snapshot = () => ({ hosts: tree(base), jump: tree(jumpUser.home), procs: processes() });

async function settled<T>(read: () => T, ms = 3000): Promise<T> {
  // Sessions of a run that just ended may take a moment to go: wait until two reads agree.
  let a = read();
  const end = Date.now() + ms;
  for (;;) {
    await new Promise((r) => setTimeout(r, 300));
    const b = read();
    if (JSON.stringify(a) === JSON.stringify(b) || Date.now() > end) return b;
    a = b;
  }
}

// A host's line: `user@host:port: state — reason` (with --watch, after the time of the check).
const HOST_LINE = /^(?:\d{4}-\S+Z )?\S+@[\d.]+:\d+: (\S+)/;
const states = (stdout: string) => stdout.split('\n').flatMap((l) => { const m = HOST_LINE.exec(l); return m?.[1] ? [m[1]] : []; });
const killAgent = (t: SshdInstance) => execFileSync('pkill', ['-TERM', '-u', user.name, '-f', `${base}/${t.host}/agent.sh`]);
const killTunnel = () => execFileSync('pkill', ['-KILL', '-u', jumpUser.name, '-f', 'ssh .*-L']);

beforeAll(async () => {
  [jumpUser, user] = await Promise.all([ensureTestUser(TEST_USERS.t1), ensureTestUser(TEST_USERS.t2)]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-lifecycle-'));
  fs.chmodSync(dir, 0o755);
  key = await generateKeyPair(path.join(dir, 'keys'), { name: 'id_ed25519' });
  const octet = 20 + Math.floor(Math.random() * 200);
  jump = await startSshd({ address: `127.2.${octet}.2`, userAuthorizedKeys: true });
  targets = await Promise.all([11, 12, 13, 14, 15].map((n) => startSshd({ address: `127.2.${octet}.${n}` })));
  await jump.authorize(jumpUser.name, key.publicKeyLine);
  for (const t of targets) await t.authorize(user.name, key.publicKeyLine);
  collector = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined).on('close', () => sockets.delete(s)).resume();
  }).listen(0, '127.0.0.1');
  await new Promise((r) => collector.once('listening', r));
  base = path.join(user.home, `lifecycle-${process.pid}`);
  // The jump user's files as a person left them: another key in authorized_keys, nothing of Outpost's.
  try {
    execFileSync('pkill', ['-KILL', '-u', jumpUser.name, '-f', 'ssh .*-L'], { stdio: 'ignore' });
  } catch {
    /* no tunnel left from an earlier run */
  }
  for (const f of ['.outpost', '.ssh', '.config']) fs.rmSync(path.join(jumpUser.home, f), { recursive: true, force: true });
  fs.mkdirSync(path.join(jumpUser.home, '.ssh'), { mode: 0o700 });
  fs.writeFileSync(path.join(jumpUser.home, '.ssh', 'authorized_keys'), `${OTHER_KEY}\n`, { mode: 0o600 });
  execFileSync('chown', ['-R', `${jumpUser.name}:`, path.join(jumpUser.home, '.ssh')]);
  const a = {
    profile: 'lifecycle-test',
    os: 'linux',
    connectivity: {
      mode: 'jump',
      jumpServers: [{ privateIp: jump.host, ssh: { host: jump.host, port: jump.port, user: jumpUser.name, privateKey: { path: key.privateKeyPath } } }],
      elbIp: '127.0.0.1',
      connectionIp: jump.host,
      tunnel: 'persistent',
      portOverrides: { '45679': { listen: await freePort(jump.host), target: `127.0.0.1:${(collector.address() as net.AddressInfo).port}` } },
    },
    inputs: { base },
    targets: [{ host: targets[0]?.host, port: targets[0]?.port, user: user.name, privateKey: { path: key.privateKeyPath } }],
  };
  answersFile = path.join(dir, 'answers.yaml');
  fs.writeFileSync(answersFile, YAML.stringify(a));
  hostsFile = path.join(dir, 'hosts.csv');
  fs.writeFileSync(hostsFile, ['host,port,user,privateKey', ...targets.map((t) => `${t.host},${t.port},${user.name},${key.privateKeyPath}`)].join('\n') + '\n');
}, 120_000);

afterAll(async () => {
  for (const s of sockets) s.destroy();
  collector?.close();
  for (const [u, pat] of [[jumpUser?.name, 'ssh .*-L'], [user?.name, `${base}/`]] as const) {
    try {
      if (u) execFileSync('pkill', ['-KILL', '-u', u, '-f', pat], { stdio: 'ignore' });
    } catch {
      /* nothing left */
    }
  }
  await stopAll();
  for (const d of [dir, base]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

describe('after the install: check, uninstall, inventory', () => {
  it('check finds the dead agent and the stopped tunnel without changing anything; repair; uninstall --remove-tunnel leaves the jump server as before; inventory lists it all', async () => {
    const before = tree(jumpUser.home);
    const install = await outpost(['batch', ...common(), '--accept-new-hostkeys', '--concurrency', '5']);
    expect(install.code, install.stderr + install.stdout).toBe(0);

    // All healthy first.
    const ok = await outpost(['check', ...common()]);
    expect(ok.code, ok.stderr + ok.stdout).toBe(0);
    expect(states(ok.stdout)).toEqual(Array(5).fill('healthy'));

    // The same check for Ansible (check.yml beside site.yml): read-only, changed=0 on every host.
    const exp = await outpost(['export', 'ansible', ...common(), '--out', path.join(dir, 'export')]);
    expect(exp.code, exp.stderr + exp.stdout).toBe(0);
    const s0 = await settled(snapshot);
    const play = await ansible('check.yml');
    expect(play.code, play.output).toBe(0);
    const recap = play.output.slice(play.output.indexOf('PLAY RECAP'));
    expect(recap.match(/changed=0/g)?.length, recap).toBe(6);
    expect(recap).not.toMatch(/changed=[1-9]|failed=[1-9]|ignored=[1-9]/);
    expect(play.output).toMatch(/TASK \[check\.tunnel\.jump0/);
    expect(await settled(snapshot)).toEqual(s0);

    // One agent dies: 1 agent-down, the others healthy; nothing changed anywhere.
    killAgent(targets[2] as SshdInstance);
    const s1 = await settled(snapshot);
    const report = path.join(dir, 'check1.json');
    const c1 = await outpost(['check', ...common(), '--report', report]);
    expect(c1.code, c1.stderr + c1.stdout).toBe(1);
    const r1 = JSON.parse(fs.readFileSync(report, 'utf8')) as { checkedAt: string; totals: Record<string, number>; hosts: Array<{ host: string; state: string; reason: string }> };
    expect(r1.totals).toEqual({ healthy: 4, 'agent-down': 1 });
    expect(r1.hosts.find((h) => h.state === 'agent-down')).toMatchObject({ host: targets[2]?.host });
    expect(r1.hosts.find((h) => h.state === 'agent-down')?.reason).toMatch(/no process matching/);
    expect(Date.parse(r1.checkedAt)).toBeGreaterThan(0);
    expect(await settled(snapshot)).toEqual(s1);
    // check.yml says the same: that host fails its verify, nothing changed anywhere.
    const play1 = await ansible('check.yml');
    expect(play1.code, play1.output).not.toBe(0);
    const recap1 = play1.output.slice(play1.output.indexOf('PLAY RECAP'));
    expect(recap1.match(/failed=1/g)?.length, recap1).toBe(1);
    expect(recap1).not.toMatch(/changed=[1-9]/);
    expect(await settled(snapshot)).toEqual(s1);

    // The jump server's tunnel stops: every host behind it is tunnel-down, with the tunnel as the reason.
    killTunnel();
    const s2 = await settled(snapshot);
    const c2 = await outpost(['check', ...common()]);
    expect(c2.code, c2.stderr + c2.stdout).toBe(1);
    expect(states(c2.stdout)).toEqual(Array(5).fill('tunnel-down'));
    expect(c2.stdout).toMatch(/the tunnel on .* is down/);
    expect(await settled(snapshot)).toEqual(s2);

    // Repair: the install again (healthy hosts skipped by their guard, the tunnel and the dead agent restarted).
    const repair = await outpost(['batch', ...common(), '--concurrency', '5']);
    expect(repair.code, repair.stderr + repair.stdout).toBe(0);
    const c3 = await outpost(['check', ...common()]);
    expect(c3.code, c3.stderr + c3.stdout).toBe(0);
    expect(states(c3.stdout)).toEqual(Array(5).fill('healthy'));

    // --watch: the first round says every host, later rounds only what changed (nothing here); Ctrl-C ends it (130).
    let rounds = 0;
    const watch = await outpost(['check', ...common(), '--watch', '1'], (child, out) => {
      const poll = setInterval(() => {
        if (states(out()).length >= 5 && ++rounds === 12) {
          clearInterval(poll);
          child.kill('SIGINT');
        }
      }, 250);
    });
    expect(watch.code, watch.stderr + watch.stdout).toBe(130);
    expect(states(watch.stdout)).toEqual(Array(5).fill('healthy'));
    expect(fs.readdirSync(path.join(dir, 'data', 'journals')).length).toBeGreaterThan(0);

    // Uninstall, then the tunnel's removal: the agents are gone, the jump user's files as before.
    const un = await outpost(['uninstall', ...common(), '--remove-tunnel', '--report', path.join(dir, 'uninstall.json')]);
    expect(un.code, un.stderr + un.stdout).toBe(0);
    expect(states(un.stdout)).toEqual(Array(5).fill('removed'));
    expect(un.stdout).toMatch(/tunnel on .*: removed/);
    for (const t of targets) expect(fs.existsSync(path.join(base, t.host))).toBe(false);
    expect(processes().filter((p) => p.includes(base) || / -L /.test(p))).toEqual([]);
    expect(await settled(() => tree(jumpUser.home))).toEqual(before);
    expect(fs.readFileSync(path.join(jumpUser.home, '.ssh', 'authorized_keys'), 'utf8')).toBe(`${OTHER_KEY}\n`);

    // The journals are complete: every run started and ended; the uninstall's proof on each host.
    const journals = fs.readdirSync(path.join(dir, 'data', 'journals')).filter((f) => f.endsWith('.jsonl'));
    const runs = journals.map((f) => fs.readFileSync(path.join(dir, 'data', 'journals', f), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>));
    for (const j of runs) expect(j.filter((x) => x.type === 'run.end')).toHaveLength(1);
    const uninstall = runs.find((j) => j[0]?.kind === 'uninstall' && j.some((x) => x.step === 'verify.removed'));
    expect(uninstall?.filter((x) => x.type === 'step' && x.step === 'verify.removed' && x.outcome === 'done')).toHaveLength(5);
    expect(runs.some((j) => j.some((x) => x.type === 'step' && x.step === 'untunnel.jump0' && x.outcome === 'done'))).toBe(true);

    // The inventory: the 5 hosts, with install, last check and uninstall times.
    const inv = await outpost(['inventory', '--json']);
    expect(inv.code, inv.stderr).toBe(0);
    const hosts = (JSON.parse(inv.stdout) as { hosts: Array<Record<string, unknown>> }).hosts;
    expect(hosts.map((h) => h.address).sort()).toEqual(targets.map((t) => `${user.name}@${t.host}:${t.port}`).sort());
    for (const h of hosts) {
      expect(h).toMatchObject({ profile: 'lifecycle-test', os: 'linux', jump: `${jumpUser.name}@${jump.host}:${jump.port}`, answers: answersFile, state: 'removed', lastCheck: { state: 'healthy' } });
      expect(Date.parse(String(h.installedAt))).toBeLessThan(Date.parse((h.lastCheck as { at: string }).at));
      expect(Date.parse((h.lastCheck as { at: string }).at)).toBeLessThan(Date.parse(String(h.uninstalledAt)));
    }
    const table = await outpost(['inventory']);
    expect(table.stdout).toMatch(/HOST\s+AGENT/);
  }, 600_000);

  it('bad input is exit 2 with a line saying what to fix', async () => {
    const r = await outpost(['check', answersFile, '--hosts', path.join(dir, 'nope.csv'), '--profiles', PROFILES]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--hosts: .* cannot be read/);
    const w = await outpost(['check', ...common(), '--watch', 'soon']);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/--watch/);
  });
});
