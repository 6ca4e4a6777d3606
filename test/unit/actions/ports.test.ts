// Who holds a port, and does it carry: the one script the tunnel step, its guard, the "listening"
// checks and the playbook all run (electron/core/actions/probe/ports.ts), run here for real against
// listeners of this user and of another one (nobody), real ss, real bash.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Forward } from '../../../electron/common/api/plan';
import { parsePortCheck, portCheckScript, type PortCheckOptions } from '../../../electron/core/actions/probe/ports';

const HOST = '127.0.0.1';
const children: ChildProcess[] = [];
let dir: string;

/**
 * A listener process: `mode` hold keeps connections open silently, close ends them at once (what ssh
 * does with a forward sshd refused), http answers one HTTP line, junk answers something else. `argv0`
 * and `args` make it look like whatever a process list should show; `user` runs it as someone else.
 */
async function listener(o: { ports: number[]; mode: 'hold' | 'close' | 'http' | 'junk'; argv0?: string; args?: string[]; user?: string; count?: number }): Promise<ChildProcess> {
  const code = `
    const net = require('net');
    const mode = ${JSON.stringify(o.mode)};
    const ports = ${JSON.stringify(o.ports)};
    let n = ${o.count ?? 0};
    const all = [];
    const serve = (s) => {
      s.on('error', () => {});
      if (mode === 'close') return s.end();
      if (mode === 'http') s.once('data', () => s.end('HTTP/1.1 403 Forbidden\\r\\nContent-Length: 0\\r\\n\\r\\n'));
      if (mode === 'junk') s.once('data', () => s.end('SSH-2.0-nope\\r\\n'));
    };
    const listen = (port) => new Promise((r) => { const srv = net.createServer(serve); srv.listen(port, ${JSON.stringify(HOST)}, r); all.push(srv); });
    (async () => {
      for (const p of ports) await listen(p);
      while (n-- > 0) await listen(0);
      process.stdout.write('ready\\n');
    })();
  `;
  // The code travels in the environment: the process list shows only argv0 and the args given.
  const script = `exec -a ${o.argv0 ?? 'node'} ${process.execPath} -e 'eval(process.env.OUTPOST_LISTENER)' -- ${(o.args ?? []).map((a) => `'${a}'`).join(' ')}`;
  const env = { ...process.env, OUTPOST_LISTENER: code };
  const child = o.user ? spawn('su', ['-s', '/bin/bash', o.user, '-c', script], { env }) : spawn('bash', ['-c', script], { env });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve();
    });
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (c) => reject(new Error(`listener exited ${c}: ${out}`)));
  });
  return child;
}

async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, HOST);
  await new Promise((r) => s.once('listening', r));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

function check(o: PortCheckOptions, env: NodeJS.ProcessEnv = process.env): { out: string; r: ReturnType<typeof parsePortCheck> } {
  const res = spawnSync('/bin/sh', ['-s'], { input: portCheckScript(o), encoding: 'utf8', env, timeout: 60_000 });
  return { out: res.stdout, r: parsePortCheck(res.stdout) };
}

const fwd = (name: string, port: number, http = false): Forward => ({ name, listenHost: HOST, listenPort: port, targetHost: '10.0.0.9', targetPort: 80, ...(http ? { http } : {}) });

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-ports-'));
});
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  spawnSync('pkill', ['-KILL', '-u', 'nobody', '-f', 'outpost-ports-test']);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('who holds a port', () => {
  it("another user's socket is foreign, even when its process calls itself ssh with the tunnel's exact argv", async () => {
    const port = await freePort();
    const f = fwd('icagent-8149', port);
    const argv = [`-L ${HOST}:${port}:10.0.0.9:80`, `-i ${os.homedir()}/.ssh/outpost_tunnel_icagent_ed25519`];
    await listener({ ports: [port], mode: 'hold', user: 'nobody', argv0: '/usr/bin/ssh', args: ['-N', '-L', `${HOST}:${port}:10.0.0.9:80`, '-i', `${os.homedir()}/.ssh/outpost_tunnel_icagent_ed25519`, 'outpost-ports-test'] });
    for (const hold of ['tunnel', 'user'] as const) {
      const { r } = check({ forwards: [f], hold, argv });
      expect(r.complete).toBe(true);
      expect(r.ports.get('icagent-8149')).toEqual({ state: 'foreign', detail: expect.stringMatching(new RegExp(`^port ${port} on ${HOST.replace(/\./g, '\\.')} is held by another program or user \\(uid \\d+\\)$`)) });
    }
    // An agent on its own host may run as anyone: only "something listens" is asked there.
    expect(check({ forwards: [{ ...f, listenHost: '*' }], hold: 'any' }).r.ports.get('icagent-8149')?.state).toBe('ours');
  });

  it("this user's program that is not the tunnel's ssh is not the tunnel; our ssh with every forward and the key is", async () => {
    const [a, b] = [await freePort(), await freePort()];
    const forwards = [fwd('a', a), fwd('b', b)];
    const argv = forwards.map((f) => `-L ${f.listenHost}:${f.listenPort}:${f.targetHost}:${f.targetPort}`).concat(['-i %h/.ssh/outpost_tunnel_x_ed25519']);
    const impostor = await listener({ ports: [a, b], mode: 'hold', args: ['-L', `${HOST}:${a}:10.0.0.9:80`] });
    let r = check({ forwards, hold: 'tunnel', argv }).r;
    expect(r.ports.get('a')).toMatchObject({ state: 'other', detail: expect.stringContaining('not by the tunnel\'s ssh') });
    // The login user's socket is enough where the process cannot be seen (a remote forward's sshd).
    expect(check({ forwards, hold: 'user' }).r.ports.get('a')?.state).toBe('ours');
    impostor.kill('SIGKILL');
    await new Promise((res) => impostor.once('exit', res));
    // An ssh missing one of the forwards (an older tunnel) is not ours either.
    const old = await listener({ ports: [a, b], mode: 'hold', argv0: 'ssh', args: ['-N', '-i', `${os.homedir()}/.ssh/outpost_tunnel_x_ed25519`, '-L', `${HOST}:${a}:10.0.0.9:80`] });
    r = check({ forwards, hold: 'tunnel', argv }).r;
    expect(r.ports.get('a')?.state).toBe('other');
    old.kill('SIGKILL');
    await new Promise((res) => old.once('exit', res));
    await listener({ ports: [a, b], mode: 'hold', argv0: '/usr/bin/ssh', args: ['-N', '-o', 'ExitOnForwardFailure=yes', '-i', `${os.homedir()}/.ssh/outpost_tunnel_x_ed25519`, '-L', `${HOST}:${a}:10.0.0.9:80`, '-L', `${HOST}:${b}:10.0.0.9:80`, 'user@jump'] });
    r = check({ forwards, hold: 'tunnel', argv }).r;
    expect(r.ports.get('a')).toMatchObject({ state: 'ours', detail: `listening on ${HOST}:${a} (node)` });
    expect(r.ports.get('b')?.state).toBe('ours');
    const missing = await freePort();
    expect(check({ forwards: [fwd('gone', missing)], hold: 'tunnel', argv }).r.ports.get('gone')).toEqual({ state: 'missing', detail: `nothing listens on ${HOST}:${missing}` });
  });

  it('a host with a thousand listeners answers in a few lines, and the tunnel is still found', async () => {
    const port = await freePort();
    await listener({ ports: [port], mode: 'hold', argv0: 'ssh', args: ['-L', `${HOST}:${port}:10.0.0.9:80`], count: 1000 });
    const all = spawnSync('ss', ['-ltnp'], { encoding: 'utf8' }).stdout;
    expect(all.length).toBeGreaterThan(8000);
    const { out, r } = check({ forwards: [fwd('a', port)], hold: 'tunnel', argv: [`-L ${HOST}:${port}:10.0.0.9:80`], verdict: 'healthy' });
    expect(out.length).toBeLessThan(1000);
    expect(r.ports.get('a')?.state).toBe('ours');
    expect(r.checks).toEqual([{ name: 'tunnel', status: 'pass', detail: "all 1 forwards listening, held by the tunnel's ssh" }]);
  });

  it('output that was cut, or a host without ss and netstat, is "could not check", never a verdict', async () => {
    const port = await freePort();
    const { out } = check({ forwards: [fwd('a', port)], hold: 'tunnel', verdict: 'healthy' });
    // What a command's kept tail looks like when the beginning fell off.
    const cut = parsePortCheck(out.slice(out.indexOf('OUTPOST_PORTS_BEGIN') + 5));
    expect(cut.complete).toBe(false);
    expect(cut.checks).toEqual([]);
    expect(cut.why).toMatch(/did not run to its end/);
    // No ss, no netstat: a PATH with only what the script needs besides them.
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    for (const t of ['id', 'awk', 'grep', 'sed', 'cat', 'tr', 'stat', 'printf']) {
      const w = spawnSync('sh', ['-c', `command -v ${t}`], { encoding: 'utf8' }).stdout.trim();
      if (w.startsWith('/')) fs.symlinkSync(w, path.join(bin, t));
    }
    const none = check({ forwards: [fwd('a', port)], hold: 'tunnel', verdict: 'healthy' }, { PATH: bin });
    expect(none.r.complete).toBe(false);
    expect(none.r.why).toBe('neither ss nor netstat is available');
    expect(none.r.checks).toEqual([{ name: 'tunnel', status: 'warn', detail: 'could not check: neither ss nor netstat is available', hint: 'Check by hand: ss -ltnpe (or netstat -lnpte) on the host.' }]);
  });
});

describe('does it carry', () => {
  it('a forward whose connection ends at once (a refused forward) does not carry; one that stays open does; an HTTP port must answer HTTP', async () => {
    const [open, refused, web, junk] = [await freePort(), await freePort(), await freePort(), await freePort()];
    await listener({ ports: [open], mode: 'hold' });
    await listener({ ports: [refused], mode: 'close' });
    await listener({ ports: [web], mode: 'http' });
    await listener({ ports: [junk], mode: 'junk' });
    const forwards = [fwd('open', open), fwd('refused', refused), fwd('web', web, true), fwd('junk', junk, true)];
    const { r } = check({ forwards, hold: 'user', carry: true, verdict: 'healthy' });
    expect(r.carries.get('open')).toEqual({ state: 'ok', detail: `a connection through port ${open} reached 10.0.0.9:80` });
    expect(r.carries.get('refused')).toMatchObject({ state: 'failed', detail: expect.stringContaining(`the tunnel closed a connection through port ${refused} at once`) });
    expect(r.carries.get('web')).toEqual({ state: 'ok', detail: `an HTTP answer came through port ${web} from 10.0.0.9:80` });
    expect(r.carries.get('junk')).toMatchObject({ state: 'failed', detail: expect.stringContaining('not with HTTP') });
    expect(r.checks[0]).toMatchObject({ name: 'tunnel', status: 'fail', detail: expect.stringMatching(/^the tunnel listens but does not carry: .*closed a connection through port \d+ at once.*; port \d+ answered, but not with HTTP/) });
  });
});
