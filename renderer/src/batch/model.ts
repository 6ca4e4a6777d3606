// A batch's live state in the renderer: one record per host, kept outside React state and the wizard
// store (hundreds of events a second would re-render everything), with a version the views read through
// useSyncExternalStore, bumped at most every UPDATE_MS. Fed by the wizard store's run event handlers
// (run.host, run.step, run.end) and by run.output, which it listens to itself.
import type { EventPayload, HostState } from '../../../electron/common/api';
import { api } from '../api/client';

/** Runs with at least this many targets use the pool (many at once, this view) instead of the live terminal. */
export const BATCH_MIN_TARGETS = 10;
/** Hosts at once in a batch started from the wizard (the CLI's default too). */
export const BATCH_CONCURRENCY = 16;
/** How often the views see new figures (the issue asks for at least once a second). */
export const UPDATE_MS = 250;
/** Output kept per host (its last characters). */
const OUTPUT_CAP = 16_000;

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

const zeroCounts = (): Record<HostState, number> => Object.fromEntries(ALL_STATES.map((s) => [s, 0])) as Record<HostState, number>;

class BatchRun {
  private snapshot: BatchSnapshot = { version: 0, active: false, runId: null, startedAt: 0, endedAt: null, now: 0, hosts: [], counts: zeroCounts(), completions: [] };
  private hosts: BatchHost[] = [];
  private byId = new Map<string, BatchHost>();
  private output = new Map<string, string>();
  private completions: number[] = [];
  private listeners = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private unsubscribe: (() => void) | null = null;
  private runId: string | null = null;
  private startedAt = 0;
  private endedAt: number | null = null;
  active = false;

  /** A batch starts: its targets in answers order (target<i> is targets[i]). */
  begin(targets: readonly BatchTarget[]): void {
    this.unsubscribe?.();
    this.active = true;
    this.runId = null;
    this.startedAt = Date.now();
    this.endedAt = null;
    this.completions = [];
    this.output.clear();
    this.hosts = targets.map((t, index) => ({ ...t, hostId: `target${index}`, index, state: 'queued', step: null, reason: null, startedAt: null, endedAt: null }));
    this.byId = new Map(this.hosts.map((h) => [h.hostId, h]));
    this.unsubscribe = api.on('run.output', (e) => this.onOutput(e));
    this.publish();
  }

  /** Back to the interactive view (a run with few targets, start over). */
  clear(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.active = false;
    this.hosts = [];
    this.byId.clear();
    this.output.clear();
    this.completions = [];
    this.publish();
  }

  private mine(runId: string): boolean {
    if (!this.active) return false;
    if (this.runId === null) this.runId = runId;
    return this.runId === runId;
  }

  onHost(e: EventPayload<'run.host'>): void {
    if (!this.mine(e.runId)) return;
    const h = this.byId.get(e.hostId);
    if (!h) return;
    const now = Date.now();
    if (e.state !== 'queued' && h.startedAt === null) h.startedAt = now;
    const wasFinal = FINAL_STATES.includes(h.state);
    h.state = e.state;
    if (e.stepId) h.step = e.stepId;
    if (e.reason) h.reason = e.reason;
    if (FINAL_STATES.includes(e.state) && !wasFinal) {
      h.endedAt = now;
      if (e.state !== 'skipped' || h.startedAt !== null) this.completions.push(now - this.startedAt);
    }
    this.schedule();
  }

  onStep(e: EventPayload<'run.step'>): void {
    if (!this.mine(e.runId)) return;
    const h = this.byId.get(e.hostId);
    if (!h) return;
    if (e.status === 'running') h.step = e.stepId;
    const line = `${e.status === 'running' ? '▶' : e.status === 'failed' ? '✖' : e.status === 'done' ? '✔' : '·'} ${e.title}: ${e.status}${e.message && e.status !== 'running' ? ` — ${e.message}` : ''}\n`;
    this.append(e.hostId, line);
  }

  onEnd(e: EventPayload<'run.end'>): void {
    if (!this.mine(e.runId)) return;
    this.endedAt = Date.now();
    // Hosts the run never reached (cancelled before they started) end cancelled, not "queued" forever.
    for (const h of this.hosts) if (!FINAL_STATES.includes(h.state)) h.state = 'cancelled';
    this.publish();
  }

  private onOutput(e: EventPayload<'run.output'>): void {
    if (!this.mine(e.runId)) return;
    // eslint-disable-next-line no-control-regex
    this.append(e.hostId, e.data.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r\n?/g, '\n'));
  }

  private append(hostId: string, text: string): void {
    if (!this.byId.has(hostId)) return;
    const next = (this.output.get(hostId) ?? '') + text;
    this.output.set(hostId, next.length > OUTPUT_CAP ? next.slice(-OUTPUT_CAP) : next);
  }

  /** A host's own output (step lines and what its commands printed, masked by the runner). */
  outputOf(hostId: string): string {
    return this.output.get(hostId) ?? '';
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.publish();
    }, UPDATE_MS);
  }

  private publish(): void {
    const counts = zeroCounts();
    for (const h of this.hosts) counts[h.state]++;
    this.snapshot = {
      version: this.snapshot.version + 1,
      active: this.active,
      runId: this.runId,
      startedAt: this.startedAt,
      endedAt: this.endedAt,
      now: Date.now(),
      hosts: this.hosts.map((h) => ({ ...h })),
      counts,
      completions: [...this.completions],
    };
    for (const l of this.listeners) l();
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getSnapshot = (): BatchSnapshot => this.snapshot;
}

export const batchRun = new BatchRun();

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
