// The single entry point for every request, whatever the transport: validate the input against the
// contract, call the handler, validate what it returns, and turn any failure into {code, message, hint}.
import type { z } from 'zod';
import {
  isRequestName,
  OPTIONAL_EVENTS,
  requests,
  type OptionalEvent,
  type ApiError,
  type EventName,
  type EventPayload,
  type RequestName,
  type RequestOutput,
  type Requests,
  type Result,
} from '../../common/api';
import { toApiError } from '../errors';
import type { Logger } from '../log/logger';
import type { SecretRegistry } from '../secrets/registry';

/**
 * One connected renderer (an Electron window or a browser-mode WebSocket): the request context every
 * handler receives as its second argument. A transport creates exactly one Client object per
 * connection and passes that same object with every request of the connection; `id` is assigned by
 * the transport (`window-<n>`, `ws-<n>`), never taken from the request.
 */
export interface Client {
  /** Server-assigned, unique per connection in this process. */
  readonly id: string;
  emit<K extends EventName>(name: K, payload: EventPayload<K>): void;
  /** Registers cleanup for when the client goes away (window closed, socket dropped). */
  onClose(fn: () => void): void;
}

/** What a client can own. Terminals, runs and host-key questions belong to the client that opened them. */
export type OwnedKind = 'terminal' | 'run' | 'hostkey';

const owned = new WeakMap<Client, Set<string>>();

/**
 * Records that `client` owns a resource (call it where the resource is created for that client).
 * Ownership ends with `release`, or when the client object is garbage-collected.
 */
export function claim(client: Client, kind: OwnedKind, id: string): void {
  let set = owned.get(client);
  if (!set) owned.set(client, (set = new Set()));
  set.add(`${kind}:${id}`);
}

/** Forgets a resource (closed terminal, ended run, answered question). */
export function release(client: Client, kind: OwnedKind, id: string): void {
  owned.get(client)?.delete(`${kind}:${id}`);
}

const subscriptions = new WeakMap<Client, ReadonlySet<string>>();

/** The optional events `client` wants from now on (`events.subscribe`). */
export function subscribe(client: Client, names: readonly OptionalEvent[]): void {
  subscriptions.set(client, new Set(names));
}

/** Whether to send `name` to `client`: always for a required event or a client that never subscribed. */
export function wants(client: Client, name: EventName): boolean {
  if (!(OPTIONAL_EVENTS as readonly string[]).includes(name)) return true;
  return subscriptions.get(client)?.has(name) ?? true;
}

/** Whether `client` opened this resource. Another client gets false, whether or not it exists. */
export function owns(client: Client, kind: OwnedKind, id: string): boolean {
  return owned.get(client)?.has(`${kind}:${id}`) ?? false;
}

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
