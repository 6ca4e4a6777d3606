// The tetra-relay profile (seed 002) run for real over SSH against a loopback sshd target, through the
// API as the wizard drives it, with a REAL Docker daemon. Real: sshd, bash, dockerd (Debian's docker.io,
// started by this test with its own data and exec roots and socket, no bridge, no iptables), the upload
// with its SHA-256 checked, `docker load`, `docker rm -f`, `docker run` with the seed's flags and the env
// file, `docker ps` and `docker logs`. Stand-in: the agent image itself (TetraScience's is not public): a
// busybox rootfs whose entrypoint prints an init line and the names of the variables it got, then sleeps.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../../electron/common/api';
import { ensureTestUser, startSshd, stopAll, TEST_USERS, type SshdInstance, type TestUser } from '../harness/sshd';
import { opts, session } from './api-session';

const execFileP = promisify(execFile);
const DOCKER = '/usr/bin/docker';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.tetraRelayJwt7Qx9.c2lnbmF0dXJlLXRlc3Q';
const NAME = 'tetra-relay-it';
const IMAGE = 'tetra-relay:test';

let dir: string;
let sock: string;
let dockerd: ChildProcess | undefined;
let target: SshdInstance;
let user: TestUser;
let watcher: TestUser;
let installDir: string;
let imageTar: string;
let imageSha: string;

const docker = (...args: string[]): string => execFileSync(DOCKER, args, { env: { ...process.env, DOCKER_HOST: `unix://${sock}` }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });

async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  dir = fs.mkdtempSync('/tmp/otr-');
  fs.chmodSync(dir, 0o755);
  sock = path.join(dir, 'docker.sock');
  let log = '';
  dockerd = spawn(
    '/usr/sbin/dockerd',
    ['--data-root', path.join(dir, 'data'), '--exec-root', path.join(dir, 'exec'), '--pidfile', path.join(dir, 'dockerd.pid'), '-H', `unix://${sock}`, '--bridge=none', '--iptables=false', '--ip-masq=false', '--ip6tables=false', '--storage-driver=vfs'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  dockerd.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  dockerd.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  await waitFor(() => {
    try {
      docker('version');
      return true;
    } catch {
      if (dockerd?.exitCode !== null) throw new Error(`dockerd exited: ${log.slice(-2000)}`);
      return false;
    }
  }, 30_000, `dockerd (${log.slice(-500)})`);
  fs.chmodSync(sock, 0o666); // a throwaway daemon: the target's login user may use it

  // The stand-in image: busybox, and an entrypoint that says init and which variables it got (names only).
  const rootfs = path.join(dir, 'rootfs');
  fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
  fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
  for (const a of ['sh', 'env', 'cut', 'sort', 'tr', 'sleep', 'echo']) fs.symlinkSync('busybox', path.join(rootfs, 'bin', a));
  fs.writeFileSync(
    path.join(rootfs, 'entry.sh'),
    '#!/bin/sh\necho "init Succeeded: relay agent started for $ORG_SLUG/$AGENT_ID"\necho "env names: $(env | cut -d= -f1 | sort | tr \'\\n\' \' \')"\nwhile :; do sleep 3600; done\n',
    { mode: 0o755 },
  );
  execFileSync('sh', ['-c', `tar -C "${rootfs}" -c . | ${DOCKER} import --change 'ENTRYPOINT ["/entry.sh"]' - ${IMAGE}`], { env: { ...process.env, DOCKER_HOST: `unix://${sock}` }, timeout: 60_000 });
  imageTar = path.join(dir, 'tetra-relay-test.tar');
  docker('save', '-o', imageTar, IMAGE);
  docker('rmi', IMAGE);
  imageSha = createHash('sha256').update(fs.readFileSync(imageTar)).digest('hex');

  user = await ensureTestUser(TEST_USERS.t2);
  watcher = await ensureTestUser(TEST_USERS.t1);
  installDir = path.join(user.home, 'tetra-relay');
  fs.rmSync(installDir, { recursive: true, force: true });
  fs.mkdirSync(installDir, { mode: 0o755 });
  fs.chownSync(installDir, user.uid, fs.statSync(user.home).gid);
  target = await startSshd({ extraConfig: [`SetEnv PATH=/usr/bin:/bin:/usr/sbin:/sbin DOCKER_HOST=unix://${sock}`] });
}, 90_000);

afterAll(async () => {
  try {
    if (sock) docker('rm', '-f', NAME);
  } catch {
    /* no container */
  }
  if (dockerd && dockerd.exitCode === null) {
    dockerd.kill('SIGTERM');
    await new Promise<void>((r) => {
      const t = setTimeout(() => {
        dockerd?.kill('SIGKILL');
        r();
      }, 15_000);
      dockerd?.once('exit', () => {
        clearTimeout(t);
        r();
      });
    });
  }
  await stopAll();
  if (installDir) fs.rmSync(installDir, { recursive: true, force: true });
  // The exec root may still hold a mount of the daemon's; unmount what is left before removing.
  if (dir) {
    try {
      execFileSync('sh', ['-c', `grep -o " ${dir}[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l`]);
    } catch {
      /* nothing mounted */
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

/** Polls the process list as another unprivileged user until stopped (as ps-secrets.test.ts does). */
function pollProcesses(as: string): { stop: () => Promise<{ samples: number; lines: string[] }> } {
  let stopped = false;
  let samples = 0;
  const seen = new Set<string>();
  const loop = (async () => {
    while (!stopped) {
      const { stdout } = await execFileP('runuser', ['-u', as, '--', 'ps', '-ww', '-eo', 'uid=,args='], { maxBuffer: 16 * 1024 * 1024 });
      samples++;
      for (const l of stdout.split('\n')) if (l.trim()) seen.add(l.trim());
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return { samples, lines: [...seen] };
    },
  };
}

async function runRelay(): Promise<{ end: EventPayload<'run.end'>; text: string; ps: { samples: number; lines: string[] } }> {
  const s = session(fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-tetra-run-')));
  s.ctx.secretStore?.set('tetra-relay.jwt', JWT, '••••');
  const answers = {
    profile: 'tetra-relay',
    os: 'linux',
    connectivity: { mode: 'direct', accessIp: target.host },
    inputs: { image: imageTar, imageSha256: imageSha, imageName: IMAGE, apiTarget: 'https://api.example.test', orgSlug: 'acme-lab', agentId: 'agent-42', jwt: { stored: 'tetra-relay.jwt' }, containerName: NAME },
    targets: [{ name: 'relay-host', host: target.host, port: target.port, user: user.name, password: { stored: 'TARGET_PASSWORD' } }],
    options: { installDir },
  };
  const poll = pollProcesses(watcher.name);
  const started = await s.call('run.start', { answers, options: opts() });
  expect(started.ok, JSON.stringify(started)).toBe(true);
  const end = await s.waitEnd();
  const ps = await poll.stop();
  const journal = fs.readFileSync(end.journal, 'utf8');
  return { end, text: JSON.stringify(s.events) + journal + s.logs.join('\n'), ps };
}

interface Inspect {
  Id: string;
  Name: string;
  State: { Running: boolean };
  Config: { Env: string[] };
  HostConfig: { NetworkMode: string; RestartPolicy: { Name: string }; Ulimits: Array<{ Name: string; Soft: number; Hard: number }>; LogConfig: { Type: string } };
}
const inspect = (): Inspect => (JSON.parse(docker('inspect', NAME)) as Inspect[])[0] as Inspect;

describe('tetra-relay on a real sshd target with a real Docker daemon', () => {
  it("loads the image, runs the container with the seed's flags and the required variables only, the JWT on no command line; a second run replaces it", async () => {
    const first = await runRelay();
    expect(first.end.outcome, `${first.end.reason ?? ''} ${first.end.hint ?? ''}`).toBe('done');

    const c = inspect();
    expect(c.Name).toBe(`/${NAME}`);
    expect(c.State.Running).toBe(true);
    expect(c.HostConfig.NetworkMode).toBe('host');
    expect(c.HostConfig.RestartPolicy.Name).toBe('always');
    expect(c.HostConfig.Ulimits).toEqual([{ Name: 'core', Soft: 0, Hard: 0 }]);
    expect(c.HostConfig.LogConfig.Type).toBe('local');
    const env = Object.fromEntries(c.Config.Env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
    expect(env).toMatchObject({ API_TARGET: 'https://api.example.test', ORG_SLUG: 'acme-lab', AGENT_ID: 'agent-42', JWT });
    for (const n of ['SECURE_COMMAND_KEY', 'http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY']) expect(Object.keys(env)).not.toContain(n);
    const logs = docker('logs', NAME);
    expect(logs).toContain('init Succeeded: relay agent started for acme-lab/agent-42');
    expect(logs).toMatch(/env names: .*\bAPI_TARGET\b.*\bJWT\b/);
    expect(logs).not.toMatch(/SECURE_COMMAND_KEY|_proxy/);

    // The image came from the run's docker load; the archive and the env file are gone.
    expect(docker('image', 'inspect', '--format', '{{.Id}}', IMAGE).trim()).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(fs.readdirSync(installDir)).toEqual([]);

    // The JWT: on no process list line another user saw, in no event, journal line or log.
    expect(first.ps.samples).toBeGreaterThan(3);
    expect(first.ps.lines.some((l) => l.includes('dockerd'))).toBe(true); // the poll does see other users' argv
    expect(first.ps.lines.filter((l) => l.includes(JWT) || l.includes('tetraRelayJwt'))).toEqual([]);
    expect(first.text).not.toContain('tetraRelayJwt');

    // Again: the old container is removed (rm -f) and a new one runs under the same name.
    const second = await runRelay();
    expect(second.end.outcome, `${second.end.reason ?? ''} ${second.end.hint ?? ''}`).toBe('done');
    const c2 = inspect();
    expect(c2.Id).not.toBe(c.Id);
    expect(c2.State.Running).toBe(true);
    expect(docker('ps', '-a', '--filter', `name=^/${NAME}$`, '-q').trim().split('\n')).toHaveLength(1);
    expect(second.text).not.toContain('tetraRelayJwt');
    expect(second.ps.lines.filter((l) => l.includes('tetraRelayJwt'))).toEqual([]);
    expect(fs.readdirSync(installDir)).toEqual([]);
  }, 120_000);
});
