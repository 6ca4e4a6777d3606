// Runs as the API sees them (Electron IPC and browser mode): start from answers, cancel, host key
// decisions. The work itself is the service layer's, shared with the CLI.
import { OutpostError } from '../errors';
import { claim, owns, release, wants, type Client } from '../client';
import type { EventPayload } from '../../common/api';
import type { Plan } from '../../common/api/plan';
import type { CoreContext } from '../context';
import { OutpostService } from './outpost';
import { storeResolver } from '../secrets/store';
import type { TerminalManager } from '../terminal/manager';
import type { RunOptions } from '../../common/api/run';
import { HostKeyBroker, keyOwner } from './hostkeys';
import { batchToResume, forgetBatch, lastInterruptedBatch, writeBatchRecord, type InterruptedBatch } from './batch-resume';
import { missingSecrets, scheduleOf, type RunEnd, type RunHandle, type ScheduleOptions } from '../run';
import { installedAnswers, installedPlan, writeAnswersRecord, type InstalledAction } from './installed';
import { checkReport, recordVerdicts } from './lifecycle';
import type { CheckResult, ScheduleRow } from '../../common/api/run';
import { failureField } from './failure-field';
import { reportCsv, runReport, type RunReport } from './report';

type StartOptions = Required<Omit<RunOptions, 'targets' | 'concurrency'>> & { targets?: number[] | undefined; concurrency?: number | undefined };

/** Ended runs' reports a client may still ask for (the newest; a 1,000-host report is a few hundred KB). */
const REPORTS_KEPT = 8;

export class RunService {
  private readonly runs = new Map<string, RunHandle>();
  /** Runs started by this process: their end was shown (with "Retry failed"), so not offered again. */
  private readonly ranHere = new Set<string>();
  readonly hostKeys = new HostKeyBroker();
  /** Each ended run's report, for the client that ran it (run.report). */
  private readonly reports = new Map<string, { client: Client; report: RunReport }>();
  private readonly reportClients = new WeakSet<Client>();
  /** Runs whose run.end has gone out (their report is kept a moment later). */
  private readonly ending = new Set<string>();
  readonly service: OutpostService;

  constructor(
    private readonly ctx: CoreContext,
    private readonly terminals: TerminalManager,
    service?: OutpostService,
  ) {
    this.service = service ?? new OutpostService(ctx, { profilesDir: ctx.profilesDir });
  }

  /** The rows a run of these answers with these options reports, in order (the run view's pending rows). */
  schedule(answers: unknown, options: ScheduleOptions): ScheduleRow[] {
    return scheduleOf(this.service.plan(answers), options);
  }

  start(answers: unknown, options: StartOptions, client: Client) {
    const plan = this.service.plan(answers);
    const started = this.launch(plan, options, client);
    // A batch keeps the answers it runs beside its journal: the app can finish it after a crash.
    if ((options.concurrency ?? 1) > 1 && !options.checkOnly && !options.tunnelOnly && typeof answers === 'object' && answers !== null) {
      writeBatchRecord(started.journal, { version: 1, runId: started.runId, startedAt: new Date().toISOString(), concurrency: options.concurrency ?? 1, answers: answers as Record<string, unknown> }, this.ctx.secrets);
    }
    // Every install keeps its answers: the Installed view checks, reinstalls and uninstalls its hosts with them.
    if (!options.checkOnly && !options.tunnelOnly && typeof answers === 'object' && answers !== null) writeAnswersRecord(started.journal, answers as Record<string, unknown>, this.ctx.secrets);
    return started;
  }

  /** The Installed view's actions on inventory hosts: an ordinary run of the answers they were installed with, narrowed to them. */
  startInstalled(action: InstalledAction, pick: { hosts: Array<{ profile: string; address: string }> } | { jump: string }, client: Client) {
    const { answers, hosts } = installedAnswers(this.service, this.ctx.dataDir, pick);
    const plan = installedPlan(this.service, answers, action);
    const concurrency = Math.max(2, Math.min(16, hosts.length));
    const options = { acceptNewHostKeys: false, overridePreflight: false, reinstall: action === 'reinstall', tunnelOnly: false, checkOnly: false, concurrency };
    const startedAt = new Date();
    const started = action === 'reinstall' ? this.start(answers, options, client) : this.launch(plan, options, client, (end) => {
      // The check's verdicts go into its journal, as `outpost check` writes them: the inventory's "last check".
      if ((action === 'check' || action === 'repair') && end) recordVerdicts(end.journal, end.runId, checkReport(plan, end, { answers: '', hostsFile: '', startedAt }).hosts, this.ctx.secrets);
    });
    const targets = plan.hosts.targets.map((t) => ({ host: t.ssh.host, port: t.ssh.port, user: t.ssh.user, ...(t.name ? { name: t.name } : {}) }));
    return { ...started, targets, concurrency, answers };
  }

  private launch(plan: Plan, options: StartOptions, client: Client, onEnd?: (end: RunEnd | null) => void) {
    let runId = '';
    // The failed steps' checks, by host and step: what a failed preflight points at (run.end's field).
    const failedChecks = new Map<string, CheckResult[]>();
    const handle = this.service.startRun(plan, options, {
      resolver: storeResolver(this.ctx.secretStore),
      // The question belongs to the client that started the run: only it may answer.
      hostKeyPolicy: (info) =>
        this.hostKeys.policy(
          runId,
          {
            emit: (p) => {
              claim(client, 'hostkey', p.requestId);
              client.emit('hostkey.unknown', { ...p, ...keyOwner(plan, p.host, p.port) });
            },
          },
          { acceptNew: options.acceptNewHostKeys },
        )(info),
      // A fleet's unknown keys come as one set of questions before its targets start (the app's one dialog).
      askHostKeysTogether: !options.acceptNewHostKeys,
      onHostKeyChanged: (info) => {
        const { publicKeyLine: _line, ...rest } = info;
        client.emit('hostkey.changed', { runId, ...rest, ...keyOwner(plan, info.host, info.port) });
      },
      // run.output only to a client that asked for it (events.subscribe): it repeats the terminal's text.
      emit: (name, payload) => {
        const p = name === 'run.step' ? this.noteChecks(failedChecks, payload as EventPayload<'run.step'>) : name === 'run.end' ? this.withField(plan, failedChecks, payload as EventPayload<'run.end'>) : payload;
        if (wants(client, name)) client.emit(name, p as never);
      },
    });
    runId = handle.runId;
    this.runs.set(runId, handle);
    this.ranHere.add(runId);
    claim(client, 'run', runId);
    const terminalId = this.terminals.attach(client, handle.terminal, `run-${runId}`);
    client.onClose(() => handle.cancel());
    void handle.done
      .then((end) => {
        try {
          onEnd?.(end);
        } catch (err) {
          this.ctx.log.warn('run.after', { runId, error: err instanceof Error ? err.message : String(err) });
        }
        this.keepReport(client, runReport(end));
      })
      .finally(() => {
        this.runs.delete(runId);
        this.ending.delete(runId);
        release(client, 'run', runId);
      });
    return { runId, terminalId, journal: handle.journal };
  }

  /** A failed step's checks, kept for what a failed preflight points at. */
  private noteChecks(failedChecks: Map<string, CheckResult[]>, e: EventPayload<'run.step'>): EventPayload<'run.step'> {
    if (e.status === 'failed' && e.checks) failedChecks.set(`${e.hostId}|${e.stepId}`, e.checks);
    return e;
  }

  /** run.end with the answers field its failure points at (`field`). */
  private withField(plan: Plan, failedChecks: Map<string, CheckResult[]>, e: EventPayload<'run.end'>): EventPayload<'run.end'> {
    this.ending.add(e.runId);
    if (e.outcome !== 'failed') return e;
    const field = failureField(plan, e, failedChecks.get(`${e.hostId ?? ''}|${e.failedStep ?? ''}`));
    return field ? { ...e, field } : e;
  }

  private keepReport(client: Client, report: RunReport): void {
    this.reports.set(report.runId, { client, report });
    for (const id of [...this.reports.keys()].slice(0, Math.max(0, this.reports.size - REPORTS_KEPT))) this.reports.delete(id);
    if (this.reportClients.has(client)) return;
    this.reportClients.add(client);
    client.onClose(() => {
      for (const [id, r] of this.reports) if (r.client === client) this.reports.delete(id);
    });
  }

  /** An ended run's report, for the client that ran it: its hosts, JSON and CSV, masked. */
  async report(runId: string, client: Client, earlier: ReadonlyArray<{ host: string; port: number; user: string }> = []): Promise<{ json: string; csv: string; hosts: RunReport['hosts'] }> {
    const running = this.runs.get(runId);
    if (running && owns(client, 'run', runId)) {
      if (!this.ending.has(runId)) throw new OutpostError('run_running', `Run ${runId} has not ended yet.`, 'Its report is ready when it ends.');
      // run.end goes out just before the run's end is kept: a client asking at once waits for that.
      await running.done.catch(() => undefined);
    }
    const kept = this.reports.get(runId);
    if (!kept || kept.client !== client) throw new OutpostError('report_not_found', `There is no report of run ${runId}.`, 'A run has its report once it has ended, for the window that ran it.');
    const mask = (v: string | null) => (v === null ? null : this.ctx.secrets.redact(v));
    // Hosts this run left alone (done earlier; the report lists every target, those as never started) are
    // named as the CLI's --retry-failed report names them; the run's own rows say what this run did.
    const before = new Set(earlier.map((e) => `${e.user}@${e.host}:${e.port}`));
    const rows = kept.report.hosts.map((h) => (h.startedAt === null && before.has(`${h.user}@${h.host}:${h.port}`) ? { ...h, state: 'done', step: null, code: null, reason: 'done in an earlier run', hint: null } : h));
    const hosts = rows.map((h) => ({ ...h, host: this.ctx.secrets.redact(h.host), user: this.ctx.secrets.redact(h.user), name: mask(h.name), step: mask(h.step), code: mask(h.code), reason: mask(h.reason), hint: mask(h.hint) }));
    const totals: Record<string, number> = {};
    for (const h of hosts) totals[h.state] = (totals[h.state] ?? 0) + 1;
    return { json: `${this.ctx.secrets.stringify({ ...kept.report, totals, hosts }, 2)}\n`, csv: reportCsv(hosts), hosts };
  }

  cancel(runId: string): void {
    const h = this.runs.get(runId);
    if (!h) throw new OutpostError('run_not_found', `No run ${runId} is in progress.`, 'It may have ended already.');
    this.hostKeys.rejectRun(runId);
    h.cancel();
  }

  /** Pause (true) or resume (false) a run's pool; returns whether it is paused now. */
  setPaused(runId: string, paused: boolean): { paused: boolean } {
    const h = this.runs.get(runId);
    if (!h) throw new OutpostError('run_not_found', `No run ${runId} is in progress.`, 'It may have ended already.');
    if (paused) h.pause();
    else h.resume();
    return { paused: h.paused };
  }

  /** The last batch, if it did not finish (and was not started by this process). */
  interrupted(): InterruptedBatch | null {
    return lastInterruptedBatch(this.ctx.dataDir, this.ranHere, (a) => this.service.plan(a));
  }

  /** No longer offers that batch for resuming. */
  forgetBatch(runId: string): void {
    if (this.runs.has(runId)) throw new OutpostError('batch_running', 'That batch is still running.', 'Wait for it to end, or cancel it.');
    forgetBatch(this.ctx.dataDir, runId);
  }

  /** Runs the hosts of an interrupted batch its journal does not record as done. */
  resumeBatch(runId: string, client: Client) {
    if (this.runs.has(runId)) throw new OutpostError('batch_running', 'That batch is still running.', 'Wait for it to end, or cancel it.');
    const r = batchToResume(this.ctx.dataDir, runId, (a) => this.service.plan(a));
    if (!r) throw new OutpostError('batch_unknown', `No batch ${runId} to resume.`, 'Its journal or its answers are gone; start the batch again from the wizard.');
    if (!r.left.length) throw new OutpostError('batch_finished', 'Every host of that batch is done already.', 'Nothing is left to run.');
    // Passwords from an imported list are references to the secure store: gone with a store that
    // lived in memory only (or forgotten since). Then the list must be imported again.
    const missing = missingSecrets(this.service.plan(r.answers), storeResolver(this.ctx.secretStore));
    if (missing.length) {
      throw new OutpostError(
        'batch_secrets_missing',
        `${missing.length} secret(s) this batch needs are no longer in Outpost's secure store (the first: ${missing[0]?.split(':')[0] ?? ''}).`,
        'Import the host list again on the Hosts step (with its passwords) and start the batch from there.',
      );
    }
    const concurrency = Math.max(2, r.record.concurrency);
    const started = this.start(r.answers, { acceptNewHostKeys: false, overridePreflight: false, reinstall: false, tunnelOnly: false, checkOnly: false, concurrency }, client);
    return { ...started, total: r.total, done: r.doneCount, targets: r.left, concurrency, answers: r.answers };
  }

  /** For tests: wait for a run to end. */
  handle(runId: string): RunHandle | undefined {
    return this.runs.get(runId);
  }
}
