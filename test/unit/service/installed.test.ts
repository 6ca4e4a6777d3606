// What the Installed view asks the core (service/installed.ts, lifecycle.ts inventoryOf), from journals
// written here: each jump server's tunnel as the newest check judged it; the answers of the chosen hosts
// (kept beside their install journals), narrowed to them in the order chosen, across install runs of
// equal answers; hosts of different answers, unknown hosts and lost answers refused with what to do.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { installedAnswers, installedPlan, inventoryOf, OutpostService } from '../../../electron/core/service';
import { OutpostError } from '../../../electron/core/errors';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const JUMP = 'j@10.9.0.1:22';
let dataDir: string;
let service: OutpostService;

const answers = (base: string, hosts: string[]) => ({
  profile: 'lifecycle-test',
  os: 'linux',
  connectivity: { mode: 'direct', accessIp: '127.0.0.1' },
  inputs: { base },
  targets: hosts.map((h) => ({ host: h, port: 22, user: 'u', privateKey: { path: '/nonexistent/key' } })),
});

/** An install run's journal (its hosts done) and the answers the app keeps beside it. */
function install(runId: string, at: string, a: ReturnType<typeof answers>, jump: string | null): void {
  const dir = path.join(dataDir, 'journals');
  fs.mkdirSync(dir, { recursive: true });
  const hosts = a.targets.map((t, i) => ({ id: `target${i}`, address: `u@${t.host}:22`, ...(jump ? { jump } : {}) }));
  const lines = [
    { type: 'run.start', runId, at, profile: 'lifecycle-test', profileVersion: '1', kind: 'install', os: 'linux', mode: 'direct', targets: hosts.map((h) => h.id), hosts, options: {} },
    ...hosts.map((h) => ({ type: 'host', runId, host: h.id, at, state: 'done', address: h.address })),
    { type: 'run.end', runId, at, outcome: 'done' },
  ];
  fs.writeFileSync(path.join(dir, `${runId}.jsonl`), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, `${runId}.answers.json`), JSON.stringify({ version: 1, answers: a }));
}

/** A check run's journal: its tunnel step on jump0 and its verdicts. */
function check(runId: string, at: string, tunnel: 'done' | 'failed', message?: string): void {
  const lines = [
    { type: 'run.start', runId, at, profile: 'lifecycle-test', kind: 'check', os: 'linux', mode: 'jump', targets: [], hosts: [], jumps: [{ id: 'jump0', address: JUMP }], options: {} },
    { type: 'step', runId, step: 'check.tunnel.jump0', host: 'jump0', start: at, end: at, outcome: tunnel, ...(message ? { message } : {}), tail: [] },
    { type: 'run.end', runId, at, outcome: tunnel === 'done' ? 'done' : 'failed' },
  ];
  fs.writeFileSync(path.join(dataDir, 'journals', `${runId}.jsonl`), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
}

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-installed-'));
  service = new OutpostService({ dataDir, resourcesDir: path.join(ROOT, 'resources'), log: silentLogger, secrets: new SecretRegistry() }, { profilesDir: path.join(ROOT, 'test', 'fixtures', 'profiles') });
  install('2026-01-01T00-00-00-r1', '2026-01-01T00:00:00.000Z', answers('/srv/a', ['10.0.0.1', '10.0.0.2']), JUMP);
  install('2026-01-02T00-00-00-r2', '2026-01-02T00:00:00.000Z', answers('/srv/a', ['10.0.0.3']), JUMP);
  install('2026-01-03T00-00-00-r3', '2026-01-03T00:00:00.000Z', answers('/srv/other', ['10.0.0.4']), null);
});

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const err = (f: () => unknown): OutpostError => {
  try {
    f();
  } catch (e) {
    if (e instanceof OutpostError) return e;
    throw e;
  }
  throw new Error('no error');
};

describe('Installed view, core side', () => {
  it('lists each jump server with its hosts and the tunnel as the newest check judged it', () => {
    expect(inventoryOf(dataDir).jumps).toEqual([{ address: JUMP, hosts: 3, tunnel: 'unknown', reason: null, checkedAt: null }]);
    check('2026-01-04T00-00-00-c1', '2026-01-04T00:00:00.000Z', 'failed', 'no ssh carries the forwards');
    expect(inventoryOf(dataDir).jumps[0]).toMatchObject({ tunnel: 'down', reason: 'no ssh carries the forwards', checkedAt: '2026-01-04T00:00:00.000Z' });
    check('2026-01-05T00-00-00-c2', '2026-01-05T00:00:00.000Z', 'done');
    expect(inventoryOf(dataDir).jumps[0]).toMatchObject({ tunnel: 'up', reason: null, checkedAt: '2026-01-05T00:00:00.000Z' });
    const hosts = inventoryOf(dataDir).hosts;
    expect(hosts.map((h) => [h.address, h.installRun])).toEqual([
      ['u@10.0.0.1:22', '2026-01-01T00-00-00-r1'],
      ['u@10.0.0.2:22', '2026-01-01T00-00-00-r1'],
      ['u@10.0.0.3:22', '2026-01-02T00-00-00-r2'],
      ['u@10.0.0.4:22', '2026-01-03T00-00-00-r3'],
    ]);
  });

  it('narrows the answers to the chosen hosts in the order chosen, across install runs of equal answers', () => {
    const pick = (a: string) => ({ profile: 'lifecycle-test', address: a });
    const r = installedAnswers(service, dataDir, { hosts: [pick('u@10.0.0.3:22'), pick('u@10.0.0.1:22')] });
    expect((r.answers.targets as Array<{ host: string }>).map((t) => t.host)).toEqual(['10.0.0.3', '10.0.0.1']);
    expect(r.answers.inputs).toEqual({ base: '/srv/a' });
    // The check's plan of them: target0 is the first chosen (the batch view's first row).
    const plan = installedPlan(service, r.answers, 'check');
    expect(plan.lifecycle).toBe('check');
    expect(plan.hosts.targets.map((t) => t.ssh.host)).toEqual(['10.0.0.3', '10.0.0.1']);
    expect(installedPlan(service, r.answers, 'uninstall').steps.some((s) => s.id === 'verify.removed')).toBe(true);
    // Repair: every installed host behind that jump server.
    expect((installedAnswers(service, dataDir, { jump: JUMP }).answers.targets as unknown[]).length).toBe(3);
  });

  it('refuses hosts of different answers, unknown hosts and answers that were not kept, saying what to do', () => {
    const pick = (a: string) => ({ profile: 'lifecycle-test', address: a });
    const mixed = err(() => installedAnswers(service, dataDir, { hosts: [pick('u@10.0.0.1:22'), pick('u@10.0.0.4:22')] }));
    expect(mixed.code).toBe('installed_mixed');
    expect(mixed.hint).toMatch(/filters/);
    expect(err(() => installedAnswers(service, dataDir, { hosts: [pick('u@10.0.0.99:22')] })).code).toBe('installed_host_unknown');
    fs.rmSync(path.join(dataDir, 'journals', '2026-01-03T00-00-00-r3.answers.json'));
    const lost = err(() => installedAnswers(service, dataDir, { hosts: [pick('u@10.0.0.4:22')] }));
    expect(lost.code).toBe('installed_answers_missing');
    expect(lost.hint).toMatch(/wizard/);
  });
});
