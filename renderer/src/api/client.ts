// The renderer's one door to the main process: the Electron preload bridge when present,
// otherwise browser mode's WebSocket. Browser mode's token comes from the URL the page was opened
// with (`#token=`), is moved to sessionStorage at once (so a reload still works and the address bar
// and history no longer show it), and is presented in the WebSocket handshake as a subprotocol. It
// ends with the server that made it: after a restart, open the URL the new server prints.
import { handshakeProtocols, tokenFromLocation } from '../../../electron/common/browser-auth';
import {
  OPTIONAL_EVENTS,
  type ApiError,
  type OptionalEvent,
  type EventName,
  type EventPayload,
  type OutpostApi,
  type OutpostBridge,
  type RequestInput,
  type RequestName,
  type RequestOutput,
  type Result,
} from '../../../electron/common/api';
import { splitTerminalInput } from './paste';

export class ApiRequestError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  constructor(error: ApiError) {
    super(error.message);
    this.code = error.code;
    this.hint = error.hint;
  }
}

function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new ApiRequestError(result.error);
}

/**
 * Optional events (OPTIONAL_EVENTS, e.g. run.output) are sent only while this page listens to them:
 * tells main which ones whenever that changes, and once at the start (none).
 */
function optionalEvents(subscribe: (names: OptionalEvent[]) => void) {
  const counts = new Map<OptionalEvent, number>();
  const isOptional = (name: string): name is OptionalEvent => (OPTIONAL_EVENTS as readonly string[]).includes(name);
  const update = () => subscribe([...counts].filter(([, n]) => n > 0).map(([k]) => k));
  update();
  return (name: EventName): (() => void) => {
    if (!isOptional(name)) return () => undefined;
    counts.set(name, (counts.get(name) ?? 0) + 1);
    if (counts.get(name) === 1) update();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      counts.set(name, (counts.get(name) ?? 1) - 1);
      if (counts.get(name) === 0) update();
    };
  };
}

function fromBridge(bridge: OutpostBridge): OutpostApi {
  const listening = optionalEvents((names) => void bridge.invoke('events.subscribe', { names }));
  return {
    request: async (name, input) => unwrap((await bridge.invoke(name, input)) as Result<never>),
    on: (name, listener) => {
      const stop = listening(name);
      const off = bridge.on(name, listener as (p: unknown) => void);
      return () => {
        stop();
        off();
      };
    },
  };
}

type Listener = (payload: unknown) => void;

function fromWebSocket(): OutpostApi {
  const fromUrl = tokenFromLocation(location);
  if (fromUrl) sessionStorage.setItem('outpost.token', fromUrl);
  // Keep a token out of the address bar (screenshots, screen sharing) and history: this entry is
  // replaced. An old `?token=` URL's token is not used (it ended with its server), only removed.
  if (fromUrl || new URLSearchParams(location.search).has('token')) history.replaceState(null, '', location.pathname);
  const token = fromUrl ?? sessionStorage.getItem('outpost.token') ?? '';
  const listeners = new Map<string, Set<Listener>>();
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  let seq = 0;
  const ws = new WebSocket(`ws://${location.host}/api`, handshakeProtocols(token));
  const open = new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve());
    ws.addEventListener('error', () => reject(new ApiRequestError({ code: 'disconnected', message: 'Cannot reach Outpost.', hint: 'Is `outpost serve` still running? Open the URL it printed (a restarted server prints a new one).' })));
  });
  ws.addEventListener('message', (ev) => {
    const msg = JSON.parse(String(ev.data)) as { type: string; id?: number; result?: Result<unknown>; name?: string; payload?: unknown };
    if (msg.type === 'response' && msg.id !== undefined) {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (!p || !msg.result) return;
      if (msg.result.ok) p.resolve(msg.result.value);
      else p.reject(new ApiRequestError(msg.result.error));
    } else if (msg.type === 'event' && msg.name) {
      listeners.get(msg.name)?.forEach((l) => l(msg.payload));
    }
  });
  ws.addEventListener('close', () => {
    for (const p of pending.values()) p.reject(new ApiRequestError({ code: 'disconnected', message: 'The connection to Outpost was lost.', hint: 'Restart `outpost serve` and open its URL.' }));
    pending.clear();
  });
  const send = <K extends RequestName>(name: K, input: RequestInput<K>): Promise<RequestOutput<K>> => {
    const id = ++seq;
    return new Promise<RequestOutput<K>>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      ws.send(JSON.stringify({ id, name, input }));
    });
  };
  // Sent in order on the socket: the first message once it opens, before any request of the page.
  const listening = optionalEvents((names) => void open.then(() => send('events.subscribe', { names })).catch(() => undefined));
  return {
    request: async <K extends RequestName>(name: K, input: RequestInput<K>): Promise<RequestOutput<K>> => {
      await open;
      if (name === 'terminal.write') {
        const { id, data, flush } = input as RequestInput<'terminal.write'>;
        const parts = splitTerminalInput(data);
        // A paste too big for one message goes in order, one piece after the other (a flush with the last).
        for (const part of parts.slice(0, -1)) await send('terminal.write', { id, data: part });
        return send(name, { id, data: parts[parts.length - 1] ?? '', ...(flush ? { flush } : {}) } as RequestInput<K>);
      }
      return send(name, input);
    },
    on: <K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void) => {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      set.add(listener as Listener);
      const stop = listening(name);
      return () => {
        stop();
        set.delete(listener as Listener);
      };
    },
  };
}

declare global {
  interface Window {
    outpostBridge?: OutpostBridge;
  }
}

export const api: OutpostApi = window.outpostBridge ? fromBridge(window.outpostBridge) : fromWebSocket();

/**
 * The desktop app: a host list is picked in main's native dialog (hosts.pickFile), which also lets
 * Outpost delete exactly that file later. A browser page reads the file it was given (contents only).
 */
export function isDesktop(): boolean {
  return window.outpostBridge !== undefined;
}
