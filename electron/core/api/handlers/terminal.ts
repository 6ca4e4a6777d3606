import type { CoreContext } from '../../context';
import { OutpostError } from '../../errors';
import { ptyAvailable, spawnLocalPty } from '../../terminal/local-pty';
import { TerminalManager } from '../../terminal/manager';
import type { Handlers } from '../dispatcher';

export function terminalHandlers(
  ctx: CoreContext,
  terminals: TerminalManager = new TerminalManager(ctx.secrets),
): Pick<Handlers, 'terminal.open' | 'terminal.write' | 'terminal.resize' | 'terminal.ack' | 'terminal.close'> {
  return {
    'terminal.open': ({ cols, rows }, client) => {
      if (!ptyAvailable()) {
        throw new OutpostError('pty_unavailable', 'A local terminal cannot be opened: node-pty is not built for this machine.', 'Reinstall Outpost, or run `npm rebuild node-pty` in a checkout.');
      }
      const source = spawnLocalPty({ cols, rows });
      const id = terminals.attach(client, source);
      return { id, shell: source.label };
    },
    'terminal.write': ({ id, data }) => {
      terminals.write(id, data);
      return null;
    },
    'terminal.resize': ({ id, cols, rows }) => {
      terminals.resize(id, cols, rows);
      return null;
    },
    'terminal.ack': ({ id, chars }) => {
      terminals.ack(id, chars);
      return null;
    },
    'terminal.close': ({ id }) => {
      terminals.close(id);
      return null;
    },
  };
}
