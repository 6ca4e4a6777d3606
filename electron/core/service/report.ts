// An ended run's report, as files: JSON (the fields of `outpost batch --report`, a contract: README,
// "Batch report") and CSV (RFC 4180, no cell a spreadsheet reads as a formula). The hosts are the run's
// own report (reporter.ts): every target in plan order with its final state, code and hint, masked.
import type { ReportHost, RunEnd } from '../run';

/** The report of a run the app ran (the CLI's adds the answers and host list files it read). */
export interface RunReport {
  version: 1;
  runId: string;
  journal: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  totals: Record<string, number>;
  hosts: ReportHost[];
}

export function runReport(end: Pick<RunEnd, 'runId' | 'journal' | 'startedAt' | 'endedAt' | 'report'>): RunReport {
  const totals: Record<string, number> = {};
  for (const h of end.report) totals[h.state] = (totals[h.state] ?? 0) + 1;
  const ms = Date.parse(end.endedAt) - Date.parse(end.startedAt);
  return { version: 1, runId: end.runId, journal: end.journal, startedAt: end.startedAt, endedAt: end.endedAt, durationMs: Number.isFinite(ms) ? ms : 0, totals, hosts: end.report };
}

export const CSV_COLUMNS: ReadonlyArray<keyof ReportHost> = ['host', 'port', 'user', 'name', 'state', 'step', 'code', 'reason', 'hint', 'startedAt', 'endedAt', 'durationMs'];

/** RFC 4180: a field quoted when it needs it; text starting with = + - @ (or a tab or CR) gets a leading ' (no formula in a spreadsheet). */
export function csvField(v: string | number | null): string {
  if (v === null) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The report's hosts as CSV: a header row, one line per host, CRLF line ends. */
export function reportCsv(hosts: readonly ReportHost[]): string {
  return `${[CSV_COLUMNS.join(','), ...hosts.map((h) => CSV_COLUMNS.map((c) => csvField(h[c])).join(','))].join('\r\n')}\r\n`;
}
