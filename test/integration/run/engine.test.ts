// The engine on real sshd hosts behind a real jump server, with a profile the repository does not ship
// (test/fixtures/profiles/engine-test.yaml): per-host values in the paths of upload, unpack, writeFile
// and editIni give each host its own folder; `root` and `owner` mean the same for every action kind (the
// login user is not root and has sudo without a password); a remedy with `retry: once` recovers a first
// failure by itself; the same plan exported to Ansible leaves the same files, modes and owners; SIGTERM
// mid-batch still writes the report and closes the journal; and hosts waiting behind a jump server whose
// sshd went down wait for it and then install.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTestUser, freePort, generateKeyPair, startSshd, stopAll, TEST_USERS, type KeyPair, type SshdInstance, type TestUser } from '../harness/sshd';
import { ROOT } from './world';

const PROFILES = path.join(ROOT, 'test', 'fixtures', 'profiles');
const ANSIBLE = '/usr/bin/ansible-playbook';

let dir: string;
let jump: SshdInstance;
let targets: SshdInstance[];
let collector: net.Server;
const collectorSockets = new Set<net.Socket>();
let key: KeyPair;
let jumpUser: TestUser;
let user: TestUser;
let pkg: string;
const NAMES = ['e-a', 'e-b', 'e-c'];

function outpost(args: string[], extraEnv: NodeJS.ProcessEnv = {}): { done: Promise<{ code: number | null; stdout: string; stderr: string }>; child: ReturnType<typeof spawn>; stderr: () => string } {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'outpost.mjs'), ...args], { env: { PATH: process.env.PATH, OUTPOST_DATA_DIR: path.join(dir, 'data'), ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { done, child, stderr: () => stderr };
}

/** Answers for the engine profile: root steps write under `base`, the login user under `userBase`. */
function answers(name: string, o: { base: string; userBase: string; delay?: string }): string {
  const a = {
    profile: 'engine-test',
    os: 'linux',
    connectivity: {
      mode: 'jump',
      jumpServers: [{ privateIp: jump.host, ssh: { host: jump.host, port: jump.port, user: jumpUser.name, privateKey: { path: key.privateKeyPath } } }],
      elbIp: '127.0.0.1',
      connectionIp: jump.host,
      tunnel: 'persistent',
      portOverrides: { '45678': { listen: jumpListen, target: `127.0.0.1:${(collector.address() as net.AddressInfo).port}` } },
    },
    inputs: { base: o.base, userBase: o.userBase, delay: o.delay ?? '0' },
    targets: targets.map((t, i) => ({ host: t.host, port: t.port, user: user.name, name: NAMES[i], privateKey: { path: key.privateKeyPath } })),
    package: { path: pkg },
  };
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, YAML.stringify(a));
  return file;
}

let jumpListen = 0;
let hostsFile: string;

/** Every file under a folder: relative path, mode, owner, content. */
function tree(d: string): Array<{ rel: string; mode: string; uid: number; content: string }> {
  const out: Array<{ rel: string; mode: string; uid: number; content: string }> = [];
  const walk = (p: string) => {
    for (const e of fs.readdirSync(p, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const f = path.join(p, e.name);
      const st = fs.lstatSync(f);
      out.push({ rel: path.relative(d, f), mode: (st.mode & 0o7777).toString(8), uid: st.uid, content: e.isFile() ? fs.readFileSync(f, 'utf8') : '' });
      if (e.isDirectory()) walk(f);
    }
  };
  walk(d);
  return out;
}

const uidOf = (name: string) => Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
const journalOf = (text: string) => /Journal: (\S+\.jsonl)/.exec(text)?.[1] ?? '';
const readJournal = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(async () => {
  [jumpUser, user] = await Promise.all([ensureTestUser(TEST_USERS.t1), ensureTestUser(TEST_USERS.t2)]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-engine-'));
  fs.chmodSync(dir, 0o755);
  key = await generateKeyPair(path.join(dir, 'keys'), { name: 'id_ed25519' });
  const base = 20 + Math.floor(Math.random() * 200);
  jump = await startSshd({ address: `127.0.${base}.2`, userAuthorizedKeys: true });
  targets = await Promise.all([11, 12, 13].map((n) => startSshd({ address: `127.0.${base}.${n}` })));
  await jump.authorize(jumpUser.name, key.publicKeyLine);
  for (const t of targets) await t.authorize(user.name, key.publicKeyLine);
  // A collector as a real one: it keeps a connection open and waits for data (the tunnel's carry
  // check tells a refused forward from a live destination by the connection staying open).
  collector = net.createServer((s) => {
    collectorSockets.add(s);
    s.on('error', () => undefined).on('close', () => collectorSockets.delete(s)).resume();
  }).listen(0, '127.0.0.1');
  await new Promise((r) => collector.once('listening', r));
  jumpListen = await freePort(jump.host);
  // The package: a tarball with the agent's script.
  const src = path.join(dir, 'pkg-src');
  fs.mkdirSync(path.join(src, 'bin'), { recursive: true });
  fs.writeFileSync(path.join(src, 'bin', 'agent.sh'), '#!/bin/sh\necho agent\n', { mode: 0o755 });
  pkg = path.join(dir, 'agent.tar.gz');
  execFileSync('tar', ['-czf', pkg, '-C', src, 'bin']);
  hostsFile = path.join(dir, 'hosts.csv');
  fs.writeFileSync(hostsFile, ['host,port,user,privateKey,name', ...targets.map((t, i) => `${t.host},${t.port},${user.name},${key.privateKeyPath},${NAMES[i]}`)].join('\n') + '\n');
}, 120_000);

afterAll(async () => {
  for (const s of collectorSockets) s.destroy();
  collector?.close();
  try {
    execFileSync('pkill', ['-KILL', '-u', jumpUser.name, '-f', 'ssh .*-L'], { stdio: 'ignore' });
  } catch {
    /* no tunnel left */
  }
  await stopAll();
  for (const d of [dir, path.join(user.home, 'engine')]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

describe('one engine on real hosts', () => {
  it('per-host paths give each host its own folder; root and owner hold for every kind; the retry recovers by itself', async () => {
    const base = path.join(dir, 'run');
    const userBase = path.join(user.home, 'engine', 'run');
    const file = answers('run', { base, userBase });
    const r = await outpost(['batch', file, '--hosts', hostsFile, '--report', path.join(dir, 'run-report.json'), '--profiles', PROFILES, '--accept-new-hostkeys']).done;
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const daemon = uidOf('daemon');
    for (const t of targets) {
      const mine = tree(path.join(base, t.host));
      // Root's, as `root: true` says (upload, unpack, exec), or the owner given (writeFile), kept by editIni.
      expect(mine.find((f) => f.rel === 'pkg.tar.gz')).toMatchObject({ uid: 0, mode: '640' });
      expect(mine.find((f) => f.rel === 'app/bin/agent.sh')).toMatchObject({ uid: 0, mode: '755' });
      expect(mine.find((f) => f.rel === 'agent.ini')).toMatchObject({ uid: daemon, mode: '640' });
      expect(mine.find((f) => f.rel === 'agent.ini')?.content).toBe(`[agent]\nname = ${NAMES[targets.indexOf(t)]}\nport = 2\n`);
      expect(mine.find((f) => f.rel === 'whoami')?.content.trim()).toBe('root');
      // root: false is the login user's.
      expect(fs.statSync(path.join(userBase, t.host, 'mine.txt')).uid).toBe(user.uid);
    }
    // No folder named after an unfilled placeholder.
    expect(fs.readdirSync(base).sort()).toEqual(targets.map((t) => t.host).sort());
    // The remedy ran after the first failure, and the second try decided.
    const j = readJournal(journalOf(r.stderr + r.stdout));
    for (const t of targets.map((_, i) => `target${i}`)) {
      const flaky = j.filter((x) => x.type === 'step' && x.step === 'flaky' && x.host === t).map((x) => x.outcome);
      expect(flaky, t).toEqual(['warning', 'done']);
      expect(j.find((x) => x.type === 'step' && x.step === 'reset-flaky' && x.host === t)).toMatchObject({ outcome: 'done' });
    }
    const rep = JSON.parse(fs.readFileSync(path.join(dir, 'run-report.json'), 'utf8')) as { totals: Record<string, number> };
    expect(rep.totals).toEqual({ done: 3 });
    expect(fs.statSync(path.join(dir, 'run-report.json')).mode & 0o777).toBe(0o600);
  }, 180_000);

  it('the same plan through Ansible leaves the same files, modes and owners', async () => {
    if (!fs.existsSync(ANSIBLE)) throw new Error(`${ANSIBLE} is missing: install Debian's ansible (test/setup-system.mjs does).`);
    const base = path.join(dir, 'ansible');
    const userBase = path.join(user.home, 'engine', 'ansible');
    const out = path.join(dir, 'export');
    const file = answers('ansible', { base, userBase });
    const exp = await outpost(['export', 'ansible', file, '--hosts', hostsFile, '--out', out, '--profiles', PROFILES, '--accept-new-hostkeys']).done;
    expect(exp.code, exp.stderr + exp.stdout).toBe(0);
    const home = path.join(dir, 'ansible-home');
    const run = spawn(ANSIBLE, ['site.yml'], { cwd: out, env: { PATH: process.env.PATH, LANG: 'C.UTF-8', HOME: home, ANSIBLE_LOCAL_TEMP: path.join(home, 'tmp'), ANSIBLE_SSH_CONTROL_PATH_DIR: path.join(dir, 'cp'), ANSIBLE_NOCOLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    run.stdout.on('data', (d: Buffer) => (output += d.toString()));
    run.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise((r) => run.on('close', r));
    expect(code, output).toBe(0);
    const strip = (t: ReturnType<typeof tree>) => t.map((f) => ({ ...f, content: f.content.replace(/ansible|run/g, 'X') }));
    for (const t of targets) {
      expect(strip(tree(path.join(base, t.host)))).toEqual(strip(tree(path.join(dir, 'run', t.host))));
      expect(fs.statSync(path.join(userBase, t.host, 'mine.txt')).uid).toBe(user.uid);
      expect(fs.existsSync(path.join(userBase, t.host, 'flaky-marker')), 'the rescue ran the remedy').toBe(true);
    }
  }, 240_000);

  it('SIGTERM mid-batch: every host ends in a final state, the report is written and the journal closed (exit 143)', async () => {
    const file = answers('term', { base: path.join(dir, 'term'), userBase: path.join(user.home, 'engine', 'term'), delay: '20' });
    const report = path.join(dir, 'term-report.json');
    const p = outpost(['batch', file, '--hosts', hostsFile, '--concurrency', '2', '--report', report, '--profiles', PROFILES, '--accept-new-hostkeys']);
    for (const t0 = Date.now(); !/Journal: /.test(p.stderr()) && Date.now() - t0 < 30_000; ) await new Promise((r) => setTimeout(r, 50));
    const journal = journalOf(p.stderr());
    // Kill it while two hosts are in their slow step.
    for (const t0 = Date.now(); Date.now() - t0 < 60_000; await new Promise((r) => setTimeout(r, 100))) {
      if (fs.existsSync(journal) && readJournal(journal).filter((x) => x.type === 'step' && x.step === 'flaky' && x.outcome === 'done').length >= 2) break;
    }
    await new Promise((r) => setTimeout(r, 500));
    const t0 = Date.now();
    p.child.kill('SIGTERM');
    const r = await p.done;
    expect(r.code, r.stderr).toBe(143);
    expect(Date.now() - t0).toBeLessThan(15_000);
    const rep = JSON.parse(fs.readFileSync(report, 'utf8')) as { hosts: Array<{ state: string }>; totals: Record<string, number> };
    expect(rep.hosts.map((h) => h.state)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    const j = readJournal(journal);
    expect(j.at(-1)).toMatchObject({ type: 'run.end', outcome: 'cancelled' });
    expect(j.filter((x) => x.type === 'host' && String(x.host).startsWith('target')).map((x) => x.state)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  }, 120_000);

  it("hosts waiting behind a jump server whose sshd went down wait for it, then install; the one in flight fails, retryable", async () => {
    // The jump server's sshd goes down and comes back: the tunnel it carried does not (no systemd here to
    // restart it), so preflight's reach check is overridden — the engine's part is reaching the hosts.
    const file = answers('cut', { base: path.join(dir, 'cut'), userBase: path.join(user.home, 'engine', 'cut'), delay: '3' });
    const p = outpost(['run', file, '--override-preflight', '--profiles', PROFILES, '--accept-new-hostkeys']);
    const journalDir = path.join(dir, 'data', 'journals');
    const before = new Set(fs.existsSync(journalDir) ? fs.readdirSync(journalDir) : []);
    let journal = '';
    // The first host in its slow step: sshd stops (every connection through it too), back 3 s later.
    for (const t0 = Date.now(); Date.now() - t0 < 60_000; await new Promise((r) => setTimeout(r, 100))) {
      journal = journal || (fs.existsSync(journalDir) ? (fs.readdirSync(journalDir).find((f) => f.endsWith('.jsonl') && !before.has(f)) ?? '') : '');
      if (journal && readJournal(path.join(journalDir, journal)).some((x) => x.type === 'step' && x.step === 'flaky' && x.outcome === 'done')) break;
    }
    await jump.stop();
    await new Promise((r) => setTimeout(r, 3000));
    await jump.start();
    const r = await p.done;
    const hosts = readJournal(path.join(journalDir, journal)).filter((x) => x.type === 'host' && String(x.host).startsWith('target'));
    expect(hosts.map((h) => [h.host, h.state]), r.stdout + r.stderr).toEqual([
      ['target0', 'failed'],
      ['target1', 'done'],
      ['target2', 'done'],
    ]);
    expect(hosts[0]).toMatchObject({ code: 'connection_lost' });
    expect(String(hosts[0]?.hint)).toMatch(/--retry-failed/);
    expect(r.stderr).toMatch(/is not answering .*: waiting \d+ s for it to come back/);
    expect(r.code).toBe(1);
  }, 180_000);
});
