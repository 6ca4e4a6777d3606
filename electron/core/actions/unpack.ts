// unpack: an archive into a folder, refusing it before anything is written when an entry could land
// outside the folder (absolute, `..`, a drive letter, a link out, a device). On this computer the
// checked unpacker does the work (packages/unpack.ts). On a POSIX host the listing is checked here —
// this computer's own listing of the same file when it uploaded it (the SHA-256 is checked on the host
// first), else the host's `unzip -Z` / `tar -tv`, failing closed on a line it cannot read — then tar or
// unzip extracts as the step's user (`root`), never restoring setuid bits or owners from the archive.
import path from 'node:path';
import type { Action } from '../../common/api/plan';
import { OutpostError } from '../errors';
import { readChecksumBeside } from '../packages/checksum';
import { checkEntries, formatEntryProblem, type ArchiveEntry, type EntryProblem } from '../packages/entries';
import { parseTarVerbose } from '../packages/listing';
import { unpackArchive } from '../packages/unpack';
import { quotePosix as q } from '../quote';
import { become, judgeTask, tail } from './ansible-kit';
import { escapeLiteral, lit, merged, unmappable, type JText } from './jinja';
import type { ActionModule, StepContext } from './types';
import { ownerProblems } from './write-file';

type Unpack = Extract<Action, { kind: 'unpack' }>;

/** Remote listing commands for the archive kinds the targets unpack; the listing is checked here with the local unpacker's rules. */
export function listScript(archive: string, format: Unpack['format']): string {
  if (format === 'zip') return `LC_ALL=C unzip -Z -l -- ${q(archive)}`;
  return `LC_ALL=C tar -tv${format === 'tar.gz' ? 'z' : ''}f ${q(archive)}`;
}

const ZIP_LINE = /^([-dl?])[rwxsStT-]{9}\s+\S+\s+\S+\s+(\d+)\s+\S+\s+\d+\s+\S+\s+\S+\s+\S+\s(.*)$/;
const ZIP_HEAD = /^Archive:\s/;
const ZIP_FOOT = /^\d+ files?, \d+ bytes? uncompressed/;

/**
 * Parses `unzip -Z -l` (zipinfo) lines between its header and its footer; a line there it cannot read
 * is a problem (fail closed), and links are refused outright (zipinfo does not show their targets).
 */
export function parseZipinfo(text: string): { entries: ArchiveEntry[]; problems: EntryProblem[] } {
  const entries: ArchiveEntry[] = [];
  const problems: EntryProblem[] = [];
  const all = text.split(/\r?\n/);
  const body = all.filter((l, i) => l.trim() !== '' && !(i === 0 && ZIP_HEAD.test(l)) && !/^Zip file size: /.test(l) && !ZIP_FOOT.test(l));
  for (const raw of body) {
    const m = ZIP_LINE.exec(raw);
    const index = entries.length + problems.length;
    if (!m) {
      problems.push({ index, entry: raw.slice(0, 80), reason: 'is a line of the listing Outpost cannot read, so the archive is not unpacked' });
      continue;
    }
    const [, t = '', size = '0', name = ''] = m;
    if (t === 'l') problems.push({ index, entry: name, reason: 'is a link: links in zip archives are not unpacked on targets' });
    else entries.push({ path: name, type: t === 'd' ? 'directory' : t === '-' ? 'file' : 'other', size: Number(size) });
  }
  return { entries, problems };
}

/** The host-side extraction: the SHA-256 checked first (when known), then unzip / tar into dest; no setuid bits, no owners from the archive. */
export function extractScript(a: { archive: string; dest: string; format: Unpack['format'] }, sha256: string | null): string {
  const check = sha256 ? `printf '%s  %s\\n' ${q(sha256.toLowerCase())} "$a" | sha256sum -c --status - || { echo "OUTPOST_FAIL $a does not have the expected SHA-256"; exit 1; }; ` : '';
  // Info-ZIP's unzip restores no setuid bit without -K; GNU tar without --same-permissions masks modes to rwx.
  const x = a.format === 'zip' ? 'unzip -o -q "$a" -d "$d"' : `tar -x${a.format === 'tar.gz' ? 'z' : ''}f "$a" -C "$d" --no-same-owner --no-same-permissions`;
  return `set -e; umask 022; a=${q(a.archive)}; d=${q(a.dest)}; ${check}mkdir -p -- "$d"; ${x}; echo "unpacked $a into $d"\n`;
}

function refuse(c: StepContext, archive: string, problems: EntryProblem[]): OutpostError {
  const first = problems.slice(0, 3).map(formatEntryProblem).join('; ');
  return new OutpostError('archive.unsafe', `${c.ex.show(archive)} on ${c.host} was not unpacked: ${first}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}.`, 'The archive could write outside its folder: get the package again from the vendor.');
}

/** The entries of the archive on the host: this computer's listing of the same file (same SHA-256, checked there first), else the host's own. */
async function hostListing(a: Unpack, c: StepContext, expected: string | null): Promise<{ entries: ArchiveEntry[]; problems: EntryProblem[] }> {
  const twin = expected ? [...(c.packages?.byLocal ?? [])].find(([, sum]) => sum === expected.toLowerCase())?.[0] : undefined;
  const local = twin ? await c.listing(twin).catch(() => null) : null;
  if (local && local.kind === a.format) return { entries: local.entries, problems: [] };
  const r = await c.ex.run('bash', listScript(a.archive, a.format), { signal: c.signal, timeoutMs: 120_000, root: a.root });
  if (r.exitCode !== 0) throw new OutpostError('archive.unreadable', `${c.ex.show(a.archive)} on ${c.host} could not be listed: ${c.secrets.redact(r.output.trim().split('\n').slice(-2).join(' | ')) || `exit code ${r.exitCode}`}.`, `Check that ${a.format === 'zip' ? 'unzip' : 'tar'} is installed on the host and that the archive is whole.`);
  return a.format === 'zip' ? parseZipinfo(r.output) : parseTarVerbose(r.output);
}

async function unpackHere(a: Unpack, c: StepContext): Promise<{ message: string }> {
  const lp = (p: string) => c.ex.localPath?.(p) ?? p;
  const raw = c.step.action.kind === 'unpack' ? c.step.action.archive : a.archive;
  const sum = a.sha256 ?? c.packages?.byLocal.get(raw) ?? (await readChecksumBeside(lp(a.archive)));
  const r = await unpackArchive(lp(a.archive), lp(a.dest), { signal: c.signal, ...(sum ? { sha256: sum } : {}) });
  const message = `unpacked ${path.basename(a.archive)} into ${c.ex.show(a.dest)} (${r.entries} entries)`;
  c.say(message);
  return { message };
}

export const unpack: ActionModule<'unpack'> = {
  kind: 'unpack',
  validate: (a) => ownerProblems(a),
  display: (a) => `unpack ${a.archive} into ${a.dest} (entries outside the folder are refused${a.root ? '; as root' : ''}${a.owner ? `, owner ${a.owner}` : ''})`,
  async run(a, c) {
    const me = await c.ex.identity(c.signal);
    // This computer unpacks with its own checked unpacker, unless root work needs sudo.
    if (c.ex.kind === 'local' && (c.ex.os === 'windows' || !a.root || me.uid === 0) && !a.owner) return unpackHere(a, c);
    if (c.ex.os === 'windows') throw new OutpostError('unpack_unsupported', `Unpacking on a Windows host over SSH is not supported yet (${c.ex.show(a.archive)}).`, 'Unpack the package on this computer and upload the folder, or install on that host with Outpost running there.');
    const raw = c.step.action.kind === 'unpack' ? c.step.action.archive : a.archive;
    const expected = a.sha256 ?? c.packages?.byRemote.get(raw) ?? null;
    const listed = await hostListing(a, c, expected);
    const problems = [...listed.problems, ...checkEntries(listed.entries)];
    if (problems.length) throw refuse(c, a.archive, problems);
    const r = await c.ex.run('bash', extractScript(a, expected) + (a.owner ? `chown -R -h -- ${q(a.owner)} "$d"\n` : ''), { signal: c.signal, timeoutMs: 600_000, root: a.root, onData: (t) => c.output(t) });
    if (r.exitCode !== 0) {
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

