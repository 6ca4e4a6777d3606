// unpack: an archive into a folder, refusing it before anything is written when an entry could land
// outside the folder (absolute, `..`, a drive letter, a link out, a device) or when it unpacks to more
// than a sane ratio of its size or than the destination's free space (packages/size.ts). On this
// computer the checked unpacker does the work (packages/unpack.ts). On a POSIX host the listing is
// checked here — this computer's own listing of the same file when it uploaded it (the SHA-256 is
// checked on the host first), else the host's `unzip -Z` / `tar -tv`, failing closed on a line it
// cannot read or a count that does not add up — then tar or unzip extracts as the step's user
// (`root`), after the host's free space was compared with the declared total, never restoring setuid
// bits or owners from the archive; a setuid or setgid file the extraction left anyway is stripped and
// the step fails.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Action } from '../../common/api/plan';
import { OutpostError } from '../errors';
import { readChecksumBeside, sha256File } from '../packages/checksum';
import { checkEntries, formatEntryProblem, type ArchiveEntry, type EntryProblem } from '../packages/entries';
import { parseTarVerbose } from '../packages/listing';
import { archiveSizeError, checkArchiveSize, unpackedBytes } from '../packages/size';
import { unpackArchive } from '../packages/unpack';
import { quotePosix as q } from '../quote';
import { showControls } from '../../common/visible';
import { become, judgeTask, tail } from './ansible-kit';
import { escapeLiteral, lit, merged, unmappable, type JText } from './jinja';
import type { ActionModule, StepContext } from './types';
import { ownerProblems } from './write-file';

type Unpack = Extract<Action, { kind: 'unpack' }>;

/**
 * Remote listing commands for the archive kinds the targets unpack, after the archive's size in bytes
 * (an `OUTPOST_SIZE` line, for the ratio rule); the listing is checked here with the local unpacker's rules.
 */
export function listScript(archive: string, format: Unpack['format']): string {
  const size = `s=$(stat -Lc %s -- ${q(archive)}) || exit 1; echo "OUTPOST_SIZE $s"; `;
  if (format === 'zip') return `export LC_ALL=C; ${size}unzip -Z -l -- ${q(archive)}`;
  return `export LC_ALL=C; ${size}tar -tv${format === 'tar.gz' ? 'z' : ''}f ${q(archive)}`;
}

/** Takes the OUTPOST_SIZE line listScript prints first off the listing. */
export function splitListing(output: string): { archiveBytes: number | undefined; listing: string } {
  const m = /^OUTPOST_SIZE (\d+)\r?\n/.exec(output);
  return m ? { archiveBytes: Number(m[1]), listing: output.slice(m[0].length) } : { archiveBytes: undefined, listing: output };
}

// Unix attributes (`-rw-r--r--`), or FAT/NTFS ones (`-rw-a--`, archives made on Windows).
const ZIP_LINE = /^(?:([-dl?])[rwxsStT-]{9}|([-d])[r-][w-][x-][a-][h-][s-])\s+\S+\s+\S+\s+(\d+)\s+\S+\s+\d+\s+\S+\s+\S+\s+\S+\s(.*)$/;
const ZIP_HEAD = /^Archive:\s/;
const ZIP_SIZE = /^Zip file size: \d+ bytes?, number of entries: (\d+)\s*$/;
const ZIP_FOOT = /^(\d+) files?, (\d+) bytes? uncompressed/;

/**
 * Parses `unzip -Z -l` (zipinfo): a header, one line per entry, a footer. Fails closed: a line it cannot
 * read is a problem, and so are a missing header or footer, and entries or bytes that do not add up to
 * what the header and footer declare (a line skipped or misread). Links are refused outright (zipinfo
 * does not show their targets).
 */
export function parseZipinfo(text: string): { entries: ArchiveEntry[]; problems: EntryProblem[] } {
  const entries: ArchiveEntry[] = [];
  const problems: EntryProblem[] = [];
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const problem = (entry: string, reason: string) => problems.push({ index: entries.length + problems.length, entry: entry.slice(0, 200), reason });
  let declared: number | undefined;
  let foot: RegExpExecArray | null = null;
  let bytesRead = 0;
  for (const [i, raw] of lines.entries()) {
    if (i === 0 && ZIP_HEAD.test(raw)) continue;
    const size = i === 1 ? ZIP_SIZE.exec(raw) : null;
    if (size) {
      declared = Number(size[1]);
      continue;
    }
    if (i === lines.length - 1 && (foot = ZIP_FOOT.exec(raw))) continue;
    const m = ZIP_LINE.exec(raw);
    if (!m) {
      problem(raw, 'is a line of the listing Outpost cannot read, so the archive is not unpacked');
      continue;
    }
    const [, unix, fat, bytes = '0', name = ''] = m;
    const t = unix ?? fat ?? '';
    bytesRead += Number(bytes);
    if (t === 'l') problem(name, 'is a link: links in zip archives are not unpacked on targets');
    else entries.push({ path: name, type: t === 'd' ? 'directory' : t === '-' ? 'file' : 'other', size: Number(bytes) });
  }
  const parsed = entries.length + problems.filter((p) => p.reason.startsWith('is a link')).length;
  if (declared === undefined || !foot) problem('(the listing)', `has no ${declared === undefined ? 'header with the number of entries' : 'footer with the bytes uncompressed'}, so it may be incomplete and the archive is not unpacked`);
  else if (Number(foot[1]) !== declared || parsed !== declared) problem(`${declared} entries`, `the listing declares ${declared} entries but ${parsed} could be read, so the archive is not unpacked`);
  else if (Number(foot[2]) !== bytesRead) problem(`${foot[2]} bytes`, `the listing declares ${foot[2]} bytes uncompressed but its entries add up to ${bytesRead}, so the archive is not unpacked`);
  return { entries, problems };
}

/** What the host-side extraction checks besides the SHA-256. */
export interface ExtractChecks {
  /** Bytes the entries declare once unpacked: more than the free space at the destination stops the script (exit 3, OUTPOST_SPACE <free bytes>). */
  totalBytes?: number | undefined;
}

/**
 * The host-side extraction: the SHA-256 checked first (when known), the declared total against the free
 * space where the destination is (when known), then unzip / tar into dest with no setuid bits and no
 * owners from the archive. Afterwards a setuid or setgid file under dest that was not there before is
 * stripped of the bit and reported (OUTPOST_SETID <path>, exit 4): the extraction was not what it claims.
 */
export function extractScript(a: { archive: string; dest: string; format: Unpack['format'] }, sha256: string | null, checks: ExtractChecks = {}): string {
  const check = sha256 ? `printf '%s  %s\\n' ${q(sha256.toLowerCase())} "$a" | sha256sum -c --status - || { echo "OUTPOST_FAIL $a does not have the expected SHA-256"; exit 1; }` : '';
  const space =
    checks.totalBytes === undefined
      ? ''
      : [
          `total=${Math.max(0, Math.floor(checks.totalBytes))}; p=$d; while [ ! -d "$p" ]; do p=$(dirname -- "$p"); done`,
          // df -P: a header line, then filesystem, size, used, available, … (no awk: a process less on every host)
          'free=$(df -Pk -- "$p" 2>/dev/null) || free=\'\'; set -- $free; free=${11:-}',
          'case "$free" in ""|*[!0-9]*) ;; *) if [ "$total" -gt $((free * 1024)) ]; then echo "OUTPOST_SPACE $((free * 1024))"; exit 3; fi ;; esac',
        ].join('\n');
  // Info-ZIP's unzip restores no setuid bit without -K; GNU tar with --no-same-permissions masks modes to rwx.
  const x = a.format === 'zip' ? 'unzip -o -q "$a" -d "$d"' : `tar -x${a.format === 'tar.gz' ? 'z' : ''}f "$a" -C "$d" --no-same-owner --no-same-permissions`;
  return [
    `set -e; umask 022; a=${q(a.archive)}; d=${q(a.dest)}`,
    check,
    space,
    // setuid/setgid files under dest, by inode: those there before are not the archive's. The find is
    // the whole command substitution, so bash runs it without a subshell in between.
    "before=' '; if [ -d \"$d\" ]; then s=$(find \"$d\" -xdev -type f \\( -perm -4000 -o -perm -2000 \\) -exec stat -c '%i %n' -- {} + 2>/dev/null) || s=''; while read -r i n; do before=\"$before$i \"; done <<< \"$s\"; fi",
    '[ -d "$d" ] || mkdir -p -- "$d"',
    x,
    'bad=0',
    "s=$(find \"$d\" -xdev -type f \\( -perm -4000 -o -perm -2000 \\) -exec stat -c '%i %n' -- {} + 2>/dev/null) || s=''",
    'while read -r i n; do [ -n "$i" ] || continue; case "$before" in *" $i "*) ;; *) chmod ug-s -- "$n" || true; echo "OUTPOST_SETID $n"; bad=$((bad + 1)) ;; esac; done <<< "$s"',
    'if [ "$bad" -ne 0 ]; then echo "OUTPOST_FAIL $bad file(s) unpacked into $d had a setuid or setgid bit (now removed)"; exit 4; fi',
    'echo "unpacked $a into $d"',
    '',
  ]
    .filter((l, i, all) => l !== '' || i === all.length - 1)
    .join('\n');
}

function refuse(c: StepContext, archive: string, problems: EntryProblem[]): OutpostError {
  const first = problems.slice(0, 3).map(formatEntryProblem).join('; ');
  return new OutpostError('archive.unsafe', `${c.ex.show(archive)} on ${c.host} was not unpacked: ${first}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}.`, 'The archive could write outside its folder: get the package again from the vendor.');
}

interface HostListing {
  entries: ArchiveEntry[];
  problems: EntryProblem[];
  /** The archive's size (this computer's copy, same SHA-256, or the host's `stat`). */
  archiveBytes: number | undefined;
}

/** The entries of the archive on the host: this computer's listing of the same file (same SHA-256, checked there first), else the host's own. */
async function hostListing(a: Unpack, c: StepContext, expected: string | null): Promise<HostListing> {
  const twin = expected ? [...(c.packages?.byLocal ?? [])].find(([, sum]) => sum === expected.toLowerCase())?.[0] : undefined;
  const local = twin ? await c.listing(twin).catch(() => null) : null;
  if (twin && local && local.kind === a.format) return { entries: local.entries, problems: [], archiveBytes: fs.statSync(twin).size };
  const r = await c.ex.run('bash', listScript(a.archive, a.format), { signal: c.signal, timeoutMs: 120_000, root: a.root });
  if (r.exitCode !== 0) throw new OutpostError('archive.unreadable', `${c.ex.show(a.archive)} on ${c.host} could not be listed: ${c.secrets.redact(r.output.trim().split('\n').slice(-2).join(' | ')) || `exit code ${r.exitCode}`}.`, `Check that ${a.format === 'zip' ? 'unzip' : 'tar'} is installed on the host and that the archive is whole.`);
  const { archiveBytes, listing } = splitListing(r.output);
  return { ...(a.format === 'zip' ? parseZipinfo(listing) : parseTarVerbose(listing)), archiveBytes };
}

/** The extraction's own refusals: no room at the destination, a setuid file it left; else null. */
function extractFailure(a: Unpack, c: StepContext, listed: HostListing, output: string, exitCode: number | null): OutpostError | null {
  const name = path.basename(a.archive);
  const free = exitCode === 3 ? /^OUTPOST_SPACE (\d+)\s*$/m.exec(output)?.[1] : undefined;
  const space = free !== undefined ? checkArchiveSize(listed.entries, listed.archiveBytes ?? 0, Number(free)) : null;
  if (space) return archiveSizeError(name, c.ex.show(a.dest), space, c.host);
  const setid = exitCode === 4 ? [...output.matchAll(/^OUTPOST_SETID (.*)$/gm)].map((m) => (m[1] ?? '').trim()) : [];
  if (setid.length) {
    return new OutpostError(
      'archive.unsafe',
      showControls(`${name} on ${c.host} left ${setid.length === 1 ? 'a file' : `${setid.length} files`} with a setuid or setgid bit under ${c.ex.show(a.dest)} (${setid.slice(0, 3).join(', ')}${setid.length > 3 ? ', …' : ''}); the bit was removed and the step stopped.`),
      "The host's unzip or tar kept permission bits Outpost asked it to drop: check what those files are before using the folder, and get the package again from its publisher.",
    );
  }
  return null;
}

async function unpackHere(a: Unpack, c: StepContext): Promise<{ message: string }> {
  const lp = (p: string) => c.ex.localPath?.(p) ?? p;
  const raw = c.step.action.kind === 'unpack' ? c.step.action.archive : a.archive;
  const sum = a.sha256 ?? c.packages?.byLocal.get(raw) ?? (await readChecksumBeside(lp(a.archive)));
  // The vendor's configuration the profile keeps: read before a reinstall replaces it, put back after.
  const kept = new Map<string, Buffer>();
  if (c.run.reinstall) {
    for (const rel of a.keep ?? []) {
      const f = path.join(lp(a.dest), ...rel.split('/'));
      if (fs.existsSync(f) && fs.statSync(f).isFile()) kept.set(f, fs.readFileSync(f));
    }
  }
  // A reinstall goes over the folder (the archive's files replaced, the others kept); otherwise a folder
  // that is not empty is refused, with the run's own way out.
  const r = await unpackArchive(lp(a.archive), lp(a.dest), { signal: c.signal, overwrite: c.run.reinstall === true, ...(sum ? { sha256: sum } : {}) }).catch((err: unknown) => {
    if (err instanceof OutpostError && err.code === 'unpack.exists') {
      throw new OutpostError('unpack.exists', `${c.ex.show(a.dest)} already exists and is not empty on ${c.host}.`, `To install over it, run again with --reinstall (outpost run --reinstall, or Uninstall and reinstall on the app's Result page): the service is stopped, the package's files replace the old ones${a.keep?.length ? `, ${a.keep.join(', ')} kept` : ''}; or choose an empty install folder.`);
    }
    // Under Wine the unpacker saw the prefix's Linux path: a person reads the Windows one.
    if (err instanceof Error && lp(a.dest) !== a.dest) err.message = err.message.split(lp(a.dest)).join(c.ex.show(a.dest));
    throw err;
  });
  for (const [f, content] of kept) fs.writeFileSync(f, content);
  const message = `unpacked ${path.basename(a.archive)} into ${c.ex.show(a.dest)} (${r.entries} entries)${kept.size ? `; kept as they were: ${(a.keep ?? []).join(', ')}` : ''}`;
  c.say(message);
  return { message };
}

/** Every file under `root` (`/`-separated paths), folders first visited. */
function filesUnder(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(root, r));
    else if (e.isFile()) out.push(r);
  }
  return out;
}

/**
 * A Windows host over SSH: the archive is this computer's (the package the answers name). Windows
 * Server 2012 R2 has no unzip or tar and its PowerShell 4 no Expand-Archive, so the archive is unpacked
 * here by the checked unpacker (the same refusals as everywhere), and the files are sent over SFTP,
 * each one's SHA-256 checked on the host with certutil before any is put in place. A reinstall unpacks
 * over the folder; the files the profile keeps (the vendor's configuration) stay as they are.
 */
async function unpackSentOver(a: Unpack, c: StepContext): Promise<{ message: string }> {
  const put = c.ex.files.putTree;
  if (!put) throw new OutpostError('unpack_unsupported', `${c.host} cannot take an unpacked folder.`, 'This is a bug in Outpost.');
  if (!fs.existsSync(a.archive)) {
    throw new OutpostError('package.missing', `${a.archive} is not on this computer: for a Windows host over SSH, the package is unpacked here and the files are sent.`, 'Give the path of the package on this computer (package.path in the answers), then run again.');
  }
  const raw = c.step.action.kind === 'unpack' ? c.step.action.archive : a.archive;
  const sum = a.sha256 ?? c.packages?.byLocal.get(raw) ?? (await readChecksumBeside(a.archive));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-unpack-'));
  try {
    const tree = path.join(tmp, 'tree');
    const r = await unpackArchive(a.archive, tree, { signal: c.signal, ...(sum ? { sha256: sum } : {}) });
    const list = await Promise.all(filesUnder(tree).map(async (rel) => ({ rel, sha256: await sha256File(path.join(tree, ...rel.split('/')), c.signal) })));
    const got = await put(tree, a.dest, list, { signal: c.signal, keep: c.run.reinstall ? a.keep : undefined, fresh: c.run.reinstall !== true });
    const kept = got.kept.length ? `; kept as they were: ${got.kept.join(', ')}` : '';
    const message = `unpacked ${path.basename(a.archive)} on this computer (${r.entries} entries) and sent ${got.sent} files into ${c.ex.show(a.dest)} on ${c.host}, each SHA-256 checked there${kept}`;
    c.say(message);
    return { message };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export const unpack: ActionModule<'unpack'> = {
  kind: 'unpack',
  validate: (a) => ownerProblems(a),
  display: (a) => `unpack ${a.archive} into ${a.dest} (entries outside the folder are refused${a.root ? '; as root' : ''}${a.owner ? `, owner ${a.owner}` : ''})`,
  async run(a, c) {
    // This computer unpacks with its own checked unpacker, unless root work needs sudo.
    if (c.ex.kind === 'local' && (c.ex.os === 'windows' || !a.root || (await c.ex.identity(c.signal)).uid === 0) && !a.owner) return unpackHere(a, c);
    if (c.ex.os === 'windows') return unpackSentOver(a, c);
    const raw = c.step.action.kind === 'unpack' ? c.step.action.archive : a.archive;
    const expected = a.sha256 ?? c.packages?.byRemote.get(raw) ?? null;
    const listed = await hostListing(a, c, expected);
    const problems = [...listed.problems, ...checkEntries(listed.entries)];
    if (problems.length) throw refuse(c, a.archive, problems);
    // The ratio here, before anything is written; the free space on the host, in the same script as the extraction.
    const ratio = listed.archiveBytes === undefined ? null : checkArchiveSize(listed.entries, listed.archiveBytes, undefined);
    if (ratio) throw archiveSizeError(path.basename(a.archive), c.ex.show(a.dest), ratio, c.host);
    const script = extractScript(a, expected, { totalBytes: unpackedBytes(listed.entries) }) + (a.owner ? `chown -R -h -- ${q(a.owner)} "$d"\n` : '');
    const r = await c.ex.run('bash', script, { signal: c.signal, timeoutMs: 600_000, root: a.root, onData: (t) => c.output(t) });
    if (r.exitCode !== 0) {
      const refused = extractFailure(a, c, listed, r.output, r.exitCode);
      if (refused) throw refused;
      const said = /^OUTPOST_FAIL (.*)$/m.exec(r.output)?.[1];
      throw new OutpostError('unpack_failed', `${c.step.title} failed on ${c.host}: ${c.secrets.redact(said ?? (r.output.trim().split('\n').slice(-3).join(' | ') || `exit code ${r.exitCode}`))}.`, 'Check the path, its permissions and the free space.');
    }
    return { message: `unpacked ${path.basename(a.archive)} into ${c.ex.show(a.dest)}` };
  },
  ansible(a, c) {
    const raw = c.step.action.kind === 'unpack' ? c.step.action.archive : a.archive;
    if (!c.packages?.checkedArchives.has(raw)) throw unmappable(c.step.id, `${a.archive} is not a package uploaded by an earlier step from this computer, so its entries cannot be checked before it is unpacked (outpost run checks them)`);
    const sum = c.packages.byRemote.get(raw) ?? a.sha256 ?? '';
    const body: JText = merged([lit(extractScript(a, sum || null) + (a.owner ? `chown -R -h -- ${q(a.owner)} "$d"\n` : ''))]);
    const judged = { success: { exitCode: 0 }, failureMarkers: ['OUTPOST_FAIL'] };
    return [
      c.scriptTask(c.title, 'bash', `${c.step.id}.sh.j2`, body, { register: c.reg, changed_when: true, failed_when: false, timeout: 600, ...become(a.root), ...c.when() }),
      judgeTask(c.step, judged, c.reg, `${escapeLiteral(c.step.title)} failed on {{ inventory_hostname }}: {{ ${tail(c.reg, 3)} }} — hint: Check the path and its permissions.`),
    ];
  },
};

