// The API as the wizard drives it, for integration tests: a core dispatcher with a memory secret store
// holding the world's secrets, a fake client that records events, and a second client on the same
// dispatcher (another tab, another process holding the token).
import type { EventName, EventPayload } from '../../../electron/common/api';
import { createCoreDispatcher } from '../../../electron/core/api/handlers';
import type { Client } from '../../../electron/core/client';
import type { CoreContext } from '../../../electron/core/context';
import { createLogger } from '../../../electron/core/log/logger';
import { findResourcesDir } from '../../../electron/core/paths';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { MemorySecretStore } from '../../../electron/core/secrets/store';
import { SECRETS, type World } from './world';

export type Ev = { name: EventName; payload: unknown };

export interface Session {
  ctx: CoreContext;
  events: Ev[];
  logs: string[];
  call: (name: string, input: unknown) => Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>;
  /** The same API as another connected client (another tab, another process holding the token). */
  callAsOther: (name: string, input: unknown) => Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>;
  onEvent: (fn: (e: Ev) => void) => void;
  waitEnd: () => Promise<EventPayload<'run.end'>>;
}

export function session(dataDir: string, extra: Partial<CoreContext> = {}): Session {
  const secrets = new SecretRegistry();
  const store = new MemorySecretStore(secrets);
  for (const [k, v] of Object.entries(SECRETS)) store.set(k, v, '••••');
  const logs: string[] = [];
  const ctx: CoreContext = {
    appName: 'Outpost',
    version: 'test',
    mode: 'browser',
    locale: 'en',
    dataDir,
    resourcesDir: findResourcesDir(),
    log: createLogger((l, line) => logs.push(`${l} ${line}`), { level: 'debug', secrets }),
    secrets,
    secretStore: store,
    ...extra,
  };
  const dispatcher = createCoreDispatcher(ctx);
  const events: Ev[] = [];
  const listeners: Array<(e: Ev) => void> = [];
  const client: Client = {
    id: 'test',
    emit: (name, payload) => {
      const e = { name, payload };
      events.push(e);
      for (const l of listeners) l(e);
    },
    onClose: () => undefined,
  };
  const other: Client = { id: 'other', emit: () => undefined, onClose: () => undefined };
  return {
    ctx,
    events,
    logs,
    call: (name, input) => dispatcher.call(name, input, client) as Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>,
    callAsOther: (name, input) => dispatcher.call(name, input, other) as Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>,
    onEvent: (fn) => listeners.push(fn),
    waitEnd: () =>
      new Promise((resolve) => {
        const done = events.find((e) => e.name === 'run.end');
        if (done) return resolve(done.payload as EventPayload<'run.end'>);
        listeners.push((e) => e.name === 'run.end' && resolve(e.payload as EventPayload<'run.end'>));
      }),
  };
}

/** The world's answers with secrets as stored references, as the wizard sends them. */
export function storedAnswers(w: World, patch: (a: Record<string, unknown>) => void = () => undefined): Record<string, unknown> {
  const a = JSON.parse(JSON.stringify(w.answers).replace(/\{"env":"([A-Z_]+)"\}/g, '{"stored":"$1"}')) as Record<string, unknown>;
  patch(a);
  return a;
}

export const opts = (o: Record<string, unknown> = {}) => ({ acceptNewHostKeys: true, overridePreflight: false, reinstall: false, tunnelOnly: false, ...o });
