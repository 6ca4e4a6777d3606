import { OutpostError } from '../../errors';
import type { RunService } from '../../service/runs';
import { owns, release, type Handlers } from '../dispatcher';

export function runHandlers(runs: RunService): Pick<Handlers, 'run.schedule' | 'run.report' | 'run.start' | 'run.cancel' | 'run.pause' | 'run.resume' | 'batch.interrupted' | 'batch.resume' | 'batch.forget' | 'hostkey.decide'> {
  return {
    'run.schedule': ({ answers, options }) => ({ rows: runs.schedule(answers, options) }),
    'run.start': ({ answers, options }, client) => runs.start(answers, options, client),
    // An ended run's report belongs to the client that ran it, like the run.
    'run.report': ({ runId, earlier }, client) => runs.report(runId, client, earlier),
    // Another client (another browser tab, another local process with the token) gets "not found":
    // runs and host key questions belong to the client that started them.
    'run.cancel': ({ runId }, client) => {
      if (!owns(client, 'run', runId)) throw new OutpostError('run_not_found', `No run ${runId} is in progress.`, 'It may have ended already.');
      runs.cancel(runId);
      return null;
    },
    'run.pause': ({ runId }, client) => {
      if (!owns(client, 'run', runId)) throw new OutpostError('run_not_found', `No run ${runId} is in progress.`, 'It may have ended already.');
      return runs.setPaused(runId, true);
    },
    'run.resume': ({ runId }, client) => {
      if (!owns(client, 'run', runId)) throw new OutpostError('run_not_found', `No run ${runId} is in progress.`, 'It may have ended already.');
      return runs.setPaused(runId, false);
    },
    'batch.interrupted': () => runs.interrupted(),
    'batch.resume': ({ runId }, client) => runs.resumeBatch(runId, client),
    'batch.forget': ({ runId }) => {
      runs.forgetBatch(runId);
      return null;
    },
    'hostkey.decide': ({ requestId, decision }, client) => {
      const mine = owns(client, 'hostkey', requestId);
      if (mine) release(client, 'hostkey', requestId);
      if (!mine || !runs.hostKeys.decide(requestId, decision)) {
        throw new OutpostError('hostkey_request_unknown', 'That host key question is no longer open.', 'The run may have ended or timed out; start it again.');
      }
      return null;
    },
  };
}
