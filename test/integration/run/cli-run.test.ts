// `outpost run` of the Linux-via-jump example, end to end through the built CLI: the tunnel on the
// jump server, preflight, install and verify on the target; heartbeats must reach the backend
// through the tunnel. Then the tunnel is killed and `--check-tunnel` repairs it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAgents, killTunnel, ROOT, SECRETS, startWorld, type World } from './world';

let world: World;

beforeAll(async () => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'index.mjs'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
  world = await startWorld();
});
afterAll(async () => {
  await world?.stop();
});

function outpost(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(ROOT, 'bin', 'outpost.mjs'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function assertNoSecrets(...texts: string[]): void {
  for (const t of texts) for (const v of Object.values(SECRETS)) expect(t).not.toContain(v);
}

describe('outpost run (Linux via jump server)', () => {
  it('installs through the tunnel and heartbeats arrive at the backend', async () => {
    const r = await outpost(['run', world.answersFile, '--accept-new-hostkeys'], world.env);
    expect(r.stderr + r.stdout).toContain('✔ done: Install Huawei Cloud LTS ICAgent');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/tunnel started; .* was started with ssh -f in the background/);
    expect(r.stdout).toContain('will not survive a reboot');
    expect(r.stdout).toContain('ICAgent install success');
    // Not a terminal: no colour codes in what a script or a log file receives.
    expect(r.stdout).not.toContain('\x1b[');
    expect(r.stdout).toMatch(/icagent-8149 127\.0\.\d+\.2:8149 listening/);
    const hb = await world.backend.waitForHeartbeats(2, { timeoutMs: 15_000 });
    expect(hb[0]?.projectid).toBe('2a473356cca5487f8373be891bffc1cf');

    const journal = /Journal: (\S+)/.exec(r.stdout)?.[1];
    expect(journal && fs.existsSync(journal)).toBe(true);
    const lines = fs.readFileSync(journal ?? '', 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; outcome?: string; step?: string });
    expect(lines[0]?.type).toBe('run.start');
    expect(lines.at(-1)).toMatchObject({ type: 'run.end', outcome: 'done' });
    expect(lines.filter((l) => l.type === 'step').map((l) => l.step)).toEqual(
      expect.arrayContaining(['connect.jump0', 'tunnel.jump0.hostkey', 'tunnel.jump0.key', 'tunnel.jump0.authorize', 'tunnel.jump0', 'ports.jump0', 'connect', 'preflight', 'install', 'verify']),
    );
    // The plan is the schedule: every step id in the journal is a step of the plan that run was given.
    const planned = await outpost(['plan', world.answersFile, '--json'], world.env);
    const ids = new Set((JSON.parse(planned.stdout) as { steps: Array<{ id: string }> }).steps.map((s) => s.id));
    for (const l of lines.filter((x) => x.type === 'step')) expect(ids.has(l.step ?? ''), `journal step ${l.step} is not in the plan`).toBe(true);
    const hosts = new Set(lines.filter((x) => x.type === 'step').map((x) => (x as { host?: string }).host));
    expect([...hosts].sort()).toEqual(['console', 'jump0', 'target0']);
    assertNoSecrets(r.stdout, r.stderr, fs.readFileSync(journal ?? '', 'utf8'));
  });

  it('a second run keeps the healthy tunnel and skips the healthy agent', async () => {
    const r = await outpost(['run', world.answersFile], world.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('healthy tunnel kept');
    expect(r.stdout).toMatch(/already installed and running/);
  });

  it('heartbeats stop when the tunnel dies, and "check tunnel" repairs it', async () => {
    killTunnel();
    await new Promise((r) => setTimeout(r, 1500));
    const before = world.backend.stats().heartbeats;
    await new Promise((r) => setTimeout(r, 2500));
    expect(world.backend.stats().heartbeats).toBe(before);

    const r = await outpost(['run', world.answersFile, '--check-tunnel'], world.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/tunnel started|tunnel repaired/);
    expect(r.stdout).not.toContain('Install Huawei');
    const since = Date.now();
    const hb = await world.backend.waitForHeartbeats(1, { timeoutMs: 15_000, since });
    expect(hb.length).toBeGreaterThan(0);
  });

  it('an installer that cannot be downloaded ends `failed` with its last lines and a network hint', async () => {
    // The agent is removed, and the installer cannot be downloaded: the OBS forward leads to a web
    // server without it (the tunnel carries: an HTTP answer comes back, a 404).
    await outpost(['run', world.answersFile, '--reinstall'], world.env);
    const empty = http.createServer((_req, res) => res.writeHead(404).end('no such key'));
    await new Promise<void>((r) => empty.listen(0, world.backend.host, r));
    const emptyPort = (empty.address() as AddressInfo).port;
    const broken = path.join(world.dir, 'broken-download.yaml');
    const answers = fs.readFileSync(world.answersFile, 'utf8').replace(/target: (127\.0\.\d+\.4):\d+/, `target: $1:${emptyPort}`);
    fs.writeFileSync(broken, answers);
    fs.rmSync(path.join(world.installDir, 'ICAgent'), { recursive: true, force: true });
    killAgents();
    const failed = await outpost(['run', broken], world.env);
    expect(failed.code, failed.stdout + failed.stderr).toBe(1);
    // The cause leads (curl's own error), the vendor's remedy ran, and the second try failed the same way.
    expect(failed.stdout, failed.stdout).toMatch(/✖ failed: Install .* failed on .*: curl: \(\d+\) .*did not appear\)\./);
    expect(failed.stdout).toMatch(/! warning: Install .*Running the remedy \(uninstall\), then trying once more\./);
    expect(failed.stderr).toContain('could not be downloaded through the jump server');
    expect(failed.stderr).toContain('--check-tunnel');
    empty.close();
  });

  it('--reinstall applies the vendor remedy: uninstall, then install', { timeout: 120_000 }, async () => {
    const installed = await outpost(['run', world.answersFile], world.env);
    expect(installed.code, installed.stdout + installed.stderr).toBe(0);
    const fixed = await outpost(['run', world.answersFile, '--reinstall'], world.env);
    expect(fixed.code, fixed.stdout + fixed.stderr).toBe(0);
    expect(fixed.stdout).toContain('ICAgent uninstall success');
    expect(fixed.stdout).toContain('ICAgent install success');
    const hb = await world.backend.waitForHeartbeats(1, { timeoutMs: 15_000, since: Date.now() });
    expect(hb.length).toBeGreaterThan(0);
  });

  it('Ctrl-C cancels the run: exit 130, journal ends `cancelled`', async () => {
    const p = spawn(process.execPath, [path.join(ROOT, 'bin', 'outpost.mjs'), 'run', world.answersFile, '--reinstall'], { env: world.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let sent = false;
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!sent && stdout.includes('▶ Preflight')) {
        sent = true; // one Ctrl-C: a second one quits at once, by design
        p.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => p.on('close', resolve));
    expect(code, stdout).toBe(130);
    expect(stdout).toContain('cancelled');
    const journal = /Journal: (\S+)/.exec(stdout)?.[1] ?? '';
    const last = JSON.parse(fs.readFileSync(journal, 'utf8').trim().split('\n').at(-1) ?? '{}') as { type: string; outcome: string };
    expect(last).toMatchObject({ type: 'run.end', outcome: 'cancelled' });
  });

  it('refuses an unknown host key without a terminal unless told to accept', async () => {
    const env = { ...world.env, OUTPOST_DATA_DIR: path.join(world.dir, 'fresh-data') };
    const r = await outpost(['run', world.answersFile], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Unknown host key for 127\.0\.\d+\.2:\d+: ssh-ed25519 SHA256:/);
    expect(r.stderr).toContain('--accept-new-hostkeys');
  });

  it('exits 2 when a secret variable is missing, naming it', async () => {
    const env = { ...world.env };
    delete env.OUTPOST_SK;
    const r = await outpost(['run', world.answersFile], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('credentials.sk: the environment variable OUTPOST_SK is not set');
  });
});
