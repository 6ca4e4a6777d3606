// The Electron transport: one invoke channel for requests, one send channel for events, over the
// shared dispatcher. Only frames showing the app's own page may call it.
import { ipcMain, type WebContents, type WebFrameMain } from 'electron';
import { IPC_EVENT_CHANNEL, IPC_REQUEST_CHANNEL } from '../common/api';
import type { Client, Dispatcher } from '../core/api/dispatcher';

export function isTrustedFrame(frame: WebFrameMain | null, appUrl: string): boolean {
  if (!frame) return false;
  try {
    const u = new URL(frame.url);
    const app = new URL(appUrl);
    return u.protocol === app.protocol && u.host === app.host && u.pathname === app.pathname;
  } catch {
    return false;
  }
}

export function installIpc(dispatcher: Dispatcher, appUrl: () => string): void {
  const clients = new Map<number, Client>();
  const clientFor = (wc: WebContents): Client => {
    let c = clients.get(wc.id);
    if (c) return c;
    const closers: Array<() => void> = [];
    c = {
      id: `window-${wc.id}`,
      emit: (name, payload) => {
        if (!wc.isDestroyed()) wc.send(IPC_EVENT_CHANNEL, name, payload);
      },
      onClose: (fn) => closers.push(fn),
    };
    clients.set(wc.id, c);
    wc.once('destroyed', () => {
      clients.delete(wc.id);
      for (const fn of closers.splice(0)) fn();
    });
    return c;
  };
  ipcMain.handle(IPC_REQUEST_CHANNEL, async (event, name: unknown, input: unknown) => {
    if (!isTrustedFrame(event.senderFrame, appUrl())) {
      return { ok: false, error: { code: 'forbidden', message: 'Request from an untrusted frame refused.' } };
    }
    return dispatcher.call(name, input, clientFor(event.sender));
  });
}
