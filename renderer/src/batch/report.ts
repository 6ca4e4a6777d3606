// The batch's figures and its report (pure: no API client, unit-tested). The report has the fields of
// `outpost batch --report` (a contract, see README); reasons come masked from the runner.
import type { HostState } from '../../../electron/common/api';

export const FINAL_STATES: readonly HostState[] = ['done', 'failed', 'skipped', 'cancelled'];
export const ALL_STATES: readonly HostState[] = ['queued', 'connecting', 'preflight', 'transferring', 'installing', 'verifying', 'done', 'failed', 'skipped', 'cancelled'];

export interface BatchTarget {
  host: string;
  port: number;
  user: string;
  name?: string | undefined;
}

export interface BatchHost extends BatchTarget {
  hostId: string;
  index: number;
  state: HostState;
  step: string | null;
  reason: string | null;
  startedAt: number | null;
  endedAt: number | null;
}

export interface BatchSnapshot {
  version: number;
  active: boolean;
  runId: string | null;
  startedAt: number;
  endedAt: number | null;
  /** When this snapshot was taken (views compute running durations from it: renders stay pure). */
  now: number;
  hosts: readonly BatchHost[];
  counts: Record<HostState, number>;
  /** Time (ms since start) of each host's final state, in order. */
  completions: readonly number[];
}

// ---- the report, as the CLI writes it (`outpost batch --report`), and as CSV ----------------------

export interface BatchReportRow {
  host: string;
  port: number;
  user: string;
  name: string | null;
  state: HostState;
  step: string | null;
  reason: string | null;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function reportRows(s: BatchSnapshot): BatchReportRow[] {
  return s.hosts.map((h) => ({
    host: h.host,
    port: h.port,
    user: h.user,
    name: h.name ?? null,
    state: h.state,
    step: h.step,
    reason: h.reason,
    startedAt: iso(h.startedAt),
    endedAt: iso(h.endedAt),
    durationMs: h.startedAt !== null && h.endedAt !== null ? h.endedAt - h.startedAt : null,
  }));
}

/** The JSON report (the CLI's contract, `version: 1`; no secret is ever in it: reasons are masked by the runner). */
export function reportJson(s: BatchSnapshot): string {
  const hosts = reportRows(s);
  const totals: Record<string, number> = {};
  for (const h of hosts) totals[h.state] = (totals[h.state] ?? 0) + 1;
  const end = s.endedAt ?? s.now;
  return `${JSON.stringify({ version: 1, startedAt: iso(s.startedAt), endedAt: iso(s.endedAt), durationMs: end - s.startedAt, totals, hosts }, null, 2)}\n`;
}

const CSV_COLUMNS: ReadonlyArray<keyof BatchReportRow> = ['host', 'port', 'user', 'name', 'state', 'step', 'reason', 'startedAt', 'endedAt', 'durationMs'];

/** RFC 4180: every field that needs it quoted; a field starting with = + - @ gets a leading ' (no formula in a spreadsheet). */
export function csvField(v: string | number | null): string {
  if (v === null) return '';
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s) && typeof v === 'string') s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function reportCsv(s: BatchSnapshot): string {
  return `${[CSV_COLUMNS.join(','), ...reportRows(s).map((r) => CSV_COLUMNS.map((c) => csvField(r[c])).join(','))].join('\r\n')}\r\n`;
}
