// Security issue 8, item 4: while the ICAgent installer runs on a target, the access key and the
// secret key are on no process's command line there, as another unprivileged user of that machine
// sees them with `ps` (/proc/<pid>/cmdline is world-readable unless /proc is mounted hidepid).
//
// The console's published command, `REGION=… bash apm_agent_install.sh -ak <AK> -sk <SK> …`, starts
// a bash whose argv holds both keys for the whole install: any local user reads them with `ps -eo
// args`. Outpost instead feeds its script to `bash -s` on stdin and sources the installer with the
// flags as positional parameters (resources/profiles/icagent.yaml, step install). This test watches
// the target's process list, as the jump server's user (outpost-t1, not the target's login user
// outpost-t2), during a real install slowed to ~4 s by ICAGENT_INSTALL_DELAY, and fails if either
// key shows up. A control case first proves that the very same poll does see another user's argv,
// so the old form would have been caught.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TEST_USERS } from '../harness/sshd';
import { opts, session, storedAnswers } from './api-session';
import { cleanupUsers, SECRETS, startWorld, type World } from './world';

const execFileP = promisify(execFile);

interface Proc {
  uid: number;
  args: string;
}

/**
 * Polls the machine's process list every ~100 ms as `user` (unprivileged) until stop() is called,
 * then returns every line seen. `-ww`: no width limit, so a long argv is never cut before the keys.
 */
function pollProcesses(user: string): { stop: () => Promise<{ samples: number; procs: Proc[] }> } {
  let stopped = false;
  let samples = 0;
  const seen = new Map<string, Proc>();
  const loop = (async () => {
    while (!stopped) {
      const { stdout } = await execFileP('runuser', ['-u', user, '--', 'ps', '-ww', '-eo', 'uid=,args='], { maxBuffer: 16 * 1024 * 1024 });
      samples++;
      for (const line of stdout.split('\n')) {
        const m = /^\s*(\d+)\s(.*)$/.exec(line);
        if (m) seen.set(line, { uid: Number(m[1]), args: (m[2] ?? '').trim() });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return { samples, procs: [...seen.values()] };
    },
  };
}

describe('no key on a process list of the target during the install (issue 8 item 4)', () => {
  let world: World;
  let dir: string;
  // The observer: an unprivileged user of the machine that is not the target's login user.
  const observer = TEST_USERS.t1.name;
  beforeAll(async () => {
    world = await startWorld({ targetEnv: { ICAGENT_INSTALL_DELAY: '4' } });
    expect(world.targetUser.name).not.toBe(observer);
  });
  afterAll(async () => {
    await world?.stop();
  });
  afterEach(() => {
    cleanupUsers();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("control: the observer's poll does see another user's command line (the console's `-ak … -sk …` form)", async () => {
    const canaryAk = 'CANARYAK-not-the-real-key-1';
    const canarySk = 'CANARYSK-not-the-real-key-2';
    const poll = pollProcesses(observer);
    // Argv shaped like the published command: `bash -c <script> apm_agent_install.sh -ak … -sk …`
    // (`; true`: a lone simple command would make bash exec sleep, replacing the argv).
    const child = spawn('runuser', ['-u', world.targetUser.name, '--', 'bash', '-c', 'sleep 1.5; true', 'apm_agent_install.sh', '-ak', canaryAk, '-sk', canarySk], { stdio: 'ignore' });
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', () => resolve());
    });
    const { procs } = await poll.stop();
    const hits = procs.filter((p) => p.uid === world.targetUser.uid && p.args.includes(canaryAk) && p.args.includes(canarySk));
    expect(hits.length, 'hidepid or a truncated ps would make the main test prove nothing').toBeGreaterThan(0);
  });

  it('the AK and SK are on no command line the observer sees while the installer runs', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-ps-secrets-'));
    const s = session(dir);
    const poll = pollProcesses(observer);
    const t0 = Date.now();
    const end = await (async () => {
      const started = await s.call('run.start', { answers: storedAnswers(world), options: opts() });
      expect(started.ok, JSON.stringify(started)).toBe(true);
      return s.waitEnd();
    })().catch(async (err: unknown) => {
      await poll.stop();
      throw err;
    });
    // Polling stops only now that run.end has arrived.
    const { procs, samples } = await poll.stop();
    const elapsed = Date.now() - t0;

    // (1) The run went through, and the keys really reached the installer during it.
    expect(end.outcome, JSON.stringify(end)).toBe('done');
    const conf = fs.readFileSync(path.join(world.installDir, 'ICAgent', 'conf', 'icagent.conf'), 'utf8');
    expect(conf).toContain(createHash('sha256').update(SECRETS.OUTPOST_AK).digest('hex'));

    // (2) The poll overlapped the install: the stand-in installer's `sleep "$ICAGENT_INSTALL_DELAY"`
    // (a child of the shell running the installer, as root through sudo) was on the list. In the old
    // form that shell's own argv, holding -ak/-sk, lives for this whole time.
    const installer = procs.filter((p) => p.uid === 0 || p.uid === world.targetUser.uid);
    expect(
      installer.some((p) => p.args === 'sleep 4' && p.uid === 0),
      `no installer process seen in ${samples} samples over ${elapsed} ms; the install's processes: ${JSON.stringify(installer.map((p) => p.args).filter((a) => /sleep|bash|sudo/.test(a)))}`,
    ).toBe(true);
    expect(samples).toBeGreaterThan(10);

    // (3) Neither key on any command line, the target user's or anyone else's.
    // (Leaks are reported masked: the failure message itself must not print the keys.)
    const keys = { AK: SECRETS.OUTPOST_AK, SK: SECRETS.OUTPOST_SK };
    const leaks = procs.filter((p) => Object.values(keys).some((k) => p.args.includes(k)));
    const masked = (t: string) => Object.entries(keys).reduce((acc, [n, k]) => acc.replaceAll(k, `<${n}>`), t);
    expect(leaks.map((p) => `uid ${p.uid}: ${masked(p.args)}`)).toEqual([]);
  });
});
