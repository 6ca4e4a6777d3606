// The world of the lifecycle tests (issue 26): real sshd targets behind a real jump server with the
// lifecycle test profile (test/fixtures/profiles/lifecycle-test.yaml: a daemon per host, an uninstall
// section), a persistent tunnel forwarding to a local collector, the jump user's files as a person left
// them (someone else's key in authorized_keys). Shared by lifecycle.test.ts and export/uninstall-yml.test.ts,
// with the helpers both need: the CLI, ansible-playbook, and file and process snapshots.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { ensureTestUser, freePort, generateKeyPair, startSshd, stopAll, TEST_USERS, type SshdInstance, type TestUser } from './sshd';

export const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
export const PROFILES = path.join(ROOT, 'test', 'fixtures', 'profiles');
/** Someone else's key in the jump user's authorized_keys: the tunnel's removal must keep it. */
export const OTHER_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0Zp2Jm3Xw0t3mM7h9Qy4bB3Xy2k6zHj7rVv0sW1aB someone-else@example';

export interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface LifecycleWorld {
  dir: string;
  jump: SshdInstance;
  targets: SshdInstance[];
  jumpUser: TestUser;
  user: TestUser;
  /** The folder under the target user's home where each host's agent lives (`base/<host>/agent.sh`). */
  base: string;
  answersFile: string;
  hostsFile: string;
  /** The answers, hosts, profiles and known_hosts arguments every command of the test takes. */
  common: () => string[];
  outpost: (args: string[], started?: (child: ReturnType<typeof spawn>, out: () => string) => void) => Promise<Outcome>;
  /** ansible-playbook in `dir/export`; its temporary files on the hosts under /tmp, not in the users' homes. */
  ansible: (playbook: string) => Promise<{ code: number | null; output: string }>;
  /** The test users' processes (pid and command line), their login sessions left out. */
  processes: () => string[];
  close: () => Promise<void>;
}

/** Every file under a folder: path, mode, owner, content (what a host's or the jump user's "files" are here). */
export function tree(d: string): string[] {
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

/** Sessions of a run that just ended may take a moment to go: read until two reads agree. */
export async function settled<T>(read: () => T, ms = 3000): Promise<T> {
  let a = read();
  const end = Date.now() + ms;
  for (;;) {
    await new Promise((r) => setTimeout(r, 300));
    const b = read();
    if (JSON.stringify(a) === JSON.stringify(b) || Date.now() > end) return b;
    a = b;
  }
}

async function killAll(users: TestUser[]): Promise<void> {
  for (const u of users) {
    try {
      execFileSync('pkill', ['-KILL', '-u', u.name], { stdio: 'ignore' });
    } catch {
      /* none */
    }
  }
  const uids = new Set(users.map((u) => u.uid));
  for (let i = 0; i < 50; i++) {
    const left = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e) && (() => { try { return uids.has(fs.statSync(`/proc/${e}`).uid); } catch { return false; } })());
    if (!left.length) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function pkill(user: string | undefined, pattern: string, signal = '-KILL'): void {
  try {
    if (user) execFileSync('pkill', [signal, '-u', user, '-f', pattern], { stdio: 'ignore' });
  } catch {
    /* nothing to kill */
  }
}

/**
 * Starts the world: `net` is the 127.x prefix of this test's addresses (each test its own, so two
 * files never share one), `hosts` the last octets of its targets.
 */
export async function startLifecycleWorld(name: string, netPrefix: string, hosts: number[]): Promise<LifecycleWorld> {
  const [jumpUser, user] = await Promise.all([ensureTestUser(TEST_USERS.t1), ensureTestUser(TEST_USERS.t2)]);
  // The users are throwaway test users: a process of theirs now is an earlier test's leftover, and the
  // tests compare these users' processes before and after a check.
  await killAll([jumpUser, user]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `outpost-${name}-`));
  fs.chmodSync(dir, 0o755);
  const key = await generateKeyPair(path.join(dir, 'keys'), { name: 'id_ed25519' });
  const octet = 20 + Math.floor(Math.random() * 200);
  const jump = await startSshd({ address: `${netPrefix}.${octet}.2`, userAuthorizedKeys: true });
  const targets = await Promise.all(hosts.map((n) => startSshd({ address: `${netPrefix}.${octet}.${n}` })));
  await jump.authorize(jumpUser.name, key.publicKeyLine);
  for (const t of targets) await t.authorize(user.name, key.publicKeyLine);
  const sockets = new Set<net.Socket>();
  const collector = net
    .createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined).on('close', () => sockets.delete(s)).resume();
    })
    .listen(0, '127.0.0.1');
  await new Promise((r) => collector.once('listening', r));
  const base = path.join(user.home, `${name}-${process.pid}`);
  // The jump user's files as a person left them: another key in authorized_keys, nothing of Outpost's.
  pkill(jumpUser.name, 'ssh .*-L');
  for (const f of ['.outpost', '.ssh', '.config']) fs.rmSync(path.join(jumpUser.home, f), { recursive: true, force: true });
  fs.mkdirSync(path.join(jumpUser.home, '.ssh'), { mode: 0o700 });
  fs.writeFileSync(path.join(jumpUser.home, '.ssh', 'authorized_keys'), `${OTHER_KEY}\n`, { mode: 0o600 });
  execFileSync('chown', ['-R', `${jumpUser.name}:`, path.join(jumpUser.home, '.ssh')]);
  const answers = {
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
  const answersFile = path.join(dir, 'answers.yaml');
  fs.writeFileSync(answersFile, YAML.stringify(answers));
  const hostsFile = path.join(dir, 'hosts.csv');
  fs.writeFileSync(hostsFile, ['host,port,user,privateKey', ...targets.map((t) => `${t.host},${t.port},${user.name},${key.privateKeyPath}`)].join('\n') + '\n');

  const outpost: LifecycleWorld['outpost'] = (args, started) => {
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
  };

  const ansible: LifecycleWorld['ansible'] = (playbook) => {
    const home = path.join(dir, 'ansible-home');
    const env = { PATH: process.env.PATH, LANG: 'C.UTF-8', HOME: home, ANSIBLE_LOCAL_TEMP: path.join(home, 'tmp'), ANSIBLE_REMOTE_TMP: '/tmp', ANSIBLE_SSH_CONTROL_PATH_DIR: path.join(dir, 'cp'), ANSIBLE_NOCOLOR: '1' };
    const run = spawn('/usr/bin/ansible-playbook', [playbook], { cwd: path.join(dir, 'export'), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    run.stdout.on('data', (d: Buffer) => (output += d.toString()));
    run.stderr.on('data', (d: Buffer) => (output += d.toString()));
    return new Promise((resolve) => run.on('close', (code) => resolve({ code, output })));
  };

  const processes = (): string[] => {
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
  };

  const close = async () => {
    for (const s of sockets) s.destroy();
    collector.close();
    pkill(jumpUser.name, 'ssh .*-L');
    pkill(user.name, `${base}/`);
    await stopAll();
    for (const d of [dir, base]) fs.rmSync(d, { recursive: true, force: true });
  };

  return {
    dir,
    jump,
    targets,
    jumpUser,
    user,
    base,
    answersFile,
    hostsFile,
    common: () => [answersFile, '--hosts', hostsFile, '--profiles', PROFILES, '--known-hosts', path.join(dir, 'known_hosts')],
    outpost,
    ansible,
    processes,
    close,
  };
}
