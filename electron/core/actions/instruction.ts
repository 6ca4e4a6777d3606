// instruction: words for the person (a security group rule, load balancer listeners, DNS records).
// Nothing runs: the runner marks it skipped with the text's first line; the playbook prints it once.
import { text } from './ansible-kit';
import type { ActionModule } from './types';

export const instruction: ActionModule<'instruction'> = {
  kind: 'instruction',
  validate: () => [],
  display: (a) => a.text,
  run: async (a) => ({ status: 'skipped', message: `Manual step: ${a.text.split('\n')[0] ?? ''}` }),
  ansible: (a, c) => [{ name: text(`${c.title} (by hand)`), 'ansible.builtin.debug': { msg: `Manual step: ${a.text}`.split('\n').map(text) }, run_once: true }],
};
