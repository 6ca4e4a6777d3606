// forward: one union for tunnels — local (`ssh -L`) or remote (`ssh -R`), persistent (a systemd unit,
// else `ssh -f` in the background, said plainly) or the vendor's one-off `ssh -f -N`. The runner starts
// it over the jump server's (or proxy's) own SSH connection (./run.ts); the playbook runs the same
// steps as one bash script (./ansible.ts). Only the persistent local form has a faithful Ansible form.
import type { MessagePart } from '../../../common/api/run';
import { OutpostError } from '../../errors';
import { text, tail } from '../ansible-kit';
import { lit, merged, unmappable } from '../jinja';
import type { ActionModule } from '../types';
import { forwardScript } from './ansible';
import { runForward } from './run';

const part = (key: string, params: Record<string, string | number> = {}): MessagePart => ({ key, params });

export const forward: ActionModule<'forward'> = {
  kind: 'forward',
  validate: (a) => (a.forwards.length ? [] : ['forwards: a tunnel needs at least one forward']),
  display: (a) => (a.form === 'oneoff' ? a.oneoffCommand : `${a.sshArgv.join(' ')}\n(systemd unit ${a.unitName}; ${a.fallback})`),
  async run(a, c) {
    if (!c.tunnel) throw new OutpostError('local_unsupported', 'Tunnels run on jump servers over SSH.', 'This is a bug in the plan.');
    const r = await runForward({ conn: c.tunnel.conn, ex: c.ex, action: a, jumpPassword: c.tunnel.jumpPassword, ...(c.tunnel.listenConn ? { listenConn: c.tunnel.listenConn } : {}), output: (t) => c.output(t), signal: c.signal });
    c.output(`${r.ports.map((p) => `${p.name} ${p.host}:${p.port} ${p.listening ? 'listening' : 'NOT listening'}`).join('\r\n')}\r\n`);
    const what = r.action === 'repaired' ? 'tunnel repaired' : 'tunnel started';
    const how = r.form === 'background' ? 'ssh -f in the background' : r.form === 'systemd' ? `systemd unit ${a.unitName}` : `systemd user unit ${a.unitName}`;
    const quiet = r.form === 'background' && r.warnings.length > 0;
    const parts = [part(`run.msg.tunnel.${r.action}`), ...(quiet ? [] : [part(`run.msg.how.${r.form}`, { unit: a.unitName })]), ...r.warnings.map((w) => part(`run.msg.warn.${w.code}`, w.params))];
    return { status: r.warnings.length ? 'warning' : 'done', message: [quiet ? what : `${what} (${how})`, ...r.warnings.map((w) => w.text)].join('; '), parts };
  },
  ansible(a, c) {
    if (a.direction !== 'local') throw unmappable(c.step.id, 'it is a remote forward (ssh -R), which the export does not map');
    if (a.form !== 'persistent') throw unmappable(c.step.id, 'the vendor tunnel (ssh -f -N, answering a password prompt) has no faithful Ansible form; choose the persistent tunnel (answers: connectivity.tunnel: persistent)');
    const out = `(${c.reg}.stdout | default(''))`;
    const fail = `(('OUTPOST_FAIL' in ${out}) or ${c.reg}.rc != 0)`;
    return [
      c.scriptTask(c.title, 'bash', `${c.step.id}.sh.j2`, merged([lit(forwardScript(a))]), { register: c.reg, changed_when: true, failed_when: false, timeout: 120, ...c.when() }),
      {
        name: text(`${c.step.id} (result)`),
        'ansible.builtin.assert': {
          that: [`not ${fail}`],
          success_msg: `{{ ${c.reg}.stdout_lines | select('match', '^(tunnel |OUTPOST_WARN )') | map('regex_replace', '^OUTPOST_WARN ', 'warning: ') | list }}`,
          fail_msg: `{{ (${c.reg}.stdout_lines | select('match', '^OUTPOST_(FAIL|HINT) ') | map('regex_replace', '^OUTPOST_FAIL ', '') | map('regex_replace', '^OUTPOST_HINT ', 'hint: ') | join(' — ')) or (${tail(c.reg)}) }}`,
          quiet: false,
        },
        when: `${c.reg} is not skipped`,
      },
    ];
  },
};
