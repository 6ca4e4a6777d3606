// editIni: set keys in sections of an existing INI file and change nothing else (comments, order, other
// keys, line endings); the file is replaced atomically keeping its mode and owner, with a backup. The
// playbook uses the same rules as an Ansible module shipped in the export (./ini-module.ts).
import path from 'node:path';
import { OutpostError } from '../errors';
import { become, text } from './ansible-kit';
import { INI_MODULE, INI_MODULE_NAME } from './ini-module';
import { envLookup, escapeLiteral } from './jinja';
import type { ActionModule } from './types';

export interface IniChange {
  section: string;
  key: string;
  from: string | null;
  to: string;
}

/** A secret value is never said: neither what it was nor what it becomes. */
const said = (x: IniChange, secret: boolean) => (secret ? `[${x.section}] ${x.key} = ****${x.from === null ? ' (added)' : ' (changed)'}` : `[${x.section}] ${x.key} = ${x.to}${x.from === null ? ' (added)' : ` (was ${x.from})`}`);

const SECTION = /^\s*\[([^\]]+)\]\s*(?:[;#].*)?$/;
const ENTRY = /^(\s*)([^=;#\s][^=]*?)(\s*=\s*)(.*?)(\r?)$/;

/**
 * Sets keys in INI text and changes nothing else: comments, blank lines, order, other keys and the
 * file's line endings stay as they are (the vendor's comments document the file). A key missing from
 * its section is added after the section's last entry; a missing section is appended.
 * Written here rather than with the `ini` package because that one re-serialises the whole file and
 * drops every comment.
 */
export function editIniText(text: string, set: ReadonlyArray<{ section: string; key: string; value: string }>): { text: string; changes: IniChange[] } {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.length ? text.split(/\n/) : [];
  const trailingNewline = text.endsWith('\n');
  if (trailingNewline) lines.pop();
  const changes: IniChange[] = [];
  // A key added keeps the file's own style: the separator of its first entry (`key = value` or `key=value`).
  const style = lines.map((l) => (SECTION.test(l) ? null : ENTRY.exec(l))).find((e) => e)?.[3] ?? '=';
  for (const { section, key, value } of set) {
    let current = '';
    let sectionStart = -1;
    let lastEntry = -1;
    let found = false;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? '';
      const s = SECTION.exec(line);
      if (s) {
        if (current === section && sectionStart !== -1) break;
        current = (s[1] ?? '').trim();
        if (current === section) sectionStart = i;
        continue;
      }
      if (current !== section) continue;
      const e = ENTRY.exec(line);
      if (!e) continue;
      lastEntry = i;
      if ((e[2] ?? '').trim() !== key) continue;
      const before = (e[4] ?? '').trim();
      found = true;
      if (before !== value) {
        lines[i] = `${e[1] ?? ''}${e[2] ?? ''}${e[3] ?? ''}${value}${e[5] ?? ''}`;
        changes.push({ section, key, from: before, to: value });
      }
      break;
    }
    if (found) continue;
    const cr = eol === '\r\n' ? '\r' : '';
    if (sectionStart === -1) {
      if (lines.length && (lines[lines.length - 1] ?? '').trim() !== '') lines.push(cr);
      lines.push(`[${section}]${cr}`, `${key}${style}${value}${cr}`);
    } else {
      lines.splice((lastEntry === -1 ? sectionStart : lastEntry) + 1, 0, `${key}${style}${value}${cr}`);
    }
    changes.push({ section, key, from: null, to: value });
  }
  return { text: lines.join('\n') + (trailingNewline || lines.length ? '\n' : ''), changes };
}

export const editIni: ActionModule<'editIni'> = {
  kind: 'editIni',
  validate: (a) => (a.set.some((x) => /[\r\n]/.test(x.section + x.key + (typeof x.value === 'string' ? x.value : ''))) ? ['set: a section, key or value spans lines'] : []),
  display: (a) => `edit ${a.path}: ${a.set.map((x) => `[${x.section}] ${x.key}=${typeof x.value === 'string' ? x.value : '****'}`).join(', ')} (comments and other keys kept${a.root ? '; as root' : ''})`,
  async run(a, c) {
    const o = { signal: c.signal, root: a.root };
    const before = await c.ex.files.read(a.path, o);
    if (before === null) throw new OutpostError('file_missing', `${c.ex.show(a.path)} does not exist on ${c.host}.`, 'The package that provides it may not be installed: check the install step above.');
    const values = a.set.map((x) => {
      const v = typeof x.value === 'string' ? x.value : c.secret(x.value.secret, x.value.name);
      if (/[\r\n]/.test(v)) throw new OutpostError('value_invalid', `[${x.section}] ${x.key}: the value spans lines, which an INI file cannot hold.`, 'Give a value on one line.');
      return { section: x.section, key: x.key, value: v };
    });
    const secretKeys = new Set(a.set.filter((x) => typeof x.value !== 'string').map((x) => `${x.section}\n${x.key}`));
    const r = editIniText(before, values);
    for (const x of r.changes) c.say(said(x, secretKeys.has(`${x.section}\n${x.key}`)));
    if (!r.changes.length) {
      // Content-aware: nothing to change is a skipped step (a rerun reports it unchanged).
      c.say(`${c.ex.show(a.path)} already has these values`);
      return { status: 'skipped', message: `${c.ex.show(a.path)} unchanged (already has these values)` };
    }
    await c.ex.files.write(a.path, r.text, { ...o, mode: 0o600, keep: true });
    return { message: `${c.ex.show(a.path)}: ${r.changes.map((x) => `[${x.section}] ${x.key}`).join(', ')} set (backup: ${path.basename(a.path)}.outpost-backup)` };
  },
  ansible(a, c) {
    c.file(`library/${INI_MODULE_NAME}.py`, INI_MODULE);
    const anySecret = a.set.some((x) => typeof x.value !== 'string');
    return [
      {
        name: text(c.title),
        [INI_MODULE_NAME]: {
          path: escapeLiteral(a.path),
          // A secret comes from the controller's environment (as writeFile's do) and is never said by the module.
          set: a.set.map((x) => ({ section: escapeLiteral(x.section), key: escapeLiteral(x.key), ...(typeof x.value === 'string' ? { value: escapeLiteral(x.value) } : { value: `{{ ${envLookup(c.useSecret(x.value))} }}`, secret: true }) })),
        },
        ...(anySecret ? { no_log: true } : {}),
        ...become(a.root),
        ...c.when(),
      },
    ];
  },
};
