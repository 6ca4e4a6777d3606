// uninstall.yml of `outpost export ansible`, run for real (issue 26): on real sshd hosts behind a real
// jump server with the lifecycle test profile (test/fixtures/profiles/lifecycle-test.yaml: a daemon per
// host, an uninstall section), Debian's ansible-playbook with host key checking on runs the profile's
// uninstall steps on each target and proves the agent gone with its verify probes turned round, as
// `outpost uninstall` does: every agent's process and folder gone, the jump server's tunnel left as it
// was. A host where a process still matches the agent (one the uninstall cannot stop) fails, with the
// probe named, and only it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshdInstance, TestUser } from '../harness/sshd';
import { settled, startLifecycleWorld, tree, type LifecycleWorld } from '../harness/lifecycle-world';

let w: LifecycleWorld;
let dir: string;
let targets: SshdInstance[];
let jumpUser: TestUser;
let base: string;
const outpost: LifecycleWorld['outpost'] = (...a) => w.outpost(...a);
const ansible: LifecycleWorld['ansible'] = (p) => w.ansible(p);
const processes = () => w.processes();
const common = () => w.common();

beforeAll(async () => {
  w = await startLifecycleWorld('uninstall-yml', '127.3', [11, 12, 13]);
  ({ dir, targets, jumpUser, base } = w);
}, 120_000);

afterAll(async () => {
  await w?.close();
});

describe('export: uninstall.yml', () => {
  it('removes the agents and proves them gone; a host where the agent still runs fails, named', async () => {
    const install = await outpost(['batch', ...common(), '--accept-new-hostkeys', '--concurrency', '3']);
    expect(install.code, install.stderr + install.stdout).toBe(0);
    for (const t of targets) expect(fs.existsSync(path.join(base, t.host, 'agent.sh'))).toBe(true);
    const exp = await outpost(['export', 'ansible', ...common(), '--out', path.join(dir, 'export')]);
    expect(exp.code, exp.stderr + exp.stdout).toBe(0);
    const text = fs.readFileSync(path.join(dir, 'export', 'uninstall.yml'), 'utf8');
    expect(text).toMatch(/uninstall: Stop and remove the agent/);
    expect(text).toMatch(/verify\.removed \(result\)/);
    expect(fs.readFileSync(path.join(dir, 'export', 'README.md'), 'utf8')).toMatch(/uninstall\.yml/);
    const tunnel = () => processes().filter((p) => / -L /.test(p));
    const tunnelBefore = tunnel();
    expect(tunnelBefore.length).toBeGreaterThan(0);
    const jumpBefore = await settled(() => tree(jumpUser.home));

    // The agents go, proved gone on each host; the jump server (its tunnel, its files) as it was.
    const play = await ansible('uninstall.yml');
    expect(play.code, play.output).toBe(0);
    const recap = play.output.slice(play.output.indexOf('PLAY RECAP'));
    expect(recap).not.toMatch(/failed=[1-9]|unreachable=[1-9]/);
    expect(play.output).toMatch(/TASK \[verify\.removed \(result\)\]/);
    expect(play.output).toMatch(/lifecycle agent: gone: no process matching/);
    for (const t of targets) expect(fs.existsSync(path.join(base, t.host))).toBe(false);
    expect(processes().filter((p) => p.includes(`${base}/`))).toEqual([]);
    expect(tunnel()).toEqual(tunnelBefore);
    expect(await settled(() => tree(jumpUser.home))).toEqual(jumpBefore);

    // Again, on hosts already clean: the uninstall step's failure is only reported, the proof passes.
    const again = await ansible('uninstall.yml');
    expect(again.code, again.output).toBe(0);

    // Installed again; on one host a process the uninstall cannot stop (not the login user's) still
    // matches the agent: that host fails its proof, named; the others are removed.
    const re = await outpost(['batch', ...common(), '--concurrency', '3']);
    expect(re.code, re.stderr + re.stdout).toBe(0);
    const stuck = targets[1] as SshdInstance;
    const decoy = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)', `${base}/${stuck.host}/agent.sh`], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const fail = await ansible('uninstall.yml');
      expect(fail.code, fail.output).not.toBe(0);
      const recap2 = fail.output.slice(fail.output.indexOf('PLAY RECAP'));
      expect(recap2.match(/failed=1/g)?.length, recap2).toBe(1);
      expect(fail.output).toMatch(/Still installed on \S+: process lifecycle agent \(still there: lifecycle agent runs/);
      for (const t of targets.filter((x) => x !== stuck)) expect(fs.existsSync(path.join(base, t.host))).toBe(false);
    } finally {
      decoy.kill('SIGKILL');
    }
  }, 600_000);
});
