// A batch's live state in the renderer: one record per host, kept outside React state and the wizard
// store (hundreds of events a second would re-render everything), with a version the views read through
// useSyncExternalStore, bumped at most every UPDATE_MS. Fed by the wizard store's run event handlers
// (run.host, run.step, run.end), by run.output, which it listens to itself, and at the end by the core's
// report of the run (each host's final state, step and reason).
import { HostState, isFinalState, type EventPayload, type ReportRow } from '../../../electron/common/api';
import { api } from '../api/client';

/** Every host state, in the order a host goes through them (the core's own list). */
export const ALL_STATES: readonly HostState[] = HostState.options;

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
  /** The core's report of the ended run has been applied: hosts are in their final states. */
  reported: boolean;
}

/** Runs with at least this many targets use the pool (many at once, this view) instead of the live terminal. */
export const BATCH_MIN_TARGETS = 10;
/** Hosts at once in a batch started from the wizard (the CLI's default too). */
export const BATCH_CONCURRENCY = 16;
/** How often the views see new figures (the issue asks for at least once a second). */
export const UPDATE_MS = 250;
/** Output kept per host (its last characters). */
const OUTPUT_CAP = 16_000;

const zeroCounts = (): Record<HostState, number> => Object.fromEntries(ALL_STATES.map((s) => [s, 0])) as Record<HostState, number>;

class BatchRun {
  private snapshot: BatchSnapshot = { version: 0, active: false, runId: null, startedAt: 0, endedAt: null, now: 0, hosts: [], counts: zeroCounts(), completions: [], reported: false };
  private reported = false;
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
    this.reported = false;
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
    this.reported = false;
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
    const wasFinal = isFinalState(h.state);
    h.state = e.state;
    if (e.stepId) h.step = e.stepId;
    if (e.reason) h.reason = e.reason;
    if (isFinalState(e.state) && !wasFinal) {
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
    this.publish();
  }

  /** The core's report of the ended run (run.report): every host's final state, step and reason, in plan order (target<i>). */
  applyReport(runId: string, report: readonly ReportRow[]): void {
    if (!this.active || this.runId !== runId) return;
    report.forEach((r, i) => {
      const h = this.hosts[i];
      // The report lists the run's targets in answers order: the same hosts, checked by address.
      if (!h || h.host !== r.host || h.port !== r.port || h.user !== r.user) return;
      const parsed = HostState.safeParse(r.state);
      if (parsed.success) h.state = parsed.data;
      h.step = r.step ?? h.step;
      h.reason = r.reason ?? h.reason;
    });
    this.reported = true;
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
      reported: this.reported,
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

