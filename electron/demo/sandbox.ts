// The `outpost demo` sandbox: a small world on loopback that needs no cloud account and no root.
// A jump server and N target hosts are real OpenSSH sshd processes run as the current user (each on
// its own 127.x.y.z, public-key auth with a throwaway key), and the stand-in LTS backend listens on
// the agent's ports at another address and serves the fixture installer. The answers it returns
// install the fixture agent on every target through the jump server's tunnel, as the wizard would.
//
// Everything stays in one temp folder: sshd sessions get HOME and their working directory there
// (so the tunnel key, known_hosts, the downloaded installer and the agent never touch the user's
// real home), and stop() ends every process it can tie to that folder.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { OutpostError } from '../core/errors';
import { silentLogger, type Logger } from '../core/log/logger';
import { findResourcesDir } from '../core/paths';
import { quotePosix } from '../core/quote';
import { ICAGENT_PORTS, INSTALLER_FILE, startBackend, type Backend } from './backend';
import { alive, executable, freePort, listProcesses, LoopbackSshd, signal, sleep, SshdStartError, type ProcInfo } from './sshd';

const run = promisify(execFile);

export interface SandboxOptions {
  /** Target hosts to start (default 2; 1 where hosts cannot have their own folders, see perHostMountWorks). */
  targets?: number;
  /** Folder holding apm_agent_install.sh (default: resources/demo/icagent of the installation). */
  fixtureDir?: string;
  log?: Logger;
}

export interface SandboxHost {
  /** demo-jump, demo-host-1, ...: also the `host=` the fixture agent reports in its heartbeats. */
  name: string;
  host: string;
  port: number;
  /** SHA256:... of the host key, for the user to compare with the wizard's dialog. */
  fingerprint: string;
  pid: number;
}

export interface Sandbox {
  /** The temp folder holding everything (removed by stop()). */
  dir: string;
  /** Wizard answers (secrets as { stored } references) that install the fixture agent on every target. */
  answers: Record<string, unknown>;
  /** Fake values for the stored references in the answers (icagent.ak, icagent.sk). */
  secrets: Record<string, string>;
  backend: Backend;
  hosts: { jump: SandboxHost; targets: SandboxHost[] };
  /** Where Outpost's own data (known_hosts, journals) should go for runs in the sandbox. */
  dataDir: string;
  /** The login key for the jump server and targets. */
  clientKey: string;
  /** Things the user should know (e.g. fewer targets than asked), one sentence each. */
  notes: string[];
  stop(): Promise<void>;
}

export const DEMO_SECRET_KEYS = { ak: 'icagent.ak', sk: 'icagent.sk' } as const;
const sshdPath = () => process.env.OUTPOST_SSHD ?? '/usr/sbin/sshd';
// Only plain path characters: the folder goes into sshd_config lines and a ForceCommand.
const SAFE_PATH = /^[A-Za-z0-9._/-]+$/;

interface Need {
  what: string;
  ok: boolean;
  fix: string;
}

function onPath(cmd: string): string | null {
  for (const d of (process.env.PATH ?? '').split(path.delimiter)) {
    if (d && executable(path.join(d, cmd))) return path.join(d, cmd);
  }
  return null;
}

/** The stand-in installer shipped with Outpost for the demo. */
export function defaultFixtureDir(): string {
  return path.join(findResourcesDir(), 'demo', 'icagent');
}

/** What the sandbox needs from this machine; throws one message listing everything missing. */
export function checkSandboxRequirements(fixtureDir: string = defaultFixtureDir()): { bash: string; ssh: string; sshKeygen: string } {
  if (process.platform === 'win32') {
    throw new OutpostError('demo.unsupported', 'outpost demo runs on Linux and macOS (it starts OpenSSH servers on this computer).', 'Use WSL, or try Outpost against a real test host.');
  }
  const SSHD = sshdPath();
  const apt = process.platform === 'darwin' ? '' : 'sudo apt-get install ';
  const bash = onPath('bash');
  const ssh = onPath('ssh');
  const sshKeygen = onPath('ssh-keygen');
  const needs: Need[] = [
    { what: `OpenSSH's server (${SSHD})`, ok: executable(SSHD), fix: process.platform === 'darwin' ? 'it ships with macOS at /usr/sbin/sshd; or set OUTPOST_SSHD to its path' : `${apt}openssh-server (or set OUTPOST_SSHD to sshd's path)` },
    { what: 'ssh (OpenSSH client)', ok: ssh !== null, fix: `${apt}openssh-client` },
    { what: 'ssh-keygen', ok: sshKeygen !== null, fix: `${apt}openssh-client` },
    { what: 'bash', ok: bash !== null, fix: `${apt}bash` },
    { what: 'curl or wget (the install downloads the agent)', ok: onPath('curl') !== null || onPath('wget') !== null, fix: `${apt}curl` },
    { what: 'timeout (coreutils)', ok: onPath('timeout') !== null, fix: process.platform === 'darwin' ? 'brew install coreutils' : `${apt}coreutils` },
    {
      what: `the fixture agent installer (${path.join(fixtureDir, INSTALLER_FILE)})`,
      ok: fs.existsSync(path.join(fixtureDir, INSTALLER_FILE)),
      fix: "the demo's files are missing from this Outpost installation (resources/demo/icagent): reinstall Outpost, or set OUTPOST_RESOURCES_DIR to a resources folder that has them",
    },
  ];
  const missing = needs.filter((n) => !n.ok);
  if (missing.length || !bash || !ssh || !sshKeygen) {
    throw new OutpostError(
      'demo.requirements',
      `outpost demo needs ${missing.map((n) => n.what).join(', ')}.`,
      missing.map((n) => `${n.what}: ${n.fix}`).join('\n'),
    );
  }
  return { bash, ssh, sshKeygen };
}

async function canBind(host: string): Promise<boolean> {
  return freePort(host).then(
    () => true,
    () => false,
  );
}

/** One demo host: an sshd run as the current user, with its own host key, in its own folder. */
class DemoSshd {
  fingerprint = '';
  readonly sshd: LoopbackSshd;
  constructor(
    readonly name: string,
    readonly host: string,
    readonly dir: string,
    readonly home: string,
  ) {
    this.sshd = new LoopbackSshd(host, dir, sshdPath());
  }

  get port(): number {
    return this.sshd.port;
  }

  async start(config: (port: number) => string): Promise<void> {
    const key = path.join(this.dir, 'host_key');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `outpost-demo-${this.name}`, '-f', key]);
    this.fingerprint = (await run('ssh-keygen', ['-l', '-f', `${key}.pub`])).stdout.split(/\s+/)[1] ?? '';
    try {
      await this.sshd.start(config);
    } catch (err) {
      if (!(err instanceof SshdStartError)) throw err;
      if (err.bindRace) throw new OutpostError('demo.sshd_failed', `The demo's sshd (${this.name}) found no free port on ${this.host}.`, 'Try again.');
      throw new OutpostError(
        'demo.sshd_failed',
        `The demo's sshd (${this.name}) did not start on ${this.host}:${err.port}: ${err.tail(3) || 'no output'}`,
        `Its config and log are in ${this.dir}.`,
      );
    }
  }

  stop(): Promise<void> {
    return this.sshd.stop();
  }
}

/**
 * All demo "hosts" are one machine and one user, so one absolute install folder would be one agent
 * for all of them. Where unprivileged user namespaces allow it (most Linux systems), each target's
 * sessions run in their own mount namespace with that host's folder bound onto the sandbox's `opt`,
 * as separate machines each have their own /opt; the session then drops back to this user's uid.
 */
async function perHostMountWorks(dir: string, bash: string): Promise<boolean> {
  const unshare = onPath('unshare');
  if (process.platform !== 'linux' || !unshare || !onPath('mount')) return false;
  const a = path.join(dir, 'probe-a');
  const b = path.join(dir, 'probe-b');
  await fsp.mkdir(a);
  await fsp.mkdir(b);
  const { uid, gid } = os.userInfo();
  try {
    await run(unshare, ['-r', '--mount', bash, '-c', innerMount, 'demo-probe', a, b, String(uid), String(gid), 'true'], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  } finally {
    await fsp.rm(a, { recursive: true, force: true });
    await fsp.rm(b, { recursive: true, force: true });
  }
}

// Runs as "root" of a fresh user namespace: bind $1 onto $2, then map back to uid $3 / gid $4 and run $5.
const innerMount = 'mount --bind "$1" "$2" && exec unshare --user --map-user="$3" --map-group="$4" "$5"';

function pickBase(): string {
  // 127.100-199.x.0/24: away from the test harness (127.0.x.x) and from 127.0.0.1 services.
  return `127.${100 + Math.floor(Math.random() * 100)}.${1 + Math.floor(Math.random() * 250)}`;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const log = options.log ?? silentLogger;
  const fixtureDir = options.fixtureDir ?? defaultFixtureDir();
  const tools = checkSandboxRequirements(fixtureDir);
  const user = os.userInfo();
  if (!/^[a-z_][a-z0-9_-]*[$]?$/i.test(user.username)) {
    throw new OutpostError('demo.user', `Your user name "${user.username}" is not one the demo hosts can log in with.`, 'Run the demo as a user with a plain name (letters, digits, _ and -).');
  }

  const tmp = fs.realpathSync(os.tmpdir());
  const dir = await fsp.mkdtemp(path.join(tmp, 'outpost-demo-'));
  if (!SAFE_PATH.test(dir)) {
    await fsp.rm(dir, { recursive: true, force: true });
    throw new OutpostError('demo.tmpdir', `The temp folder ${dir} has characters the demo's sshd config cannot carry.`, 'Set TMPDIR to a folder whose path has only letters, digits, ".", "_", "-" and "/".');
  }
  await fsp.chmod(dir, 0o700);

  const sshds: DemoSshd[] = [];
  let backend: Backend | null = null;
  let stopped = false;
  let forwardPrefix = '';

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.off('exit', lastResort);
    await backend?.close().catch(() => undefined);
    await Promise.all(sshds.map((s) => s.stop()));
    await endLeftovers(dir, forwardPrefix);
    await fsp.rm(dir, { recursive: true, force: true });
    log.info(`demo: sandbox ${dir} stopped`);
  };
  // If this process dies without stop(), at least no sshd keeps listening.
  const lastResort = () => {
    for (const s of sshds) if (s.sshd.pid) signal(s.sshd.pid, 'SIGKILL');
  };
  process.once('exit', lastResort);

  try {
    const wanted = Math.max(1, Math.min(options.targets ?? 2, 8));
    const perHost = await perHostMountWorks(dir, tools.bash);
    const targetCount = perHost ? wanted : 1;
    const notes: string[] = [];
    if (!perHost && wanted > 1) {
      notes.push('This system does not let a user bind-mount in a user namespace (unshare -r), so demo hosts cannot have separate folders: the sandbox has one target.');
    }
    const optDir = path.join(dir, 'opt');
    await fsp.mkdir(optDir);
    const installDir = path.join(optDir, 'oss', 'servicemgr');

    // Loopback addresses other than 127.0.0.1 need an alias on macOS: say so instead of failing later.
    let base = pickBase();
    for (let i = 0; i < 5 && !(await canBind(`${base}.4`)); i++) base = pickBase();
    if (!(await canBind(`${base}.4`))) {
      throw new OutpostError(
        'demo.loopback',
        `This computer cannot listen on ${base}.4 (a loopback address other than 127.0.0.1).`,
        process.platform === 'darwin'
          ? `Add aliases first, e.g. for a in 2 4 11 12; do sudo ifconfig lo0 alias ${base}.$a up; done`
          : 'Check the loopback interface (lo) is up with 127.0.0.0/8.',
      );
    }

    // One login key for every demo host.
    const clientKey = path.join(dir, 'client_ed25519');
    await run(tools.sshKeygen, ['-q', '-t', 'ed25519', '-N', '', '-C', 'outpost-demo-client', '-f', clientKey]);
    await fsp.copyFile(`${clientKey}.pub`, path.join(dir, 'authorized_keys'));

    // ForceCommand for every session: start in the host's own folder (HOME comes from SetEnv), run
    // the requested command with bash (the fixture and plan need it, whatever the user's login shell).
    const session = path.join(dir, 'session');
    await fsp.writeFile(
      session,
      [
        `#!${tools.bash}`,
        '# outpost demo: every SSH session of a demo host starts here (sshd ForceCommand).',
        'cd "$HOME" || exit 1',
        'if [ -n "${OUTPOST_DEMO_OPT:-}" ]; then',
        '  o=$OUTPOST_DEMO_OPT',
        '  unset OUTPOST_DEMO_OPT',
        `  exec unshare -r --mount ${quotePosix(tools.bash)} -c ${quotePosix(innerMount)} demo-mount "$o" ${quotePosix(optDir)} ${os.userInfo().uid} ${os.userInfo().gid} "$0"`,
        'fi',
        'if [ -n "${OUTPOST_DEMO_BIN:-}" ]; then PATH="$OUTPOST_DEMO_BIN:$PATH"; export PATH; fi',
        'unset OUTPOST_DEMO_BIN',
        `if [ -n "\${SSH_ORIGINAL_COMMAND:-}" ]; then exec ${quotePosix(tools.bash)} -c "$SSH_ORIGINAL_COMMAND"; fi`,
        `exec ${quotePosix(tools.bash)} -l`,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    // ssh reads ~/.ssh from the passwd entry, not $HOME: on the jump server the tunnel's ssh is
    // pointed at the sandbox's own config and known_hosts, so it verifies the host key Outpost wrote
    // there and never reads or writes the user's real ~/.ssh.
    const jumpBin = path.join(dir, 'jump-bin');
    await fsp.mkdir(jumpBin);
    await fsp.writeFile(path.join(jumpBin, 'ssh'), `#!/bin/sh\nexec ${quotePosix(tools.ssh)} -F "$HOME/.ssh/config" "$@"\n`, { mode: 0o755 });
    // Steps marked root run with `sudo -n` when the login user is not root. The sandbox needs no root:
    // its "root" is you, so the demo hosts have a stand-in sudo that runs the command as you.
    const targetBin = path.join(dir, 'target-bin');
    await fsp.mkdir(targetBin);
    await fsp.writeFile(
      path.join(targetBin, 'sudo'),
      '#!/bin/sh\n# outpost demo: stand-in for sudo on the demo hosts (root there is the user running the demo).\nwhile [ $# -gt 0 ]; do case $1 in --) shift; break ;; -*) shift ;; *) break ;; esac; done\nexec "$@"\n',
      { mode: 0o755 },
    );

    const makeHost = async (name: string, host: string) => {
      const hdir = path.join(dir, name);
      const home = path.join(hdir, 'home');
      await fsp.mkdir(path.join(home, '.ssh'), { recursive: true, mode: 0o700 });
      const s = new DemoSshd(name, host, hdir, home);
      sshds.push(s);
      return s;
    };
    const config = (s: DemoSshd, extra: string[]) => (port: number) =>
      [
        `ListenAddress ${s.host}:${port}`,
        `HostKey ${path.join(s.dir, 'host_key')}`,
        `PidFile ${path.join(s.dir, 'sshd.pid')}`,
        // The demo key, plus the host's own authorized_keys (where the tunnel adds its restricted key).
        `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')} ${path.join(s.home, '.ssh', 'authorized_keys')}`,
        'UsePAM no',
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        `AllowUsers ${user.username}`,
        'StrictModes no',
        'UseDNS no',
        'X11Forwarding no',
        'PermitTTY yes',
        'PrintMotd no',
        'PrintLastLog no',
        'MaxStartups 50',
        'MaxSessions 50',
        'LogLevel INFO',
        `ForceCommand ${session}`,
        ...extra,
        '',
      ].join('\n');

    const jump = await makeHost('demo-jump', `${base}.2`);
    await fsp.writeFile(
      path.join(jump.home, '.ssh', 'config'),
      // The vendor's `ssh -f -N -L …` logs in to the jump server itself: in the demo with the demo's
      // own key (a real jump user types a password, which Outpost answers in the PTY).
      `UserKnownHostsFile ${path.join(jump.home, '.ssh', 'known_hosts')}\nGlobalKnownHostsFile /dev/null\nIdentityFile ${clientKey}\nIdentitiesOnly yes\n`,
      { mode: 0o600 },
    );
    // The tunnel's -L forwards are direct-tcpip requests: "local" is all the jump server allows.
    await jump.start(config(jump, ['AllowTcpForwarding local', 'GatewayPorts no', `SetEnv HOME=${jump.home} OUTPOST_DEMO_BIN=${jumpBin}`]));
    const targets: DemoSshd[] = [];
    const hasPerl = ['/usr/bin/perl', '/bin/perl'].some((f) => fs.existsSync(f));
    for (let i = 1; i <= targetCount; i++) {
      const t = await makeHost(`demo-host-${i}`, `${base}.${10 + i}`);
      await fsp.mkdir(path.join(t.dir, 'opt'));
      // Heartbeats from the host's own address over a held connection (needs perl): the verify step's look at
      // the jump server's connections then finds this host's own agent traffic, as on a real network,
      // instead of passing after five looks as "behind NAT" (every loopback connection comes from 127.0.0.1).
      const ownTraffic = hasPerl ? ` ICAGENT_HEARTBEAT_HOLD=1 ICAGENT_HEARTBEAT_SOURCE=${base}.${10 + i}` : '';
      const bin = process.getuid?.() === 0 ? '' : ` OUTPOST_DEMO_BIN=${targetBin}`;
      await t.start(config(t, ['AllowTcpForwarding no', `SetEnv HOME=${t.home} ICAGENT_HOSTNAME=${t.name} ICAGENT_HEARTBEAT_INTERVAL=2${ownTraffic}${bin}${perHost ? ` OUTPOST_DEMO_OPT=${path.join(t.dir, 'opt')}` : ''}`]));
      targets.push(t);
    }

    backend = await startBackend(
      { host: `${base}.4`, ports: { heartbeat: ICAGENT_PORTS.heartbeat, others: [...ICAGENT_PORTS.others] }, http: { port: 0, fixtureDir } },
      log,
    );
    forwardPrefix = `${jump.host}:`;
    const obsListen = await freePort(jump.host);
    const key = { privateKey: { path: clientKey } };
    const secrets = { [DEMO_SECRET_KEYS.ak]: `DEMOAK${randomBytes(7).toString('hex').toUpperCase()}`, [DEMO_SECRET_KEYS.sk]: `demo-sk-${randomBytes(12).toString('hex')}` };
    const answers: Record<string, unknown> = {
      profile: 'icagent',
      os: 'linux',
      region: 'cn-north-4',
      connectivity: {
        mode: 'jump',
        jumpServers: [{ privateIp: jump.host, ssh: { host: jump.host, port: jump.port, user: user.username, ...key } }],
        elbIp: backend.host,
        connectionIp: jump.host,
        dc: 'demo-dc',
        // The vendor form (ssh -f in the background): a systemd unit would outlive the demo.
        tunnel: 'vendor',
        // Port 80 needs root: the tunnel listens on a high port and forwards to the stand-in bucket.
        portOverrides: { '80': { listen: obsListen, target: `${backend.host}:${backend.ports.http ?? 0}` } },
        allowFrom: [`${base}.0/24`],
      },
      inputs: { ak: { stored: DEMO_SECRET_KEYS.ak }, sk: { stored: DEMO_SECRET_KEYS.sk }, projectId: randomBytes(16).toString('hex') },
      targets: targets.map((t) => ({ name: t.name, host: t.host, port: t.port, user: user.username, ...key })),
      // The stand-in bucket serves the installer over HTTP through the demo's tunnel: each target checks
      // it against the fixture's SHA-256 before running it (what a real install does with downloadSha256).
      options: { installDir, downloadSha256: createHash('sha256').update(fs.readFileSync(path.join(fixtureDir, INSTALLER_FILE))).digest('hex') },
    };
    const info = (s: DemoSshd): SandboxHost => ({ name: s.name, host: s.host, port: s.port, fingerprint: s.fingerprint, pid: s.sshd.pid ?? 0 });
    const dataDir = path.join(dir, 'data');
    await fsp.mkdir(dataDir, { mode: 0o700 });
    log.info(`demo: sandbox in ${dir}: jump ${jump.host}:${jump.port}, ${targets.length} target(s), backend ${backend.host}`);
    return {
      dir,
      answers,
      secrets,
      backend,
      hosts: { jump: info(jump), targets: targets.map(info) },
      dataDir,
      clientKey,
      notes,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Ends what the demo's runs left behind outside sshd's process tree: the fixture agents (their
 * command line holds the sandbox folder) and the tunnel's ssh (its -E log and key are in the
 * folder; its -L forwards start with the jump server's address). Only this user's processes.
 */
async function endLeftovers(dir: string, forwardPrefix: string): Promise<void> {
  const mine = (p: ProcInfo) => p.uid === process.getuid?.() && p.pid !== process.pid && p.pid !== process.ppid;
  const ours = (p: ProcInfo) => p.args.includes(dir) || (forwardPrefix !== '' && p.args.includes(`-L ${forwardPrefix}`) && /(^|\/)ssh\s/.test(p.args));
  for (let round = 0; round < 3; round++) {
    const found = (await listProcesses()).filter((p) => mine(p) && ours(p));
    if (!found.length) return;
    const sig: NodeJS.Signals = round === 0 ? 'SIGTERM' : 'SIGKILL';
    // The agent daemon leads its own process group (setsid): its sleep/timeout children go with it.
    for (const p of found) signal(p.pgid === p.pid ? -p.pid : p.pid, sig);
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline && found.some((p) => alive(p.pid))) await sleep(50);
  }
}

/** Processes of this user still tied to a sandbox folder (tests: nothing may be left after stop()). */
export async function sandboxLeftovers(dir: string, forwardPrefix?: string): Promise<string[]> {
  return (await listProcesses())
    .filter((p) => p.uid === process.getuid?.() && p.pid !== process.pid && (p.args.includes(dir) || (forwardPrefix !== undefined && p.args.includes(`-L ${forwardPrefix}`))))
    .map((p) => `${p.pid} ${p.args}`);
}
