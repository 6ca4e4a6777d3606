// terminal.openSsh: a shell on a plan's host from the Result page, attached like the local shell (the
// terminal belongs to the client that opened it; write/resize/ack/close are the terminal requests).
import type { CoreContext } from '../../context';
import { storeResolver } from '../../secrets/store';
import type { OutpostService } from '../../service';
import { openSshShell } from '../../terminal/ssh-shell';
import type { TerminalManager } from '../../terminal/manager';
import { claim, type Handlers } from '../dispatcher';

export function hostTerminalHandlers(ctx: CoreContext, service: OutpostService, terminals: TerminalManager): Pick<Handlers, 'terminal.openSsh'> {
  return {
    'terminal.openSsh': async ({ answers, hostId, cols, rows }, client) => {
      const plan = service.plan(answers);
      const source = await openSshShell(plan, hostId, { cols, rows }, { knownHosts: service.knownHosts(), resolver: storeResolver(ctx.secretStore), secrets: ctx.secrets, log: ctx.log });
      const id = terminals.attach(client, source);
      claim(client, 'terminal', id);
      return { id, shell: source.label };
    },
  };
}
