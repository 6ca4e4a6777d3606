// export.ansible: the Review page's Export button. The plan of the answers, the host keys Outpost has
// verified (its own known_hosts) and the local packages it uploads, written as an Ansible export.
import path from 'node:path';
import type { CoreContext } from '../../context';
import { OutpostError } from '../../errors';
import { exportAnsibleToFolder } from '../../export';
import type { OutpostService } from '../../service';
import type { Handlers } from '../dispatcher';

export function exportHandlers(ctx: CoreContext, service: OutpostService): Pick<Handlers, 'export.ansible'> {
  return {
    'export.ansible': async ({ answers, folder }) => {
      if (!path.isAbsolute(folder)) throw new OutpostError('export.folder', `${folder} is not a full path.`, 'Give the full path of the folder, e.g. /home/me/icagent-ansible.');
      const plan = service.plan(answers);
      if (!plan.hosts.targets.length) throw new OutpostError('export.no_targets', 'The plan has no SSH target to export.', 'Add the hosts on the Hosts step (this computer is not exported: Ansible runs from it).');
      const r = await exportAnsibleToFolder({ plan, knownHosts: service.knownHosts(), folder: path.resolve(folder), version: ctx.version });
      return {
        folder: r.folder,
        files: r.written,
        targets: plan.hosts.targets.length,
        hostsWithoutKey: r.hostsWithoutKey.map((h) => ({ name: h.name, label: h.label })),
        env: r.env,
        passwordHosts: r.passwordHosts,
        warnings: r.warnings,
      };
    },
  };
}
