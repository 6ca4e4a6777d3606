// Issue 11's "done when", against real sshd hosts on loopback with a profile written here from
// PROFILES.md (an agent the code has never seen: each install run appends a line to a file named
// after the host, so the test counts installer runs per host).
// (a) 50 hosts: 3 wrong passwords and 2 hosts whose sshd is stopped while their installer runs end
//     failed with their reasons, the 45 others done; `--retry-failed REPORT` after fixing them
//     finishes the 5 without connecting to any of the 45 again.
// (b) The outpost process is killed (SIGKILL) mid-batch, twice; `--resume JOURNAL` each time
//     finishes the rest: every host ends with exactly one install run, none lost.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatchCommand, type BatchReport } from '../../../electron/cli/commands/batch';
import { ensureTestUser, startSshd, stopAll, TEST_USERS, type SshdInstance, type TestUser } from '../harness/sshd';

const ROOT = path.resolve(__dirname, '../../..');

// A host holds (waits) in its installer while `<host>.hold` exists: the test stops that host's sshd then.
// The run is recorded first, then the installer takes a moment (`.slow`): a kill lands mid-install.
const PROFILE = `schema: 2
id: fleet-marker
name: Fleet marker
description: Records each install run in a file named after the host.
os: [linux]
connectivity: [direct]
linux:
  shell: bash
  installDir: /opt/fleet
  steps:
    - id: install
      phase: install
      title: { en: "Install {agent}" }
      guard: verify
      action:
        exec:
          root: false
          script: [mkdir, -p, "{installDir}", { op: "&&" }, touch, "{installDir}/{host.name}.started", { op: "&&" },
                   test, "!", -e, "{installDir}/{host.name}.hold", { op: "||" }, sleep, "60", { op: "&&" },
                   echo, run, { op: ">>" }, "{installDir}/{host.name}.runs", { op: "&&" },
                   test, "!", -e, "{installDir}/slow", { op: "||" }, sleep, "0.4", { op: "&&" },
                   echo, "marker installed on {host.address}"]
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
  const started: SshdInstance[] = [];
  // 50 sshd instances, ten at a time (each generates a host key).
  for (let i = 0; i < 50; i += 10) started.push(...(await Promise.all(Array.from({ length: 10 }, (_, k) => startSshd({ address: `127.1.${base}.${11 + i + k}`, logLevel: 'VERBOSE' })))));
  hosts = started;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-fleet-'));
  fs.mkdirSync(path.join(dir, 'profiles'));
  fs.writeFileSync(path.join(dir, 'profiles', 'fleet-marker.yaml'), PROFILE);
  installDir = path.join(user.home, `fleet-marker-${process.pid}`);
  fs.rmSync(installDir, { recursive: true, force: true });
  fs.mkdirSync(installDir, { mode: 0o777 });
  fs.chmodSync(installDir, 0o777);
  fs.writeFileSync(path.join(dir, 'answers.yaml'), `profile: fleet-marker\nos: linux\nconnectivity: { mode: direct, accessIp: 127.0.0.1 }\ntargets: []\noptions: { installDir: ${installDir} }\n`);
  process.env.OUTPOST_DATA_DIR = path.join(dir, 'data');
}, 120_000);

afterAll(async () => {
  if (savedDataDir === undefined) delete process.env.OUTPOST_DATA_DIR;
  else process.env.OUTPOST_DATA_DIR = savedDataDir;
  await stopAll();
  fs.rmSync(installDir, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
});

/** CSV with a header row (each sshd has its own port, which iplist.cfg cannot say). */
function hostsFile(name: string, list: SshdInstance[], wrong: number[] = []): string {
  const csv = ['host,port,user,password', ...list.map((h, i) => `${h.host},${h.port},${user.name},${wrong.includes(i) ? 'not-the-password-9' : TEST_USERS.t2.password}`)].join('\n');
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${csv}\n`);
  return file;
}

const io = () => {
  const o = { out: '', err: '' };
  return {
    o,
    io: {
      stdout: { write: (t: string) => ((o.out += t), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: (t: string) => ((o.err += t), true) } as unknown as NodeJS.WritableStream,
      env: { PATH: process.env.PATH },
    },
  };
};

const file = (h: SshdInstance, ext: string) => path.join(installDir, `${h.host}.${ext}`);
const runsOf = (h: SshdInstance) => (fs.existsSync(file(h, 'runs')) ? fs.readFileSync(file(h, 'runs'), 'utf8').trim().split('\n').length : 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('outpost batch on a fleet', () => {
  it('50 hosts: 3 wrong passwords and 2 hosts stopped mid-install fail with their reasons, 45 are done; retry-failed after fixing them finishes the 5 and leaves the 45 alone', async () => {
    const wrong = [4, 17, 33];
    const stopped = [9, 41];
    for (const i of stopped) fs.writeFileSync(file(hosts[i] as SshdInstance, 'hold'), '');
    const report = path.join(dir, 'fleet1.json');
    const { o, io: io1 } = io();
    const running = runBatchCommand(path.join(dir, 'answers.yaml'), { hosts: hostsFile('fleet1.csv', hosts, wrong), report, concurrency: '12', acceptNewHostkeys: true, knownHosts: path.join(dir, 'known_hosts'), profiles: path.join(dir, 'profiles') }, io1);
    // Each held host is inside its installer: stop its sshd (and the sessions below it) now.
    await Promise.all(
      stopped.map(async (i) => {
        const h = hosts[i] as SshdInstance;
        await waitFor(`${h.host}'s installer to start`, () => fs.existsSync(file(h, 'started')), 60_000);
        await h.stop();
      }),
    );
    const code = await running;
    expect(code, o.err).toBe(1);
    const rep = JSON.parse(fs.readFileSync(report, 'utf8')) as BatchReport;
    expect(rep.totals, o.err).toEqual({ done: 45, failed: 5 });
    expect(rep.hosts.map((h) => h.host)).toEqual(hosts.map((h) => h.host));
    rep.hosts.forEach((h, i) => {
      if (wrong.includes(i)) {
        expect(h, h.reason ?? '').toMatchObject({ state: 'failed', step: 'connect' });
        expect(h.reason).toMatch(/password/i);
      } else if (stopped.includes(i)) {
        expect(h, h.reason ?? '').toMatchObject({ state: 'failed', step: 'install' });
        expect(h.reason).toMatch(/connection|closed|lost/i);
        expect(h.reason).not.toMatch(/password/i);
      } else {
        expect(h, h.reason ?? '').toMatchObject({ state: 'done', reason: null });
      }
    });
    expect(hosts.map(runsOf)).toEqual(hosts.map((_, i) => (wrong.includes(i) || stopped.includes(i) ? 0 : 1)));
    expect(o.err).toMatch(/^\[50\/50\] /m);
    expect(fs.readFileSync(report, 'utf8') + o.err + o.out).not.toContain(TEST_USERS.t2.password);

    // Fix them: the right passwords, the stopped hosts back up (same address, port and host key).
    for (const i of stopped) {
      fs.rmSync(file(hosts[i] as SshdInstance, 'hold'));
      await (hosts[i] as SshdInstance).start();
    }
    const others = hosts.filter((_, i) => !wrong.includes(i) && !stopped.includes(i));
    const before = await Promise.all(others.map((h) => h.connectionCount()));
    const report2 = path.join(dir, 'fleet2.json');
    const second = io();
    const code2 = await runBatchCommand(path.join(dir, 'answers.yaml'), { hosts: hostsFile('fleet2.csv', hosts), report: report2, retryFailed: report, concurrency: '12', acceptNewHostkeys: true, knownHosts: path.join(dir, 'known_hosts'), profiles: path.join(dir, 'profiles') }, second.io);
    expect(code2, second.o.err).toBe(0);
    expect(second.o.err).toMatch(/45 host\(s\) already done are left alone; 5 to run/);
    expect(hosts.map(runsOf)).toEqual(hosts.map(() => 1));
    const rep2 = JSON.parse(fs.readFileSync(report2, 'utf8')) as BatchReport;
    expect(rep2.totals).toEqual({ done: 50 });
    // None of the 45 was connected to again.
    expect(await Promise.all(others.map((h) => h.connectionCount()))).toEqual(before);
  }, 180_000);

  it('the outpost process killed mid-batch (twice): --resume JOURNAL finishes the rest, no host installed twice, none lost', async () => {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'index.mjs'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
    const fleet = hosts.slice(0, 30);
    for (const h of fleet) for (const ext of ['runs', 'started']) fs.rmSync(file(h, ext), { force: true });
    fs.writeFileSync(path.join(installDir, 'slow'), '');
    const list = hostsFile('fleet3.csv', fleet);
    const dataDir = path.join(dir, 'data-kill');
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, OUTPOST_DATA_DIR: dataDir };
    const cli = (args: string[]) => spawn(process.execPath, [path.join(ROOT, 'bin', 'outpost.mjs'), 'batch', path.join(dir, 'answers.yaml'), '--hosts', list, '--concurrency', '4', '--accept-new-hostkeys', '--known-hosts', path.join(dir, 'known_hosts3'), '--profiles', path.join(dir, 'profiles'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const installed = () => fleet.filter((h) => runsOf(h) > 0).length;

    /** Starts the batch, SIGKILLs it once `atLeast` hosts have installed; returns the journal it named. */
    const killMidway = async (args: string[], atLeast: number): Promise<string> => {
      const p = cli(args);
      let err = '';
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<void>((r) => p.once('exit', () => r()));
      await waitFor(`${atLeast} installs (stderr: ${err})`, () => installed() >= atLeast || p.exitCode !== null, 90_000);
      p.kill('SIGKILL');
      await exited;
      expect(p.signalCode, err).toBe('SIGKILL');
      const m = /^Journal: (\S+)/m.exec(err);
      expect(m, err).not.toBeNull();
      return m?.[1] ?? '';
    };

    const journal1 = await killMidway([], 12);
    const after1 = installed();
    expect(after1).toBeLessThan(30);
    // Resume, and kill that one too: its journal must still account for the hosts done before it.
    const journal2 = await killMidway(['--resume', journal1], after1 + 5);
    expect(journal2).not.toBe(journal1);
    expect(installed()).toBeLessThan(30);
    const before = installed();
    const report = path.join(dir, 'fleet3.json');
    const last = cli(['--resume', journal2, '--report', report]);
    let err = '';
    last.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => last.once('exit', (c) => r(c)));
    expect(code, err).toBe(0);
    // The second journal still knows the hosts done before it (only the ≤ 4 in flight at the last kill may be unknown).
    const left = /(\d+) host\(s\) already done are left alone; (\d+) to run/.exec(err);
    expect(left, err).not.toBeNull();
    expect(Number(left?.[1]) + Number(left?.[2])).toBe(30);
    expect(Number(left?.[1])).toBeGreaterThanOrEqual(before - 4);
    const rep = JSON.parse(fs.readFileSync(report, 'utf8')) as BatchReport;
    expect(rep.totals, err).toEqual({ done: 30 });
    // Every host installed exactly once: none twice (a resumed host in flight at the kill is found
    // installed by the step's guard), none lost.
    expect(fleet.map(runsOf)).toEqual(fleet.map(() => 1));
    fs.rmSync(path.join(installDir, 'slow'));
  }, 180_000);
});
