import type { CoreContext } from '../../context';
import { OutpostError } from '../../errors';
import { ptyAvailable, spawnLocalPty } from '../../terminal/local-pty';
import { TerminalManager } from '../../terminal/manager';
import { claim, owns, release, type Client, type Handlers } from '../dispatcher';

/**
 * A TerminalManager whose terminals belong to the client they were attached for: the local shells
 * opened here and the runs' terminals (the run service attaches them with the client that started
 * the run) alike. The terminal requests below refuse a terminal another client opened.
 */
export class ClientTerminals extends TerminalManager {
  override attach(...args: Parameters<TerminalManager['attach']>): string {
    const id = super.attach(...args);
    claim(args[0], 'terminal', id);
    return id;
  }
}

/** Another client's terminal is reported exactly like one that does not exist. */
function ownTerminal(client: Client, id: string): string {
  if (!owns(client, 'terminal', id)) throw new OutpostError('terminal_not_found', `Terminal ${id} is not open.`, 'Open a new terminal.');
  return id;
}

export function terminalHandlers(
  ctx: CoreContext,
  terminals: TerminalManager = new ClientTerminals(ctx.secrets),
): Pick<Handlers, 'terminal.open' | 'terminal.write' | 'terminal.resize' | 'terminal.ack' | 'terminal.close'> {
  return {
    'terminal.open': ({ cols, rows }, client) => {
      if (!ptyAvailable()) {
        throw new OutpostError('pty_unavailable', 'A local terminal cannot be opened: node-pty is not built for this machine.', 'Reinstall Outpost, or run `npm rebuild node-pty` in a checkout.');
      }
      const source = spawnLocalPty({ cols, rows, secrets: ctx.secrets });
      const id = terminals.attach(client, source);
      claim(client, 'terminal', id);
      return { id, shell: source.label };
    },
    'terminal.write': ({ id, data, flush }, client) => {
      terminals.write(ownTerminal(client, id), data, flush === true);
      return null;
    },
    'terminal.resize': ({ id, cols, rows }, client) => {
      terminals.resize(ownTerminal(client, id), cols, rows);
      return null;
    },
    'terminal.ack': ({ id, chars }, client) => {
      if (owns(client, 'terminal', id)) terminals.ack(id, chars);
      return null;
    },
    'terminal.close': ({ id }, client) => {
      terminals.close(ownTerminal(client, id));
      release(client, 'terminal', id);
      return null;
    },
  };
}
