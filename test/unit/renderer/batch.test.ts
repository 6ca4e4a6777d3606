// The batch view's pure parts: the report it exports (the CLI's fields, CSV that a spreadsheet cannot
// turn into a formula) and the host list editor reading the CLI's formats into answers targets.
import { describe, expect, it } from 'vitest';
import { parse as parseCsv } from 'csv-parse/sync';
import { csvField, reportCsv, reportJson, type BatchSnapshot } from '../../../renderer/src/batch/report';
import { emptyForm, readHostList, toAnswers, type ListHost } from '../../../renderer/src/wizard/model';

const T0 = Date.parse('2026-11-30T10:00:00Z');

function snapshot(): BatchSnapshot {
  return {
    version: 3,
    active: true,
    runId: 'r1',
    startedAt: T0,
    endedAt: T0 + 5000,
    now: T0 + 5000,
    counts: { queued: 0, connecting: 0, preflight: 0, transferring: 0, installing: 0, verifying: 0, done: 1, failed: 1, skipped: 0, cancelled: 1 },
    completions: [1000, 2000, 5000],
    hosts: [
      { hostId: 'target0', index: 0, host: '10.0.0.1', port: 22, user: 'root', name: 'web-1', state: 'done', step: 'verify', reason: null, startedAt: T0, endedAt: T0 + 1000 },
      { hostId: 'target1', index: 1, host: '10.0.0.2', port: 2222, user: 'ops', state: 'failed', step: 'connect', reason: '=HYPERLINK("x"), "quoted", and\na second line', startedAt: T0 + 10, endedAt: T0 + 2000 },
      { hostId: 'target2', index: 2, host: '10.0.0.3', port: 22, user: 'root', state: 'cancelled', step: null, reason: null, startedAt: null, endedAt: null },
    ],
  };
}

describe('batch report', () => {
  it('JSON: version 1, totals, one object per host with the CLI report fields', () => {
    const r = JSON.parse(reportJson(snapshot())) as { version: number; durationMs: number; totals: Record<string, number>; hosts: Array<Record<string, unknown>> };
    expect(r.version).toBe(1);
    expect(r.durationMs).toBe(5000);
    expect(r.totals).toEqual({ done: 1, failed: 1, cancelled: 1 });
    expect(Object.keys(r.hosts[0] ?? {}).sort()).toEqual(['durationMs', 'endedAt', 'host', 'name', 'port', 'reason', 'startedAt', 'state', 'step', 'user']);
    expect(r.hosts[0]).toMatchObject({ host: '10.0.0.1', name: 'web-1', state: 'done', durationMs: 1000, startedAt: '2026-11-30T10:00:00.000Z' });
    expect(r.hosts[2]).toMatchObject({ name: null, step: null, startedAt: null, durationMs: null });
  });

  it('CSV: a header row, RFC 4180 quoting that a CSV reader reads back, no formula', () => {
    const text = reportCsv(snapshot());
    const rows = parseCsv(text, { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(3);
    expect(rows[1]).toMatchObject({ host: '10.0.0.2', port: '2222', user: 'ops', state: 'failed', step: 'connect', durationMs: '1990' });
    // A reason starting with = is kept as text (leading '), quotes and the line break survive.
    expect(rows[1]?.reason).toBe(`'=HYPERLINK("x"), "quoted", and\na second line`);
    expect(csvField(null)).toBe('');
    expect(csvField(-3)).toBe('-3');
    expect(csvField('+1 cmd')).toBe(`'+1 cmd`);
    expect(csvField('a,b')).toBe('"a,b"');
  });
});

describe('host list editor (the CLI formats)', () => {
  it('reads iplist.cfg with ranges, and CSV with per-host port, user, key and name; problems by line', () => {
    const ip = readHostList('10.0.0.1-3 pw1\n# comment\n10.0.1.0/30\n', { user: 'root', port: 22 });
    expect(ip.problems).toEqual([]);
    expect(ip.hosts.map((h) => [h.host, h.port, h.user, h.password ?? null])).toEqual([
      ['10.0.0.1', 22, 'root', 'pw1'],
      ['10.0.0.2', 22, 'root', 'pw1'],
      ['10.0.0.3', 22, 'root', 'pw1'],
      ['10.0.1.1', 22, 'root', null],
      ['10.0.1.2', 22, 'root', null],
    ]);
    const csv = readHostList('host,port,user,privateKey,name\n10.0.0.5,2222,ops,~/.ssh/id_ed25519,web-5\n10.0.0.6,,,,\n10.0.0.300,22,root,,\n', { user: 'root', port: 22 });
    expect(csv.problems.map((p) => p.line)).toEqual([4]);
    expect(csv.hosts[0]).toMatchObject({ host: '10.0.0.5', port: 2222, user: 'ops', privateKey: '~/.ssh/id_ed25519', name: 'web-5' });
    expect(csv.hosts[1]).toMatchObject({ host: '10.0.0.6', port: 22, user: 'root' });
    expect(readHostList('  \n', { user: 'root', port: 22 })).toEqual({ format: 'iplist', hosts: [], problems: [] });
  });

  it('list hosts with their own port, user, key and name become answers targets with them', () => {
    const f = emptyForm();
    f.hosts.mode = 'list';
    f.hosts.listPort = '22';
    f.hosts.listUser = 'root';
    const own: ListHost = { host: '10.0.0.5', password: null, port: 2222, user: 'ops', name: 'web-5', keyPath: '/k/id', jump: 0 };
    const plain: ListHost = { host: '10.0.0.6', password: null };
    f.hosts.list = [own, plain, { host: '10.0.0.7', password: null, jump: 'edge' }];
    const targets = toAnswers(f).targets as Array<Record<string, unknown>>;
    expect(targets[0]).toEqual({ host: '10.0.0.5', port: 2222, user: 'ops', name: 'web-5', jump: 0, privateKey: { path: '/k/id' } });
    expect(targets[1]).toEqual({ host: '10.0.0.6', port: 22, user: 'root' });
    // A jump server named (not numbered) is not an answers field: left out.
    expect(targets[2]).not.toHaveProperty('jump');
  });
});
