// A small world on loopback for running plans for real: a jump server and a target (real sshd, each
// on its own 127.0.0.x), and the stand-in LTS backend (the "ELB") on a third address, serving the
// fixture installer as the OBS bucket would. Port 80 is not bindable by the unprivileged jump user,
// so the answers move it with a port override, as the issue's own example does.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { startBackend, type Backend } from '../../../electron/demo/backend';
import { defaultFixtureDir } from '../../../electron/demo/sandbox';
import { ensureTestUser, freePort, startSshd, stopAll, TEST_USERS, type SshdInstance, type TestUser } from '../harness/sshd';

export const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
export const FIXTURE_DIR = defaultFixtureDir();
/** The ICAgent bucket of the world's region (icagent-{region}.{obsDomain}). */
export const BUCKET_HOST = 'icagent-cn-north-4.obs.cn-north-4.myhuaweicloud.com';

export const SECRETS = {
  OUTPOST_AK: 'AKTESTVALUE0123456789',
  OUTPOST_SK: 'SKtest-9f8e7d6c5b4a-SECRET',
  JUMP_PASSWORD: TEST_USERS.t1.password,
  TARGET_PASSWORD: TEST_USERS.t2.password,
};

export interface World {
  /** The target's own /etc/hosts (bound over it in its sessions). */
  etcHosts: string;
  jump: SshdInstance;
  target: SshdInstance;
  backend: Backend;
  jumpUser: TestUser;
  targetUser: TestUser;
  installDir: string;
  dir: string;
  answers: Record<string, unknown>;
  answersFile: string;
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

function octet(): number {
  return 20 + Math.floor(Math.random() * 200);
}

export async function startWorld(opts: { targetEnv?: Record<string, string>; tunnel?: 'persistent' | 'vendor' } = {}): Promise<World> {
  const [jumpUser, targetUser] = await Promise.all([ensureTestUser(TEST_USERS.t1), ensureTestUser(TEST_USERS.t2)]);
  cleanupUsers();
  const base = octet();
  const jump = await startSshd({ address: `127.0.${base}.2`, userAuthorizedKeys: true });
  // The agent holds its heartbeat connection open (as a real one does) and sends from the target's own
  // address (on loopback it would come from 127.0.0.1): verify's look at the jump server's connections
  // finds this target's traffic at once, instead of looking five times, a second apart, for it.
  const targetEnv = { ICAGENT_HEARTBEAT_HOLD: '1', ICAGENT_HEARTBEAT_SOURCE: `127.0.${base}.3`, ...opts.targetEnv };
  // The target's own /etc/hosts (an install through the tunnel maps the bucket's name there for its duration).
  const dirHosts = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-hosts-'));
  fs.chmodSync(dirHosts, 0o755);
  const etcHosts = path.join(dirHosts, 'hosts');
  fs.copyFileSync('/etc/hosts', etcHosts);
  fs.chmodSync(etcHosts, 0o644);
  const target = await startSshd({
    address: `127.0.${base}.3`,
    etcHosts,
    extraConfig: [`SetEnv ${Object.entries(targetEnv).map(([k, v]) => `${k}=${v}`).join(' ')}`],
  });
  const elb = `127.0.${base}.4`;
  const backend = await startBackend({
    host: elb,
    ports: { heartbeat: 8149, others: [8102, 8923, 30200, 30201] },
    // The bucket answers only to its own name, as a virtual-hosted OBS bucket does.
    http: { port: 0, fixtureDir: FIXTURE_DIR, vhost: BUCKET_HOST },
  });
  const obsListen = await freePort(jump.host);
  const installDir = path.join(targetUser.home, 'oss', 'servicemgr');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-run-'));
  const answers = {
    profile: 'icagent',
    os: 'linux',
    region: 'cn-north-4',
    connectivity: {
      mode: 'jump',
      jumpServers: [{ privateIp: jump.host, ssh: { host: jump.host, port: jump.port, user: jumpUser.name, password: { env: 'JUMP_PASSWORD' } } }],
      elbIp: elb,
      connectionIp: jump.host,
      dc: 'dc-test-1',
      tunnel: opts.tunnel ?? 'persistent',
      portOverrides: { '80': { listen: obsListen, target: `${elb}:${backend.ports.http}` } },
    },
    credentials: { ak: { env: 'OUTPOST_AK' }, sk: { env: 'OUTPOST_SK' }, projectId: '2a473356cca5487f8373be891bffc1cf' },
    targets: [{ host: target.host, port: target.port, user: targetUser.name, password: { env: 'TARGET_PASSWORD' } }],
    // The stand-in bucket answers over plain HTTP through the tunnel: chosen explicitly (options.download).
    options: { installDir, download: 'tunnel' },
  };
  const answersFile = path.join(dir, 'answers.yaml');
  fs.writeFileSync(answersFile, YAML.stringify(answers));
  const env = { ...process.env, ...SECRETS, OUTPOST_DATA_DIR: path.join(dir, 'data') };
  return {
    etcHosts,
    jump,
    target,
    backend,
    jumpUser,
    targetUser,
    installDir,
    dir,
    answers,
    answersFile,
    env,
    stop: async () => {
      cleanupUsers();
      await backend.close();
      await stopAll();
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(dirHosts, { recursive: true, force: true });
    },
  };
}

/** Tunnels and agents the runs left behind: end them. The agents were installed as root (sudo), in the target user's home. */
export function cleanupUsers(): void {
  killAgents();
  try {
    execFileSync('pkill', ['-KILL', '-u', TEST_USERS.t1.name, '-f', 'ssh .*-L'], { stdio: 'ignore' });
  } catch {
    /* nothing to kill */
  }
  fs.rmSync(path.join('/home', TEST_USERS.t2.name, 'oss'), { recursive: true, force: true });
}

/** Stops the fixture agents installed under a folder (default: the target user's home), as root or as the user, as a crash would. */
export function killAgents(under = `/home/${TEST_USERS.t2.name}/oss/servicemgr/`): void {
  try {
    execFileSync('pkill', ['-KILL', '-f', `${under}ICAgent/bin/icagent`], { stdio: 'ignore' });
  } catch {
    /* nothing to kill */
  }
}

/** Kills the tunnel's ssh process on the jump server (as a reboot or a crash would). */
export function killTunnel(): void {
  execFileSync('pkill', ['-KILL', '-u', TEST_USERS.t1.name, '-f', 'ssh .*-L'], { stdio: 'ignore' });
}

/** The host "goes down": every connection of an sshd instance ends with the daemon (stop() kills its whole process tree). */
export async function killHost(inst: SshdInstance): Promise<void> {
  await inst.stop();
}
