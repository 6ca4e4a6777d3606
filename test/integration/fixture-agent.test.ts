// The fixture ICAgent installer against the stand-in LTS backend, the way a real target would meet
// them: download the installer over HTTP with curl, run it with the vendor's flags, watch heartbeats.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, type Backend } from '../../electron/demo/backend';
import { defaultFixtureDir } from '../../electron/demo/sandbox';

const FIXTURE_DIR = defaultFixtureDir();
const HOST = '127.0.0.5';
const AK = 'TESTAKQ7ZXCVBNMASDFGHJ';
const SK = 'testSkS3cr3tQWERTYUIOPasdfghjklZXCVBNM1234';
const REGION = 'cn-north-4';
const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const INTERVAL = '0.2';

interface ProcResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command without a shell; a guard timer kills it so a hang fails the test instead of stalling it. */
function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<ProcResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args[0] ?? ''} did not finish in time (a daemon holding its output open?)\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    child.on('error', (err) => {
      clearTimeout(guard);
      reject(err);
    });
    // 'close', not 'exit': it waits for stdout/stderr to close, so a daemon that kept them open would hang here.
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Kills every fixture daemon (and its process group) whose command line points under `root`. */
function killDaemonsUnder(root: string): void {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmdline.includes(root) || !cmdline.includes('icagentd')) continue;
    const pid = Number(entry);
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

describe('fixture ICAgent installer with the stand-in backend', () => {
  let backend: Backend;
  let root: string;
  let caseNo = 0;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-icagent-'));
    backend = await startBackend({
      host: HOST,
      ports: { heartbeat: 0, others: [0, 0, 0, 0] },
      http: { port: 0, fixtureDir: FIXTURE_DIR },
    });
  });

  afterEach(() => {
    // Whatever happened in the test, no daemon outlives it.
    killDaemonsUnder(root);
  });

  afterAll(async () => {
    killDaemonsUnder(root);
    await backend?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** A fresh work dir with the installer fetched from the stand-in bucket, as the console command does. */
  async function prepare(): Promise<{ work: string; installDir: string; script: string; env: NodeJS.ProcessEnv }> {
    const work = path.join(root, `case${++caseNo}`);
    fs.mkdirSync(work);
    const script = path.join(work, 'apm_agent_install.sh');
    const dl = await run('curl', ['-fsS', '--max-time', '10', '-o', script, `${backend.httpUrl}/ICAgent_linux/apm_agent_install.sh`]);
    expect(dl.code, dl.stderr).toBe(0);
    const installDir = path.join(work, 'servicemgr');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: work,
      REGION,
      ICAGENT_INSTALL_DIR: installDir,
      ICAGENT_HEARTBEAT_PORT: String(backend.ports.heartbeat),
      ICAGENT_HEARTBEAT_INTERVAL: INTERVAL,
    };
    return { work, installDir, script, env };
  }

  const vendorArgs = (over: Partial<Record<'ak' | 'sk' | 'region' | 'projectid' | 'accessip' | 'obsdomain', string>> = {}) => {
    const v = { ak: AK, sk: SK, region: REGION, projectid: PROJECT, accessip: HOST, obsdomain: `obs.${REGION}.myhuaweicloud.com`, ...over };
    return ['-ak', v.ak, '-sk', v.sk, '-region', v.region, '-projectid', v.projectid, '-accessip', v.accessip, '-obsdomain', v.obsdomain];
  };

  const daemonPid = (installDir: string) => Number(fs.readFileSync(path.join(installDir, 'ICAgent/run/icagent.pid'), 'utf8').trim());

  it('installs from the stand-in bucket, reports heartbeats, keeps the AK/SK out, and uninstalls cleanly', async () => {
    const { work, installDir, script, env } = await prepare();
    expect(fs.readFileSync(script)).toEqual(fs.readFileSync(path.join(FIXTURE_DIR, 'apm_agent_install.sh')));
    expect(backend.stats().http?.downloads).toBeGreaterThanOrEqual(1);

    const before = Date.now();
    const res = await run('bash', [script, ...vendorArgs()], { env, cwd: work });
    expect(res.code, res.stderr).toBe(0);
    expect(lastLine(res.stdout)).toBe('ICAgent install success');
    expect(res.stdout + res.stderr).not.toContain(AK);
    expect(res.stdout + res.stderr).not.toContain(SK);

    const pid = daemonPid(installDir);
    expect(alive(pid)).toBe(true);
    // Detached: it leads its own session, so the SSH session closing does not take it down.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const afterComm = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    expect(Number(afterComm[3])).toBe(pid); // field 6: session id

    const beats = await backend.waitForHeartbeats(3, { fromHost: os.hostname(), since: before, timeoutMs: 10_000 });
    for (const hb of beats) {
      expect(hb).toMatchObject({ host: os.hostname(), projectid: PROJECT, region: REGION, pid, localPort: backend.ports.heartbeat });
      expect(hb.remoteAddress).toMatch(/^127\./);
    }
    const seqs = beats.map((b) => b.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(backend.stats().ports[0]).toMatchObject({ role: 'heartbeat', port: backend.ports.heartbeat });
    expect(backend.stats().ports[0]?.connections).toBeGreaterThanOrEqual(3);

    const status = await run(path.join(installDir, 'ICAgent/bin/manual/status.sh'), [], { env });
    expect(status).toMatchObject({ code: 0, stdout: 'icagent is running\n' });

    // Secrets: only a digest of the AK is on disk, the SK nowhere, neither in the daemon's args or env.
    const conf = fs.readFileSync(path.join(installDir, 'ICAgent/conf/icagent.conf'), 'utf8');
    expect(conf).toContain(`ak_sha256=${createHash('sha256').update(AK).digest('hex')}`);
    expect(conf).toContain(`projectid=${PROJECT}`);
    expect(conf).toContain(`accessip=${HOST}`);
    const files = filesUnder(installDir);
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      expect(text, f).not.toContain(AK);
      expect(text, f).not.toContain(SK);
    }
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    expect(cmdline).toContain('icagentd');
    expect(cmdline).not.toContain(AK);
    expect(cmdline).not.toContain(SK);
    const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
    expect(environ).not.toContain(AK);
    expect(environ).not.toContain(SK);

    const un = await run(path.join(installDir, 'ICAgent/bin/manual/uninstall.sh'), [], { env });
    expect(un.code, un.stderr).toBe(0);
    expect(lastLine(un.stdout)).toBe('ICAgent uninstall success');
    expect(await waitUntil(() => !alive(pid), 3000)).toBe(true);
    expect(fs.existsSync(installDir)).toBe(false);

    // Heartbeats stop: nothing more from that daemon over many intervals.
    const countAfter = backend.heartbeats().filter((h) => h.pid === pid).length;
    await sleep(1200);
    expect(backend.heartbeats().filter((h) => h.pid === pid).length).toBe(countAfter);
  });

  it('parses flags in any order, is idempotent when running, refuses a different config, restarts a dead agent', async () => {
    const { work, installDir, script, env } = await prepare();
    const shuffled = ['-accessip', HOST, '-obsdomain', 'obs.x.example', '-projectid', 'proj-2', '-sk', SK, '-region', 'ap-southeast-1', '-ak', AK];
    const first = await run('bash', [script, ...shuffled], { env: { ...env, ICAGENT_HOSTNAME: 'target-b' }, cwd: work });
    expect(first.code, first.stderr).toBe(0);
    expect(lastLine(first.stdout)).toBe('ICAgent install success');
    const conf = fs.readFileSync(path.join(installDir, 'ICAgent/conf/icagent.conf'), 'utf8');
    expect(conf).toMatch(/^region=ap-southeast-1$/m);
    expect(conf).toMatch(/^projectid=proj-2$/m);
    expect(conf).toMatch(/^obsdomain=obs\.x\.example$/m);
    const pid = daemonPid(installDir);
    const [hb] = await backend.waitForHeartbeats(1, { fromHost: 'target-b', timeoutMs: 10_000 });
    expect(hb).toMatchObject({ host: 'target-b', projectid: 'proj-2', region: 'ap-southeast-1', pid });

    // Same config again, the region coming from REGION= alone: kept, marker still printed, exit 0.
    const again = await run(
      'bash',
      [script, '-ak', AK, '-sk', SK, '-projectid', 'proj-2', '-accessip', HOST],
      { env: { ...env, REGION: 'ap-southeast-1' }, cwd: work },
    );
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('ICAgent is already installed\n');
    expect(lastLine(again.stdout)).toBe('ICAgent install success');
    expect(daemonPid(installDir)).toBe(pid);

    // A different project while running: refused, the running agent untouched.
    const other = await run('bash', [script, ...vendorArgs({ projectid: 'proj-3' })], { env, cwd: work });
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('uninstall.sh');
    expect(other.stdout).not.toContain('ICAgent install success');
    expect(daemonPid(installDir)).toBe(pid);
    expect(alive(pid)).toBe(true);

    // Agent died: status says so, and the installer installs and starts it again.
    process.kill(-pid, 'SIGKILL');
    expect(await waitUntil(() => !alive(pid), 3000)).toBe(true);
    const down = await run(path.join(installDir, 'ICAgent/bin/manual/status.sh'), [], { env });
    expect(down).toMatchObject({ code: 1, stdout: 'icagent is not running\n' });
    const since = Date.now();
    const re = await run('bash', [script, ...shuffled], { env: { ...env, ICAGENT_HOSTNAME: 'target-b' }, cwd: work });
    expect(re.code, re.stderr).toBe(0);
    expect(re.stdout).toContain('installed but not running');
    expect(lastLine(re.stdout)).toBe('ICAgent install success');
    const pid2 = daemonPid(installDir);
    expect(pid2).not.toBe(pid);
    const [hb2] = await backend.waitForHeartbeats(1, { fromHost: 'target-b', since, timeoutMs: 10_000 });
    expect(hb2?.pid).toBe(pid2);
    expect(hb2?.seq).toBe(1);

    const un = await run(path.join(installDir, 'ICAgent/bin/manual/uninstall.sh'), [], { env });
    expect(lastLine(un.stdout)).toBe('ICAgent uninstall success');
    expect(await waitUntil(() => !alive(pid2), 3000)).toBe(true);
  });

  it('rejects bad flags with exit 1 and a message, before touching anything', async () => {
    const { work, installDir, script, env } = await prepare();
    const noRegionEnv = { ...env, REGION: undefined };
    const full = vendorArgs();
    const without = (flag: string) => {
      const i = full.indexOf(flag);
      return [...full.slice(0, i), ...full.slice(i + 2)];
    };
    const cases: Array<{ args: string[]; env?: NodeJS.ProcessEnv; message: string }> = [
      { args: [...full, '-foo', 'bar'], message: "unknown flag '-foo'" },
      { args: ['--ak', AK, ...full.slice(2)], message: "unknown flag '--ak'" },
      { args: without('-sk'), message: 'missing required flag(s): -sk' },
      { args: without('-ak').filter((a) => a !== '-accessip' && a !== HOST), message: 'missing required flag(s): -ak -accessip' },
      { args: without('-region'), env: noRegionEnv, message: 'missing required flag(s): -region' },
      { args: [...without('-accessip'), '-accessip'], message: 'flag -accessip needs a value' },
      { args: ['-ak', '-sk', SK, ...full.slice(4)], message: "flag -ak needs a value, got the flag '-sk'" },
      { args: ['-ak', AK, SK, ...full.slice(4)], message: 'unexpected argument (not a flag)' },
      { args: vendorArgs({ region: 'cn-north-4;id' }), message: '-region' },
      { args: vendorArgs({ accessip: '$(id)' }), message: '-accessip' },
      { args: vendorArgs({ projectid: '' }), message: 'flag -projectid needs a non-empty value' },
    ];
    for (const c of cases) {
      const res = await run('bash', [script, ...c.args], { env: c.env ?? env, cwd: work });
      expect(res.code, `${c.message}\n${res.stdout}\n${res.stderr}`).toBe(1);
      expect(res.stderr).toContain(c.message);
      expect(res.stdout).not.toContain('ICAgent install success');
      // A stray value may be the SK itself: never echoed.
      expect(res.stdout + res.stderr).not.toContain(SK);
      expect(fs.existsSync(installDir)).toBe(false);
    }

    const help = await run('bash', [script, '-h'], { env, cwd: work });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: REGION=<region> bash apm_agent_install.sh -ak <AK>');
    expect(fs.existsSync(installDir)).toBe(false);
  });
});
