// Real OpenSSH sshd instances for integration tests, on loopback only (127.0.0.0/8), high free ports,
// throwaway host keys and config in a temp dir. Tests run as root (sshd needs it to switch users);
// the login users are unprivileged throwaway accounts created on first use. The process itself (spawn,
// readiness, bind races, stopping it and its sessions) is electron/demo/sshd.ts, as for `outpost demo`.
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { executable, LoopbackSshd, signal, sleep } from '../../../electron/demo/sshd';
import { quotePosix } from '../../../electron/core/quote';

export { freePort } from '../../../electron/demo/sshd';

const run = promisify(execFile);

export const SSHD_PATH = process.env.OUTPOST_SSHD ?? '/usr/sbin/sshd';

/**
 * A throwaway user's name. OUTPOST_TEST_USER_SUFFIX gives a checkout's test run users of its own, so
 * two runs on one machine (two worktrees) never kill each other's tunnels or rewrite each other's files.
 */
export const testUserName = (base: string): string => `${base}${(process.env.OUTPOST_TEST_USER_SUFFIX ?? '').replace(/[^a-z0-9]/g, '').slice(0, 8)}`;

/** Fixed passwords so parallel test processes on one machine never fight over them (throwaway users). */
export const TEST_USERS = {
  t1: { name: testUserName('outpost-t1'), password: 'T1-pass.word!42' },
  t2: { name: testUserName('outpost-t2'), password: 'T2-other#pass77' },
  /** Another local user of a shared jump server (no sudo): what it can do to Outpost's tunnel. */
  t4: { name: testUserName('outpost-t4'), password: 'T4-mallory#pass9', sudo: false },
} as const;

export interface TestUser {
  name: string;
  password: string;
  home: string;
  uid: number;
}

export function sshdAvailable(): boolean {
  return executable(SSHD_PATH);
}

/** Throws a clear message when the machine lacks what the harness needs. */
export function requireSshd(): void {
  if (!sshdAvailable()) {
    throw new Error(
      `OpenSSH server not found at ${SSHD_PATH}. Install it (Debian: apt-get install -y openssh-server; ` +
        'test/setup-system.mjs does this) or set OUTPOST_SSHD to its path.',
    );
  }
  if (process.getuid?.() !== 0) {
    throw new Error('The sshd test harness must run as root (sshd switches to the test users).');
  }
}

/** Creates the user if missing (home, bash) and sets its password. Idempotent and race-tolerant. */
export async function ensureTestUser(spec: { name: string; password: string; sudo?: boolean }): Promise<TestUser> {
  requireSshd();
  const exists = async () => run('id', ['-u', spec.name]).then(
    (r) => Number(r.stdout.trim()),
    () => null,
  );
  let uid = await exists();
  if (uid === null) {
    try {
      await run('useradd', ['-m', '-s', '/bin/bash', spec.name]);
    } catch (err) {
      // Another test process may have created it in between.
      if ((await exists()) === null) throw err;
    }
    uid = await exists();
  }
  if (uid === null) throw new Error(`could not create test user ${spec.name}`);
  await new Promise<void>((resolve, reject) => {
    const p = spawn('chpasswd', [], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`chpasswd failed: ${err}`))));
    p.stdin.end(`${spec.name}:${spec.password}\n`);
  });
  const home = (await run('getent', ['passwd', spec.name])).stdout.split(':')[5] ?? `/home/${spec.name}`;
  // Steps marked root run as root through `sudo -n` when the login user is not root (an admin's usual
  // setup on a target): the test users are such users, with sudo without a password.
  if (spec.sudo !== false) grantSudo(spec.name);
  else fs.rmSync(sudoersFile(spec.name), { force: true });
  return { name: spec.name, password: spec.password, home, uid };
}

const sudoersFile = (user: string) => `/etc/sudoers.d/outpost-test-${user.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/** Takes a test user's sudo away (a test of what happens without it); grantSudo gives it back. */
export function revokeSudo(user: string): void {
  fs.rmSync(sudoersFile(user), { force: true });
}

/** Passwordless sudo for a throwaway test user (written atomically, mode 0440, as sudo requires). */
export function grantSudo(user: string): void {
  const file = sudoersFile(user);
  // The fixtures' settings (sshd's SetEnv: the agent's, the test's own Docker daemon) reach them through
  // sudo, which otherwise resets the environment.
  const keep = 'ICAGENT_* AOPS_* NOVA_* CP_* DOCKER_HOST';
  // The stand-ins for vendor tools (yum, apt-get, systemctl…) are found on the PATH sshd sets, not sudo's secure_path.
  const line = `Defaults:${user} env_keep += "${keep}"\nDefaults:${user} !secure_path\n${user} ALL=(ALL) NOPASSWD: ALL\n`;
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === line) return;
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, line, { mode: 0o440 });
  fs.renameSync(tmp, file);
}

export interface KeyPair {
  privateKeyPath: string;
  publicKeyPath: string;
  privateKey: string;
  /** "ssh-ed25519 AAAA... comment" */
  publicKeyLine: string;
  fingerprint: string;
}

export async function generateKeyPair(
  dir: string,
  opts: { name?: string; passphrase?: string; type?: 'ed25519' | 'ecdsa' | 'rsa'; comment?: string } = {},
): Promise<KeyPair> {
  await fsp.mkdir(dir, { recursive: true });
  const file = path.join(dir, opts.name ?? `id_${opts.type ?? 'ed25519'}_${Math.random().toString(36).slice(2, 8)}`);
  const type = opts.type ?? 'ed25519';
  const args = ['-q', '-t', type, '-N', opts.passphrase ?? '', '-C', opts.comment ?? 'outpost-test', '-f', file];
  if (type === 'rsa') args.push('-b', '2048');
  await run('ssh-keygen', args);
  const publicKeyLine = (await fsp.readFile(`${file}.pub`, 'utf8')).trim();
  return {
    privateKeyPath: file,
    publicKeyPath: `${file}.pub`,
    privateKey: await fsp.readFile(file, 'utf8'),
    publicKeyLine,
    fingerprint: await fingerprintOf(`${file}.pub`),
  };
}

/** OpenSSH's own SHA256 fingerprint of a public key file (an oracle independent of our code). */
export async function fingerprintOf(pubFile: string): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile]);
  const fp = stdout.split(/\s+/)[1];
  if (!fp?.startsWith('SHA256:')) throw new Error(`unexpected ssh-keygen -l output: ${stdout}`);
  return fp;
}

export interface SshdOptions {
  /** 127.0.0.x to listen on; picked from 127.0.0.11..250 when omitted. */
  address?: string;
  port?: number;
  passwordAuth?: boolean;
  kbdInteractiveAuth?: boolean;
  pubkeyAuth?: boolean;
  /** Jump servers need it; targets get it too unless set false. */
  allowTcpForwarding?: boolean;
  /** sshd's GatewayPorts (default clientspecified: a remote forward may listen on the host's own address). */
  gatewayPorts?: 'no' | 'yes' | 'clientspecified';
  hostKeyType?: 'ed25519' | 'ecdsa' | 'rsa';
  logLevel?: 'INFO' | 'VERBOSE' | 'DEBUG1';
  extraConfig?: string[];
  /** Also honour the users' own ~/.ssh/authorized_keys (a jump server whose tunnel logs in to itself). */
  userAuthorizedKeys?: boolean;
  /** The sftp subsystem's command (default internal-sftp): the Windows stand-in maps drive letters. */
  sftpSubsystem?: string;
  /**
   * A host of its own on this one machine: sshd and its sessions run in their own mount and pid
   * namespaces (their own /proc: `ps` and `ss -p` see this host's processes only) with `from` bound
   * onto `to` (this host's own folder there). The network stays shared (its own loopback address).
   */
  own?: { from: string; to: string };
  /** The host's own /etc/hosts (this file bound over it, in a mount namespace of its own): what a run writes there stays there. */
  etcHosts?: string;
  /**
   * Folders of this host that hold more than the machine's (an overlay in a mount namespace of its own:
   * `upper`'s files on top of `on`, e.g. an old agent's files under /usr/share); nothing is written to `on`.
   * `upper` needs a sibling `<upper>.work` folder on the same filesystem (created here).
   */
  overlays?: Array<{ on: string; upper: string }>;
}

const running = new Set<SshdInstance>();
const created = new Set<SshdInstance>();
let nextOctet = 11 + Math.floor(Math.random() * 200);

function pickAddress(): string {
  const a = `127.0.0.${nextOctet}`;
  nextOctet = nextOctet >= 250 ? 11 : nextOctet + 1;
  return a;
}

export class SshdInstance {
  readonly host: string;
  readonly dir: string;
  hostKeyFingerprint = '';
  /** "ssh-ed25519 AAAA..." (no comment), the form a known_hosts line carries. */
  hostPublicKey = '';
  private readonly sshd: LoopbackSshd;
  private readonly authorized = new Map<string, string[]>();

  constructor(
    readonly opts: SshdOptions,
    dir: string,
  ) {
    this.host = opts.address ?? pickAddress();
    this.dir = dir;
    // Refuses anything outside 127.0.0.0/8.
    this.sshd = new LoopbackSshd(this.host, dir, opts.own || opts.etcHosts || opts.overlays?.length ? path.join(dir, 'own-host.sh') : SSHD_PATH);
  }

  get port(): number {
    return this.sshd.port;
  }

  get logFile(): string {
    return this.sshd.logFile;
  }

  get pid(): number | undefined {
    return this.sshd.pid;
  }

  get hostKeyFile(): string {
    return path.join(this.dir, 'host_key');
  }

  /** Adds a public key line to the user's authorized_keys for this instance only. */
  async authorize(user: string, publicKeyLine: string): Promise<void> {
    const list = this.authorized.get(user) ?? [];
    list.push(publicKeyLine.trim());
    this.authorized.set(user, list);
    const file = path.join(this.dir, 'authorized_keys', user);
    await fsp.writeFile(file, `${list.join('\n')}\n`, { mode: 0o644 });
    await fsp.chmod(file, 0o644);
  }

  async generateHostKey(): Promise<void> {
    await fsp.rm(this.hostKeyFile, { force: true });
    await fsp.rm(`${this.hostKeyFile}.pub`, { force: true });
    const type = this.opts.hostKeyType ?? 'ed25519';
    const args = ['-q', '-t', type, '-N', '', '-C', `outpost-test-host-${this.host}`, '-f', this.hostKeyFile];
    if (type === 'rsa') args.push('-b', '2048');
    await run('ssh-keygen', args);
    const pub = (await fsp.readFile(`${this.hostKeyFile}.pub`, 'utf8')).trim().split(/\s+/);
    this.hostPublicKey = `${pub[0]} ${pub[1]}`;
    this.hostKeyFingerprint = await fingerprintOf(`${this.hostKeyFile}.pub`);
  }

  private config(port: number): string {
    const o = this.opts;
    const yn = (v: boolean | undefined, dflt: boolean) => ((v ?? dflt) ? 'yes' : 'no');
    return [
      `ListenAddress ${this.host}:${port}`,
      `HostKey ${this.hostKeyFile}`,
      `PidFile ${path.join(this.dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(this.dir, 'authorized_keys', '%u')}${o.userAuthorizedKeys ? ' .ssh/authorized_keys' : ''}`,
      // PAM gives keyboard-interactive real password prompts; password auth also goes through it.
      'UsePAM yes',
      `PasswordAuthentication ${yn(o.passwordAuth, true)}`,
      `KbdInteractiveAuthentication ${yn(o.kbdInteractiveAuth, true)}`,
      `PubkeyAuthentication ${yn(o.pubkeyAuth, true)}`,
      'PermitRootLogin no',
      `AllowTcpForwarding ${yn(o.allowTcpForwarding, true)}`,
      `GatewayPorts ${o.gatewayPorts ?? 'clientspecified'}`,
      'StrictModes no',
      'UseDNS no',
      'MaxStartups 50',
      'MaxSessions 50',
      'X11Forwarding no',
      'PrintMotd no',
      `Subsystem sftp ${o.sftpSubsystem ?? 'internal-sftp'}`,
      `LogLevel ${o.logLevel ?? 'DEBUG1'}`,
      ...(o.extraConfig ?? []),
      '',
    ].join('\n');
  }

  /** Starts sshd (a restart keeps the port it had). */
  async start(): Promise<void> {
    if (this.sshd.running) return;
    await fsp.mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    if (!this.hostPublicKey) await this.generateHostKey();
    running.add(this);
    try {
      await this.sshd.start((port) => this.config(port), { fixedPort: this.opts.port ?? (this.port || undefined) });
    } catch (err) {
      running.delete(this);
      throw err;
    }
  }

  /** Stops the listener and every per-connection sshd it forked (SIGCONT first, in case a test froze them). */
  async stop(): Promise<void> {
    running.delete(this);
    await this.sshd.stop();
  }

  /** Replaces the host key (a "changed key" in clients' eyes) and restarts on the same address and port. */
  async changeHostKey(): Promise<{ before: string; after: string }> {
    const before = this.hostKeyFingerprint;
    await this.stop();
    await this.generateHostKey();
    await this.start();
    return { before, after: this.hostKeyFingerprint };
  }

  /**
   * Freezes (SIGSTOP) or thaws (SIGCONT) every per-connection sshd process of this instance: to the
   * client the server goes silent, as when a host hangs or a network path drops packets.
   */
  suspendSessions(freeze: boolean): number[] {
    const pids = this.sshd.descendantPids();
    for (const pid of pids) signal(pid, freeze ? 'SIGSTOP' : 'SIGCONT');
    return pids;
  }

  async log(): Promise<string> {
    return fsp.readFile(this.logFile, 'utf8').catch(() => '');
  }

  /** TCP connections the server accepted so far (from its log). */
  async connectionCount(): Promise<number> {
    return ((await this.log()).match(/^Connection from /gm) ?? []).length;
  }

  /** direct-tcpip (forwardOut / ssh -W / -L) channel requests the server saw, as "host:port". */
  async directTcpipTargets(): Promise<string[]> {
    const out: string[] = [];
    for (const m of (await this.log()).matchAll(/server_request_direct_tcpip: originator \S+ port \d+, target (\S+) port (\d+)/g)) {
      out.push(`${m[1]}:${m[2]}`);
    }
    return out;
  }
}

export async function startSshd(opts: SshdOptions = {}): Promise<SshdInstance> {
  requireSshd();
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'outpost-sshd-'));
  // sshd reads authorized_keys as the target user: the dirs must be traversable by it.
  await fsp.chmod(dir, 0o755);
  await fsp.mkdir(path.join(dir, 'authorized_keys'), { mode: 0o755 });
  await fsp.chmod(path.join(dir, 'authorized_keys'), 0o755);
  if (opts.own || opts.etcHosts || opts.overlays?.length) {
    // With `own`, sshd becomes pid 1 of a new pid namespace (--kill-child: it ends with this wrapper, and
    // every process of the "host" with it); sshd re-executes itself, so it is started by its full path.
    const overlays = opts.overlays ?? [];
    for (const o of overlays) await fsp.mkdir(`${o.upper}.work`, { recursive: true });
    const binds = [...(opts.own ? [opts.own.from, opts.own.to] : []), ...(opts.etcHosts ? [opts.etcHosts, '/etc/hosts'] : []), ...overlays.flatMap((o) => ['-overlay', o.on, o.upper])];
    const inner =
      'while [ "$1" != -- ]; do if [ "$1" = -overlay ]; then mount -t overlay overlay -o "lowerdir=$2,upperdir=$3,workdir=$3.work" "$2" || exit 1; shift 3; else mount --bind "$1" "$2" || exit 1; shift 2; fi; done; shift; exec "$0" "$@"';
    const pid = opts.own ? ' --pid --fork --kill-child --mount-proc' : '';
    await fsp.writeFile(
      path.join(dir, 'own-host.sh'),
      `#!/bin/sh\nexec unshare --mount --propagation private${pid} /bin/sh -c '${inner}' ${quotePosix(SSHD_PATH)} ${binds.map(quotePosix).join(' ')} -- "$@"\n`,
      { mode: 0o755 },
    );
  }
  const inst = new SshdInstance(opts, dir);
  created.add(inst);
  await inst.start();
  return inst;
}

/** Stops every instance this process started and removes their temp dirs (OUTPOST_KEEP_SSHD=1 keeps them). */
export async function stopAllSshd(): Promise<void> {
  await Promise.all([...running].map((i) => i.stop()));
  if (process.env.OUTPOST_KEEP_SSHD === '1') return;
  const dirs = [...created].map((i) => i.dir);
  created.clear();
  await Promise.all(dirs.map((d) => fsp.rm(d, { recursive: true, force: true })));
}

export interface Harness {
  host: string;
  port: number;
  hostKeyFingerprint: string;
  hostPublicKey: string;
  users: { t1: TestUser; t2: TestUser };
  sshd: SshdInstance;
  stop(): Promise<void>;
}

/** One sshd plus the two test users: the common case. */
export async function startHarness(opts: SshdOptions = {}): Promise<Harness> {
  const [t1, t2] = await Promise.all([ensureTestUser(TEST_USERS.t1), ensureTestUser(TEST_USERS.t2)]);
  const sshd = await startSshd(opts);
  return {
    host: sshd.host,
    port: sshd.port,
    hostKeyFingerprint: sshd.hostKeyFingerprint,
    hostPublicKey: sshd.hostPublicKey,
    users: { t1, t2 },
    sshd,
    stop: () => sshd.stop(),
  };
}

/** A jump server: an sshd with TCP forwarding allowed (the default here, made explicit). */
export async function startJumpServer(opts: SshdOptions = {}): Promise<SshdInstance> {
  return startSshd({ ...opts, allowTcpForwarding: true });
}

export interface Agent {
  sock: string;
  pid: number;
  add(privateKeyPath: string): Promise<void>;
  stop(): Promise<void>;
}

const agents = new Set<Agent>();

/** A real ssh-agent in the foreground (-D) on its own socket, so we own its pid. */
export async function startAgent(dir: string): Promise<Agent> {
  const sock = path.join(dir, `agent-${process.pid}-${Math.random().toString(36).slice(2, 8)}.sock`);
  const proc = spawn('ssh-agent', ['-D', '-a', sock], { stdio: ['ignore', 'ignore', 'pipe'] });
  const deadline = Date.now() + 5000;
  while (!fs.existsSync(sock)) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error('ssh-agent did not start');
    await sleep(20);
  }
  const agent: Agent = {
    sock,
    pid: proc.pid ?? 0,
    add: async (keyPath) => {
      await run('ssh-add', [keyPath], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
    },
    stop: async () => {
      agents.delete(agent);
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      signal(proc.pid ?? 0, 'SIGTERM');
      await Promise.race([exited, sleep(2000)]);
    },
  };
  agents.add(agent);
  return agent;
}

/** Everything this process started: call in afterAll. */
export async function stopAll(): Promise<void> {
  await Promise.all([stopAllSshd(), ...[...agents].map((a) => a.stop())]);
}

// Last resort when a test process dies without afterAll: never leave sshd running.
process.once('exit', () => {
  for (const inst of running) {
    const pid = inst.pid;
    if (pid) signal(pid, 'SIGKILL');
  }
  for (const a of agents) signal(a.pid, 'SIGKILL');
});
