// An ended run's report as files (run.report): JSON with the CLI's report fields (each host's code and
// hint included) and CSV that a CSV reader reads back and a spreadsheet cannot turn into a formula.
import { parse as parseCsv } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { runRequests } from '../../../electron/common/api/run';
import { csvField, reportCsv, runReport, type ReportHost } from '../../../electron/core/service';

const host = (h: Partial<ReportHost>): ReportHost => ({ host: '10.0.0.1', port: 22, user: 'root', name: null, state: 'done', step: null, code: null, reason: null, hint: null, startedAt: null, endedAt: null, durationMs: null, ...h });

const end = {
  runId: 'r1',
  journal: '/data/journal/r1.jsonl',
  startedAt: '2026-11-30T10:00:00.000Z',
  endedAt: '2026-11-30T10:00:05.000Z',
  report: [
    host({ name: 'web-1', step: 'verify', startedAt: '2026-11-30T10:00:00.000Z', endedAt: '2026-11-30T10:00:01.000Z', durationMs: 1000 }),
    host({ host: '10.0.0.2', port: 2222, user: 'ops', state: 'failed', step: 'connect', code: 'auth_failed', reason: '=HYPERLINK("x"), "quoted", and\na second line', hint: 'Check the password.', durationMs: 1990 }),
    host({ host: '10.0.0.3', state: 'cancelled' }),
  ],
};

describe('run report', () => {
  it('JSON: version 1, the run, totals, one object per host with the CLI report fields', () => {
    const r = runReport(end);
    expect(r).toMatchObject({ version: 1, runId: 'r1', journal: end.journal, durationMs: 5000, totals: { done: 1, failed: 1, cancelled: 1 } });
    expect(Object.keys(r.hosts[0] ?? {}).sort()).toEqual(['code', 'durationMs', 'endedAt', 'hint', 'host', 'name', 'port', 'reason', 'startedAt', 'state', 'step', 'user']);
    expect(runRequests['run.report'].output.shape.hosts.safeParse(r.hosts).success).toBe(true);
  });

  it('CSV: a header row, code and hint, RFC 4180 quoting that a CSV reader reads back, no formula', () => {
    const text = reportCsv(end.report);
    expect(text.split('\r\n')[0]).toBe('host,port,user,name,state,step,code,reason,hint,startedAt,endedAt,durationMs');
    const rows = parseCsv(text, { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(3);
    expect(rows[1]).toMatchObject({ host: '10.0.0.2', port: '2222', user: 'ops', state: 'failed', step: 'connect', code: 'auth_failed', hint: 'Check the password.', durationMs: '1990' });
    // A reason starting with = is kept as text (leading '), quotes and the line break survive.
    expect(rows[1]?.reason).toBe(`'=HYPERLINK("x"), "quoted", and\na second line`);
    expect(rows[2]).toMatchObject({ name: '', step: '', durationMs: '' });
    expect(csvField(null)).toBe('');
    expect(csvField(-3)).toBe('-3');
    expect(csvField('+1 cmd')).toBe(`'+1 cmd`);
    expect(csvField('@SUM(A1)')).toBe(`'@SUM(A1)`);
    expect(csvField('a,b')).toBe('"a,b"');
  });
});
