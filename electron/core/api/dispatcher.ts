// The single entry point for every request, whatever the transport: validate the input against the
// contract, call the handler, validate what it returns, and turn any failure into {code, message, hint}.
import type { z } from 'zod';
import type { Client } from '../client';
import {
  isRequestName,
  requests,
  type ApiError,
  type RequestName,
  type RequestOutput,
  type Requests,
  type Result,
} from '../../common/api';
import { toApiError } from '../errors';
import type { Logger } from '../log/logger';
import type { SecretRegistry } from '../secrets/registry';

export { claim, owns, release, subscribe, wants, type Client, type OwnedKind } from '../client';

export type Handler<K extends RequestName> = (
  input: z.output<Requests[K]['input']>,
  client: Client,
) => Promise<RequestOutput<K>> | RequestOutput<K>;

export type Handlers = { [K in RequestName]: Handler<K> };

export interface Dispatcher {
  call(name: unknown, input: unknown, client: Client): Promise<Result<unknown>>;
}

export function formatZodIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(input)'}: ${i.message}`)
    .join('; ');
}

export function createDispatcher(handlers: Handlers, deps: { log: Logger; secrets: SecretRegistry }): Dispatcher {
  const fail = (error: ApiError): Result<unknown> => ({ ok: false, error });
  return {
    async call(name, input, client) {
      if (!isRequestName(name)) {
        return fail({
          code: 'unknown_request',
          message: `Unknown request ${JSON.stringify(String(name)).slice(0, 80)}.`,
          hint: 'The renderer and the main process are from different versions; restart Outpost.',
        });
      }
      const spec = requests[name];
      const parsed = spec.input.safeParse(input ?? {});
      if (!parsed.success) {
        return fail({
          code: 'invalid_input',
          message: deps.secrets.redact(`${name}: ${formatZodIssues(parsed.error)}`),
          hint: 'Correct the fields named above and try again.',
        });
      }
      try {
        const handler = handlers[name] as unknown as (i: unknown, c: Client) => unknown;
        const value = await handler(parsed.data, client);
        const out = spec.output.safeParse(value);
        if (!out.success) {
          deps.log.error(`request ${name} returned data outside its contract`, formatZodIssues(out.error));
          return fail({ code: 'internal', message: `${name} returned an invalid answer.`, hint: 'This is a bug in Outpost.' });
        }
        return { ok: true, value: out.data };
      } catch (err) {
        const apiError = toApiError(err, (s) => deps.secrets.redact(s));
        if (apiError.code === 'internal') deps.log.error(`request ${name} failed`, err);
        return fail(apiError);
      }
    },
  };
}
