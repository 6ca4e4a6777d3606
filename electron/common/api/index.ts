// The API contract, typed once. Every transport (Electron IPC, browser-mode WebSocket) and every
// client (renderer, tests) derives its types from these maps; the dispatcher validates against them.
import type { z } from 'zod';
import { packagesEvents, packagesRequests } from './packages';
import { exportEvents, exportRequests } from './export';
import { hostsEvents, hostsRequests } from './hosts';
import { batchEvents, batchRequests } from './batch';
import { installedEvents, installedRequests } from './installed';
import { planEvents, planRequests } from './plan';
import { reviewEvents, reviewRequests } from './review';
import { runEvents, runRequests } from './run';
import { secretsEvents, secretsRequests } from './secrets';
import { systemEvents, systemRequests } from './system';
import { terminalEvents, terminalRequests } from './terminal';

export * from './define';
export * from './export';
export * from './hosts';
export * from './batch';
export * from './installed';
export * from './packages';
export * from './plan';
export * from './review';
export * from './run';
export * from './secrets';
export * from './bridge';
export * from './system';
export * from './terminal';

export const requests = {
  ...systemRequests,
  ...planRequests,
  ...packagesRequests,
  ...reviewRequests,
  ...runRequests,
  ...exportRequests,
  ...hostsRequests,
  ...batchRequests,
  ...installedRequests,
  ...secretsRequests,
  ...terminalRequests,
} as const;

export const events = {
  ...systemEvents,
  ...planEvents,
  ...packagesEvents,
  ...reviewEvents,
  ...runEvents,
  ...exportEvents,
  ...hostsEvents,
  ...batchEvents,
  ...installedEvents,
  ...secretsEvents,
  ...terminalEvents,
} as const;

export type Requests = typeof requests;
export type RequestName = keyof Requests;
export type RequestInput<K extends RequestName> = z.input<Requests[K]['input']>;
export type RequestOutput<K extends RequestName> = z.output<Requests[K]['output']>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<K extends EventName> = z.output<Events[K]>;

export function isRequestName(name: unknown): name is RequestName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(requests, name);
}

/** What a renderer sees: `window.outpost` in Electron, a WebSocket client in browser mode. */
export interface OutpostApi {
  request<K extends RequestName>(name: K, input: RequestInput<K>): Promise<RequestOutput<K>>;
  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void;
}

/** Wire messages shared by both transports. */
export const IPC_REQUEST_CHANNEL = 'outpost:request';
export const IPC_EVENT_CHANNEL = 'outpost:event';
