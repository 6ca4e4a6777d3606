// upload: a local file to a path on the host, SHA-256 checked there before anything uses it. The local
// file was checked before anything connected (packages/plan-packages.ts). On the host the executor
// stages it privately, checks it, and puts it in place atomically (as root with `root`, owned by
// `owner`); the destination folder is created. A host that already has the file is not sent it again.
import path from 'node:path';
import { sha256File } from '../packages/checksum';
import { become, octal, text } from './ansible-kit';
import { escapeLiteral, jstr, unmappable } from './jinja';
import type { ActionModule } from './types';
import { ownerProblems } from './write-file';

const size = (n: number) => (n < 1048576 ? `${n} bytes` : `${(n / 1048576).toFixed(1)} MiB`);

export const upload: ActionModule<'upload'> = {
  kind: 'upload',
  validate: (a) => [...ownerProblems(a), ...(a.from ? [] : ['from: the local file is missing (a profile that needs a package says package: required)'])],
  display: (a) => `upload ${a.from} to ${a.to} (SHA-256 ${a.sha256 ? `${a.sha256} ` : ''}checked here before sending and on the target; an interrupted upload is sent again${a.root ? '; placed as root' : ''}${a.owner ? `, owner ${a.owner}` : ''})`,
  async run(a, c) {
    // Checked before any connection: the file is there and has the expected SHA-256.
    const raw = c.step.action.kind === 'upload' ? c.step.action.from : a.from;
    const sum = c.packages?.byLocal.get(raw) ?? (await sha256File(a.from, c.signal));
    const r = await c.ex.files.upload(a.from, a.to, { signal: c.signal, root: a.root, mode: a.mode, owner: a.owner, sha256: sum, onProgress: (sent, total) => c.progress(sent, total) });
    if (r.resumed) c.say('an earlier upload of this package did not finish: it was sent again');
    const message = r.sent
      ? `${path.basename(a.from)} → ${c.ex.show(a.to)} (${size(r.bytes)}, SHA-256 ${sum.slice(0, 12)}… checked on the host)`
      : `${c.ex.show(a.to)} is already on the host with SHA-256 ${sum.slice(0, 12)}…: not sent again`;
    c.say(message);
    return { message };
  },
  ansible(a, c) {
    const sum = c.packages?.byLocal.get(a.from);
    if (sum === undefined) throw unmappable(c.step.id, `${a.from} was not checked (the export reads every package it uploads)`);
    const reg = c.reg;
    return [
      {
        name: text(`${c.step.id} (SHA-256 of ${a.from} on this computer)`),
        'ansible.builtin.stat': { path: escapeLiteral(a.from), checksum_algorithm: 'sha256', get_checksum: true },
        delegate_to: 'localhost',
        run_once: true,
        register: `${reg}_local`,
        ...c.when(),
      },
      {
        name: text(`${c.step.id} (the file is the one checked)`),
        'ansible.builtin.assert': {
          that: [`${reg}_local.stat.exists`, `${reg}_local.stat.checksum == ${jstr(sum)}`],
          fail_msg: `${escapeLiteral(a.from)} {% if ${reg}_local.stat.exists %}has SHA-256 {{ ${reg}_local.stat.checksum }}, expected ${sum}{% else %}is missing{% endif %}. Nothing was sent. — hint: Get the package again from the vendor, or correct the expected SHA-256 if it was mistyped.`,
          quiet: true,
        },
        run_once: true,
        when: `${reg}_local is not skipped`,
      },
      // The runner's upload creates the destination folder: so does the playbook.
      { name: text(`${c.step.id} (folder)`), 'ansible.builtin.file': { path: escapeLiteral(path.posix.dirname(a.to)), state: 'directory' }, ...become(a.root), ...c.when() },
      {
        name: text(c.title),
        'ansible.builtin.copy': { src: escapeLiteral(a.from), dest: escapeLiteral(a.to), mode: octal(a.mode), ...(a.owner ? { owner: escapeLiteral(a.owner) } : {}) },
        ...become(a.root),
        ...c.when(),
      },
      {
        name: text(`${c.step.id} (SHA-256 checked on the host)`),
        'ansible.builtin.stat': { path: escapeLiteral(a.to), checksum_algorithm: 'sha256', get_checksum: true },
        ...become(a.root),
        register: `${reg}_remote`,
        ...c.when(),
      },
      {
        name: text(`${c.step.id} (result)`),
        'ansible.builtin.assert': {
          that: [`${reg}_remote.stat.checksum | default('') == ${jstr(sum)}`],
          success_msg: `${escapeLiteral(`${path.basename(a.from)} → ${a.to} (SHA-256 ${sum.slice(0, 12)}… checked on the host)`)}`,
          fail_msg: `the copy at ${escapeLiteral(a.to)} does not have the expected SHA-256 (${sum})`,
          quiet: false,
        },
        when: `${reg}_remote is not skipped`,
      },
    ];
  },
};
