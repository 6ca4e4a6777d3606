// Issue 24's "done when": an agent the repository does not ship (test/fixtures/tiny-agent: a tarball
// with a tiny HTTP daemon, an INI with a per-host port and a secret token, a labels file, a guard),
// its profile written from PROFILES.md alone, installed with `outpost batch` on 3 real sshd hosts
// through a jump server (connectivity: bastion, nothing forwarded), as non-root logins with
// passwordless sudo. Each host's port comes from a column of the host list ({host.agentPort}).
// A second run changes nothing (every step of the profile skipped); a new token changes only the INI;
// `ps`, sampled as another user all along, never shows the token; the same profile exported to
// Ansible installs the same files, and the playbook's second run changes nothing.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatchCommand, type BatchReport } from '../../../electron/cli/commands/batch';
import { runExportAnsible } from '../../../electron/cli/commands/export';
import { ensureTestUser, freePort, generateKeyPair, startSshd, stopAll, TEST_USERS, testUserName, type KeyPair, type SshdInstance, type TestUser } from '../harness/sshd';
import { ROOT } from './world';

const ANSIBLE = '/usr/bin/ansible-playbook';
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'tiny-agent');
const TOKEN_1 = 'tiny-token-1111aaaa2222bbbb';
const TOKEN_2 = 'tiny-token-3333cccc4444dddd';
const NAMES = ['tiny-a', 'tiny-b', 'tiny-c'];
const PROFILE_STEPS = ['upload', 'unpack', 'configure', 'labels', 'start'];
// One login per target, as separate machines have (each stages its upload in its own home).
const LOGINS = [
  { name: testUserName('outpost-tf'), password: 'Tf-pass.word!71' },
  { name: testUserName('outpost-tg'), password: 'Tg-pass.word!72' },
  { name: testUserName('outpost-th'), password: 'Th-pass.word!73' },
];
// Another local user of the targets, who looks at the process list.
const WATCHER = { name: testUserName('outpost-t4'), password: TEST_USERS.t4.password, sudo: false };

let dir: string;
let jump: SshdInstance;
let targets: SshdInstance[];
let key: KeyPair;
let jumpUser: TestUser;
let logins: TestUser[];
let watcher: TestUser;
let ports: number[];
let answersFile: string;
let hostsFile: string;
const savedDataDir = process.env.OUTPOST_DATA_DIR;
const agentDir = (root: string, name: string) => path.join(root, name, 'tinyagent');

/** Stops every tinyd under the test's folder (they run as root, started through sudo). */
function stopAgents(): void {
  if (dir) spawnSync('pkill', ['-KILL', '-f', `${dir}/`], { stdio: 'ignore' });
}

function get(host: string, port: number, p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host, port, path: p, timeout: 5000 }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/** `ps` as another user, every 20 ms while `during` runs: every command line it saw. */
async function sampled<T>(during: () => Promise<T>): Promise<{ result: T; lines: string }> {
  let stop = false;
  let lines = '';
  const loop = (async () => {
    while (!stop) {
      const r = spawnSync('runuser', ['-u', watcher.name, '--', 'ps', '-eo', 'user,args', '--no-headers'], { encoding: 'utf8' });
      lines += r.stdout;
      await new Promise((res) => setTimeout(res, 20));
    }
  })();
  try {
    const result = await during();
    return { result, lines };
  } finally {
    stop = true;
    await loop;
  }
}

function capture() {
  let text = '';
  return { stream: { write: (t: string) => ((text += t), true) } as unknown as NodeJS.WritableStream, get text() { return text; } };
}

async function batch(token: string, installRoot: string): Promise<{ code: number; err: string; report: BatchReport; steps: Map<string, string>; tails: Map<string, string> }> {
  const o = capture();
  const e = capture();
  const reportFile = path.join(dir, `report-${Date.now()}.json`);
  writeAnswers(installRoot);
  const code = await runBatchCommand(answersFile, { hosts: hostsFile, report: reportFile, concurrency: '3', acceptNewHostkeys: true, knownHosts: path.join(dir, 'known_hosts'), profiles: FIXTURE }, {
    stdout: o.stream,
    stderr: e.stream,
    env: { PATH: process.env.PATH, OUTPOST_TINY_TOKEN: token },
  });
  const report = (fs.existsSync(reportFile) ? JSON.parse(fs.readFileSync(reportFile, 'utf8')) : null) as BatchReport;
  // Each target step's outcome, from the journal: `<step>@<host>` → done | skipped | failed …
  const steps = new Map<string, string>();
  const tails = new Map<string, string>();
  if (report) {
    for (const line of fs.readFileSync(report.journal, 'utf8').split('\n').filter(Boolean)) {
      const r = JSON.parse(line) as { type: string; step?: string; host?: string; outcome?: string; tail?: string[] };
      if (r.type === 'step' && r.host?.startsWith('target')) {
        steps.set(`${r.step}@${r.host}`, r.outcome ?? '');
        tails.set(`${r.step}@${r.host}`, (r.tail ?? []).join('\n'));
      }
    }
  }
  return { code, err: e.text + o.text, report, steps, tails };
}

function writeAnswers(installRoot: string): void {
  const pkg = path.join(dir, 'tinyagent.tar.gz');
  const answers = {
    profile: 'tiny-agent',
    os: 'linux',
    connectivity: { mode: 'bastion', jumpServers: [{ ssh: { host: jump.host, port: jump.port, user: jumpUser.name, privateKey: { path: key.privateKeyPath } } }] },
    inputs: { token: { env: 'OUTPOST_TINY_TOKEN' }, site: 'us' },
    package: { path: pkg, sha256: createHash('sha256').update(fs.readFileSync(pkg)).digest('hex') },
    targets: [],
    options: { installDir: path.join(installRoot, '{host.name}') },
  };
  fs.writeFileSync(answersFile, YAML.stringify(answers));
}

const stepsOf = (steps: Map<string, string>, id: string) => [0, 1, 2].map((i) => steps.get(`${id}@target${i}`));

beforeAll(async () => {
  if (!fs.existsSync(ANSIBLE)) throw new Error(`${ANSIBLE} is missing: install Debian's ansible (test/setup-system.mjs does).`);
  [jumpUser, watcher, ...logins] = await Promise.all([ensureTestUser(TEST_USERS.t1), ensureTestUser(WATCHER), ...LOGINS.map((u) => ensureTestUser(u))]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-tiny-'));
  fs.chmodSync(dir, 0o755);
  for (const d of ['outpost', 'ansible']) fs.mkdirSync(path.join(dir, d), { mode: 0o755 });
  // The agent's tarball, built here from the fixture's files.
  const built = spawnSync('tar', ['-czf', path.join(dir, 'tinyagent.tar.gz'), '--owner=0', '--group=0', '-C', FIXTURE, 'tinyagent']);
  expect(built.status, built.stderr.toString()).toBe(0);
  key = await generateKeyPair(path.join(dir, 'keys'), { name: 'id_ed25519' });
  const base = 20 + Math.floor(Math.random() * 200);
  jump = await startSshd({ address: `127.2.${base}.2`, userAuthorizedKeys: true });
  targets = await Promise.all([11, 12, 13].map((n) => startSshd({ address: `127.2.${base}.${n}` })));
  await jump.authorize(jumpUser.name, key.publicKeyLine);
  for (const [i, t] of targets.entries()) await t.authorize((logins[i] as TestUser).name, key.publicKeyLine);
  ports = await Promise.all(targets.map((t) => freePort(t.host)));
  answersFile = path.join(dir, 'answers.yaml');
  hostsFile = path.join(dir, 'hosts.csv');
  fs.writeFileSync(hostsFile, ['host,port,user,privateKey,name,agentPort', ...targets.map((t, i) => `${t.host},${t.port},${(logins[i] as TestUser).name},${key.privateKeyPath},${NAMES[i]},${ports[i]}`)].join('\n') + '\n');
  process.env.OUTPOST_DATA_DIR = path.join(dir, 'data');
}, 120_000);

afterAll(async () => {
  if (savedDataDir === undefined) delete process.env.OUTPOST_DATA_DIR;
  else process.env.OUTPOST_DATA_DIR = savedDataDir;
  stopAgents();
  await stopAll();
  for (const u of [TEST_USERS.t1.name, ...LOGINS.map((m) => m.name)]) fs.rmSync(path.join('/home', u, '.ansible'), { recursive: true, force: true });
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('an agent Outpost has never seen, from its profile alone', () => {
  let firstIni = '';

  it('a token that does not match its pattern is refused before anything connects, naming the input and not the value', async () => {
    const r = await batch('short!', path.join(dir, 'outpost'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('inputs.token: the value of the environment variable OUTPOST_TINY_TOKEN does not match');
    expect(r.err).not.toContain('short!');
    expect(fs.readdirSync(path.join(dir, 'outpost'))).toEqual([]);
  }, 60_000);

  it('installs on 3 hosts through the jump server, each on the port its host list line gives', async () => {
    const { result: r, lines } = await sampled(() => batch(TOKEN_1, path.join(dir, 'outpost')));
    expect(r.code, r.err).toBe(0);
    expect(r.report.totals, r.err).toEqual({ done: 3 });
    for (const id of PROFILE_STEPS) expect(stepsOf(r.steps, id), id).toEqual(['done', 'done', 'done']);
    for (const [i, t] of targets.entries()) {
      expect(await get(t.host, ports[i] as number, '/health')).toEqual({ status: 200, body: 'ok\n' });
      const ini = fs.readFileSync(path.join(agentDir(path.join(dir, 'outpost'), NAMES[i] as string), 'conf', 'agent.ini'), 'utf8');
      // The vendor's comments and the file's `key = value` style are kept.
      expect(ini).toContain('; the API token from the console\ntoken = ' + TOKEN_1 + '\n');
      expect(ini).toContain(`listen = ${t.host}\nport = ${ports[i]}\n`);
      if (i === 0) firstIni = ini;
      expect(fs.readFileSync(path.join(agentDir(path.join(dir, 'outpost'), NAMES[i] as string), 'conf', 'labels.conf'), 'utf8')).toBe(`host=${NAMES[i]}\nsite=us\n`);
    }
    expect(lines).toMatch(/tinyd/);
    expect(lines).not.toContain(TOKEN_1);
    expect(r.err).not.toContain(TOKEN_1);
    expect(fs.readFileSync(r.report.journal, 'utf8')).not.toContain(TOKEN_1);
  }, 180_000);

  it('a second run changes nothing: every step of the profile is skipped as unchanged', async () => {
    const { result: r, lines } = await sampled(() => batch(TOKEN_1, path.join(dir, 'outpost')));
    expect(r.code, r.err).toBe(0);
    for (const id of PROFILE_STEPS) expect(stepsOf(r.steps, id), id).toEqual(['skipped', 'skipped', 'skipped']);
    expect(stepsOf(r.steps, 'verify')).toEqual(['done', 'done', 'done']);
    // The verify's listening probe checked each host's own port, from its host list line.
    for (const [i, t] of targets.entries()) {
      const tail = r.tails.get(`verify@target${i}`) ?? '';
      expect(tail).toContain(`pass port: listening on *:${ports[i]}\n`);
      expect(tail).toContain(`pass health: http://${t.host}:${ports[i]}/health answered 200`);
    }
    expect(lines).not.toContain(TOKEN_1);
  }, 180_000);

  it('a new token changes only the INI, without --reinstall, and is never shown', async () => {
    const { result: r, lines } = await sampled(() => batch(TOKEN_2, path.join(dir, 'outpost')));
    expect(r.code, r.err).toBe(0);
    for (const id of PROFILE_STEPS) expect(stepsOf(r.steps, id), id).toEqual(id === 'configure' ? ['done', 'done', 'done'] : ['skipped', 'skipped', 'skipped']);
    for (const n of NAMES) expect(fs.readFileSync(path.join(agentDir(path.join(dir, 'outpost'), n), 'conf', 'agent.ini'), 'utf8')).toContain(`token = ${TOKEN_2}\n`);
    const all = r.err + fs.readFileSync(r.report.journal, 'utf8') + lines;
    for (const t of [TOKEN_1, TOKEN_2]) expect(all).not.toContain(t);
  }, 180_000);

  // Ansible over three hosts behind a jump server is slow on a loaded machine: each play has its own time.
  let playAgain: () => Promise<{ code: number | null; output: string }> = () => Promise.reject(new Error('the first play did not run'));

  it('the same profile exported to Ansible installs the same files', async () => {
    stopAgents();
    writeAnswers(path.join(dir, 'ansible'));
    const out = path.join(dir, 'export');
    const e = capture();
    const code = await runExportAnsible(answersFile, { hosts: hostsFile, out, acceptNewHostkeys: true, knownHosts: path.join(dir, 'known_hosts'), profiles: FIXTURE }, { stdout: capture().stream, stderr: e.stream, stdin: new PassThrough(), env: { PATH: process.env.PATH, OUTPOST_TINY_TOKEN: TOKEN_1 } } as Parameters<typeof runExportAnsible>[2]);
    expect(code, e.text).toBe(0);
    const exported = fs.readdirSync(out, { recursive: true, withFileTypes: true }).filter((x) => x.isFile()).map((f) => fs.readFileSync(path.join(f.parentPath, f.name), 'utf8'));
    for (const text of exported) expect(text).not.toContain(TOKEN_1);
    // The listening probe's per-host port is the host's variable, read as a number.
    expect(exported.join('\n')).toContain('{{ outpost_host_agentPort | int }}');
    const home = path.join(dir, 'home');
    const env = { PATH: process.env.PATH, LANG: 'C.UTF-8', HOME: home, OUTPOST_TINY_TOKEN: TOKEN_1, ANSIBLE_LOCAL_TEMP: path.join(home, 'tmp'), ANSIBLE_SSH_CONTROL_PATH_DIR: path.join(dir, 'cp'), ANSIBLE_NOCOLOR: '1' };
    const play = () =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        const p = spawn(ANSIBLE, ['site.yml'], { cwd: out, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        p.stdout.on('data', (d: Buffer) => (output += d.toString()));
        p.stderr.on('data', (d: Buffer) => (output += d.toString()));
        p.on('close', (c) => resolve({ code: c, output }));
      });
    const first = await play();
    expect(first.code, first.output.slice(-4000)).toBe(0);
    expect(first.output).not.toContain(TOKEN_1);
    for (const [i, t] of targets.entries()) {
      expect(await get(t.host, ports[i] as number, '/health')).toEqual({ status: 200, body: 'ok\n' });
      const n = NAMES[i] as string;
      const ini = fs.readFileSync(path.join(agentDir(path.join(dir, 'ansible'), n), 'conf', 'agent.ini'), 'utf8');
      const outpostIni = fs.readFileSync(path.join(agentDir(path.join(dir, 'outpost'), n), 'conf', 'agent.ini'), 'utf8').replace(TOKEN_2, TOKEN_1);
      expect(ini).toBe(outpostIni);
      if (i === 0) expect(ini).toBe(firstIni);
      expect(fs.readFileSync(path.join(agentDir(path.join(dir, 'ansible'), n), 'conf', 'labels.conf'), 'utf8')).toBe(`host=${n}\nsite=us\n`);
    }
    playAgain = play;
  }, 600_000);

  it("the playbook's second run changes nothing", async () => {
    const second = await playAgain();
    expect(second.code, second.output.slice(-4000)).toBe(0);
    const recap = second.output.slice(second.output.lastIndexOf('PLAY RECAP'));
    expect(recap, second.output.slice(-4000)).not.toMatch(/changed=[1-9]/);
  }, 600_000);
});
