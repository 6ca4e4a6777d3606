// A terminal view for tests: it acknowledges `perTick` characters every few ms, like a slow renderer,
// so the terminal's flow control pauses and resumes its source (run-terminal and host-terminal tests).
import type { Client } from '../../../electron/core/client';
import type { TerminalManager } from '../../../electron/core/terminal/manager';

export function slowView(manager: TerminalManager, perTick: number) {
  const received: string[] = [];
  let pending = 0;
  let id = '';
  const timer = setInterval(() => {
    const n = Math.min(pending, perTick);
    pending -= n;
    if (n > 0 && id) manager.ack(id, n);
  }, 4);
  const client: Client = {
    id: 'view',
    emit: (name, payload) => {
      if (name !== 'terminal.data') return;
      const { data } = payload as { data: string };
      received.push(data);
      pending += data.length;
    },
    onClose: () => undefined,
  };
  return { client, received, setId: (v: string) => (id = v), stop: () => clearInterval(timer), text: () => received.join('') };
}
