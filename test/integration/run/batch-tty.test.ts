// `outpost batch` with stderr on a terminal: one live progress line rewritten in place (\r, erase line),
// the failed host printed above it with its reason, done hosts only counted; stdout's summary unchanged.
// Against three real sshd hosts on loopback (one with a wrong password).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatchCommand } from '../../../electron/cli/commands/batch';
import { ROOT } from './world';
import { ensureTestUser, startSshd, stopAll, TEST_USERS, type SshdInstance, type TestUser } from '../harness/sshd';

const PROFILE = `schema: 2
id: tty-marker
name: TTY marker
description: Writes a marker file named after the host.
os: [linux]
connectivity: [direct]
linux:
  shell: bash
  installDir: /opt/marker
  steps:
    - id: install
      phase: install
      title: { en: "Install {agent}" }
      guard: verify
      action:
        exec:
          root: false
          script: [sleep, "1", { op: "&&" }, mkdir, -p, "{installDir}", { op: "&&" }, echo, run, { op: ">>" }, "{installDir}/{host.name}.runs", { op: "&&" }, echo, "marker installed on {host.address}"]
          success: ["marker installed on"]
  verify:
    - { command: { name: marker, script: [test, -s, "{installDir}/{host.name}.runs"], exitCode: 0 } }
`;

let user: TestUser;
let hosts: SshdInstance[] = [];
let dir: string;
let installDir: string;
const savedDataDir = process.env.OUTPOST_DATA_DIR;

beforeAll(async () => {
  user = await ensureTestUser(TEST_USERS.t2);
  const base = 20 + Math.floor(Math.random() * 200);
  hosts = await Promise.all([31, 32, 33].map((n) => startSshd({ address: `127.0.${base}.${n}` })));
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-batch-tty-'));
  fs.mkdirSync(path.join(dir, 'profiles'));
  fs.writeFileSync(path.join(dir, 'profiles', 'tty-marker.yaml'), PROFILE);
  installDir = path.join(user.home, `tty-marker-${process.pid}`);
  fs.writeFileSync(path.join(dir, 'answers.yaml'), `profile: tty-marker\nos: linux\nconnectivity: { mode: direct, accessIp: 127.0.0.1 }\ntargets: []\noptions: { installDir: ${installDir} }\n`);
  process.env.OUTPOST_DATA_DIR = path.join(dir, 'data');
});

afterAll(async () => {
  if (savedDataDir === undefined) delete process.env.OUTPOST_DATA_DIR;
  else process.env.OUTPOST_DATA_DIR = savedDataDir;
  await stopAll();
  if (installDir) fs.rmSync(installDir, { recursive: true, force: true });
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('outpost batch progress on a terminal', () => {
  it('rewrites one live line with counts, finished/total and elapsed; prints the failed host above it', async () => {
    const csv = ['host,port,user,password', ...hosts.map((h, i) => `${h.host},${h.port},${user.name},${i === 1 ? 'not-the-password-9' : TEST_USERS.t2.password}`)].join('\n');
    fs.writeFileSync(path.join(dir, 'hosts.csv'), `${csv}\n`);
    let out = '';
    let err = '';
    const code = await runBatchCommand(path.join(dir, 'answers.yaml'), { hosts: path.join(dir, 'hosts.csv'), concurrency: '2', acceptNewHostkeys: true, knownHosts: path.join(dir, 'known_hosts'), profiles: path.join(dir, 'profiles') }, {
      stdout: { write: (t: string) => ((out += t), true) } as unknown as NodeJS.WritableStream,
      stderr: Object.assign({ write: (t: string) => ((err += t), true), isTTY: true, columns: 160 }) as unknown as NodeJS.WritableStream & { isTTY: boolean },
      env: { PATH: process.env.PATH },
    });
    expect(code, err).toBe(1);
    expect(out).toMatch(/^2 done, 1 failed; journal: /);
    // The live line: drawn with \r + erase-line, never with a newline of its own until the end.
    const draws = err.split('\r\x1b[2K').slice(1);
    expect(draws.length).toBeGreaterThan(3);
    expect(draws.some((d) => /^\[0\/3\] 3 queued · \d+s/.test(d))).toBe(true);
    expect(draws.some((d) => /^\[\d\/3\] .*(connecting|preflight|installing|verifying)/.test(d))).toBe(true);
    // eslint-disable-next-line no-control-regex -- the erase-line sequence is what is tested
    expect(err).toMatch(/\r\x1b\[2K\[3\/3\] 2 done · 1 failed · \d+s\n$/);
    // The failed host has its own line with the reason; done hosts have none.
    expect(err).toMatch(new RegExp(`\\[\\d/3\\] ${user.name}@${hosts[1]?.host.replace(/\./g, '\\.')}:${hosts[1]?.port}: failed — .+\\n`));
    for (const h of [hosts[0], hosts[2]]) expect(err).not.toContain(`${h?.host}:${h?.port}: done`);
    expect(err).not.toContain(TEST_USERS.t2.password);
    expect(err).toMatch(/^Journal: \S+/);
  });

  it('the built `outpost batch` in a real pseudo-terminal (node-pty): stderr is a TTY, so the live line is used', async () => {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'index.mjs'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
    const pty = createRequire(import.meta.url)('node-pty') as typeof import('node-pty');
    fs.rmSync(installDir, { recursive: true, force: true });
    const csv = ['host,port,user,password', ...hosts.map((h) => `${h.host},${h.port},${user.name},${TEST_USERS.t2.password}`)].join('\n');
    fs.writeFileSync(path.join(dir, 'hosts-pty.csv'), `${csv}\n`);
    const p = pty.spawn(process.execPath, [path.join(ROOT, 'bin', 'outpost.mjs'), 'batch', path.join(dir, 'answers.yaml'), '--hosts', path.join(dir, 'hosts-pty.csv'), '--concurrency', '2', '--accept-new-hostkeys', '--known-hosts', path.join(dir, 'known_hosts_pty'), '--profiles', path.join(dir, 'profiles')], {
      cols: 120,
      rows: 30,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', OUTPOST_DATA_DIR: path.join(dir, 'data-pty'), TERM: 'xterm-256color' },
    });
    let text = '';
    p.onData((d) => (text += d));
    const code = await new Promise<number>((resolve) => p.onExit((e) => resolve(e.exitCode)));
    expect(code, text).toBe(0);
    expect(text).toContain('\x1b[2K[0/3] 3 queued');
    // eslint-disable-next-line no-control-regex -- the erase-line sequence is what is tested
    expect(text).toMatch(/\x1b\[2K\[3\/3\] 3 done · \d+s\r?\n/);
    // Done hosts are only counted on a terminal: no per-host line for them.
    expect(text).not.toMatch(/\[\d\/3\] \S+@\S+: done/);
    expect(text).not.toContain(TEST_USERS.t2.password);
    expect(text).toMatch(/3 done; journal: /);
  });
});
