// Runs as the API sees them (Electron IPC and browser mode): start from answers, cancel, host key
// decisions. The work itself is the service layer's, shared with the CLI.
import { OutpostError } from '../errors';
import { claim, release, type Client } from '../api/dispatcher';
import type { CoreContext } from '../context';
import { OutpostService } from '../service';
import { storeResolver } from '../secrets/store';
import type { TerminalManager } from '../terminal/manager';
import type { RunOptions } from '../../common/api/run';
import { HostKeyBroker } from './hostkeys';
import type { RunHandle } from './runner';

export class RunService {
  private readonly runs = new Map<string, RunHandle>();
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
      emit: (name, payload) => client.emit(name, payload as never),
    });
    runId = handle.runId;
    this.runs.set(runId, handle);
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

  /** For tests: wait for a run to end. */
  handle(runId: string): RunHandle | undefined {
    return this.runs.get(runId);
  }
}
