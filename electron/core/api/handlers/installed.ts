// The Installed view's requests: the inventory from the journals, its actions as ordinary runs, and a
// shell on an installed host.
import type { CoreContext } from '../../context';
import { storeResolver } from '../../secrets/store';
import { inventoryOf, installedAnswers, type RunService } from '../../service';
import { openSshShell } from '../../terminal/ssh-shell';
import type { TerminalManager } from '../../terminal/manager';
import { claim, type Handlers } from '../dispatcher';

export function installedHandlers(ctx: CoreContext, runs: RunService, terminals: TerminalManager): Pick<Handlers, 'installed.list' | 'installed.run' | 'installed.terminal'> {
  return {
    'installed.list': () => inventoryOf(ctx.dataDir),
    'installed.run': (input, client) => runs.startInstalled(input.action, 'jump' in input ? { jump: input.jump } : { hosts: input.hosts }, client),
    'installed.terminal': async ({ host, cols, rows }, client) => {
      const { answers } = installedAnswers(runs.service, ctx.dataDir, { hosts: [host] });
      const plan = runs.service.plan(answers);
      const source = await openSshShell(plan, 'target0', { cols, rows }, { knownHosts: runs.service.knownHosts(), resolver: storeResolver(ctx.secretStore), secrets: ctx.secrets, log: ctx.log });
      const id = terminals.attach(client, source);
      claim(client, 'terminal', id);
      return { id, shell: source.label };
    },
  };
}
