// uninstall.yml of `outpost export ansible`, run for real (issue 26): on real sshd hosts behind a real
// jump server with the lifecycle test profile (test/fixtures/profiles/lifecycle-test.yaml: a daemon per
// host, an uninstall section), Debian's ansible-playbook with host key checking on runs the profile's
// uninstall steps on each target and proves the agent gone with its verify probes turned round, as
// `outpost uninstall` does: every agent's process and folder gone, the jump server's tunnel left as it
// was. A host where a process still matches the agent (one the uninstall cannot stop) fails, with the
// probe named, and only it.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTestUser, freePort, generateKeyPair, startSshd, stopAll, TEST_USERS, type KeyPair, type SshdInstance, type TestUser } from '../harness/sshd';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
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


beforeAll(async () => {
  [jumpUser, user] = await Promise.all([ensureTestUser(TEST_USERS.t1), ensureTestUser(TEST_USERS.t2)]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-uninstall-yml-'));
  fs.chmodSync(dir, 0o755);
  key = await generateKeyPair(path.join(dir, 'keys'), { name: 'id_ed25519' });
  const octet = 20 + Math.floor(Math.random() * 200);
  jump = await startSshd({ address: `127.3.${octet}.2`, userAuthorizedKeys: true });
  targets = await Promise.all([11, 12, 13].map((n) => startSshd({ address: `127.3.${octet}.${n}` })));
  await jump.authorize(jumpUser.name, key.publicKeyLine);
  for (const t of targets) await t.authorize(user.name, key.publicKeyLine);
  collector = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined).on('close', () => sockets.delete(s)).resume();
  }).listen(0, '127.0.0.1');
  await new Promise((r) => collector.once('listening', r));
  base = path.join(user.home, `uninstall-yml-${process.pid}`);
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

describe('export: uninstall.yml', () => {
  it('removes the agents and proves them gone; a host where the agent still runs fails, named', async () => {
    const install = await outpost(['batch', ...common(), '--accept-new-hostkeys', '--concurrency', '3']);
    expect(install.code, install.stderr + install.stdout).toBe(0);
    for (const t of targets) expect(fs.existsSync(path.join(base, t.host, 'agent.sh'))).toBe(true);
    const exp = await outpost(['export', 'ansible', ...common(), '--out', path.join(dir, 'export')]);
    expect(exp.code, exp.stderr + exp.stdout).toBe(0);
    const text = fs.readFileSync(path.join(dir, 'export', 'uninstall.yml'), 'utf8');
    expect(text).toMatch(/uninstall: Stop and remove the agent/);
    expect(text).toMatch(/verify\.removed \(result\)/);
    expect(fs.readFileSync(path.join(dir, 'export', 'README.md'), 'utf8')).toMatch(/uninstall\.yml/);
    const tunnel = () => processes().filter((p) => / -L /.test(p));
    const tunnelBefore = tunnel();
    expect(tunnelBefore.length).toBeGreaterThan(0);
    const jumpBefore = await settled(() => tree(jumpUser.home));

    // The agents go, proved gone on each host; the jump server (its tunnel, its files) as it was.
    const play = await ansible('uninstall.yml');
    expect(play.code, play.output).toBe(0);
    const recap = play.output.slice(play.output.indexOf('PLAY RECAP'));
    expect(recap).not.toMatch(/failed=[1-9]|unreachable=[1-9]/);
    expect(play.output).toMatch(/TASK \[verify\.removed \(result\)\]/);
    expect(play.output).toMatch(/lifecycle agent: gone: no process matching/);
    for (const t of targets) expect(fs.existsSync(path.join(base, t.host))).toBe(false);
    expect(processes().filter((p) => p.includes(`${base}/`))).toEqual([]);
    expect(tunnel()).toEqual(tunnelBefore);
    expect(await settled(() => tree(jumpUser.home))).toEqual(jumpBefore);

    // Again, on hosts already clean: the uninstall step's failure is only reported, the proof passes.
    const again = await ansible('uninstall.yml');
    expect(again.code, again.output).toBe(0);

    // Installed again; on one host a process the uninstall cannot stop (not the login user's) still
    // matches the agent: that host fails its proof, named; the others are removed.
    const re = await outpost(['batch', ...common(), '--concurrency', '3']);
    expect(re.code, re.stderr + re.stdout).toBe(0);
    const stuck = targets[1] as SshdInstance;
    const decoy = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)', `${base}/${stuck.host}/agent.sh`], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const fail = await ansible('uninstall.yml');
      expect(fail.code, fail.output).not.toBe(0);
      const recap2 = fail.output.slice(fail.output.indexOf('PLAY RECAP'));
      expect(recap2.match(/failed=1/g)?.length, recap2).toBe(1);
      expect(fail.output).toMatch(/Still installed on \S+: process lifecycle agent \(still there: lifecycle agent runs/);
      for (const t of targets.filter((x) => x !== stuck)) expect(fs.existsSync(path.join(base, t.host))).toBe(false);
    } finally {
      decoy.kill('SIGKILL');
    }
  }, 600_000);
});
