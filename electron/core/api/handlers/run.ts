import { OutpostError } from '../../errors';
import type { RunService } from '../../run/service';
import type { Handlers } from '../dispatcher';

export function runHandlers(runs: RunService): Pick<Handlers, 'run.start' | 'run.cancel' | 'hostkey.decide'> {
  return {
    'run.start': ({ answers, options }, client) => runs.start(answers, options, client),
    'run.cancel': ({ runId }) => {
      runs.cancel(runId);
      return null;
    },
    'hostkey.decide': ({ requestId, decision }) => {
      if (!runs.hostKeys.decide(requestId, decision)) {
        throw new OutpostError('hostkey_request_unknown', 'That host key question is no longer open.', 'The run may have ended or timed out; start it again.');
      }
      return null;
    },
  };
}
