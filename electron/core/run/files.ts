// The file actions of a plan (writeFile, editIni) on a host: over SSH as small bash scripts fed on
// stdin (contents travel base64-encoded inside the script, so no value is on a command line and no
// quoting can break), on this computer with Node's fs. Files are replaced atomically (temp file beside
// the target, then rename); an edited file keeps its owner and mode, and a backup.
import fs from 'node:fs';
import path from 'node:path';
import { quotePosix } from '../quote';

export interface IniChange {
  section: string;
  key: string;
  from: string | null;
  to: string;
}

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
      lines.push(`[${section}]${cr}`, `${key}=${value}${cr}`);
    } else {
      lines.splice((lastEntry === -1 ? sectionStart : lastEntry) + 1, 0, `${key}=${value}${cr}`);
    }
    changes.push({ section, key, from: null, to: value });
  }
  return { text: lines.join('\n') + (trailingNewline || lines.length ? '\n' : ''), changes };
}

/** bash: writes `content` to `file` with `mode`, atomically; the directory is created when missing. */
export function writeFileScript(file: string, content: string, mode: number): string {
  const f = quotePosix(file);
  return [
    'set -e; umask 077',
    `f=${f}; mkdir -p -- "$(dirname -- "$f")"`,
    't=$(mktemp "$f.outpost-XXXXXX")',
    "trap 'rm -f -- \"$t\"' EXIT",
    `printf '%s' '${Buffer.from(content, 'utf8').toString('base64')}' | base64 -d > "$t"`,
    `chmod ${mode.toString(8).padStart(4, '0')} "$t"`,
    'mv -f -- "$t" "$f"; trap - EXIT',
    `echo "wrote $f (${content.length} bytes, mode ${mode.toString(8).padStart(4, '0')})"`,
  ].join('\n');
}

/** bash: prints the file base64-encoded between markers (MISSING when it does not exist). */
export function readFileScript(file: string): string {
  return `f=${quotePosix(file)}; if [ -f "$f" ]; then echo OUTPOST_FILE_BEGIN; base64 < "$f" | tr -d '\\n'; echo; echo OUTPOST_FILE_END; else echo OUTPOST_FILE_MISSING; fi`;
}

export function parseReadOutput(output: string): string | null {
  if (/OUTPOST_FILE_MISSING/.test(output)) return null;
  const m = /OUTPOST_FILE_BEGIN\r?\n([A-Za-z0-9+/=]*)\r?\nOUTPOST_FILE_END/.exec(output);
  if (!m) throw new Error('could not read the file back');
  return Buffer.from(m[1] ?? '', 'base64').toString('utf8');
}

/** bash: replaces an existing file's content, keeping its owner and mode, with a backup beside it. */
export function replaceFileScript(file: string, content: string): string {
  return [
    'set -e',
    `f=${quotePosix(file)}`,
    'cp -p -- "$f" "$f.outpost-backup"',
    't=$(mktemp "$f.outpost-XXXXXX")',
    "trap 'rm -f -- \"$t\"' EXIT",
    `printf '%s' '${Buffer.from(content, 'utf8').toString('base64')}' | base64 -d > "$t"`,
    'chmod --reference="$f" "$t"; chown --reference="$f" "$t" 2>/dev/null || true',
    'mv -f -- "$t" "$f"; trap - EXIT',
    'echo "updated $f (backup: $f.outpost-backup)"',
  ].join('\n');
}

export function removeScript(files: readonly string[]): string {
  return `rm -f -- ${files.map(quotePosix).join(' ')}`;
}

/** This computer: the same operations with Node's fs. */
export const localFiles = {
  write(file: string, content: string, mode: number): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const t = `${file}.outpost-${process.pid}`;
    fs.writeFileSync(t, content, { mode });
    fs.chmodSync(t, mode);
    fs.renameSync(t, file);
  },
  read(file: string): string | null {
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
  },
  replace(file: string, content: string): void {
    const st = fs.statSync(file);
    fs.copyFileSync(file, `${file}.outpost-backup`);
    const t = `${file}.outpost-${process.pid}`;
    fs.writeFileSync(t, content, { mode: st.mode & 0o7777 });
    fs.renameSync(t, file);
  },
  remove(files: readonly string[]): void {
    for (const f of files) fs.rmSync(f, { force: true });
  },
};
