// `outpost batch --inherit-from`: ICAgent's "inherited installation" against real OpenSSH sshd hosts on
// loopback. A jump server, the host that "already has ICAgent" (the seed, reached through the jump
// server as the answers say) and three new hosts. Huawei's remote_install.sh cannot exist here, so the
// test writes a STAND-IN at the vendor's path (/opt/oss/servicemgr/ICAgent/bin/remoteInstall/, created
// as root and removed afterwards): it reads iplist.cfg, asks `Please input default passwd:` with
// `read -s`, really logs in to each listed host (sshpass + OpenSSH, host keys checked against a
// known_hosts the test writes) to write a marker, and prints the vendor's lines. The vendor's script
// logs in as root on port 22; the stand-in's ssh_config maps each address to the test sshd's port and
// login user instead. One host's password is wrong: the stand-in prints no End line for it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatchCommand, type BatchReport } from '../../../electron/cli/commands/batch';
import { runPlanCommand } from '../../../electron/cli/commands/plan';
import { runRunCommand } from '../../../electron/cli/commands/run';
import { listProcesses } from '../../../electron/demo/sshd';
import { ensureTestUser, startSshd, stopAll, TEST_USERS, type SshdInstance, type TestUser } from '../harness/sshd';

const SCRIPT_DIR = '/opt/oss/servicemgr/ICAgent/bin/remoteInstall';
const SCRIPT = `${SCRIPT_DIR}/remote_install.sh`;
const LIST_DIR = '/opt/ICAgent';
const LIST = `${LIST_DIR}/iplist.cfg`;
const PACKAGE = `${LIST_DIR}/ICProbeAgent.tar.gz`;
const WRONG = 'Wrong-pass#for-this-1';
const AK = 'AKINHERIT0123456789';
const SK = 'SKinherit-7c6b5a4d3e2f-SECRET';

let seedUser: TestUser;
let targetUser: TestUser;
let jump: SshdInstance;
let seed: SshdInstance;
let hosts: SshdInstance[] = [];
let dir: string;
let rec: string;
const created: string[] = [];
const savedDataDir = process.env.OUTPOST_DATA_DIR;

/** The stand-in for the vendor's remote_install.sh (see the header). */
function standIn(conf: string, recDir: string): string {
  return `#!/bin/bash
# STAND-IN for Huawei's remote_install.sh, written by test/integration/run/inherited.test.ts: the
# vendor's script cannot exist here. Same flags, prompts and lines as the LTS user guide shows; logs in
# to each host for real with sshpass (password on fd 3, never on a command line) and writes a marker.
set -u
CONF=${conf}
REC=${recDir}
install_one() { # ip password
  if [ -e "$REC/hang" ]; then sleep 60; fi # the Ctrl-C test: an install that takes long
  if sshpass -d 3 ssh -F "$CONF" "$1" "echo inherited-from-seed > ~/inherited-marker-$1" 3<<<"$2" >/dev/null 2>&1; then
    echo "End of install agent: $1"
  fi
}
snap() { ps -eo args >> "$REC/ps.txt" 2>/dev/null; }
if [ "\${1:-}" = "-batchModeConfig" ]; then
  list=$2
  stat -c %a "$list" > "$REC/mode"
  tail -c 1 "$list" | od -An -c | tr -d ' ' > "$REC/last-char"
  echo "batch install begin"
  read -r -s -p "Please input default passwd:" dflt
  echo
  while read -r ip pw; do
    [ -z "$ip" ] && continue
    echo "send cmd to $ip"
    install_one "$ip" "\${pw:-$dflt}" &
    pids="\${pids:-} $!"
  done < "$list"
  while :; do
    n=0
    for p in \${pids:-}; do kill -0 "$p" 2>/dev/null && n=$((n + 1)); done
    [ "$n" -eq 0 ] && break
    echo "$n tasks running, please wait..."
    snap
    sleep 0.2
  done
  wait
  echo "All hosts install icagent finish."
elif [ "\${1:-}" = "-ip" ]; then
  read -r -s -p "root@$2's password: " pw
  echo
  snap
  if install_one "$2" "$pw" | grep -q .; then echo "ICAgent install success"; else echo "ICAgent install failed"; fi
else
  echo "usage: remote_install.sh -ip IP | -batchModeConfig FILE" >&2
  exit 2
fi
`;
}

beforeAll(async () => {
  if (fs.existsSync('/opt/oss') || fs.existsSync(LIST_DIR)) throw new Error('/opt/oss or /opt/ICAgent exists already: this test creates and removes them, and will not touch ones it did not create');
  [seedUser, targetUser] = await Promise.all([ensureTestUser(TEST_USERS.t1), ensureTestUser(TEST_USERS.t2)]);
  const base = 20 + Math.floor(Math.random() * 200);
  const started = await Promise.all([2, 3, 11, 12, 13].map((n) => startSshd({ address: `127.0.${base}.${n}` })));
  [jump, seed] = started as [SshdInstance, SshdInstance];
  hosts = started.slice(2);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-inherit-'));
  fs.chmodSync(dir, 0o755);
  rec = path.join(dir, 'record');
  fs.mkdirSync(rec, { mode: 0o755 });
  fs.chownSync(rec, seedUser.uid, seedUser.uid);
  // What the stand-in's ssh uses: each address → that sshd's port and the test login user, host keys checked.
  const knownHosts = path.join(dir, 'standin_known_hosts');
  fs.writeFileSync(knownHosts, hosts.map((h) => `[${h.host}]:${h.port} ${h.hostPublicKey}\n`).join(''), { mode: 0o644 });
  const conf = path.join(dir, 'standin_ssh_config');
  fs.writeFileSync(
    conf,
    hosts
      .map((h) =>
        [`Host ${h.host}`, `  Port ${h.port}`, `  User ${targetUser.name}`, `  UserKnownHostsFile ${knownHosts}`, '  StrictHostKeyChecking yes', '  PubkeyAuthentication no', '  PreferredAuthentications password,keyboard-interactive', '  NumberOfPasswordPrompts 1', '  ConnectTimeout 20', ''].join('\n'),
      )
      .join(''),
    { mode: 0o644 },
  );
  created.push('/opt/oss', LIST_DIR);
  fs.mkdirSync(SCRIPT_DIR, { recursive: true, mode: 0o755 });
  fs.writeFileSync(SCRIPT, standIn(conf, rec), { mode: 0o755 });
  // The vendor's folder for the list; the seed's login user may write there (the vendor's user is root).
  fs.mkdirSync(LIST_DIR, { mode: 0o755 });
  fs.chownSync(LIST_DIR, seedUser.uid, seedUser.uid);
  // The package the seed guide says the host that has ICAgent keeps there (checked before anything runs).
  fs.writeFileSync(PACKAGE, 'stand-in ICProbeAgent.tar.gz\n', { mode: 0o644 });
  for (const h of hosts) fs.rmSync(marker(h), { force: true });

  const answers = {
    profile: 'icagent',
    os: 'linux',
    region: 'cn-north-4',
    connectivity: {
      mode: 'jump',
      jumpServers: [{ privateIp: jump.host, ssh: { host: jump.host, port: jump.port, user: seedUser.name, password: { env: 'JUMP_PASSWORD' } } }],
      elbIp: `127.0.${base}.4`,
      connectionIp: jump.host,
      dc: 'dc-test-1',
    },
    credentials: { ak: { env: 'OUTPOST_AK' }, sk: { env: 'OUTPOST_SK' }, projectId: '2a473356cca5487f8373be891bffc1cf' },
    targets: [{ host: seed.host, port: seed.port, user: seedUser.name, password: { env: 'SEED_PASSWORD' }, jump: 0 }],
  };
  fs.writeFileSync(path.join(dir, 'answers.yaml'), YAML.stringify(answers));
  process.env.OUTPOST_DATA_DIR = path.join(dir, 'data');
}, 90_000);

afterAll(async () => {
  if (savedDataDir === undefined) delete process.env.OUTPOST_DATA_DIR;
  else process.env.OUTPOST_DATA_DIR = savedDataDir;
  await stopAll();
  for (const d of created) fs.rmSync(d, { recursive: true, force: true });
  for (const h of hosts) fs.rmSync(marker(h), { force: true });
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const marker = (h: SshdInstance) => path.join(`/home/${TEST_USERS.t2.name}`, `inherited-marker-${h.host}`);

async function batch(hostsText: string, name: string, extra: Record<string, unknown> = {}, onErr?: (text: string) => void): Promise<{ code: number; out: string; err: string; report: BatchReport | null; reportText: string; args: string[] }> {
  const hostsFile = path.join(dir, name);
  fs.writeFileSync(hostsFile, hostsText, { mode: 0o600 });
  const reportFile = path.join(dir, `${name}.report.json`);
  let out = '';
  let err = '';
  // Every process's command line on this machine while the batch runs.
  const args = new Set<string>();
  let polling = true;
  const poll = (async () => {
    while (polling) {
      for (const p of await listProcesses().catch(() => [])) args.add(p.args);
      await new Promise((r) => setTimeout(r, 40));
    }
  })();
  let code: number;
  try {
    code = await runBatchCommand(path.join(dir, 'answers.yaml'), { hosts: hostsFile, inheritFrom: `${seedUser.name}@${seed.host}:${seed.port}`, report: reportFile, acceptNewHostkeys: true, knownHosts: path.join(dir, 'known_hosts'), ...extra }, {
      stdout: { write: (t: string) => ((out += t), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: (t: string) => ((err += t), onErr?.(t), true) } as unknown as NodeJS.WritableStream,
      env: { PATH: process.env.PATH, OUTPOST_DEFAULT_PASSWORD: TEST_USERS.t2.password, SEED_PASSWORD: TEST_USERS.t1.password, JUMP_PASSWORD: TEST_USERS.t1.password, OUTPOST_AK: AK, OUTPOST_SK: SK },
    });
  } finally {
    polling = false;
    await poll;
  }
  const reportText = fs.existsSync(reportFile) ? fs.readFileSync(reportFile, 'utf8') : '';
  return { code, out, err, report: reportText ? (JSON.parse(reportText) as BatchReport) : null, reportText, args: [...args] };
}

const SECRETS = [TEST_USERS.t1.password, TEST_USERS.t2.password, WRONG];

describe('outpost batch --inherit-from (stand-in remote_install.sh)', () => {
  it('installs through the seed host on the hosts its output confirms; the wrong password fails alone; the list is 0600 and then gone; no password leaks', async () => {
    const [a, b, c] = hosts as [SshdInstance, SshdInstance, SshdInstance];
    // a: its own password; b: none (the default password, typed into the PTY); c: a wrong one.
    const r = await batch(`${a.host} ${TEST_USERS.t2.password}\n${b.host}\n${c.host} ${WRONG}\n`, 'iplist.cfg');
    expect(r.code, r.err).toBe(1);
    expect(r.err).toContain('batch install begin');
    expect(r.err).toContain(`End of install agent: ${a.host}`);
    expect(r.err).toContain(`End of install agent: ${b.host}`);
    expect(r.err).not.toContain(`End of install agent: ${c.host}`);
    expect(r.err).toContain('All hosts install icagent finish.');
    expect(r.err).toMatch(/same VPC/);

    // Markers written by real logins on the confirmed hosts only.
    expect(fs.readFileSync(marker(a), 'utf8').trim()).toBe('inherited-from-seed');
    expect(fs.readFileSync(marker(b), 'utf8').trim()).toBe('inherited-from-seed');
    expect(fs.existsSync(marker(c))).toBe(false);

    // The report: the batch report's contract, done / failed with a plain reason.
    const rep = r.report as BatchReport;
    expect(rep.totals).toEqual({ done: 2, failed: 1 });
    expect(rep.hosts.map((h) => [h.host, h.state, h.step])).toEqual([
      [a.host, 'done', 'inherited-install'],
      [b.host, 'done', 'inherited-install'],
      [c.host, 'failed', 'inherited-install'],
    ]);
    expect(rep.hosts[2]?.reason).toContain('the installer\'s output did not confirm this host (it printed "All hosts install icagent finish." which only means its loop ended)');
    for (const h of rep.hosts) {
      expect(Object.keys(h).sort()).toEqual(['code', 'durationMs', 'endedAt', 'hint', 'host', 'name', 'port', 'reason', 'startedAt', 'state', 'step', 'user']);
      expect(h).toMatchObject({ user: 'root', port: 22 });
    }
    expect(Object.keys(rep).sort()).toEqual(['answers', 'durationMs', 'endedAt', 'hosts', 'hostsFile', 'journal', 'startedAt', 'totals', 'version']);

    // iplist.cfg: 0600 while it existed, ended with a newline, gone afterwards.
    expect(fs.readFileSync(path.join(rec, 'mode'), 'utf8').trim()).toBe('600');
    expect(fs.readFileSync(path.join(rec, 'last-char'), 'utf8').trim()).toBe('\\n');
    expect(fs.existsSync(LIST)).toBe(false);

    // The seed was reached through the jump server, as the answers say.
    expect(await jump.directTcpipTargets()).toContain(`${seed.host}:${seed.port}`);

    // No password on any command line (the test's polling and the stand-in's own ps while its logins ran),
    // nor in the output, the report or the journal.
    const psDuring = fs.readFileSync(path.join(rec, 'ps.txt'), 'utf8');
    expect(psDuring).toMatch(/sshpass -d 3 ssh/);
    expect(r.args.some((x) => x.includes('remote_install.sh -batchModeConfig /opt/ICAgent/iplist.cfg'))).toBe(true);
    const journal = fs.readFileSync(rep.journal, 'utf8');
    // The installer's output (its last lines: a loaded machine prints many "please wait" lines) and each
    // host's own evidence are journaled.
    expect(journal).toContain('All hosts install icagent finish.');
    expect(journal).toContain(`the installer confirmed ${a.host}`);
    expect(journal).toContain(`the installer confirmed ${b.host}`);
    // The inherited installation is a Plan: `outpost plan --hosts … --inherit-from … --json` shows its steps,
    // and every step the journal names is one of them.
    let planJson = '';
    const planCode = runPlanCommand(path.join(dir, 'answers.yaml'), { json: true, hosts: path.join(dir, 'iplist.cfg'), inheritFrom: `${seedUser.name}@${seed.host}:${seed.port}` }, { write: (t: string) => (planJson += t) }, { write: () => true });
    expect(planCode).toBe(0);
    const plan = JSON.parse(planJson) as { steps: Array<{ id: string; on: string }>; hosts: { seed: { label: string } } };
    expect(plan.steps.map((x) => [x.id, x.on])).toEqual([
      ['connect.jump0', 'jump0'],
      ['inherited-connect', 'seed'],
      ['inherited-check', 'seed'],
      ['inherited-upload', 'seed'],
      ['inherited-run', 'seed'],
      ['inherited-install', 'targets'],
    ]);
    expect(plan.hosts.seed.label).toContain(`${seedUser.name}@${seed.host}:${seed.port}`);
    const ids = new Set(plan.steps.map((x) => x.id));
    const journaled = journal.trim().split('\n').map((l) => JSON.parse(l) as { type: string; step?: string }).filter((x) => x.type === 'step').map((x) => x.step ?? '');
    expect(journaled.length).toBeGreaterThan(5);
    expect(journaled.filter((id) => !ids.has(id))).toEqual([]);
    expect(planJson).not.toContain(TEST_USERS.t2.password);
    for (const s of SECRETS) {
      for (const [where, text] of Object.entries({ ps: psDuring, args: r.args.join('\n'), stdout: r.out, stderr: r.err, report: r.reportText, journal })) {
        expect(text.includes(s), `${where} holds a password`).toBe(false);
      }
    }
  }, 180_000);

  it('the seed host without the package: refused before anything runs, saying where the package must be', async () => {
    const c = hosts[2] as SshdInstance;
    fs.rmSync(marker(c), { force: true });
    fs.renameSync(PACKAGE, `${PACKAGE}.away`);
    try {
      const r = await batch(`${c.host} ${TEST_USERS.t2.password}\n`, 'nopkg.cfg');
      expect(r.code, r.err).toBe(1);
      expect(r.err + r.out).toContain(`this host has no ${PACKAGE}`);
      expect(r.err).not.toContain('batch install begin');
      expect(r.args.some((x) => x.includes('remote_install.sh'))).toBe(false);
      expect(fs.existsSync(marker(c))).toBe(false);
    } finally {
      fs.renameSync(`${PACKAGE}.away`, PACKAGE);
    }
  }, 120_000);

  it('the same installation from answers alone (inheritFrom, as the wizard writes them): outpost run', async () => {
    const c = hosts[2] as SshdInstance;
    fs.rmSync(marker(c), { force: true });
    const base = YAML.parse(fs.readFileSync(path.join(dir, 'answers.yaml'), 'utf8')) as Record<string, unknown>;
    const file = path.join(dir, 'inherit-answers.yaml');
    fs.writeFileSync(file, YAML.stringify({ ...base, inheritFrom: { host: seed.host, port: seed.port, user: seedUser.name, password: { env: 'SEED_PASSWORD' }, jump: 0 }, targets: [{ host: c.host, port: 22, user: 'root', password: { env: 'HOST_PASSWORD' }, name: 'web-3' }] }));
    let out = '';
    const io = {
      stdout: { write: (t: string) => ((out += t), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: (t: string) => ((out += t), true) } as unknown as NodeJS.WritableStream,
      stdin: process.stdin,
      env: { PATH: process.env.PATH, HOST_PASSWORD: TEST_USERS.t2.password, SEED_PASSWORD: TEST_USERS.t1.password, JUMP_PASSWORD: TEST_USERS.t1.password, OUTPOST_AK: AK, OUTPOST_SK: SK },
    };
    const code = await runRunCommand(file, { acceptNewHostkeys: true, knownHosts: path.join(dir, 'known_hosts') }, io);
    expect(code, out).toBe(0);
    expect(out).toContain(`found ${PACKAGE}`);
    expect(out).toMatch(/the installer confirmed/);
    expect(fs.readFileSync(marker(c), 'utf8').trim()).toBe('inherited-from-seed');
    for (const s of SECRETS) expect(out).not.toContain(s);
  }, 120_000);

  it('one host: the -ip form, its password typed at the prompt', async () => {
    const c = hosts[2] as SshdInstance;
    fs.rmSync(marker(c), { force: true });
    const r = await batch(`${c.host} ${TEST_USERS.t2.password}\n`, 'one.cfg');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('ICAgent install success');
    expect(r.report?.hosts.map((h) => [h.host, h.state])).toEqual([[c.host, 'done']]);
    expect(fs.readFileSync(marker(c), 'utf8').trim()).toBe('inherited-from-seed');
    for (const s of SECRETS) expect(r.args.join('\n') + r.out + r.err + r.reportText).not.toContain(s);
  }, 120_000);

  it('Ctrl-C stops the installer (its PTY hung up): hosts end cancelled, exit 130, the list is removed', async () => {
    const [a, b] = hosts as [SshdInstance, SshdInstance];
    for (const h of hosts) fs.rmSync(marker(h), { force: true });
    fs.writeFileSync(path.join(rec, 'hang'), '');
    let sent = false;
    let sawInstall = false;
    try {
      const r = await batch(`${a.host} ${TEST_USERS.t2.password}\n${b.host}\n`, 'cancel.cfg', {}, (t) => {
        if (sent || !t.includes('tasks running')) return;
        sent = true;
        // Ctrl-C once the hosts' installs are under way (their `sleep 60` is on the process list).
        void (async () => {
          for (let i = 0; i < 100 && !sawInstall; i++) {
            sawInstall = (await listProcesses()).some((p) => p.args === 'sleep 60');
            if (!sawInstall) await new Promise((res) => setTimeout(res, 50));
          }
          process.emit('SIGINT');
        })();
      });
      expect(r.code, r.err).toBe(130);
      // The install was running when Ctrl-C came: seen by the loop that sent it (the batch's own
      // process sampler may miss a process the cancel ends within its sampling interval).
      expect(sawInstall).toBe(true);
      expect(r.err).toMatch(/Cancelling/);
      expect(r.report?.hosts.map((h) => h.state)).toEqual(['cancelled', 'cancelled']);
      expect(r.report?.totals).toEqual({ cancelled: 2 });
      expect(fs.existsSync(LIST)).toBe(false);
      expect(fs.existsSync(marker(a))).toBe(false);
      // The hang-up ended the script and what it started.
      let left: number[] = [];
      for (let i = 0; i < 50; i++) {
        left = (await listProcesses()).filter((p) => p.uid === seedUser.uid && p.args === 'sleep 60').map((p) => p.pid);
        if (!left.length) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      for (const pid of left) process.kill(pid, 'SIGKILL');
      expect(left).toEqual([]);
    } finally {
      fs.rmSync(path.join(rec, 'hang'), { force: true });
    }
  }, 120_000);

  it('refuses, with exit 2 and nothing run, a profile without an inherited section and lines iplist.cfg cannot carry', async () => {
    const profiles = path.join(dir, 'profiles');
    fs.mkdirSync(profiles, { recursive: true });
    fs.writeFileSync(
      path.join(profiles, 'plain-agent.yaml'),
      'schema: 2\nid: plain-agent\nname: Plain agent\nos: [linux]\nconnectivity: [direct]\nlinux:\n  shell: bash\n  installDir: /opt/plain\n  steps:\n    - { id: install, phase: install, title: { en: Install }, action: { exec: { script: [echo, ok] } } }\n',
    );
    const plain = path.join(dir, 'plain.yaml');
    fs.writeFileSync(plain, `profile: plain-agent\nos: linux\nconnectivity: { mode: direct, accessIp: 127.0.0.1 }\ntargets: []\n`);
    const list = path.join(dir, 'plain.cfg');
    fs.writeFileSync(list, '10.0.0.1 pw\n');
    let err = '';
    const io = {
      stdout: { write: () => true } as unknown as NodeJS.WritableStream,
      stderr: { write: (t: string) => ((err += t), true) } as unknown as NodeJS.WritableStream,
      env: { PATH: process.env.PATH },
    };
    expect(await runBatchCommand(plain, { hosts: list, inheritFrom: 'root@10.0.0.9', profiles }, io)).toBe(2);
    expect(err).toMatch(/plain-agent \(Plain agent\) has no `inherited` section/);

    err = '';
    const bad = path.join(dir, 'bad.cfg');
    fs.writeFileSync(bad, 'host,port,user,password\n10.0.0.1,2222,root,x\n');
    expect(await runBatchCommand(path.join(dir, 'answers.yaml'), { hosts: bad, inheritFrom: `${seedUser.name}@${seed.host}:${seed.port}` }, io)).toBe(2);
    expect(err).toMatch(/^bad\.cfg:2: gives port 2222/m);
  });
});
