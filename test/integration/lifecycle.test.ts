// Issue 26's "done when", on real sshd hosts behind a real jump server with a profile the repository does
// not ship (test/fixtures/profiles/lifecycle-test.yaml: a daemon per host, an uninstall section):
// install 5 hosts; kill one agent → `outpost check` says 1 agent-down, exit 1; stop the jump's tunnel →
// every host tunnel-down, exit 1; neither check changes a file or a process anywhere; repair (the
// install again) → all healthy, exit 0; `outpost uninstall --remove-tunnel` → every agent removed and
// proved gone, the jump user's files as before the first install (another key in authorized_keys kept),
// journals complete; `outpost inventory` lists the 5 hosts with their install, check and uninstall times.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshdInstance, TestUser } from './harness/sshd';
import { OTHER_KEY, PROFILES, settled, startLifecycleWorld, tree, type LifecycleWorld } from './harness/lifecycle-world';

let w: LifecycleWorld;
let dir: string;
let jump: SshdInstance;
let targets: SshdInstance[];
let jumpUser: TestUser;
let user: TestUser;
let base: string;
let answersFile: string;
const outpost: LifecycleWorld['outpost'] = (...a) => w.outpost(...a);
const ansible: LifecycleWorld['ansible'] = (p) => w.ansible(p);
const processes = () => w.processes();
const common = () => w.common();

/** A snapshot of everything the check could change: each host's folder, the jump user's home, the processes. */
const snapshot = () => ({ hosts: tree(base), jump: tree(jumpUser.home), procs: processes() });

// A host's line: `user@host:port: state — reason` (with --watch, after the time of the check).
const HOST_LINE = /^(?:\d{4}-\S+Z )?\S+@[\d.]+:\d+: (\S+)/;
const states = (stdout: string) => stdout.split('\n').flatMap((l) => { const m = HOST_LINE.exec(l); return m?.[1] ? [m[1]] : []; });
const killAgent = (t: SshdInstance) => execFileSync('pkill', ['-TERM', '-u', user.name, '-f', `${base}/${t.host}/agent.sh`]);
const killTunnel = () => execFileSync('pkill', ['-KILL', '-u', jumpUser.name, '-f', 'ssh .*-L']);

beforeAll(async () => {
  w = await startLifecycleWorld('lifecycle', '127.2', [11, 12, 13, 14, 15]);
  ({ dir, jump, targets, jumpUser, user, base, answersFile } = w);
}, 120_000);

afterAll(async () => {
  await w?.close();
});

describe('after the install: check, uninstall, inventory', () => {
  it('check finds the dead agent and the stopped tunnel without changing anything; repair; uninstall --remove-tunnel leaves the jump server as before; inventory lists it all', async () => {
    const before = tree(jumpUser.home);
    const install = await outpost(['batch', ...common(), '--accept-new-hostkeys', '--concurrency', '5']);
    expect(install.code, install.stderr + install.stdout).toBe(0);

    // All healthy first.
    const ok = await outpost(['check', ...common()]);
    expect(ok.code, ok.stderr + ok.stdout).toBe(0);
    expect(states(ok.stdout)).toEqual(Array(5).fill('healthy'));

    // The same check for Ansible (check.yml beside site.yml): read-only, changed=0 on every host.
    const exp = await outpost(['export', 'ansible', ...common(), '--out', path.join(dir, 'export')]);
    expect(exp.code, exp.stderr + exp.stdout).toBe(0);
    const s0 = await settled(snapshot);
    const play = await ansible('check.yml');
    expect(play.code, play.output).toBe(0);
    const recap = play.output.slice(play.output.indexOf('PLAY RECAP'));
    expect(recap.match(/changed=0/g)?.length, recap).toBe(6);
    expect(recap).not.toMatch(/changed=[1-9]|failed=[1-9]|ignored=[1-9]/);
    expect(play.output).toMatch(/TASK \[check\.tunnel\.jump0/);
    expect(await settled(snapshot)).toEqual(s0);

    // One agent dies: 1 agent-down, the others healthy; nothing changed anywhere.
    killAgent(targets[2] as SshdInstance);
    const s1 = await settled(snapshot);
    const report = path.join(dir, 'check1.json');
    const c1 = await outpost(['check', ...common(), '--report', report]);
    expect(c1.code, c1.stderr + c1.stdout).toBe(1);
    const r1 = JSON.parse(fs.readFileSync(report, 'utf8')) as { checkedAt: string; totals: Record<string, number>; hosts: Array<{ host: string; state: string; reason: string }> };
    expect(r1.totals).toEqual({ healthy: 4, 'agent-down': 1 });
    expect(r1.hosts.find((h) => h.state === 'agent-down')).toMatchObject({ host: targets[2]?.host });
    expect(r1.hosts.find((h) => h.state === 'agent-down')?.reason).toMatch(/no process matching/);
    expect(Date.parse(r1.checkedAt)).toBeGreaterThan(0);
    expect(await settled(snapshot)).toEqual(s1);
    // check.yml says the same: that host fails its verify, nothing changed anywhere.
    const play1 = await ansible('check.yml');
    expect(play1.code, play1.output).not.toBe(0);
    const recap1 = play1.output.slice(play1.output.indexOf('PLAY RECAP'));
    expect(recap1.match(/failed=1/g)?.length, recap1).toBe(1);
    expect(recap1).not.toMatch(/changed=[1-9]/);
    expect(await settled(snapshot)).toEqual(s1);

    // The jump server's tunnel stops: every host behind it is tunnel-down, with the tunnel as the reason.
    killTunnel();
    const s2 = await settled(snapshot);
    const c2 = await outpost(['check', ...common()]);
    expect(c2.code, c2.stderr + c2.stdout).toBe(1);
    expect(states(c2.stdout)).toEqual(Array(5).fill('tunnel-down'));
    expect(c2.stdout).toMatch(/the tunnel on .* is down/);
    expect(await settled(snapshot)).toEqual(s2);

    // Repair: the install again (healthy hosts skipped by their guard, the tunnel and the dead agent restarted).
    const repair = await outpost(['batch', ...common(), '--concurrency', '5']);
    expect(repair.code, repair.stderr + repair.stdout).toBe(0);
    const c3 = await outpost(['check', ...common()]);
    expect(c3.code, c3.stderr + c3.stdout).toBe(0);
    expect(states(c3.stdout)).toEqual(Array(5).fill('healthy'));

    // --watch: the first round says every host, later rounds only what changed (nothing here); Ctrl-C ends it (130).
    let rounds = 0;
    const watch = await outpost(['check', ...common(), '--watch', '1'], (child, out) => {
      const poll = setInterval(() => {
        if (states(out()).length >= 5 && ++rounds === 12) {
          clearInterval(poll);
          child.kill('SIGINT');
        }
      }, 250);
    });
    expect(watch.code, watch.stderr + watch.stdout).toBe(130);
    expect(states(watch.stdout)).toEqual(Array(5).fill('healthy'));
    expect(fs.readdirSync(path.join(dir, 'data', 'journals')).length).toBeGreaterThan(0);

    // Uninstall, then the tunnel's removal: the agents are gone, the jump user's files as before.
    const un = await outpost(['uninstall', ...common(), '--remove-tunnel', '--report', path.join(dir, 'uninstall.json')]);
    expect(un.code, un.stderr + un.stdout).toBe(0);
    expect(states(un.stdout)).toEqual(Array(5).fill('removed'));
    expect(un.stdout).toMatch(/tunnel on .*: removed/);
    for (const t of targets) expect(fs.existsSync(path.join(base, t.host))).toBe(false);
    expect(processes().filter((p) => p.includes(base) || / -L /.test(p))).toEqual([]);
    expect(await settled(() => tree(jumpUser.home))).toEqual(before);
    expect(fs.readFileSync(path.join(jumpUser.home, '.ssh', 'authorized_keys'), 'utf8')).toBe(`${OTHER_KEY}\n`);

    // The journals are complete: every run started and ended; the uninstall's proof on each host.
    const journals = fs.readdirSync(path.join(dir, 'data', 'journals')).filter((f) => f.endsWith('.jsonl'));
    const runs = journals.map((f) => fs.readFileSync(path.join(dir, 'data', 'journals', f), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>));
    for (const j of runs) expect(j.filter((x) => x.type === 'run.end')).toHaveLength(1);
    const uninstall = runs.find((j) => j[0]?.kind === 'uninstall' && j.some((x) => x.step === 'verify.removed'));
    expect(uninstall?.filter((x) => x.type === 'step' && x.step === 'verify.removed' && x.outcome === 'done')).toHaveLength(5);
    expect(runs.some((j) => j.some((x) => x.type === 'step' && x.step === 'untunnel.jump0' && x.outcome === 'done'))).toBe(true);

    // The inventory: the 5 hosts, with install, last check and uninstall times.
    const inv = await outpost(['inventory', '--json']);
    expect(inv.code, inv.stderr).toBe(0);
    const hosts = (JSON.parse(inv.stdout) as { hosts: Array<Record<string, unknown>> }).hosts;
    expect(hosts.map((h) => h.address).sort()).toEqual(targets.map((t) => `${user.name}@${t.host}:${t.port}`).sort());
    for (const h of hosts) {
      expect(h).toMatchObject({ profile: 'lifecycle-test', os: 'linux', jump: `${jumpUser.name}@${jump.host}:${jump.port}`, answers: answersFile, state: 'removed', lastCheck: { state: 'healthy' } });
      expect(Date.parse(String(h.installedAt))).toBeLessThan(Date.parse((h.lastCheck as { at: string }).at));
      expect(Date.parse((h.lastCheck as { at: string }).at)).toBeLessThan(Date.parse(String(h.uninstalledAt)));
    }
    const table = await outpost(['inventory']);
    expect(table.stdout).toMatch(/HOST\s+AGENT/);
  }, 600_000);

  it('bad input is exit 2 with a line saying what to fix', async () => {
    const r = await outpost(['check', answersFile, '--hosts', path.join(dir, 'nope.csv'), '--profiles', PROFILES]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--hosts: .* cannot be read/);
    const w = await outpost(['check', ...common(), '--watch', 'soon']);
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/--watch/);
  });
});
