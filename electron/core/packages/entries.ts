// Archive entries and the rules that decide whether an archive is safe to unpack (zip-slip and friends).
// Pure: works on a listing, whatever produced it (yauzl, tar, or the text of `tar -tv` run on a remote host).
import { showControls } from '../../common/visible';

export type EntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'device' | 'fifo' | 'other';

export interface ArchiveEntry {
  /** The name as stored in the archive, unchanged. */
  path: string;
  type: EntryType;
  /** Symbolic links: the target as stored. Hard links (tar): the archive path of the linked entry. */
  linkTarget?: string | undefined;
  /** Bytes of content once unpacked (files). */
  size?: number | undefined;
  /** Unix permission bits when the archive records them. */
  mode?: number | undefined;
}

export interface EntryProblem {
  /** Position of the entry in the archive, from 0. */
  index: number;
  /** The entry's name as stored. */
  entry: string;
  /** Why it is refused, e.g. `climbs out of the destination with ".."`. */
  reason: string;
}

/** Links followed while resolving one symbolic link before it counts as a loop (Linux's limit). */
const MAX_LINK_DEPTH = 40;
/** Links followed in all while resolving one (links that each name several others would blow up otherwise). */
const MAX_STEPS = 10_000;

type Split = { ok: true; parts: string[] } | { ok: false; reason: string };

/**
 * Splits an entry name into its components, refusing what could land outside the destination.
 * Backslashes count as separators (they are on Windows, and some zip tools write them).
 */
export function splitEntryPath(name: string, what = 'the name'): Split {
  if (name === '') return { ok: false, reason: `${what} is empty` };
  if (name.includes('\0')) return { ok: false, reason: `${what} contains a NUL character` };
  if (/^[A-Za-z]:/.test(name)) return { ok: false, reason: `${what} starts with a Windows drive letter (${name.slice(0, 2)})` };
  const p = name.replace(/\\/g, '/');
  if (p.startsWith('/')) return { ok: false, reason: `${what} is an absolute path` };
  const parts = p.split('/').filter((c) => c !== '' && c !== '.');
  if (parts.includes('..')) return { ok: false, reason: `${what} climbs out of the destination with ".."` };
  return { ok: true, parts };
}

/** The entry's path relative to the destination, with `/` separators; `''` for the destination itself. */
export function normalizeEntryPath(name: string): string | undefined {
  const s = splitEntryPath(name);
  return s.ok ? s.parts.join('/') : undefined;
}

const typeWords: Record<EntryType, string> = {
  file: 'a file',
  directory: 'a folder',
  symlink: 'a symbolic link',
  hardlink: 'a hard link',
  device: 'a device',
  fifo: 'a FIFO (named pipe)',
  other: 'an entry of an unsupported type',
};

/**
 * Checks every entry of a listing; returns one problem per refused entry (empty: safe to unpack into an
 * empty folder). Refused: empty names, NUL, absolute paths, drive letters, `..` components (backslashes
 * count as separators), duplicates (after normalization), devices, FIFOs and unknown types, entries
 * inside a file or going through a symbolic link of the archive, symbolic links that resolve outside the
 * destination (following the archive's other links, like the kernel would) or loop, and hard links to
 * anything but a file earlier in the archive.
 */
export function checkEntries(entries: readonly ArchiveEntry[]): EntryProblem[] {
  const problems: EntryProblem[] = [];
  const parts: Array<string[] | undefined> = entries.map((e) => {
    const s = splitEntryPath(e.path);
    return s.ok ? s.parts : undefined;
  });
  // First entry for each normalized path: what the destination holds once unpacked.
  const byPath = new Map<string, { index: number; entry: ArchiveEntry }>();
  entries.forEach((entry, index) => {
    const p = parts[index];
    if (p && !byPath.has(p.join('/'))) byPath.set(p.join('/'), { index, entry });
  });

  entries.forEach((entry, index) => {
    const refuse = (reason: string) => problems.push({ index, entry: entry.path, reason });
    const split = splitEntryPath(entry.path);
    if (!split.ok) return refuse(split.reason);
    const key = split.parts.join('/');
    if (key === '' && entry.type !== 'directory') return refuse(`${typeWords[entry.type]} cannot be the destination folder itself`);
    if (entry.type === 'device' || entry.type === 'fifo' || entry.type === 'other') return refuse(`is ${typeWords[entry.type]}, which an archive to unpack has no reason to hold`);
    const first = byPath.get(key);
    if (first && first.index !== index && key !== '') return refuse(`appears more than once in the archive (first as entry ${first.index + 1})`);
    const through = parentProblem(split.parts, byPath);
    if (through) return refuse(through);

    if (entry.type === 'symlink') {
      const target = entry.linkTarget ?? '';
      if (target === '') return refuse('is a symbolic link without a target');
      if (target.includes('\0')) return refuse('is a symbolic link whose target contains a NUL character');
      if (/^[A-Za-z]:/.test(target) || /^[/\\]/.test(target)) return refuse(`is a symbolic link to "${target}", an absolute path outside the destination`);
      const r = resolveLink(split.parts.slice(0, -1), target, byPath, 0);
      if (r === 'escape') return refuse(`is a symbolic link to "${target}", which resolves outside the destination`);
      if (r === 'loop') return refuse(`is a symbolic link to "${target}", which loops`);
    }
    if (entry.type === 'hardlink') {
      const target = entry.linkTarget ?? '';
      const t = splitEntryPath(target, 'its target');
      if (!t.ok) return refuse(`is a hard link to "${target}" outside the destination: ${t.reason}`);
      const linked = byPath.get(t.parts.join('/'));
      if (!linked || linked.index >= index || (linked.entry.type !== 'file' && linked.entry.type !== 'hardlink')) {
        return refuse(`is a hard link to "${target}", which is not a file earlier in the archive`);
      }
      const tp = parentProblem(t.parts, byPath);
      if (tp) return refuse(`is a hard link to "${target}", which ${tp}`);
    }
    return undefined;
  });
  return problems;
}

function parentProblem(parts: readonly string[], byPath: ReadonlyMap<string, { entry: ArchiveEntry }>): string | undefined {
  for (let i = 1; i < parts.length; i++) {
    const prefix = parts.slice(0, i).join('/');
    const e = byPath.get(prefix)?.entry;
    if (!e || e.type === 'directory') continue;
    if (e.type === 'symlink') return `goes through the symbolic link "${e.path}"`;
    return `is inside "${e.path}", which is ${typeWords[e.type]}`;
  }
  return undefined;
}

type Landing = string[] | 'escape' | 'loop';

/**
 * Where a link target lands, from `dir` (components under the destination), the way the kernel resolves
 * it: `..` from the destination escapes, and every link of the archive met on the way is followed.
 */
function resolveLink(dir: readonly string[], target: string, byPath: ReadonlyMap<string, { entry: ArchiveEntry }>, depth: number, budget = { steps: MAX_STEPS }): Landing {
  if (depth > MAX_LINK_DEPTH || --budget.steps < 0) return 'loop';
  if (/^[A-Za-z]:/.test(target) || /^[/\\]/.test(target)) return 'escape';
  const stack = [...dir];
  for (const c of target.split(/[/\\]/)) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (stack.length === 0) return 'escape';
      stack.pop();
      continue;
    }
    stack.push(c);
    const e = byPath.get(stack.join('/'))?.entry;
    if (e?.type === 'symlink') {
      stack.pop();
      const next = resolveLink(stack, e.linkTarget ?? '', byPath, depth + 1, budget);
      if (!Array.isArray(next)) return next;
      stack.splice(0, stack.length, ...next);
    }
  }
  return stack;
}

/**
 * One line naming the entry: `entry 1, "../evil": the name climbs out of the destination with ".."`. The
 * names come from the archive (or a host's listing of it): escapes and line breaks in them are shown,
 * never acted on.
 */
export function formatEntryProblem(p: EntryProblem): string {
  return showControls(`entry ${p.index + 1}, "${p.entry}": ${p.reason}`);
}
