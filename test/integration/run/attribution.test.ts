// Per-host truth for ICAgent in a batch (issue 23): a host passes only on its own evidence. Three targets
// behind one jump server, each a host of its own on this machine (its own processes and install folder:
// own mount and pid namespaces, harness `own`), the shipped profile, the fixture agent:
//  - "direct": its agent connects from its own address: its connections (the vendor's check, icagent's
//    ESTABLISHED connections to 30200 and 30201) pass, and the jump server sees its traffic: done.
//  - "natted": its agent connects from another address (as behind NAT): its own connections pass; the
//    jump server cannot attribute what it sees and says so: "agent connected from the target; not
//    attributable at the jump server". Done, on the host's own evidence.
//  - "blocked": its agent runs but never gets through (a security group that blocks the ports), while
//    the others' traffic fills the jump server's forwarded ports: its connections fail, and it does
//    not end done.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatchCommand, type BatchReport } from '../../../electron/cli/commands/batch';
import { startSshd, TEST_USERS, type SshdInstance } from '../harness/sshd';
import { startWorld, type World } from './world';

let world: World;
let own: string;
const hosts: Record<'direct' | 'natted' | 'blocked', SshdInstance | undefined> = { direct: undefined, natted: undefined, blocked: undefined };

beforeAll(async () => {
  world = await startWorld();
  fs.chmodSync(world.dir, 0o755);
  // Where each host's install folder is: one path, each host's own folder bound onto it.
  own = path.join(world.targetUser.home, `own-${process.pid}`);
  fs.mkdirSync(own, { recursive: true, mode: 0o755 });
  const base = world.jump.host.replace(/\.2$/, '');
  const env = (e: Record<string, string>) => [`SetEnv ${Object.entries(e).map(([k, v]) => `${k}=${v}`).join(' ')}`];
  const start = async (name: keyof typeof hosts, octet: number, e: Record<string, string>) => {
    const from = path.join(world.dir, `host-${name}`);
    fs.mkdirSync(from, { mode: 0o755 });
    hosts[name] = await startSshd({ address: `${base}.${octet}`, own: { from, to: own }, extraConfig: env({ ICAGENT_HEARTBEAT_HOLD: '1', ...e }) });
  };
  await start('direct', 11, { ICAGENT_HEARTBEAT_SOURCE: `${base}.11` });
  await start('natted', 12, { ICAGENT_HEARTBEAT_SOURCE: `${base}.99` });
  await start('blocked', 13, { ICAGENT_HEARTBEAT_SOURCE: `${base}.13`, ICAGENT_BLOCKED: '1' });
}, 120_000);

afterAll(async () => {
  await world?.stop();
  if (own) fs.rmSync(own, { recursive: true, force: true });
});

interface JournalLine {
  type: string;
  step?: string;
  host?: string;
  outcome?: string;
  message?: string;
  tail?: string[];
}

describe('ICAgent verify in a batch: each host on its own evidence', () => {
  it("a host whose agent never connected does not end done, although the others' traffic reaches the jump server; one behind NAT is said to be unattributable there", async () => {
    const answers = { ...world.answers, targets: [], options: { installDir: path.join(own, 'servicemgr'), download: 'tunnel' } };
    const answersFile = path.join(world.dir, 'batch-answers.yaml');
    fs.writeFileSync(answersFile, YAML.stringify(answers));
    const list = (['direct', 'natted', 'blocked'] as const).map((n) => hosts[n] as SshdInstance);
    const hostsFile = path.join(world.dir, 'hosts.csv');
    fs.writeFileSync(hostsFile, ['host,port,user,password', ...list.map((h) => `${h.host},${h.port},${world.targetUser.name},${TEST_USERS.t2.password}`)].join('\n') + '\n');
    const report = path.join(world.dir, 'report.json');
    let out = '';
    const sink = { write: (t: string) => ((out += t), true) } as unknown as NodeJS.WritableStream;
    const code = await runBatchCommand(answersFile, { hosts: hostsFile, report, concurrency: '3', acceptNewHostkeys: true, knownHosts: path.join(world.dir, 'known_hosts') }, { stdout: sink, stderr: sink, env: world.env });
    expect(code, out).toBe(1);
    const rep = JSON.parse(fs.readFileSync(report, 'utf8')) as BatchReport;
    const state = Object.fromEntries(rep.hosts.map((h) => [h.host, h]));
    const [direct, natted, blocked] = list.map((h) => state[h.host]);
    expect(direct?.state, out).toBe('done');
    expect(natted?.state, out).toBe('done');
    expect(blocked?.state, out).toBe('failed');
    expect(blocked?.step).toBe('verify');
    expect(blocked?.reason).toContain('icagent has no ESTABLISHED connection to 30200, 30201');

    // What each host's verify said, from the journal.
    const lines = fs.readFileSync(rep.journal, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as JournalLine);
    const checksOf = (h: SshdInstance) => {
      const id = rep.hosts.findIndex((x) => x.host === h.host);
      const v = lines.filter((l) => l.type === 'step' && l.step === 'verify' && (l.host === `target${id}` || l.host === h.host)).at(-1);
      // "pass|warn|FAIL <name>: <detail>[ — <hint>]", as the terminal showed them.
      const checks = (v?.tail ?? []).flatMap((t) => {
        const m = /^(pass|warn|FAIL) ([^:]+): (.*?)(?: — .*)?$/.exec(t);
        return m ? [[m[2] as string, { status: (m[1] as string).toLowerCase(), detail: m[3] as string }] as const] : [];
      });
      return Object.fromEntries(checks);
    };
    const d = checksOf(list[0] as SshdInstance);
    expect(d['icagent connections']).toMatchObject({ status: 'pass', detail: 'icagent connected to 30200, 30201' });
    expect(d['agent traffic']).toMatchObject({ status: 'pass', detail: `agent traffic seen through the tunnel from ${list[0]?.host}` });
    const n = checksOf(list[1] as SshdInstance);
    expect(n['icagent connections']?.status).toBe('pass');
    expect(n['agent traffic']?.status).toBe('warn');
    expect(n['agent traffic']?.detail).toMatch(/^agent connected from the target; not attributable at the jump server \(the forwarded ports carry traffic from .*, none from /);
    const b = checksOf(list[2] as SshdInstance);
    expect(b['icagent connections']?.status).toBe('fail');
    // The others' traffic is there, and is not this host's.
    expect(b['agent traffic']?.status).toBe('warn');
    expect(b['agent traffic']?.detail).toMatch(/^agent traffic on the forwarded ports comes from .*, none from .*: not attributable to this host at the jump server/);
    expect(b['agent traffic']?.detail).not.toContain('agent connected from the target');
  }, 240_000);
});
