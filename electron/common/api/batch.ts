// A batch interrupted (Outpost or the machine died, or hosts did not end done) is offered again when
// the app opens: batch.interrupted says whether the last batch left hosts, batch.resume runs only
// those (the hosts its journal does not record as done), as `outpost batch --resume JOURNAL` does.
import { z } from 'zod';
import { request } from './define';
import { RunId } from './run';

export const BatchTarget = z.object({ host: z.string(), port: z.number().int(), user: z.string(), name: z.string().optional() });

export const batchRequests = {
  'batch.interrupted': request({
    summary: 'The last batch, if it did not finish: its run id, hosts in all and hosts left.',
    input: z.object({}).strict(),
    output: z.object({ runId: RunId, journal: z.string(), startedAt: z.string(), total: z.number().int(), left: z.number().int(), killed: z.boolean(), targets: z.array(BatchTarget) }).nullable(),
  }),
  'batch.resume': request({
    summary: 'Run the hosts of an interrupted batch its journal does not record as done (secrets from the secure store).',
    input: z.object({ runId: RunId }).strict(),
    /** `answers`: the answers that run (the hosts left; secrets as references), for the wizard's form. */
    output: z.object({ runId: RunId, terminalId: z.string(), journal: z.string(), total: z.number().int(), done: z.number().int(), targets: z.array(BatchTarget), concurrency: z.number().int(), answers: z.record(z.string(), z.unknown()) }),
  }),
  'batch.forget': request({
    summary: 'No longer offer this interrupted batch: its recorded answers are removed (the journal stays).',
    input: z.object({ runId: RunId }).strict(),
    output: z.null(),
  }),
};

export const batchEvents = {};
