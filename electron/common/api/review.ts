// The Review page as a runbook: each step's text to copy and one script per kind of host, masked, or
// with the secrets filled in when the user explicitly reveals them.
import { z } from 'zod';
import { request } from './define';

export const reviewRequests = {
  'plan.runbook': request({
    summary: 'The plan as text to copy per step and a script per host kind; secrets masked unless reveal is true.',
    input: z.object({ answers: z.record(z.string(), z.unknown()), reveal: z.boolean().default(false) }).strict(),
    output: z.object({
      /** Step id → the text its copy button copies. */
      steps: z.record(z.string(), z.string()),
      files: z.array(z.object({ name: z.string(), text: z.string() })),
      /** Secrets that could not be filled in (not stored, variable unset): they stay ****. */
      missing: z.array(z.string()),
    }),
  }),
};

export const reviewEvents = {};
