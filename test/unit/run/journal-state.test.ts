// The journal as `outpost batch --resume` and the app read it (one function): hosts done by address,
// whether the run ended, a line cut by a crash skipped; and the app's "last batch interrupted?" rule.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../../electron/common/api/plan';
import { readJournalState } from '../../../electron/core/run/journal';
import { batchToResume, forgetBatch, lastInterruptedBatch, writeBatchRecord } from '../../../electron/core/service/batch-resume';
import { SecretRegistry } from '../../../electron/core/secrets/registry';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-jstate-'));
  fs.mkdirSync(path.join(dir, 'journals'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const line = (o: object) => `${JSON.stringify(o)}\n`;
const host = (runId: string, i: number, state: string) => line({ type: 'host', runId, host: `target${i}`, at: 'x', state, address: `root@10.0.0.${i + 1}:22` });

/** A plan as the planner gives it, enough for these rules: targets with index, address, name. */
const planOf = (answers: unknown): Plan =>
  ({
    hosts: {
      targets: ((answers as { targets: Array<{ host: string; port?: number; user?: string; name?: string }> }).targets ?? []).map((t, index) => ({ index, id: `target${index}`, ...(t.name ? { name: t.name } : {}), ssh: { host: t.host, port: t.port ?? 22, user: t.user ?? 'root' } })),
    },
  }) as unknown as Plan;

function batch(runId: string, n: number, lines: string[]): string {
  const journal = path.join(dir, 'journals', `${runId}.jsonl`);
  fs.writeFileSync(journal, line({ type: 'run.start', runId, at: 'x' }) + lines.join(''));
  const answers = { profile: 'p', targets: Array.from({ length: n }, (_, i) => ({ host: `10.0.0.${i + 1}`, password: { stored: `batch.${i}` } })) };
  writeBatchRecord(journal, { version: 1, runId, startedAt: 'x', concurrency: 16, answers }, new SecretRegistry());
  return journal;
}

describe('readJournalState', () => {
  it('reads hosts done by address, the last state of each, whether the run ended; skips a line cut by a crash', () => {
    const f = path.join(dir, 'j.jsonl');
    fs.writeFileSync(f, line({ type: 'run.start', runId: 'r1', at: 'x' }) + host('r1', 0, 'done') + host('r1', 1, 'failed') + host('r1', 1, 'done') + host('r1', 2, 'cancelled') + '{"type":"host","runId":"r1","sta');
    const s = readJournalState(f);
    expect(s.runId).toBe('r1');
    expect(s.ended).toBe(false);
    expect([...s.done].sort()).toEqual(['root@10.0.0.1:22', 'root@10.0.0.2:22']);
    expect(s.states.get('root@10.0.0.3:22')).toBe('cancelled');
    fs.appendFileSync(f, '\n' + line({ type: 'run.end', runId: 'r1', at: 'x', outcome: 'cancelled' }));
    expect(readJournalState(f)).toMatchObject({ ended: true, outcome: 'cancelled' });
  });
});

describe('the last batch, interrupted', () => {
  it('is offered when its journal has no run.end, with the hosts not done as left', () => {
    batch('20260101T000000-aaaaaa', 5, [host('20260101T000000-aaaaaa', 0, 'done')]);
    batch('20260102T000000-bbbbbb', 4, [host('20260102T000000-bbbbbb', 0, 'done'), host('20260102T000000-bbbbbb', 3, 'done'), host('20260102T000000-bbbbbb', 1, 'failed')]);
    const r = lastInterruptedBatch(dir, new Set(), planOf);
    expect(r).toMatchObject({ runId: '20260102T000000-bbbbbb', total: 4, left: 2, killed: true });
    // Running in this process: not interrupted.
    expect(lastInterruptedBatch(dir, new Set(['20260102T000000-bbbbbb']), planOf)).toBeNull();
    // Resuming runs the hosts not done only: the answers keep those targets, in order.
    const res = batchToResume(dir, '20260102T000000-bbbbbb', planOf);
    expect(res?.doneCount).toBe(2);
    expect((res?.answers.targets as Array<{ host: string }>).map((t) => t.host)).toEqual(['10.0.0.2', '10.0.0.3']);
    expect(res?.left.map((t) => `${t.user}@${t.host}:${t.port}`)).toEqual(['root@10.0.0.2:22', 'root@10.0.0.3:22']);
    // The recorded answers hold references, never values; the record is private.
    expect(fs.statSync(path.join(dir, 'journals', '20260102T000000-bbbbbb.batch.json')).mode & 0o777).toBe(0o600);
  });

  it('is offered when it ended with hosts not done; not when every host is done; not once forgotten', () => {
    const id = '20260103T000000-cccccc';
    const j = batch(id, 2, [host(id, 0, 'done'), host(id, 1, 'cancelled'), line({ type: 'run.end', runId: id, at: 'x', outcome: 'cancelled' })]);
    expect(lastInterruptedBatch(dir, new Set(), planOf)).toMatchObject({ runId: id, left: 1, killed: false });
    fs.appendFileSync(j, host(id, 1, 'done'));
    expect(lastInterruptedBatch(dir, new Set(), planOf)).toBeNull();
    const id2 = '20260104T000000-dddddd';
    batch(id2, 3, []);
    expect(lastInterruptedBatch(dir, new Set(), planOf)).toMatchObject({ runId: id2, left: 3 });
    forgetBatch(dir, id2);
    // Forgotten: the batch before it (every host done) is the last one now, so nothing is offered.
    expect(lastInterruptedBatch(dir, new Set(), planOf)).toBeNull();
  });

  it('a record whose answers no longer plan (profile gone) offers nothing', () => {
    batch('20260105T000000-eeeeee', 2, []);
    expect(lastInterruptedBatch(dir, new Set(), () => { throw new Error('no profile'); })).toBeNull();
  });
});
