// What the renderer asks the core instead of working it out, against real sshd hosts: the schedule of a
// run (run.schedule) is the rows the run then reports, in order; a failed run's end names the answers
// field to edit (run.end's field); an ended run's report (run.report) is the client's that ran it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload, RequestOutput } from '../../../electron/common/api';
import { opts, session, storedAnswers } from './api-session';
import { cleanupUsers, SECRETS, startWorld, type World } from './world';

/** The (step, host) pairs a run reported, in the order each first appeared. */
function reported(events: Array<{ name: string; payload: unknown }>): string[] {
  const seen: string[] = [];
  for (const e of events) {
    if (e.name !== 'run.step') continue;
    const p = e.payload as EventPayload<'run.step'>;
    const key = `${p.stepId}@${p.hostId}`;
    if (!seen.includes(key)) seen.push(key);
  }
  return seen;
}

describe('the core says, the renderer shows', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.stop();
  });
  afterEach(() => {
    cleanupUsers();
  });
  const fresh = () => session(fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-api-schedule-')));

  it('run.schedule lists the rows the run reports, in its order; run.report is the ended run’s, for its client only', async () => {
    const s = fresh();
    const answers = storedAnswers(world);
    const planned = await s.call('run.schedule', { answers, options: opts() });
    expect(planned.ok, JSON.stringify(planned)).toBe(true);
    const rows = (planned.value as RequestOutput<'run.schedule'>).rows;
    const started = await s.call('run.start', { answers, options: opts() });
    expect(started.ok, JSON.stringify(started)).toBe(true);
    const { runId } = started.value as RequestOutput<'run.start'>;
    // Before the end there is no report yet.
    expect((await s.call('run.report', { runId })).error?.code).toBe('run_running');
    const end = await s.waitEnd();
    expect(end.outcome, JSON.stringify(end)).toBe('done');
    expect(end.field).toBeUndefined();
    expect(reported(s.events)).toEqual(rows.map((r) => `${r.stepId}@${r.hostId}`));
    // The titles and hosts the events give.
    for (const e of s.events.filter((x) => x.name === 'run.step').map((x) => x.payload as EventPayload<'run.step'>)) {
      expect(rows.find((r) => r.stepId === e.stepId && r.hostId === e.hostId)).toMatchObject({ title: e.title, host: e.host });
    }

    const r = await s.call('run.report', { runId });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const report = r.value as RequestOutput<'run.report'>;
    expect(report.hosts).toEqual([expect.objectContaining({ host: world.target.host, port: world.target.port, state: 'done', code: null })]);
    expect(JSON.parse(report.json)).toMatchObject({ version: 1, runId, totals: { done: 1 }, hosts: report.hosts });
    expect(report.csv.split('\r\n')[0]).toBe('host,port,user,name,state,step,code,reason,hint,startedAt,endedAt,durationMs');
    for (const v of Object.values(SECRETS)) expect(report.json + report.csv).not.toContain(v);
    // Another client (another tab, another process with the token) gets nothing.
    expect((await s.callAsOther('run.report', { runId })).error?.code).toBe('report_not_found');
  });

  it('a failed sign-in: run.end names the password that failed', async () => {
    const s = fresh();
    s.ctx.secretStore?.set('WRONG_TARGET_PASSWORD', 'not-the-right-one-44', '••••');
    const answers = storedAnswers(world, (a) => {
      const t = (a.targets as Array<Record<string, unknown>>)[0] ?? {};
      a.targets = [{ ...t, password: { stored: 'WRONG_TARGET_PASSWORD' } }];
    });
    await s.call('run.start', { answers, options: opts({ tunnelOnly: false }) });
    const end = await s.waitEnd();
    expect(end).toMatchObject({ outcome: 'failed', hostId: 'target0', code: 'auth_failed', field: 'targets[0].password' });
    const report = (await s.call('run.report', { runId: end.runId })).value as RequestOutput<'run.report'>;
    expect(report.hosts[0]).toMatchObject({ state: 'failed', step: 'connect', code: 'auth_failed' });
    expect(report.hosts[0]?.hint).toBeTruthy();
  });
});
