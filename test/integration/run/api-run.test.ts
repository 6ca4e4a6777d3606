// Runs through the API (run.start / hostkey.decide / run.cancel and their events), as the wizard
// drives them, against real sshd hosts: failures a user can act on, each ending in exactly one run.end.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { EventPayload } from '../../../electron/common/api';
import { KnownHosts } from '../../../electron/core/ssh';
import { opts, session, storedAnswers } from './api-session';
import { grantSudo, revokeSudo, TEST_USERS } from '../harness/sshd';
import { cleanupUsers, killAgents, killHost, SECRETS, startWorld, type World } from './world';

function noSecretsIn(...texts: string[]): void {
  for (const t of texts) for (const v of Object.values(SECRETS)) expect(t).not.toContain(v);
}

function journalOf(end: EventPayload<'run.end'>): Array<Record<string, unknown>> {
  return fs.readFileSync(end.journal, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('runs through the API', () => {
  let world: World;
  let dir: string;
  beforeAll(async () => {
    world = await startWorld({ targetEnv: { ICAGENT_INSTALL_DELAY: '2' } });
  });
  afterAll(async () => {
    await world?.stop();
  });
  afterEach(() => {
    cleanupUsers();
  });
  const fresh = () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-api-run-'));
    return session(dir);
  };

  it('asks about unknown host keys with their fingerprints and proceeds when accepted', async () => {
    const s = fresh();
    s.onEvent((e) => {
      if (e.name === 'hostkey.unknown') void s.call('hostkey.decide', { requestId: (e.payload as { requestId: string }).requestId, decision: 'accept' });
    });
    const started = await s.call('run.start', { answers: storedAnswers(world), options: opts({ acceptNewHostKeys: false, tunnelOnly: true }) });
    expect(started.ok, JSON.stringify(started)).toBe(true);
    const end = await s.waitEnd();
    expect(end.outcome).toBe('done');
    const asked = s.events.filter((e) => e.name === 'hostkey.unknown').map((e) => e.payload as EventPayload<'hostkey.unknown'>);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ host: world.jump.host, port: world.jump.port, fingerprint: world.jump.hostKeyFingerprint });
    // Remembered: a second run does not ask again.
    const again = session(dir);
    await again.call('run.start', { answers: storedAnswers(world), options: opts({ acceptNewHostKeys: false, tunnelOnly: true }) });
    expect((await again.waitEnd()).outcome).toBe('done');
    expect(again.events.some((e) => e.name === 'hostkey.unknown')).toBe(false);
  });

  it("binds a run and its host key questions to the client that started it: another client can neither answer nor cancel", async () => {
    const s = fresh();
    const tried: Array<{ ok: boolean; error?: { code: string } }> = [];
    s.onEvent((e) => {
      if (e.name !== 'hostkey.unknown') return;
      const requestId = (e.payload as { requestId: string }).requestId;
      void (async () => {
        tried.push(await s.callAsOther('hostkey.decide', { requestId, decision: 'accept' }));
        tried.push(await s.callAsOther('run.cancel', { runId: (e.payload as { runId: string }).runId }));
        // The owner's answer still counts: the other client's attempt did not consume the question.
        tried.push(await s.call('hostkey.decide', { requestId, decision: 'accept' }));
      })();
    });
    const started = await s.call('run.start', { answers: storedAnswers(world), options: opts({ acceptNewHostKeys: false, tunnelOnly: true }) });
    expect(started.ok, JSON.stringify(started)).toBe(true);
    const end = await s.waitEnd();
    expect(end.outcome).toBe('done');
    expect(tried.map((t) => (t.ok ? 'ok' : t.error?.code))).toEqual(['hostkey_request_unknown', 'run_not_found', 'ok']);
  });

  it('fails at the connect step when the user rejects the host key', async () => {
    const s = fresh();
    s.onEvent((e) => {
      if (e.name === 'hostkey.unknown') void s.call('hostkey.decide', { requestId: (e.payload as { requestId: string }).requestId, decision: 'reject' });
    });
    await s.call('run.start', { answers: storedAnswers(world), options: opts({ acceptNewHostKeys: false }) });
    const end = await s.waitEnd();
    expect(end).toMatchObject({ outcome: 'failed', failedStep: 'connect.jump0', code: 'hostkey_rejected' });
    expect(fs.existsSync(path.join(dir, 'known_hosts')) ? fs.readFileSync(path.join(dir, 'known_hosts'), 'utf8') : '').toBe('');
  });

  it('refuses a changed host key, naming both fingerprints, without asking', async () => {
    const s = fresh();
    const kh = new KnownHosts(path.join(dir, 'known_hosts'));
    // A different key on record for the jump server: as if it had been replaced (or impersonated).
    const other = await import('../harness/sshd');
    const pair = await other.generateKeyPair(dir, { name: 'other' });
    await kh.add(world.jump.host, world.jump.port, Buffer.from(pair.publicKeyLine.split(' ')[1] ?? '', 'base64'));
    await s.call('run.start', { answers: storedAnswers(world), options: opts() });
    const end = await s.waitEnd();
    expect(end).toMatchObject({ outcome: 'failed', failedStep: 'connect.jump0', code: 'hostkey_changed' });
    expect(end.reason).toContain(world.jump.hostKeyFingerprint);
    expect(end.reason).toContain(pair.fingerprint);
    expect(s.events.some((e) => e.name === 'hostkey.unknown')).toBe(false);
  });

  it('reports a wrong password as an auth failure naming the methods, never the password', async () => {
    const s = fresh();
    s.ctx.secretStore?.set('JUMP_PASSWORD', 'not-the-right-one-42', '••••');
    await s.call('run.start', { answers: storedAnswers(world), options: opts() });
    const end = await s.waitEnd();
    expect(end).toMatchObject({ outcome: 'failed', failedStep: 'connect.jump0', code: 'auth_failed' });
    expect(end.reason).toMatch(/password/);
    expect(JSON.stringify(s.events) + s.logs.join('\n') + fs.readFileSync(end.journal, 'utf8')).not.toContain('not-the-right-one-42');
  });

  it('a target that cannot log in fails alone: the next target still installs, and the run counts one of each', async () => {
    const s = fresh();
    s.ctx.secretStore?.set('WRONG_TARGET_PASSWORD', 'not-the-right-one-43', '••••');
    const a = storedAnswers(world, (x) => {
      const t = (x.targets as Array<Record<string, unknown>>)[0] ?? {};
      x.targets = [
        { ...t, name: 'bad-login', password: { stored: 'WRONG_TARGET_PASSWORD' } },
        { ...t, name: 'good-login' },
      ];
    });
    const started = await s.call('run.start', { answers: a, options: opts() });
    expect(started.ok, JSON.stringify(started)).toBe(true);
    const end = await s.waitEnd();
    expect(end.outcome).toBe('failed');
    expect(end.summary).toEqual({ failed: 1, done: 1 });
    const finalStates = new Map<string, string>();
    for (const e of s.events) if (e.name === 'run.host') finalStates.set((e.payload as EventPayload<'run.host'>).hostId, (e.payload as EventPayload<'run.host'>).state);
    expect(Object.fromEntries(finalStates)).toEqual({ jump0: 'done', target0: 'failed', target1: 'done' });
    const first = s.events.filter((e) => e.name === 'run.host').map((e) => e.payload as EventPayload<'run.host'>).find((p) => p.hostId === 'target0' && p.state === 'failed');
    expect(first?.stepId).toBe('connect');
    expect(journalOf(end).filter((l) => l.type === 'step' && l.step === 'install').map((l) => [l.host, l.outcome])).toEqual([['target1', 'done']]);
    expect(JSON.stringify(s.events) + fs.readFileSync(end.journal, 'utf8')).not.toContain('not-the-right-one-43');
  });

  it('reports an unreachable jump server with the address and a hint', async () => {
    const s = fresh();
    const a = storedAnswers(world, (x) => {
      const c = x.connectivity as { jumpServers: Array<{ ssh: { port: number } }> };
      const j = c.jumpServers[0];
      if (j) j.ssh.port = 1; // nothing listens there
    });
    await s.call('run.start', { answers: a, options: opts() });
    const end = await s.waitEnd();
    expect(end.outcome).toBe('failed');
    expect(end.failedStep).toBe('connect.jump0');
    expect(end.code).toBe('refused');
    expect(end.hint).toBeTruthy();
  });

  it('names the missing privilege when the jump user cannot bind port 80', async () => {
    const s = fresh();
    const a = storedAnswers(world, (x) => {
      delete (x.connectivity as { portOverrides?: unknown }).portOverrides;
    });
    await s.call('run.start', { answers: a, options: opts({ tunnelOnly: true }) });
    const end = await s.waitEnd();
    expect(end).toMatchObject({ outcome: 'failed', failedStep: 'tunnel.jump0', code: 'tunnel_privilege' });
    expect(end.reason).toContain('port 80');
    expect(end.hint).toContain('portOverrides');
  });

  it('runs the vendor tunnel command as documented, answering its password prompt in a PTY', async () => {
    const s = fresh();
    const a = storedAnswers(world, (x) => {
      (x.connectivity as { tunnel: string }).tunnel = 'vendor';
    });
    await s.call('run.start', { answers: a, options: opts({ tunnelOnly: true }) });
    const end = await s.waitEnd();
    expect(end.outcome, JSON.stringify(end)).toBe('done');
    const out = s.events.filter((e) => e.name === 'run.output').map((e) => (e.payload as { data: string }).data).join('');
    expect(out).toMatch(/password:/i);
    expect(out).not.toContain(SECRETS.JUMP_PASSWORD);
    const step = s.events.find((e) => e.name === 'run.step' && (e.payload as { stepId: string; status: string }).stepId === 'tunnel.jump0' && (e.payload as { status: string }).status !== 'running');
    expect((step?.payload as { message: string }).message).toContain('will not survive a reboot');
  });

  it('stops before changing anything when preflight fails, and installs anyway only when overridden', async () => {
    // The target user has no sudo here: steps marked root cannot run, and the privilege check says so.
    revokeSudo(world.targetUser.name);
    const clean = () => {
      killAgents('/opt/outpost-preflight-test/');
      fs.rmSync('/opt/outpost-preflight-test', { recursive: true, force: true });
    };
    clean();
    onTestFinished(() => {
      grantSudo(world.targetUser.name);
      clean();
    });
    const a = storedAnswers(world, (x) => {
      x.options = { ...(x.options as object), installDir: '/opt/outpost-preflight-test/servicemgr' };
    });
    const s = fresh();
    await s.call('run.start', { answers: a, options: opts() });
    const end = await s.waitEnd();
    expect(end).toMatchObject({ outcome: 'failed', failedStep: 'preflight', code: 'preflight_failed' });
    expect(end.reason).toMatch(new RegExp(`privilege \\(${TEST_USERS.t2.name} is not root and (has no sudo|sudo asks for a password)\\)`));
    expect(end.hint).toContain('--override-preflight');
    const checks = s.events.map((e) => e.payload as { stepId?: string; checks?: Array<{ name: string; status: string }> }).find((p) => p.stepId === 'preflight' && p.checks)?.checks;
    expect(checks?.find((c) => c.name === 'privilege')?.status).toBe('fail');
    expect(checks?.find((c) => c.name === 'ports')?.status).toBe('pass');
    expect(s.events.some((e) => e.name === 'run.step' && (e.payload as { stepId: string }).stepId === 'install')).toBe(false);

    const o = fresh();
    await o.call('run.start', { answers: a, options: opts({ overridePreflight: true }) });
    const overridden = await o.waitEnd();
    // It went on to the install, which the missing privilege then fails, as preflight said it would.
    expect(overridden).toMatchObject({ outcome: 'failed', failedStep: 'install', code: 'root_required' });
    // root: true means root: not the login user quietly instead (it could write nothing there anyway).
    expect(overridden.reason).toMatch(new RegExp(`needs root on .*: ${TEST_USERS.t2.name} is not root and cannot use sudo without a password`));
    expect(overridden.hint).toMatch(/NOPASSWD/);
    expect(fs.existsSync('/opt/outpost-preflight-test/servicemgr/ICAgent')).toBe(false);
  });

  it('uses one connection to the jump server for its own steps and every target behind it', async () => {
    const s = fresh();
    await s.call('run.start', { answers: storedAnswers(world), options: opts({ tunnelOnly: true }) });
    expect((await s.waitEnd()).outcome).toBe('done');
    // Two targets behind the jump (the same host twice: the second finds the agent already there).
    const two = storedAnswers(world, (x) => {
      const t = (x.targets as unknown[])[0];
      x.targets = [t, t];
    });
    const before = await world.jump.connectionCount();
    const r = session(dir);
    await r.call('run.start', { answers: two, options: opts() });
    const end = await r.waitEnd();
    expect(end.outcome, JSON.stringify(end)).toBe('done');
    // The tunnel was healthy and kept, so the only new connection to the jump is Outpost's one.
    expect((await world.jump.connectionCount()) - before).toBe(1);
    expect(r.events.filter((e) => e.name === 'run.step' && (e.payload as { stepId: string; status: string }).stepId === 'verify' && ['done', 'warning'].includes((e.payload as { status: string }).status))).toHaveLength(2);
  });

  it('installs on this computer too: the target steps run in the local shell, through the same tunnel', async () => {
    const s = fresh();
    const localDir = path.join(dir, 'local-agent');
    const a = storedAnswers(world, (x) => {
      x.targets = [];
      x.thisComputer = true;
      x.options = { ...(x.options as object), installDir: localDir };
    });
    try {
      await s.call('run.start', { answers: a, options: opts() });
      const end = await s.waitEnd();
      expect(end.outcome, JSON.stringify(end)).toBe('done');
      const local = s.events.filter((e) => e.name === 'run.step' && (e.payload as { hostId: string }).hostId === 'local').map((e) => e.payload as { stepId: string; status: string });
      expect(local.filter((p) => p.status === 'done' || p.status === 'warning').map((p) => p.stepId)).toEqual(['preflight', 'install', 'cleanup', 'verify']);
      expect(fs.existsSync(path.join(localDir, 'ICAgent', 'bin', 'manual', 'status.sh'))).toBe(true);
      const since = Date.now();
      expect((await world.backend.waitForHeartbeats(1, { timeoutMs: 15_000, since })).length).toBeGreaterThan(0);
      // The downloaded installer stayed in the run's own work folder, removed at the end.
      expect(fs.existsSync(path.join(process.cwd(), 'apm_agent_install.sh'))).toBe(false);
      expect(fs.readdirSync(path.join(dir, 'work'))).toEqual([]);
    } finally {
      execFileSync('bash', [path.join(localDir, 'ICAgent', 'bin', 'manual', 'uninstall.sh')], { stdio: 'ignore' });
    }
  });

  it('cancel during the install ends the run `cancelled` with the step, journal complete', async () => {
    const s = fresh();
    let started = '';
    s.onEvent((e) => {
      if (e.name === 'run.output' && (e.payload as { data: string }).data.includes('slow host') && !started) {
        started = (e.payload as { runId: string }).runId;
        void s.call('run.cancel', { runId: started });
      }
    });
    await s.call('run.start', { answers: storedAnswers(world), options: opts() });
    const end = await s.waitEnd();
    expect(end).toMatchObject({ outcome: 'cancelled', failedStep: 'install' });
    const j = journalOf(end);
    expect(j.at(-1)).toMatchObject({ type: 'run.end', outcome: 'cancelled', failedStep: 'install' });
    expect(j.find((r) => r.step === 'install')).toMatchObject({ outcome: 'cancelled' });
    expect(s.events.filter((e) => e.name === 'run.end')).toHaveLength(1);
  });

  it('keeps every test secret out of events, logs and the journal of a complete run', async () => {
    const s = fresh();
    await s.call('run.start', { answers: storedAnswers(world), options: opts() });
    const end = await s.waitEnd();
    expect(end.outcome, JSON.stringify(end)).toBe('done');
    await world.backend.waitForHeartbeats(1, { timeoutMs: 15_000 });
    noSecretsIn(JSON.stringify(s.events), s.logs.join('\n'), fs.readFileSync(end.journal, 'utf8'));
    // The terminal shows the install command masked, and the real AK did reach the installer.
    expect(JSON.stringify(s.events)).toContain('-ak **** -sk ****');
    const conf = fs.readFileSync(path.join(world.installDir, 'ICAgent', 'conf', 'icagent.conf'), 'utf8');
    expect(conf).toContain(createHash('sha256').update(SECRETS.OUTPOST_AK).digest('hex'));
  });

  it('a target that goes down mid-install fails the run at the install step with the reason', async () => {
    const s = fresh();
    let killed = false;
    s.onEvent((e) => {
      if (e.name === 'run.output' && (e.payload as { data: string }).data.includes('slow host') && !killed) {
        killed = true;
        void killHost(world.target);
      }
    });
    await s.call('run.start', { answers: storedAnswers(world), options: opts() });
    const end = await s.waitEnd();
    expect(end).toMatchObject({ outcome: 'failed', failedStep: 'install', code: 'connection_lost' });
    expect(end.reason).toMatch(/ended before the command finished/);
    const j = journalOf(end);
    expect(j.at(-1)).toMatchObject({ type: 'run.end', outcome: 'failed', failedStep: 'install' });
    expect(j.find((r) => r.step === 'install')).toMatchObject({ outcome: 'failed', code: 'connection_lost' });
  });
});
