// A batch's live state in the renderer: one record per host, kept outside React state and the wizard
// store (hundreds of events a second would re-render everything), with a version the views read through
// useSyncExternalStore, bumped at most every UPDATE_MS. Fed by the wizard store's run event handlers
// (run.host, run.step, run.end), by run.output, which it listens to itself, and at the end by the core's
// report of the run (each host's final state, step and reason).
import { HostState, isFinalState, type EventPayload, type ReportRow } from '../../../electron/common/api';
import { api } from '../api/client';
import { addressKey } from './names';
import { proofOf, type Proof } from './proof';

export { addressKey, targetName } from './names';

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
  /** Done in an earlier run and left alone by this one (Retry failed hosts): not reconnected. */
  earlier?: boolean;
  /** Live proof from its verify step: waiting for the agent, first heartbeat seen, or none (proof.ts). */
  proof?: Proof;
  /** The check that proves it (or shows it missing), `name: detail`. */
  evidence?: string;
}


export interface BatchSnapshot {
  version: number;
  active: boolean;
  /** The run in progress (or last ended) is this batch. */
  live: boolean;
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

/** Runs with at least this many targets use the pool (several at once, this view) instead of the live terminal: one result model from 2 hosts up. */
export const BATCH_MIN_TARGETS = 2;
/** The most hosts at once the wizard proposes (the CLI's default). */
export const BATCH_CONCURRENCY = 16;

/**
 * Hosts at once when the admin sets none: each host costs this computer an SSH session (key exchange,
 * encryption, its output), so a few per CPU, never more than the CLI's default.
 */
export function defaultConcurrency(cpus: number = typeof navigator === 'undefined' ? 2 : navigator.hardwareConcurrency || 2): number {
  return Math.max(4, Math.min(BATCH_CONCURRENCY, cpus * 4));
}

/** The final states in the order a summary names them: what needs the admin first. */
export const SUMMARY_ORDER = ['failed', 'cancelled', 'skipped', 'done'] as const satisfies readonly HostState[];
/** How often the views see new figures (the issue asks for at least once a second). */
export const UPDATE_MS = 250;
/** An ended batch as a reload keeps it (renderer/src/wizard/store/session.ts): its hosts, their output and its report (masked). */
export interface SavedBatch {
  runId: string | null;
  startedAt: number;
  endedAt: number | null;
  hosts: BatchHost[];
  completions: number[];
  outputs: Record<string, string>;
  report: { json: string; csv: string } | null;
}

/** Output kept per host (its last characters). */
const OUTPUT_CAP = 16_000;

const zeroCounts = (): Record<HostState, number> => Object.fromEntries(ALL_STATES.map((s) => [s, 0])) as Record<HostState, number>;

class BatchRun {
  private snapshot: BatchSnapshot = { version: 0, active: false, live: false, runId: null, startedAt: 0, endedAt: null, now: 0, hosts: [], counts: zeroCounts(), completions: [], reported: false };
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
  /** The run in progress is this batch (false while a "Check tunnel" runs beside a batch's kept results). */
  live = false;
  /** The steps whose per-host result is the live proof (the plan's verify steps). */
  private proofSteps = new Set(['verify']);

  setProofSteps(ids: readonly string[]): void {
    this.proofSteps = new Set(ids);
  }

  /** A batch starts: its targets in answers order (target<i> is targets[i]). */
  begin(targets: readonly BatchTarget[]): void {
    this.start(targets, () => undefined);
  }

  /**
   * Retry failed hosts: the same list (edited in place maybe), where the hosts done before (by address)
   * keep their state, reason and output and are not part of this run; the others start queued.
   * Returns the indices (answers.targets) this run must run.
   */
  retry(targets: readonly BatchTarget[]): number[] {
    const before = new Map(this.hosts.filter((h) => h.state === 'done').map((h) => [addressKey(h), { h, out: this.output.get(h.hostId) ?? '' }]));
    const run: number[] = [];
    this.start(targets, (h) => {
      const old = before.get(addressKey(h));
      if (!old) return run.push(h.index);
      Object.assign(h, { state: 'done', step: old.h.step, reason: old.h.reason, startedAt: null, endedAt: null, earlier: true, ...(old.h.proof ? { proof: old.h.proof, evidence: old.h.evidence ?? '' } : {}) });
      this.output.set(h.hostId, old.out);
    });
    this.publish();
    return run;
  }

  private start(targets: readonly BatchTarget[], each: (h: BatchHost) => void): void {
    this.unsubscribe?.();
    this.savedReport = null;
    this.active = true;
    this.live = true;
    this.runId = null;
    this.startedAt = Date.now();
    this.endedAt = null;
    this.reported = false;
    this.completions = [];
    this.output.clear();
    this.hosts = targets.map((t, index) => ({ ...t, hostId: `target${index}`, index, state: 'queued', step: null, reason: null, startedAt: null, endedAt: null }));
    this.byId = new Map(this.hosts.map((h) => [h.hostId, h]));
    this.hosts.forEach(each);
    this.unsubscribe = api.on('run.output', (e) => this.onOutput(e));
    this.publish();
  }

  /** The core's report of the ended batch, kept with it (its export after a reload: run.report belongs to the page that ran it). */
  savedReport: { json: string; csv: string } | null = null;

  /** The ended batch, to keep across a reload. */
  save(report: { json: string; csv: string } | null): SavedBatch {
    return { runId: this.runId, startedAt: this.startedAt, endedAt: this.endedAt, hosts: this.hosts.map((h) => ({ ...h })), completions: [...this.completions], outputs: Object.fromEntries(this.output), report };
  }

  /** A batch kept across a reload, shown as it ended ("Show last run"): the last run (live), though no event of its run comes any more. */
  restore(b: SavedBatch): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.active = true;
    this.live = true;
    this.runId = b.runId;
    this.startedAt = b.startedAt;
    this.endedAt = b.endedAt;
    this.reported = true;
    this.completions = [...b.completions];
    this.hosts = b.hosts.map((h) => ({ ...h }));
    this.byId = new Map(this.hosts.map((h) => [h.hostId, h]));
    this.output = new Map(Object.entries(b.outputs));
    this.savedReport = b.report;
    this.publish();
  }

  /** Targets this batch left alone because they were done earlier (Retry failed hosts). */
  get earlierCount(): number {
    return this.hosts.filter((h) => h.earlier).length;
  }

  /** The hosts of the last batch that did not end done (Retry failed hosts, Edit answers). */
  notDone(): BatchHost[] {
    return this.hosts.filter((h) => h.state !== 'done');
  }

  /** Another kind of run starts (Check tunnel): this batch's results stay to be shown beside it, no longer fed. */
  hold(): void {
    this.live = false;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Back to the interactive view (a run with one target, start over). */
  clear(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.active = false;
    this.live = false;
    this.reported = false;
    this.hosts = [];
    this.byId.clear();
    this.output.clear();
    this.completions = [];
    this.publish();
  }

  private mine(runId: string): boolean {
    if (!this.active || !this.live) return false;
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
    const proof = this.proofSteps.has(e.stepId) ? proofOf(e.status, e.checks) : null;
    if (proof) {
      h.proof = proof.proof;
      h.evidence = proof.evidence;
      this.schedule();
    }
    const line = `${e.status === 'running' ? '▶' : e.status === 'failed' ? '✖' : e.status === 'done' ? '✔' : '·'} ${e.title}: ${e.status}${e.message && e.status !== 'running' ? ` — ${e.message}` : ''}\n`;
    this.append(e.hostId, line);
  }

  onEnd(e: EventPayload<'run.end'>): void {
    if (!this.mine(e.runId)) return;
    this.endedAt = Date.now();
    this.publish();
  }

  /** The core's report of the ended run (run.report): every host's final state, step and reason (the hosts it ran, matched by address). */
  applyReport(runId: string, report: readonly ReportRow[]): void {
    if (!this.active || this.runId !== runId) return;
    const byAddress = new Map(this.hosts.filter((h) => !h.earlier).map((h) => [addressKey(h), h]));
    report.forEach((r) => {
      const h = byAddress.get(addressKey(r));
      if (!h) return;
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
      live: this.live,
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

