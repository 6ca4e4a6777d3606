// Runs as the API sees them: start from answers, cancel, host key decisions. Shared by the Electron
// app and browser mode; the CLI drives startRun directly.
import path from 'node:path';
import { OutpostError } from '../errors';
import type { Client } from '../api/dispatcher';
import type { CoreContext } from '../context';
import { formatProblem, loadProfiles, loadRegions, planFromAnswers, profileDirs, validateAnswers } from '../plan';
import { storeResolver } from '../secrets/store';
import { KnownHosts } from '../ssh';
import type { TerminalManager } from '../terminal/manager';
import type { RunOptions } from '../../common/api/run';
import { HostKeyBroker } from './hostkeys';
import { missingSecrets, startRun, type RunHandle } from './runner';

export class RunService {
  private readonly runs = new Map<string, RunHandle>();
  readonly hostKeys = new HostKeyBroker();

  constructor(
    private readonly ctx: CoreContext,
    private readonly terminals: TerminalManager,
  ) {}

  knownHostsFile(): string {
    return path.join(this.ctx.dataDir, 'known_hosts');
  }

  start(answers: unknown, options: Required<Omit<RunOptions, 'targets'>> & { targets?: number[] | undefined }, client: Client) {
    const r = validateAnswers(answers);
    if (!r.ok) throw new OutpostError('answers.invalid', r.problems.map(formatProblem).join('\n'), 'Correct the fields named above and try again.');
    const loaded = loadProfiles(profileDirs(this.ctx.resourcesDir, this.ctx.dataDir));
    const plan = planFromAnswers(r.answers, { profiles: loaded.profiles, regions: loadRegions(path.join(this.ctx.resourcesDir, 'regions.yaml')) });
    const resolver = storeResolver(this.ctx.secretStore);
    const missing = missingSecrets(plan, resolver);
    if (missing.length) throw new OutpostError('secret.missing', missing.join('\n'), 'Enter the missing credentials (Credentials and Hosts steps) and start again.');
    let runId = '';
    const handle = startRun(plan, options, {
      dataDir: this.ctx.dataDir,
      secrets: this.ctx.secrets,
      log: this.ctx.log,
      knownHosts: new KnownHosts(this.knownHostsFile()),
      resolver,
      hostKeyPolicy: (info) => this.hostKeys.policy(runId, { emit: (p) => client.emit('hostkey.unknown', p) }, { acceptNew: options.acceptNewHostKeys })(info),
      emit: (name, payload) => client.emit(name, payload as never),
    });
    runId = handle.runId;
    this.runs.set(runId, handle);
    const terminalId = this.terminals.attach(client, handle.terminal, `run-${runId}`);
    client.onClose(() => handle.cancel());
    void handle.done.finally(() => this.runs.delete(runId));
    return { runId, terminalId, journal: handle.journal };
  }

  cancel(runId: string): void {
    const h = this.runs.get(runId);
    if (!h) throw new OutpostError('run_not_found', `No run ${runId} is in progress.`, 'It may have ended already.');
    this.hostKeys.rejectRun(runId);
    h.cancel();
  }

  /** For tests and the CLI: wait for a run to end. */
  handle(runId: string): RunHandle | undefined {
    return this.runs.get(runId);
  }
}
