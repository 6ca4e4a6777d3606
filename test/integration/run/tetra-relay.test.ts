// The tetra-relay profile (seed 002) run for real over SSH against a loopback sshd target, through the
// API as the wizard drives it, with a REAL Docker daemon. Real: sshd, bash, dockerd (Debian's docker.io,
// started by this test with its own data and exec roots and socket, no bridge, no iptables), the upload
// with its SHA-256 checked, `docker load`, `docker rm -f`, `docker run` with the seed's flags and the env
// file, `docker ps` and `docker logs`. Stand-ins: the agent image itself (TetraScience's is not public): a
// busybox rootfs whose entrypoint asks the TDP for its init with its JWT (API_TARGET, through the host's
// network), prints an init line and the names of the variables it got, then polls its queue; and the TDP
// (an HTTP server run by the test) that refuses a wrong JWT (401), says a disabled agent is disabled and
// a queue that is not enabled does not exist — what the guide's troubleshooting names.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../../electron/common/api';
import { ensureTestUser, freePort, startSshd, stopAll, TEST_USERS, type SshdInstance, type TestUser } from '../harness/sshd';
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
let imageId: string;
let tdp: http.Server;
let apiTarget: string;

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
  for (const a of ['sh', 'env', 'cut', 'sort', 'tr', 'sleep', 'echo', 'wget', 'sha256sum']) fs.symlinkSync('busybox', path.join(rootfs, 'bin', a));
  fs.writeFileSync(
    path.join(rootfs, 'entry.sh'),
    [
      '#!/bin/sh',
      // The JWT's digest, not the JWT, on wget's command line (printf is the shell's own: no process shows it).
      'h=$(printf %s "$JWT" | sha256sum | cut -d" " -f1)',
      'r=$(wget -q -O - --header "X-Jwt-Sha256: $h" "$API_TARGET/v1/agents/$AGENT_ID/init" 2>&1)',
      'case $r in',
      '  ok) echo "init Succeeded: relay agent started for $ORG_SLUG/$AGENT_ID" ;;',
      '  disabled) echo "Error: Agent is disabled"; exit 1 ;;',
      '  *) echo "Error: the TDP refused: $r"; exit 1 ;;',
      'esac',
      'echo "env names: $(env | cut -d= -f1 | sort | tr \'\\n\' \' \')"',
      'while :; do q=$(wget -q -O - "$API_TARGET/v1/agents/$AGENT_ID/queue" 2>&1); [ "$q" = ok ] || echo "ERROR failed to receive messages from SQS queue: $q"; sleep 1; done',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  // The TDP: the agent's init with its JWT, its queue; anything else is a 404 (still an answer: reach).
  tdp = http.createServer((q, r) => {
    const m = /^\/v1\/agents\/([^/]+)\/(init|queue)$/.exec(q.url ?? '');
    if (!m) return void r.writeHead(404).end('not found');
    if (m[2] === 'init' && q.headers['x-jwt-sha256'] !== createHash('sha256').update(JWT).digest('hex')) return void r.writeHead(401).end('unauthorized');
    if (m[2] === 'init') return void r.writeHead(200).end(m[1] === 'agent-off' ? 'disabled' : 'ok');
    r.writeHead(200).end(m[1] === 'agent-noqueue' ? 'QueueDoesNotExist: the queue of this agent is not enabled' : 'ok');
  });
  await new Promise<void>((r) => tdp.listen(0, '127.0.0.1', r));
  apiTarget = `http://127.0.0.1:${(tdp.address() as AddressInfo).port}`;
  execFileSync('sh', ['-c', `tar -C "${rootfs}" -c . | ${DOCKER} import --change 'ENTRYPOINT ["/entry.sh"]' - ${IMAGE}`], { env: { ...process.env, DOCKER_HOST: `unix://${sock}` }, timeout: 60_000 });
  imageTar = path.join(dir, 'tetra-relay-test.tar');
  docker('save', '-o', imageTar, IMAGE);
  imageId = docker('image', 'inspect', '--format', '{{.Id}}', IMAGE).trim();
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
  tdp?.close();
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

async function runRelay(more: Record<string, unknown> = {}, jwt = JWT): Promise<{ end: EventPayload<'run.end'>; text: string; ps: { samples: number; lines: string[] } }> {
  const s = session(fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-tetra-run-')));
  s.ctx.secretStore?.set('tetra-relay.jwt', jwt, '••••');
  const answers = {
    profile: 'tetra-relay',
    os: 'linux',
    connectivity: { mode: 'direct', accessIp: target.host },
    inputs: { image: imageTar, imageSha256: imageSha, imageName: IMAGE, apiTarget, orgSlug: 'acme-lab', agentId: 'agent-42', jwt: { stored: 'tetra-relay.jwt' }, containerName: NAME, ...more },
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
    const first = await runRelay({ imageId: imageId.slice('sha256:'.length, 'sha256:'.length + 12) });
    expect(first.end.outcome, `${first.end.reason ?? ''} ${first.end.hint ?? ''}`).toBe('done');
    // The guide's minimum requirements, before anything changed; the TDP's steps said; the IMAGE ID compared.
    expect(first.text).toContain(`API_TARGET ${apiTarget} answered (HTTP 404)`);
    expect(first.text).toMatch(new RegExp(`\\d+ MiB free at Docker's data root ${path.join(dir, 'data')}`));
    expect(first.text).toMatch(/\d+ MiB of memory available/);
    expect(first.text).toContain('Manual step: In the Tetra Data Platform, Agents page: Create a New Agent.');
    expect(first.text).toContain(`IMAGE ID ${imageId} is TetraScience's (${imageId.slice(7, 19)})`);

    const c = inspect();
    expect(c.Name).toBe(`/${NAME}`);
    expect(c.State.Running).toBe(true);
    expect(c.HostConfig.NetworkMode).toBe('host');
    expect(c.HostConfig.RestartPolicy.Name).toBe('always');
    expect(c.HostConfig.Ulimits).toEqual([{ Name: 'core', Soft: 0, Hard: 0 }]);
    expect(c.HostConfig.LogConfig.Type).toBe('local');
    const env = Object.fromEntries(c.Config.Env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
    expect(env).toMatchObject({ API_TARGET: apiTarget, ORG_SLUG: 'acme-lab', AGENT_ID: 'agent-42', JWT });
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

  it('another IMAGE ID than the one given stops the run after docker load: the running container is not replaced', async () => {
    const before = inspect().Id;
    const { end } = await runRelay({ imageId: '0123456789ab' });
    expect(end).toMatchObject({ outcome: 'failed', failedStep: 'image-id' });
    expect(end.reason).toContain(`IMAGE ID mismatch: expected 0123456789ab, docker loaded ${imageId}`);
    expect(end.hint).toMatch(/^Docker loaded another image than TetraScience's \(IMAGE ID 0123456789ab\) as tetra-relay:test: it is not started\./);
    expect(inspect().Id).toBe(before);
  }, 120_000);

  it('an API_TARGET the host does not reach stops the run at preflight, naming it, before anything is sent', async () => {
    const down = `http://127.0.0.1:${await freePort('127.0.0.1')}`;
    const before = inspect().Id;
    const { end } = await runRelay({ apiTarget: down });
    expect(end).toMatchObject({ outcome: 'failed', failedStep: 'preflight' });
    expect(end.reason).toContain(`API_TARGET reachable (exit code 1: API_TARGET ${down} is not reachable from this host: curl: (7)`);
    expect(end.hint).toMatch(new RegExp(`^The agent calls ${down.replace(/\./g, '\\.')} itself \\(the guide: outbound internet access to the TDP\\)`));
    expect(fs.readdirSync(installDir)).toEqual([]);
    expect(inspect().Id).toBe(before);
  }, 120_000);

  it("the guide's troubleshooting: a queue that is not enabled (after init), a disabled agent and a refused JWT (before it) fail the init step with the guide's remedy", async () => {
    const noQueue = await runRelay({ agentId: 'agent-noqueue' });
    expect(noQueue.end).toMatchObject({ outcome: 'failed', failedStep: 'init', code: 'agent_queue' });
    expect(noQueue.end.reason).toContain('ERROR failed to receive messages from SQS queue: QueueDoesNotExist');
    expect(noQueue.end.hint).toBe(`The agent cannot use its SQS queue: in the TDP's Agents page, Enable the Agent's Queue for agent-noqueue; if it is enabled, check that the host's network lets the agent reach the TDP (${apiTarget}).`);
    const t0 = Date.now();
    const off = await runRelay({ agentId: 'agent-off' });
    expect(off.end).toMatchObject({ outcome: 'failed', failedStep: 'init', code: 'agent_disabled' });
    expect(off.end.hint).toBe("The TDP says the agent is disabled: in the Agents page, Enable the Agent's Connection for agent-off, then run again.");
    // A known error ends the wait at once, not after 90 s.
    expect(Date.now() - t0).toBeLessThan(60_000);
    const refused = await runRelay({}, 'eyJhbGciOiJIUzI1NiJ9.wrongToken.c2ln');
    expect(refused.end).toMatchObject({ outcome: 'failed', failedStep: 'init', code: 'bad_credentials' });
    expect(refused.end.reason).toContain('401 Unauthorized');
    expect(refused.text).not.toContain('wrongToken');
  }, 180_000);
});
