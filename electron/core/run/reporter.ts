// The reporter: the one place a run's events, journal records, terminal text and report are written.
// Everything goes through the secrets registry first: whole texts with `redact`, step output with one
// streaming redactor per step and host (a secret printed in two pieces is still masked), journal
// records with `stringify`. Each target ends in exactly one final state, recorded with the address it
// was reached at (what a resumed batch matches hosts by), its code and hint.
import os from 'node:os';
import type { Plan, Step } from '../../common/api/plan';
import type { EventPayload } from '../../common/api';
import { isFinalState, type CheckResult, type HostState, type MessagePart, type RunOutcome, type StepStatus } from '../../common/api/run';
import { showControls } from '../../common/visible';
import type { StepOutcome } from '../actions';
import type { RedactStream, SecretRegistry } from '../secrets/registry';
import { Journal, Tail } from './journal';
import type { RunTerminal } from './terminal';

export type RunEmit = <K extends 'run.step' | 'run.output' | 'run.end' | 'run.host' | 'run.progress' | 'run.paused'>(name: K, payload: EventPayload<K>) => void;

export interface HostResult {
  hostId: string;
  host: string;
  state: HostState;
  step?: string;
  code?: string;
  reason?: string;
  hint?: string;
  checks?: CheckResult[];
  startedAt?: string;
  endedAt?: string;
}

/** One host in the report (a contract: README, "Batch report"). */
export interface ReportHost {
  host: string;
  port: number;
  user: string;
  name: string | null;
  state: string;
  step: string | null;
  code: string | null;
  reason: string | null;
  hint: string | null;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
}

export interface RunEnd {
  runId: string;
  outcome: RunOutcome;
  failedStep?: string;
  hostId?: string;
  host?: string;
  code?: string;
  reason?: string;
  hint?: string;
  journal: string;
  hosts: HostResult[];
  summary: Record<string, number>;
  startedAt: string;
  endedAt: string;
  /** The targets, in plan order, as the report lists them. */
  report: ReportHost[];
  /** This computer as a host of the report, when the plan installs on it (a check's or an uninstall's verdict there). */
  local?: ReportHost;
}

const isTarget = (id: string) => !/^(jump|proxy|seed)\d*$/.test(id);

/** A host's row of the report from its result (none yet: cancelled, as a host the run never reached). */
export function reportRow(r: HostResult | undefined, who: Pick<ReportHost, 'host' | 'port' | 'user' | 'name'>, redact: (text: string) => string): ReportHost {
  const start = r?.startedAt ? Date.parse(r.startedAt) : NaN;
  const end = r?.endedAt ? Date.parse(r.endedAt) : NaN;
  return {
    ...who,
    state: r?.state ?? 'cancelled',
    step: r?.step ?? null,
    code: r?.code ?? null,
    reason: r?.reason ? redact(r.reason) : null,
    hint: r?.hint ? redact(r.hint) : null,
    startedAt: r?.startedAt ?? null,
    endedAt: r?.endedAt ?? null,
    durationMs: Number.isFinite(start) && Number.isFinite(end) ? end - start : null,
  };
}

export class Reporter {
  readonly journal: Journal;
  private readonly results = new Map<string, HostResult>();
  private readonly started = new Map<string, string>();
  private readonly lastProgress = new Map<string, number>();
  readonly startedAt = new Date().toISOString();

  constructor(
    readonly runId: string,
    private readonly plan: Plan,
    private readonly d: { emit: RunEmit; secrets: SecretRegistry; dataDir: string; terminal: RunTerminal; interactive: boolean },
  ) {
    this.journal = new Journal(d.dataDir, runId, d.secrets);
  }

  private redact = (s: string) => this.d.secrets.redact(s);

  start(options: Record<string, unknown>): void {
    const via = (id: string | null) => this.plan.hosts.jumps.find((j) => j.id === id);
    this.journal.write({
      type: 'run.start',
      runId: this.runId,
      at: this.startedAt,
      profile: this.plan.profile.id,
      profileVersion: this.plan.profile.version,
      kind: this.plan.lifecycle ?? 'install',
      os: this.plan.os,
      mode: this.plan.mode,
      targets: this.plan.hosts.targets.map((t) => t.id),
      // Who each target is and how it is reached: what `outpost inventory` lists from the journals.
      hosts: this.plan.hosts.targets.map((t) => {
        const j = via(t.via);
        return { id: t.id, address: `${t.ssh.user}@${t.ssh.host}:${t.ssh.port}`, ...(t.name ? { name: t.name } : {}), ...(j ? { jump: `${j.ssh.user}@${j.ssh.host}:${j.ssh.port}` } : {}) };
      }),
      jumps: this.plan.hosts.jumps.map((j) => ({ id: j.id, address: `${j.ssh.user}@${j.ssh.host}:${j.ssh.port}` })),
      options,
    });
  }

  /** The step's banner in the interactive terminal. */
  banner(s: Step, host: string): void {
    if (this.d.interactive) this.d.terminal.push(`\r\n\x1b[1;36m▶ ${this.redact(`${s.title}${s.title.includes(host) ? '' : ` — ${host}`}`)}\x1b[0m\r\n`);
  }

  echo(display: string): void {
    if (this.d.interactive) this.d.terminal.push(`\x1b[2m$ ${this.redact(display).replace(/\n/g, '\r\n  ')}\x1b[0m\r\n`);
  }

  /** A step's output on a host: masked by a stream of its own (call end() when the step is over). */
  output(s: Step, hostId: string, tail: Tail): { write(text: string): void; end(): void } {
    const send = (masked: string) => {
      if (!masked) return;
      tail.push(masked);
      if (this.d.interactive) this.d.terminal.push(masked);
      this.d.emit('run.output', { runId: this.runId, stepId: s.id, hostId, data: masked });
    };
    const stream: RedactStream = this.d.secrets.stream({ onFlush: send });
    return {
      write: (text) => send(stream.push(text)),
      end: () => {
        send(stream.flush());
        stream.dispose();
      },
    };
  }

  progress(s: Step, hostId: string, done: number, total: number): void {
    // At most ~4 events a second per host, and always the last one.
    const key = `${s.id}@${hostId}`;
    const now = Date.now();
    if (done < total && now - (this.lastProgress.get(key) ?? 0) < 250) return;
    this.lastProgress.set(key, now);
    this.d.emit('run.progress', { runId: this.runId, stepId: s.id, hostId, done, total });
  }

  step(s: Step, hostId: string, host: string, status: StepStatus, o: { message?: string | undefined; parts?: MessagePart[] | undefined; checks?: CheckResult[] | undefined } = {}): void {
    this.d.emit('run.step', { runId: this.runId, stepId: s.id, title: s.title, hostId, host, status, ...(o.message ? { message: this.redact(o.message) } : {}), ...(o.parts ? { parts: o.parts } : {}), ...(o.checks ? { checks: o.checks } : {}) });
  }

  /** A step's end in the journal (and its event). */
  stepEnded(s: Step, hostId: string, host: string, start: string, r: StepOutcome & { code?: string }, tail: Tail): void {
    const status = r.status ?? 'done';
    this.step(s, hostId, host, status, r);
    this.journal.write({ type: 'step', runId: this.runId, step: s.id, host: hostId, start, end: new Date().toISOString(), outcome: status, ...(r.message ? { message: r.message } : {}), ...(r.code ? { code: r.code } : {}), tail: tail.get() });
  }

  skipped(s: Step, hostId: string, host: string, message: string, parts?: MessagePart[]): void {
    const now = new Date().toISOString();
    this.stepEnded(s, hostId, host, now, { status: 'skipped', message, ...(parts ? { parts } : {}) }, new Tail());
  }

  /** A host's state: an event; a final one is also journaled and kept for the end and the report. */
  host(r: HostResult): void {
    const now = new Date().toISOString();
    if (r.state !== 'queued' && !this.started.has(r.hostId)) this.started.set(r.hostId, now);
    this.d.emit('run.host', { runId: this.runId, hostId: r.hostId, host: r.host, state: r.state, ...(r.step ? { stepId: r.step } : {}), ...(r.reason ? { reason: showControls(this.redact(r.reason)) } : {}), ...(r.hint ? { hint: this.redact(r.hint) } : {}) });
    if (r.state === 'queued' && !this.results.has(r.hostId)) return;
    const startedAt = this.started.get(r.hostId);
    this.results.set(r.hostId, { ...r, ...(startedAt ? { startedAt } : {}), ...(isFinalState(r.state) ? { endedAt: now } : {}) });
    if (!isFinalState(r.state)) return;
    const t = this.plan.hosts.targets.find((x) => x.id === r.hostId);
    this.journal.write({ type: 'host', runId: this.runId, host: r.hostId, at: now, state: r.state, ...(t ? { address: `${t.ssh.user}@${t.ssh.host}:${t.ssh.port}` } : {}), ...(r.step ? { step: r.step } : {}), ...(r.code ? { code: r.code } : {}), ...(r.reason ? { reason: this.redact(r.reason) } : {}), ...(r.hint ? { hint: this.redact(r.hint) } : {}) });
  }

  /** Hosts not started yet, so the report lists every target from the start. */
  queued(hostId: string, host: string): void {
    this.results.set(hostId, { hostId, host, state: 'queued' });
    this.d.emit('run.host', { runId: this.runId, hostId, host, state: 'queued' });
  }

  paused(paused: boolean): void {
    this.journal.write({ type: paused ? 'run.pause' : 'run.resume', runId: this.runId, at: new Date().toISOString() });
    this.d.emit('run.paused', { runId: this.runId, paused });
  }

  result(hostId: string): HostResult | undefined {
    return this.results.get(hostId);
  }

  /** The report's hosts: every target of the plan, in order. */
  report(): ReportHost[] {
    return this.plan.hosts.targets.map((t) => reportRow(this.results.get(t.id), { host: t.ssh.host, port: t.ssh.port, user: t.ssh.user, name: t.name ?? null }, (x) => this.redact(x)));
  }

  /** The run's end: its outcome and first cause, the journal's last record, the run.end event. */
  end(cancelled: boolean, f?: { step: string; code: string; reason: string; hint?: string | undefined }): RunEnd {
    const hosts = [...this.results.values()];
    const summary: Record<string, number> = {};
    for (const h of hosts.filter((x) => isTarget(x.hostId))) summary[h.state] = (summary[h.state] ?? 0) + 1;
    // The first cause: a jump server's failure explains the targets behind it.
    const failedHost = f ? undefined : (hosts.find((h) => !isTarget(h.hostId) && h.state === 'failed') ?? hosts.find((h) => h.state === 'failed') ?? hosts.find((h) => h.state === 'cancelled' && h.step));
    const anyCancelled = cancelled || hosts.some((h) => h.state === 'cancelled');
    const outcome: RunOutcome = f ? (cancelled ? 'cancelled' : 'failed') : anyCancelled ? 'cancelled' : failedHost ? 'failed' : 'done';
    const first = f ? { step: f.step, hostId: 'local', host: 'this computer', code: f.code, reason: f.reason, hint: f.hint } : failedHost;
    const endedAt = new Date().toISOString();
    const e: RunEnd = {
      runId: this.runId,
      outcome,
      journal: this.journal.file,
      hosts,
      summary,
      startedAt: this.startedAt,
      endedAt,
      report: this.report(),
      ...(this.plan.hosts.thisComputer ? { local: reportRow(this.results.get('local'), { host: 'localhost', port: 0, user: os.userInfo().username, name: 'this computer' }, (x) => this.redact(x)) } : {}),
      ...(first?.step ? { failedStep: first.step } : {}),
      ...(first ? { hostId: first.hostId, host: first.host } : {}),
      ...(first?.code ? { code: first.code } : {}),
      ...(first?.reason ? { reason: this.redact(first.reason) } : {}),
      ...(first?.hint ? { hint: this.redact(first.hint) } : {}),
    };
    this.journal.write({ type: 'run.end', runId: this.runId, at: endedAt, outcome, ...(first?.step ? { failedStep: first.step, host: first.hostId, ...(first.code ? { code: first.code } : {}), ...(first.reason ? { reason: first.reason } : {}) } : {}), summary });
    return e;
  }

  /** The end in the terminal and as the run.end event. */
  announce(e: RunEnd): void {
    const counts = Object.entries(e.summary).map(([k, v]) => `${v} ${k}`).join(', ');
    const line = e.outcome === 'done' ? `\x1b[1;32m✔ done\x1b[0m${counts ? ` (${counts})` : ''}` : e.outcome === 'cancelled' ? '\x1b[1;33m■ cancelled\x1b[0m' : `\x1b[1;31m✖ failed\x1b[0m${counts ? ` (${counts})` : ''}: ${e.failedStep ?? ''} on ${e.host ?? ''}: ${e.reason ?? ''}`;
    this.d.terminal.push(`\r\n${line}\r\n`);
    this.d.emit('run.end', {
      runId: e.runId,
      outcome: e.outcome,
      journal: e.journal,
      summary: e.summary,
      ...(e.failedStep ? { failedStep: e.failedStep } : {}),
      ...(e.hostId ? { hostId: e.hostId } : {}),
      ...(e.host ? { host: e.host } : {}),
      ...(e.code ? { code: e.code } : {}),
      ...(e.reason ? { reason: e.reason } : {}),
      ...(e.hint ? { hint: e.hint } : {}),
    });
    this.d.terminal.end(e.outcome === 'done' ? 0 : 1);
  }
}
