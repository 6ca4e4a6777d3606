// `outpost batch` against six real sshd hosts on loopback, with a profile written in the test from
// PROFILES.md alone (an agent the code has never seen: it records each run per host). Two hosts have
// wrong passwords: they fail alone with the reason, the other four install; the report says so
// host by host. Resuming from the journal with the passwords fixed runs only those two; a retry of
// a report where every host is done runs nothing. Every host ends with exactly one install run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatchCommand, type BatchReport } from '../../../electron/cli/commands/batch';
import { ensureTestUser, startSshd, stopAll, TEST_USERS, type SshdInstance, type TestUser } from '../harness/sshd';

const PROFILE = `schema: 2
id: marker-agent
name: Marker agent
description: Records each install run in a file named after the host.
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
          script: [mkdir, -p, "{installDir}", { op: "&&" }, echo, run, { op: ">>" }, "{installDir}/{host.name}.runs", { op: "&&" }, echo, "marker installed on {host.address}"]
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
  hosts = await Promise.all([11, 12, 13, 14, 15, 16].map((n) => startSshd({ address: `127.0.${base}.${n}` })));
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-batch-'));
  fs.mkdirSync(path.join(dir, 'profiles'));
  fs.writeFileSync(path.join(dir, 'profiles', 'marker-agent.yaml'), PROFILE);
  installDir = path.join(user.home, 'batch-marker');
  fs.rmSync(installDir, { recursive: true, force: true });
  fs.writeFileSync(path.join(dir, 'answers.yaml'), `profile: marker-agent\nos: linux\nconnectivity: { mode: direct, accessIp: 127.0.0.1 }\ntargets: []\noptions: { installDir: ${installDir} }\n`);
  process.env.OUTPOST_DATA_DIR = path.join(dir, 'data');
});

afterAll(async () => {
  if (savedDataDir === undefined) delete process.env.OUTPOST_DATA_DIR;
  else process.env.OUTPOST_DATA_DIR = savedDataDir;
  await stopAll();
  fs.rmSync(installDir, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
});

/** CSV with a header row (each test sshd listens on its own port, which iplist.cfg cannot say). */
function hostsFile(name: string, wrong: number[]): string {
  const csv = ['host,port,user,password', ...hosts.map((h, i) => `${h.host},${h.port},${user.name},${wrong.includes(i) ? 'not-the-password-9' : TEST_USERS.t2.password}`)].join('\n');
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${csv}\n`);
  return file;
}

async function batch(args: Partial<Parameters<typeof runBatchCommand>[1]> & { hosts: string }): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runBatchCommand(path.join(dir, 'answers.yaml'), { concurrency: '3', acceptNewHostkeys: true, knownHosts: path.join(dir, 'known_hosts'), profiles: path.join(dir, 'profiles'), ...args }, {
    stdout: { write: (t: string) => ((out += t), true) } as unknown as NodeJS.WritableStream,
    stderr: { write: (t: string) => ((err += t), true) } as unknown as NodeJS.WritableStream,
    env: { PATH: process.env.PATH },
  });
  return { code, out, err };
}

const runsOf = (h: SshdInstance) => {
  const f = path.join(installDir, `${h.host}.runs`);
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim().split('\n').length : 0;
};

describe('outpost batch', () => {
  it('installs on every host it can log in to; the two it cannot fail alone, with the reason, in the report', async () => {
    const report = path.join(dir, 'report1.json');
    const r = await batch({ hosts: hostsFile('hosts1.csv', [1, 4]), report });
    expect(r.code, r.err).toBe(1);
    const rep = JSON.parse(fs.readFileSync(report, 'utf8')) as BatchReport;
    expect(rep.totals, r.err).toEqual({ done: 4, failed: 2 });
    expect(rep.hosts.map((h) => [h.host, h.state])).toEqual(hosts.map((h, i) => [h.host, [1, 4].includes(i) ? 'failed' : 'done']));
    for (const h of rep.hosts.filter((x) => x.state === 'failed')) {
      expect(h).toMatchObject({ user: user.name, step: 'connect' });
      expect(h.reason).toMatch(/password/);
    }
    for (const h of rep.hosts) {
      expect(Object.keys(h).sort()).toEqual(['code', 'durationMs', 'endedAt', 'hint', 'host', 'name', 'port', 'reason', 'startedAt', 'state', 'step', 'user']);
      expect(h.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(hosts.map(runsOf)).toEqual([1, 0, 1, 1, 0, 1]);
    expect(r.err).toMatch(/^\[6\/6\] /m);
    // No password anywhere: report, output, journal.
    const all = fs.readFileSync(report, 'utf8') + r.out + r.err + fs.readFileSync(rep.journal, 'utf8');
    expect(all).not.toContain(TEST_USERS.t2.password);
    expect(all).not.toContain('not-the-password-9');
    expect(fs.statSync(report).mode & 0o777).toBe(0o600);

    // Resumed from its journal with the passwords fixed: only the two failed hosts run.
    const report2 = path.join(dir, 'report2.json');
    const again = await batch({ hosts: hostsFile('hosts2.csv', []), resume: rep.journal, report: report2 });
    expect(again.code, again.err).toBe(0);
    expect(again.err).toMatch(/4 host\(s\) already done are left alone; 2 to run/);
    expect(hosts.map(runsOf)).toEqual([1, 1, 1, 1, 1, 1]);
    const rep2 = JSON.parse(fs.readFileSync(report2, 'utf8')) as BatchReport;
    expect(rep2.totals).toEqual({ done: 6 });

    // Retrying a report where every host is done runs nothing.
    const none = await batch({ hosts: hostsFile('hosts2.csv', []), retryFailed: report2 });
    expect(none.code).toBe(0);
    expect(none.err).toMatch(/Every host is already done/);
    expect(hosts.map(runsOf)).toEqual([1, 1, 1, 1, 1, 1]);
  }, 180_000);

  it('refuses a host list with a bad line, naming it, and runs nothing', async () => {
    const file = path.join(dir, 'bad.cfg');
    fs.writeFileSync(file, `${hosts[0]?.host ?? ''}\n10.0.0.300 pw\n`);
    const r = await batch({ hosts: file });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^bad\.cfg:2: /m);
    expect(r.err).toContain('Nothing was run');
  });
});
