// Listings printed by tools on a remote host, turned into entries for checkEntries: for an archive that
// is already on a target, check `tar -tvf ARCHIVE` (GNU tar or BusyBox, default quoting) before unpacking.
import type { ArchiveEntry, EntryProblem, EntryType } from './entries';

const LINE = /^([-dlhcbpsC])[-rwxsStT]{9}\S*\s+\S+\s+(\d+|\d+,\s*\d+)\s+\d{4}-\d{2}-\d{2}\s+\d{2}:\d{2}(?::\d{2})?\s(.*)$/;

const TYPES: Record<string, EntryType> = { '-': 'file', C: 'file', d: 'directory', l: 'symlink', h: 'hardlink', c: 'device', b: 'device', p: 'fifo' };

/** Undoes GNU tar's default escaping of names (`\\`, `\n`, `\t`, octal `\ooo` bytes of UTF-8...). */
export function unescapeTarName(s: string): string {
  const simple: Record<string, string> = { '\\': '\\', n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '?': '?' };
  const bytes: Buffer[] = [];
  let last = 0;
  for (const m of s.matchAll(/\\([0-7]{3}|.)/g)) {
    const c = m[1] ?? '';
    bytes.push(Buffer.from(s.slice(last, m.index), 'utf8'));
    bytes.push(/^[0-7]{3}$/.test(c) ? Buffer.from([parseInt(c, 8) & 0xff]) : Buffer.from(simple[c] ?? m[0], 'utf8'));
    last = m.index + m[0].length;
  }
  bytes.push(Buffer.from(s.slice(last), 'utf8'));
  return Buffer.concat(bytes).toString('utf8');
}

/**
 * Parses the output of `tar -tv` (GNU tar or BusyBox). A line that cannot be read for sure (a link whose
 * name or target itself holds " -> " or " link to ") is a problem: checkEntries' caller refuses those too.
 */
export function parseTarVerbose(text: string): { entries: ArchiveEntry[]; problems: EntryProblem[] } {
  const entries: ArchiveEntry[] = [];
  const problems: EntryProblem[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (raw.trim() === '') continue;
    const index = entries.length + problems.length;
    const m = LINE.exec(raw);
    if (!m) {
      problems.push({ index, entry: raw.slice(0, 200), reason: 'is not a line of `tar -tv` output' });
      continue;
    }
    const [, t = '', size = '', rest = ''] = m;
    const type: EntryType = TYPES[t] ?? 'other';
    const sep = type === 'symlink' ? ' -> ' : type === 'hardlink' ? ' link to ' : undefined;
    if (sep) {
      const parts = rest.split(sep);
      if (parts.length !== 2) {
        problems.push({ index, entry: rest, reason: `is a link whose name or target contains "${sep.trim()}": the listing is ambiguous` });
        continue;
      }
      entries.push({ path: unescapeTarName(parts[0] ?? ''), type, linkTarget: unescapeTarName(parts[1] ?? ''), size: 0 });
    } else {
      entries.push({ path: unescapeTarName(rest), type, size: type === 'file' ? Number(size) : 0 });
    }
  }
  return { entries, problems };
}
