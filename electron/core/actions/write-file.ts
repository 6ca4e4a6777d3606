// writeFile: content (text and secret pieces) to a path with a mode, atomically; `root` writes it as
// root, `owner` chowns it. A transient file (register.json, an env file) lives for the step that
// follows it and is removed whatever happened (the host job and the playbook both do that).
import path from 'node:path';
import { become, octal, text } from './ansible-kit';
import { envLookup, escapeLiteral, lit, toJinja, type JText } from './jinja';
import type { ActionModule } from './types';

const jsonEscape = (v: string) => JSON.stringify(v).slice(1, -1);
const mode = (m: number) => m.toString(8).padStart(4, '0');

/** `owner` needs root: only root may give a file away. */
export function ownerProblems(a: { root: boolean; owner?: string | undefined }): string[] {
  return a.owner && !a.root ? [`owner: ${a.owner} can only be set by root; add root: true`] : [];
}

export const writeFile: ActionModule<'writeFile'> = {
  kind: 'writeFile',
  validate: (a) => ownerProblems(a),
  display: (a) => `write ${a.path} (mode ${a.mode.toString(8)}${a.transient ? ', removed after the next step' : ''}${a.owner ? `, owner ${a.owner}` : ''}${a.root ? ', as root' : ''}):\n${a.content.map((c) => (typeof c === 'string' ? c : '****')).join('')}`,
  async run(a, c) {
    const esc = a.escape === 'json' ? jsonEscape : (v: string) => v;
    const content = a.content.map((p) => (typeof p === 'string' ? p : esc(c.secret(p.secret, p.name)))).join('');
    // Content-aware: a file that already holds exactly this, with this mode, is left alone (a rerun
    // reports it unchanged; a changed input is written without --reinstall). Owner changes rewrite it.
    if (!a.transient) {
      const o = { signal: c.signal, root: a.root };
      const st = await c.ex.files.stat(a.path, o).catch(() => null);
      if (st?.type === 'file' && (st.mode & 0o7777) === a.mode && (!a.owner || st.owner === a.owner.split(':')[0]) && (await c.ex.files.read(a.path, o).catch(() => null)) === content) {
        const message = `${c.ex.show(a.path)} unchanged (already has this content)`;
        c.say(message);
        return { status: 'skipped', message };
      }
    }
    await c.ex.files.write(a.path, content, { signal: c.signal, root: a.root, mode: a.mode, owner: a.owner });
    const message = `wrote ${c.ex.show(a.path)} (mode ${mode(a.mode)}${a.owner ? `, owner ${a.owner}` : ''}${a.transient ? ', removed after the next step' : ''})`;
    c.say(message);
    return { message };
  },
  ansible(a, c) {
    const envs: string[] = [];
    const body: JText = a.content.map((p) => {
      if (typeof p === 'string') return lit(p);
      const name = c.useSecret(p);
      envs.push(name);
      return { j: a.escape === 'json' ? `(${envLookup(name)} | to_json(ensure_ascii=False))[1:-1]` : envLookup(name) };
    });
    c.file(`templates/${c.step.id}.j2`, toJinja(body));
    const dir = path.posix.dirname(a.path);
    return [
      {
        name: text(`${c.step.id} (folder)`),
        'ansible.builtin.command': { argv: ['sh', '-c', 'umask 022 && mkdir -p -- "$1"', 'sh', escapeLiteral(dir)], creates: escapeLiteral(dir) },
        ...become(a.root),
        ...c.when(),
      },
      {
        name: text(c.title),
        'ansible.builtin.template': { src: `${c.step.id}.j2`, dest: escapeLiteral(a.path), mode: octal(a.mode), ...(a.owner ? { owner: escapeLiteral(a.owner) } : {}) },
        ...(envs.length ? { no_log: true } : {}),
        ...become(a.root),
        ...c.when(),
      },
    ];
  },
};
