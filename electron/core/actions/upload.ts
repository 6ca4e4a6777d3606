// upload: a local file to a path on the host, SHA-256 checked there before anything uses it. The local
// file was checked before anything connected (packages/plan-packages.ts). On the host the executor
// receives it under a fresh name beside its place, checks it, and renames it into place (as root with `root`, owned by
// `owner`); the destination folder is created. A host that already has the file is not sent it again.
// With `fromFact` the file is one a `fetch` step of this run wrote on this computer: its path and SHA-256
// are that step's run facts (the playbook: the file its fetch tasks wrote, hashed there).
import path from 'node:path';
import { OutpostError } from '../errors';
import { sha256File } from '../packages/checksum';
import { become, octal, text, type AnsibleStep, type Task } from './ansible-kit';
import { exportedFetchPath } from './fetch';
import { escapeLiteral, jstr, unmappable } from './jinja';
import type { ActionModule, ActionOf, StepContext } from './types';
import { ownerProblems } from './write-file';

const size = (n: number) => (n < 1048576 ? `${n} bytes` : `${(n / 1048576).toFixed(1)} MiB`);

type Upload = ActionOf<'upload'>;

/** The local file and the SHA-256 it must have on the host. */
async function source(a: Upload, c: StepContext): Promise<{ file: string; sum: string }> {
  if (a.fromFact) {
    const file = c.facts[`${a.fromFact}.path`];
    const sum = c.facts[`${a.fromFact}.sha256`];
    if (!file || !sum) throw new OutpostError('fetch_missing', `${a.from} was not fetched on this computer in this run, so there is nothing to send.`, 'The step that fetches it comes first: run the whole plan again.');
    return { file, sum };
  }
  // Checked before any connection: the file is there and has the expected SHA-256.
  const raw = c.step.action.kind === 'upload' ? c.step.action.from : a.from;
  return { file: a.from, sum: c.packages?.byLocal.get(raw) ?? (await sha256File(a.from, c.signal)) };
}

/** The playbook's copy of a fetched file: hashed on the controller, copied, checked on the host against that. */
function fetchedTasks(a: Upload, fact: string, c: AnsibleStep): Task[] {
  const src = exportedFetchPath(fact);
  const reg = c.reg;
  return [
    { name: text(`${c.step.id} (SHA-256 of the fetched file on this computer)`), 'ansible.builtin.stat': { path: src, checksum_algorithm: 'sha256', get_checksum: true }, delegate_to: 'localhost', run_once: true, register: `${reg}_local`, ...c.when() },
    { name: text(`${c.step.id} (folder)`), 'ansible.builtin.file': { path: escapeLiteral(path.posix.dirname(a.to)), state: 'directory' }, ...become(a.root), ...c.when() },
    { name: text(c.title), 'ansible.builtin.copy': { src, dest: escapeLiteral(a.to), mode: octal(a.mode), ...(a.owner ? { owner: escapeLiteral(a.owner) } : {}) }, ...become(a.root), ...c.when() },
    { name: text(`${c.step.id} (SHA-256 checked on the host)`), 'ansible.builtin.stat': { path: escapeLiteral(a.to), checksum_algorithm: 'sha256', get_checksum: true }, ...become(a.root), register: `${reg}_remote`, ...c.when() },
    {
      name: text(`${c.step.id} (result)`),
      'ansible.builtin.assert': {
        that: [`${reg}_local.stat.checksum | default('none') == ${reg}_remote.stat.checksum | default('')`],
        success_msg: `${escapeLiteral(a.to)} has the fetched file's SHA-256 ({{ ${reg}_local.stat.checksum }})`,
        fail_msg: `the copy at ${escapeLiteral(a.to)} does not have the fetched file's SHA-256`,
        quiet: false,
      },
      when: `${reg}_remote is not skipped`,
    },
  ];
}

export const upload: ActionModule<'upload'> = {
  kind: 'upload',
  validate: (a) => [...ownerProblems(a), ...(a.from ? [] : ['from: the local file is missing (a profile that needs a package says package: required)'])],
  display: (a) =>
    a.fromFact
      ? `upload the installer this computer fetched (${a.from}) to ${a.to} (SHA-256 checked on the target against the fetched file's${a.root ? '; placed as root' : ''}${a.owner ? `, owner ${a.owner}` : ''})`
      : `upload ${a.from} to ${a.to} (SHA-256 ${a.sha256 ? `${a.sha256} ` : ''}checked here before sending and on the target before it is put in place${a.root ? '; placed as root' : ''}${a.owner ? `, owner ${a.owner}` : ''})`,
  async run(a, c) {
    const { file, sum } = await source(a, c);
    const r = await c.ex.files.upload(file, a.to, { signal: c.signal, root: a.root, mode: a.mode, owner: a.owner, sha256: sum, onProgress: (sent, total) => c.progress(sent, total) });
    if (r.replaced) c.say(`a different file was at ${c.ex.show(a.to)} (an older package, or a copy cut short): replaced`);
    const message = r.sent
      ? `${path.basename(a.fromFact ? a.to : a.from)} → ${c.ex.show(a.to)} (${size(r.bytes)}, SHA-256 ${sum.slice(0, 12)}… checked on the host)`
      : `${c.ex.show(a.to)} is already on the host with SHA-256 ${sum.slice(0, 12)}…: not sent again`;
    c.say(message);
    // Content-aware: the same file already there is an unchanged (skipped) step.
    return r.sent ? { message } : { status: 'skipped', message };
  },
  ansible(a, c) {
    if (a.fromFact) return fetchedTasks(a, a.fromFact, c);
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
