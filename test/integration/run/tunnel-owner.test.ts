// A jump server shared with other local users (issue 27, N1 and the tunnel findings), end to end with
// `outpost run` against real sshd: another user who binds the tunnel's ports first (with and without
// a process that calls itself the tunnel's ssh) must fail the tunnel step, and no target may fetch
// anything from them; hundreds of unrelated listeners must not hide the tunnel; two profiles on one
// jump server must both get a tunnel that carries (each its own key and authorized_keys line).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureTestUser, freePort, TEST_USERS, type TestUser } from '../harness/sshd';
import { cleanupUsers, killAgents, ROOT, startWorld, type World } from './world';

let world: World;
let mallory: TestUser;
const children: ChildProcess[] = [];

function outpost(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(ROOT, 'bin', 'outpost.mjs'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface Squatter {
  child: ChildProcess;
  /** Connections it accepted (a target fetching its "installer" would be one). */
  connections: () => number;
}

/**
 * Listeners on `ports` at `host`, as `user` (or this process's user), their process showing `argv0`
 * and `args` on the process list; `count` more on free ports. Accepted connections are counted.
 */
async function squat(o: { host: string; ports: number[]; user?: string; argv0?: string; args?: string[]; count?: number; avoid?: number[]; mode?: 'hold' | 'count' }): Promise<Squatter> {
  const code = `
    const net = require('net');
    const all = [];
    const listen = (port) => new Promise((r, j) => { const s = net.createServer((c) => { process.stdout.write('conn\\n'); c.on('error', () => {}); c.end('HTTP/1.0 200 OK\\r\\n\\r\\necho pwned\\n'); }); s.on('error', j); s.listen(port, ${JSON.stringify(o.host)}, r); all.push(s); });
    // Unrelated listeners on ports the system picks; one that got a port the test keeps for the tunnel gives it back.
    const avoid = new Set(${JSON.stringify(o.avoid ?? [])});
    const any = async () => { for (;;) { await listen(0); const s = all[all.length - 1]; if (!avoid.has(s.address().port)) return; s.close(); all.pop(); } };
    (async () => { for (const p of ${JSON.stringify(o.ports)}) await listen(p); for (let i = 0; i < ${o.count ?? 0}; i++) await any(); process.stdout.write('ready\\n'); })().catch((e) => { console.error(String(e)); process.exit(3); });
  `;
  const script = `exec -a ${o.argv0 ?? 'node'} ${process.execPath} -e 'eval(process.env.OUTPOST_SQUAT)' -- ${(o.args ?? []).map((a) => `'${a}'`).join(' ')}`;
  const env = { ...process.env, OUTPOST_SQUAT: code };
  const child = o.user ? spawn('su', ['-s', '/bin/bash', o.user, '-c', script], { env }) : spawn('bash', ['-c', script], { env });
  children.push(child);
  let conns = 0;
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      const t = d.toString();
      out += t;
      conns += (t.match(/conn\n/g) ?? []).length;
      if (out.includes('ready')) resolve();
    });
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (c) => reject(new Error(`squatter exited ${c}: ${out}`)));
  });
  return { child, connections: () => conns };
}

async function stop(s: Squatter): Promise<void> {
  if (s.child.exitCode !== null) return;
  const gone = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGKILL');
  try {
    execFileSync('pkill', ['-KILL', '-u', mallory.name], { stdio: 'ignore' });
  } catch {
    /* nothing left */
  }
  await gone;
}

/** The forwarded ports of the world's ICAgent tunnel on its jump server. */
function tunnelPorts(w: World): number[] {
  const c = w.answers.connectivity as { portOverrides: Record<string, { listen: number }> };
  return [8149, 8102, 8923, 30200, 30201, c.portOverrides['80']?.listen ?? 0];
}

function journalSteps(stdout: string): Array<{ type: string; step?: string; host?: string; outcome?: string; message?: string }> {
  const file = /Journal: (\S+)/.exec(stdout)?.[1] ?? '';
  return fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string });
}

beforeAll(async () => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'index.mjs'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
  mallory = await ensureTestUser(TEST_USERS.t4);
  world = await startWorld();
}, 120_000);
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  // su's child outlives su: end whatever the other user still runs.
  try {
    execFileSync('pkill', ['-KILL', '-u', TEST_USERS.t4.name], { stdio: 'ignore' });
  } catch {
    /* nothing left */
  }
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await world?.stop();
});

describe('a jump server shared with other local users', () => {
  // The vendor's one-off ssh -f goes on without a port it could not bind; the persistent tunnel's
  // guard once took any ssh-looking process with these forwards for ours.
  for (const fake of [false, true]) {
    it(`another user holding the tunnel's ports${fake ? ', its process posing as the tunnel\'s ssh with our key and forwards (persistent tunnel)' : ' (the vendor tunnel)'}: the tunnel step fails and nothing is fetched`, async () => {
      cleanupUsers();
      const ports = tunnelPorts(world);
      const jump = world.jump.host;
      const spec = (p: number, i: number) => `${jump}:${p}:${world.backend.host}:${i === 5 ? world.backend.ports.http : p}`;
      const s = await squat({
        host: jump,
        ports,
        user: mallory.name,
        ...(fake ? { argv0: '/usr/bin/ssh', args: ['-N', '-o', 'ExitOnForwardFailure=yes', '-i', `${world.jumpUser.home}/.ssh/outpost_tunnel_icagent_ed25519`, ...ports.flatMap((p, i) => ['-L', spec(p, i)]), `${world.jumpUser.name}@${jump}`] } : {}),
      });
      const downloads = world.backend.stats().http?.downloads ?? 0;
      const answers = fake ? world.answersFile : path.join(world.dir, 'vendor.yaml');
      if (!fake) fs.writeFileSync(answers, YAML.stringify({ ...world.answers, connectivity: { ...(world.answers.connectivity as object), tunnel: 'vendor' } }));
      const r = await outpost(['run', answers, '--accept-new-hostkeys'], world.env);
      expect(r.code, r.stdout).not.toBe(0);
      expect(r.stdout).not.toContain('healthy tunnel kept');
      expect(r.stdout).toMatch(new RegExp(`port \\d+ on ${jump.replace(/\./g, '\\.')} is held by another program or user \\(uid ${mallory.uid}\\)`));
      expect(r.stdout).toContain('the tunnel was not started, and nothing was downloaded through it');
      const steps = journalSteps(r.stdout).filter((x) => x.type === 'step');
      expect(steps.find((x) => x.step === 'tunnel.jump0')?.outcome).toBe('failed');
      // The target never ran a step past connecting: nothing installed, nothing fetched from anyone.
      expect(steps.filter((x) => x.host === 'target0' && ['install', 'preflight'].includes(x.step ?? '') && x.outcome === 'done')).toEqual([]);
      expect(s.connections()).toBe(0);
      expect(world.backend.stats().http?.downloads ?? 0).toBe(downloads);
      await stop(s);
    }, 120_000);
  }

  it('several hundred unrelated listeners on the jump server: the tunnel is found, and a second run keeps it', async () => {
    cleanupUsers();
    // Root's and another user's sockets, on the jump server's address and elsewhere: ~2x400 lines of ss.
    // Not the tunnel's own ports: those may be anyone's by chance, and then the tunnel rightly refuses them.
    const conn = world.answers.connectivity as { portOverrides?: Record<string, { listen: number }> };
    const avoid = [8149, 8102, 8923, 30200, 30201, ...Object.values(conn.portOverrides ?? {}).map((o) => o.listen)];
    await squat({ host: world.jump.host, ports: [], count: 400, avoid });
    await squat({ host: '127.0.0.1', ports: [], count: 400, user: mallory.name, avoid });
    expect(execFileSync('ss', ['-ltn'], { encoding: 'utf8' }).length).toBeGreaterThan(27_000);
    const r = await outpost(['run', world.answersFile, '--accept-new-hostkeys'], world.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/icagent-8149 127\.0\.\d+\.2:8149 listening/);
    // The background tunnel's log is the jump user's alone.
    expect(fs.statSync(path.join(world.jumpUser.home, '.outpost', 'outpost-tunnel-icagent.log')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(world.jumpUser.home, '.outpost')).mode & 0o077).toBe(0);
    const again = await outpost(['run', world.answersFile], world.env);
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toContain('healthy tunnel kept');
  }, 180_000);

  it('two profiles on one jump server: each its own key and line, both tunnels carry, both install', async () => {
    cleanupUsers();
    killAgents();
    const ica = await outpost(['run', world.answersFile, '--accept-new-hostkeys'], world.env);
    expect(ica.code, ica.stdout).toBe(0);
    // A second agent (the engine test profile) through the same jump server and login user.
    const sockets = new Set<net.Socket>();
    const collector = net.createServer((c) => {
      sockets.add(c);
      c.on('error', () => undefined).on('close', () => sockets.delete(c)).resume();
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    const collectorPort = (collector.address() as net.AddressInfo).port;
    const jumpListen = await freePort(world.jump.host);
    const src = path.join(world.dir, 'pkg-src', 'bin');
    fs.mkdirSync(src, { recursive: true });
    fs.writeFileSync(path.join(src, 'agent.sh'), '#!/bin/sh\necho agent\n', { mode: 0o755 });
    const pkg = path.join(world.dir, 'agent.tar.gz');
    execFileSync('tar', ['-czf', pkg, '-C', path.dirname(src), 'bin']);
    // Root's steps write there; the login user's checks read there (through the test's folder).
    fs.chmodSync(world.dir, 0o711);
    const base = path.join(world.dir, 'engine');
    const conn = world.answers.connectivity as { jumpServers: unknown[] };
    const engine = {
      profile: 'engine-test',
      os: 'linux',
      connectivity: { mode: 'jump', jumpServers: conn.jumpServers, elbIp: '127.0.0.1', connectionIp: world.jump.host, tunnel: 'persistent', portOverrides: { '45678': { listen: jumpListen, target: `127.0.0.1:${collectorPort}` } } },
      inputs: { base, userBase: path.join(world.targetUser.home, 'engine-owner'), delay: '0' },
      targets: world.answers.targets,
      package: { path: pkg },
    };
    const file = path.join(world.dir, 'engine.yaml');
    fs.writeFileSync(file, YAML.stringify(engine));
    try {
      const e = await outpost(['run', file, '--profiles', path.join(ROOT, 'test', 'fixtures', 'profiles')], world.env);
      expect(e.code, e.stdout + e.stderr).toBe(0);
      // Each profile its own key, and one authorized_keys line per key.
      const ak = fs.readFileSync(path.join(world.jumpUser.home, '.ssh', 'authorized_keys'), 'utf8').trim().split('\n');
      const keyOf = (comment: string) => ak.filter((l) => l.endsWith(` ${comment}`)).map((l) => l.split(' ').slice(-3, -1).join(' '));
      expect(keyOf('outpost-tunnel:icagent')).toHaveLength(1);
      expect(keyOf('outpost-tunnel:engine-test')).toHaveLength(1);
      expect(keyOf('outpost-tunnel:icagent')[0]).not.toBe(keyOf('outpost-tunnel:engine-test')[0]);
      // Both carry, seen from outside Outpost: a connection through each forward reaches its destination.
      const reach = async (host: string, port: number, before: () => number, after: () => number) => {
        const n = before();
        const s = net.connect(port, host);
        await new Promise((r, j) => s.once('connect', r).once('error', j));
        for (let i = 0; i < 50 && after() <= n; i++) await new Promise((r) => setTimeout(r, 100));
        s.destroy();
        return after() > n;
      };
      const collectorSeen = () => sockets.size;
      expect(await reach(world.jump.host, jumpListen, collectorSeen, collectorSeen)).toBe(true);
      const backendConns = () => world.backend.stats().ports.reduce((a, p) => a + p.connections, 0);
      expect(await reach(world.jump.host, 8149, backendConns, backendConns)).toBe(true);
      // And Outpost's own health check says so for both.
      for (const [a, extra] of [[world.answersFile, []], [file, ['--profiles', path.join(ROOT, 'test', 'fixtures', 'profiles')]]] as const) {
        const c = await outpost(['run', a, '--check-tunnel', ...extra], world.env);
        expect(c.code, c.stdout).toBe(0);
        expect(c.stdout).toContain('healthy tunnel kept');
      }
    } finally {
      for (const s of sockets) s.destroy();
      collector.close();
      fs.rmSync(path.join(world.targetUser.home, 'engine-owner'), { recursive: true, force: true });
    }
  }, 240_000);
});
