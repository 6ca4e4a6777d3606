// Runs as the API sees them (Electron IPC and browser mode): start from answers, cancel, host key
// decisions. The work itself is the service layer's, shared with the CLI.
import { OutpostError } from '../errors';
import { claim, release, wants, type Client } from '../client';
import type { CoreContext } from '../context';
import { OutpostService } from './outpost';
import { storeResolver } from '../secrets/store';
import type { TerminalManager } from '../terminal/manager';
import type { RunOptions } from '../../common/api/run';
import { HostKeyBroker } from './hostkeys';
import { batchToResume, forgetBatch, lastInterruptedBatch, writeBatchRecord, type InterruptedBatch } from './batch-resume';
import { missingSecrets, type RunHandle } from '../run';

export class RunService {
  private readonly runs = new Map<string, RunHandle>();
  /** Runs started by this process: their end was shown (with "Retry failed"), so not offered again. */
  private readonly ranHere = new Set<string>();
  readonly hostKeys = new HostKeyBroker();
  readonly service: OutpostService;

  constructor(
    private readonly ctx: CoreContext,
    private readonly terminals: TerminalManager,
    service?: OutpostService,
  ) {
    this.service = service ?? new OutpostService(ctx, { profilesDir: ctx.profilesDir });
  }

  start(answers: unknown, options: Required<Omit<RunOptions, 'targets' | 'concurrency'>> & { targets?: number[] | undefined; concurrency?: number | undefined }, client: Client) {
    const plan = this.service.plan(answers);
    let runId = '';
    const handle = this.service.startRun(plan, options, {
      resolver: storeResolver(this.ctx.secretStore),
      // The question belongs to the client that started the run: only it may answer.
      hostKeyPolicy: (info) =>
        this.hostKeys.policy(
          runId,
          {
            emit: (p) => {
              claim(client, 'hostkey', p.requestId);
              client.emit('hostkey.unknown', p);
            },
          },
          { acceptNew: options.acceptNewHostKeys },
        )(info),
      // run.output only to a client that asked for it (events.subscribe): it repeats the terminal's text.
      emit: (name, payload) => {
        if (wants(client, name)) client.emit(name, payload as never);
      },
    });
    runId = handle.runId;
    this.runs.set(runId, handle);
    this.ranHere.add(runId);
    // A batch keeps the answers it runs beside its journal: the app can finish it after a crash.
    if ((options.concurrency ?? 1) > 1 && !options.checkOnly && !options.tunnelOnly && typeof answers === 'object' && answers !== null) {
      writeBatchRecord(handle.journal, { version: 1, runId, startedAt: new Date().toISOString(), concurrency: options.concurrency ?? 1, answers: answers as Record<string, unknown> }, this.ctx.secrets);
    }
    claim(client, 'run', runId);
    const terminalId = this.terminals.attach(client, handle.terminal, `run-${runId}`);
    client.onClose(() => handle.cancel());
    void handle.done.finally(() => {
      this.runs.delete(runId);
      release(client, 'run', runId);
    });
    return { runId, terminalId, journal: handle.journal };
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
