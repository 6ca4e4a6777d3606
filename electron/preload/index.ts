// Exposes exactly one object to the page. No Node, no raw ipcRenderer.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { OutpostBridge } from '../common/api/bridge';

const REQUEST = 'outpost:request';
const EVENT = 'outpost:event';

const bridge: OutpostBridge = {
  invoke: (name: string, input: unknown): Promise<unknown> => ipcRenderer.invoke(REQUEST, name, input),
  on: (name: string, listener: (payload: unknown) => void): (() => void) => {
    const wrapped = (_e: IpcRendererEvent, eventName: string, payload: unknown) => {
      if (eventName === name) listener(payload);
    };
    ipcRenderer.on(EVENT, wrapped);
    return () => {
      ipcRenderer.removeListener(EVENT, wrapped);
    };
  },
};

contextBridge.exposeInMainWorld('outpostBridge', bridge);
