// Who is asking: one connected renderer (an Electron window or a browser-mode WebSocket) or the CLI,
// and what it owns. Terminals, runs and host-key questions belong to the client that opened them; the
// service layer and the terminal manager check ownership here, the transports create the clients.
import { OPTIONAL_EVENTS, type EventName, type EventPayload, type OptionalEvent } from '../common/api';

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

