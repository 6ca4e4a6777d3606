// The file primitives on a POSIX host, as small bash scripts fed on stdin (to `bash -s`, or `sudo -n
// bash -s` for root): contents travel base64-encoded inside the script, so no value is on a command
// line and no quoting can break. Used over SSH and on this computer alike, so "write a file as root"
// is one piece of code wherever it runs.
//
// Shared machines are hostile: a file is written under a random name (mktemp) in its own folder, then
// renamed over the target (a rename replaces a planted link instead of following it); a folder that
// users other than its owner may write to (group or world writable) is refused, since anyone there
// could swap files under a root write. An upload travels on the stdin of the one script that receives
// it (as root when asked: no staging copy), is written under a fresh random name beside its place and
// checked by SHA-256 before it is renamed into place.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { OutpostError } from '../errors';
import { quotePosix as q } from '../quote';
import { rootRequired, sudoRefused, type FileOps, type FileStat, type Identity, type ScriptResult } from './executor';

const oct = (m: number) => (m & 0o7777).toString(8).padStart(4, '0');
const OWNER = /^[a-z_][a-z0-9_.-]{0,31}\$?(:[a-z_][a-z0-9_.-]{0,31})?$/i;

/** Refuses a folder writable by others than its owner and root (prints OUTPOST_FAIL and exits 1). */
const SAFE_DIR = [
  'outpost_safe_dir() {',
  '  m=$(stat -Lc %a -- "$1" 2>/dev/null) || { echo "OUTPOST_FAIL cannot read the permissions of $1"; exit 1; }',
  '  if [ $((0$m & 022)) -ne 0 ]; then echo "OUTPOST_FAIL $1 is writable by other users (mode $m): Outpost does not write there"; echo "OUTPOST_HINT Make it writable by its owner only (chmod go-w $1), or choose another folder."; exit 1; fi',
  '}',
].join('\n');

export function ownerWord(owner: string): string {
  if (!OWNER.test(owner)) throw new OutpostError('owner_invalid', `owner: "${owner}" is not a user name (or user:group).`, 'Give a plain user name like root or agent.');
  return owner;
}

/** bash: writes `content` to `file` atomically with `mode` (or, with keep, the replaced file's mode and owner, and a backup). */
export function writeScript(file: string, content: string, o: { mode: number; owner?: string | undefined; keep?: boolean }): string {
  const keep = o.keep
    ? 'if [ -f "$f" ] && [ ! -L "$f" ]; then chmod --reference="$f" "$t"; chown --reference="$f" "$t" 2>/dev/null || true; b=$(mktemp "$d/.outpost-XXXXXX"); cp -p -- "$f" "$b"; mv -f -- "$b" "$f.outpost-backup"; kept=" (backup: $f.outpost-backup)"; else ' + `chmod ${oct(o.mode)} "$t"; fi`
    : `chmod ${oct(o.mode)} "$t"`;
  return [
    'set -e; umask 022',
    SAFE_DIR,
    `f=${q(file)}; d=$(dirname -- "$f"); mkdir -p -- "$d"; outpost_safe_dir "$d"`,
    "umask 077; kept=''",
    't=$(mktemp "$d/.outpost-XXXXXX")',
    "trap 'rm -f -- \"$t\"' EXIT",
    `printf '%s' '${Buffer.from(content, 'utf8').toString('base64')}' | base64 -d > "$t"`,
    keep,
    ...(o.owner ? [`chown -h -- ${q(ownerWord(o.owner))} "$t"`] : []),
    'if [ -L "$f" ]; then rm -f -- "$f"; fi',
    'mv -f -- "$t" "$f"; trap - EXIT',
    `echo "wrote $f (${Buffer.byteLength(content, 'utf8')} bytes)$kept"`,
  ].join('\n');
}

/** bash: prints the file base64-encoded between markers (MISSING when it does not exist). */
export function readScript(file: string): string {
  return `f=${q(file)}; if [ -f "$f" ]; then echo OUTPOST_FILE_BEGIN; base64 < "$f" | tr -d '\\n'; echo; echo OUTPOST_FILE_END; else echo OUTPOST_FILE_MISSING; fi`;
}

export function parseRead(output: string): string | null {
  if (/OUTPOST_FILE_MISSING/.test(output)) return null;
  const m = /OUTPOST_FILE_BEGIN\r?\n([A-Za-z0-9+/=]*)\r?\nOUTPOST_FILE_END/.exec(output);
  if (!m) throw new OutpostError('file_read', 'The file could not be read back (unexpected output).', 'Check that base64 is installed on the host.');
  return Buffer.from(m[1] ?? '', 'base64').toString('utf8');
}

export function statScript(file: string): string {
  return `f=${q(file)}; if [ -L "$f" ]; then t=link; elif [ -d "$f" ]; then t=dir; elif [ -f "$f" ]; then t=file; elif [ -e "$f" ]; then t=other; else echo OUTPOST_STAT_MISSING; exit 0; fi; echo "OUTPOST_STAT $t $(stat -c '%a %u %U %s' -- "$f")"`;
}

export function parseStat(output: string): FileStat | null {
  if (/OUTPOST_STAT_MISSING/.test(output)) return null;
  const m = /^OUTPOST_STAT (file|dir|link|other) ([0-7]+) (\d+) (\S+) (\d+)\s*$/m.exec(output);
  if (!m) throw new OutpostError('file_stat', 'The file could not be examined (unexpected output of stat).', 'Check that coreutils stat is installed on the host.');
  return { type: m[1] as FileStat['type'], mode: parseInt(m[2] ?? '0', 8), uid: Number(m[3]), owner: m[4] ?? '', size: Number(m[5]) };
}

export function mkdirScript(dir: string, owner?: string): string {
  return ['set -e; umask 022', `d=${q(dir)}; mkdir -p -- "$d"`, ...(owner ? [`chown -h -- ${q(ownerWord(owner))} "$d"`] : [])].join('\n');
}

export function removeScript(files: readonly string[]): string {
  return `rm -f -- ${files.map(q).join(' ')}`;
}

const checkSum = (sha: string, file: string) => `printf '%s  %s\\n' ${q(sha)} "${file}" | sha256sum -c --status - 2>/dev/null`;

/** bash (as the step's user): prints OUTPOST_HAVE when `dest` already has the SHA-256. */
export function haveScript(dest: string, sha256: string): string {
  return `f=${q(dest)}; if [ -f "$f" ] && ${checkSum(sha256, '$f')}; then echo OUTPOST_HAVE; else echo OUTPOST_NEED; fi`;
}

/**
 * bash (as the step's user), fed on stdin followed by the file itself: says OUTPOST_HAVE and stops when
 * `dest` already has the SHA-256; otherwise creates a fresh file under a random name in the destination
 * folder (noclobber: an existing name, or a planted link, is never opened), says OUTPOST_SEND, reads
 * exactly `bytes` bytes of stdin into it, checks the SHA-256, sets mode and owner, and renames it over
 * `dest`. bash reads a script from a pipe a byte at a time, and the whole script is one function
 * read before it runs, so `head` gets the file's bytes and nothing of the script.
 */
export function receiveScript(dest: string, sha256: string, o: { bytes: number; mode: number; owner?: string | undefined; tmpName: string }): string {
  if (!/^\.outpost-[0-9a-f]{8,64}$/.test(o.tmpName)) throw new OutpostError('plan.invalid', 'The temporary upload name is not one Outpost makes.', 'This is a bug in Outpost.');
  const plainMode = (o.mode & 0o7111) === 0;
  return [
    'outpost_receive() {',
    'set -e; umask 022',
    SAFE_DIR,
    // dirname without a process: a relative name is in the login folder.
    `f=${q(dest)}; case "$f" in */*) d=\${f%/*}; d=\${d:-/} ;; *) d=. ;; esac`,
    `if [ -f "$f" ] && [ ! -L "$f" ] && ${checkSum(sha256, '$f')}; then echo OUTPOST_HAVE; return 0; fi`,
    'if [ -e "$f" ] || [ -L "$f" ]; then echo OUTPOST_REPLACING; fi',
    '[ -d "$d" ] || mkdir -p -- "$d"; outpost_safe_dir "$d"',
    // Created with its mode when it has no execute or special bit (a chmod less on every host).
    `umask ${plainMode ? oct(~o.mode & 0o777) : '077'}; t="$d/${o.tmpName}"`,
    "trap 'rm -f -- \"$t\"' EXIT",
    'set -C; : > "$t"; set +C',
    'echo OUTPOST_SEND',
    `head -c ${Math.max(0, Math.floor(o.bytes))} > "$t"`,
    `if ! ${checkSum(sha256, '$t')}; then echo "OUTPOST_FAIL the copy at $f does not have the expected SHA-256 (the transfer was cut short or altered)"; exit 1; fi`,
    ...(plainMode ? [] : [`chmod ${oct(o.mode)} "$t"`]),
    ...(o.owner ? [`chown -h -- ${q(ownerWord(o.owner))} "$t"`] : []),
    'if [ -L "$f" ]; then rm -f -- "$f"; fi',
    'mv -f -- "$t" "$f"; trap - EXIT',
    'echo OUTPOST_PLACED',
    '}',
    'outpost_receive; exit $?',
  ].join('\n');
}

/** bash (as the step's user, on this computer): copies a local file into place under a random name, checks it, sets mode and owner, renames. */
export function placeScript(part: string, dest: string, sha256: string, o: { mode: number; owner?: string | undefined }): string {
  return [
    'set -e; umask 022',
    SAFE_DIR,
    `p=${q(part)}; f=${q(dest)}; d=$(dirname -- "$f"); mkdir -p -- "$d"; outpost_safe_dir "$d"`,
    'umask 077; t=$(mktemp "$d/.outpost-XXXXXX")',
    "trap 'rm -f -- \"$t\"' EXIT",
    'cp -- "$p" "$t"',
    `if ! ${checkSum(sha256, '$t')}; then echo "OUTPOST_FAIL the copy at $f does not have the expected SHA-256"; exit 1; fi`,
    `chmod ${oct(o.mode)} "$t"`,
    ...(o.owner ? [`chown -h -- ${q(ownerWord(o.owner))} "$t"`] : []),
    'if [ -L "$f" ]; then rm -f -- "$f"; fi',
    'mv -f -- "$t" "$f"; trap - EXIT',
  ].join('\n');
}

export type BashRunner = (script: string, o: { root: boolean; signal: AbortSignal; timeoutMs?: number }) => Promise<ScriptResult>;

/** Runs a receive script (as root when asked) and, once it says OUTPOST_SEND, writes the local file to its stdin. */
export type FileFeeder = (script: string, localPath: string, o: { root: boolean; signal: AbortSignal; onProgress?: ((sent: number, total: number) => void) | undefined }) => Promise<ScriptResult>;

/**
 * FileOps for a POSIX host: `bash` runs a script there (as root when asked); `feed` runs the upload's
 * receive script with the file after it on stdin (over SSH). On this computer (`local`) the package is
 * copied from where it is.
 */
export function posixFiles(d: {
  bash: BashRunner;
  identity: (signal: AbortSignal) => Promise<Identity>;
  label: string;
  feed?: FileFeeder;
  local?: boolean;
}): FileOps {
  const fail = async (r: ScriptResult, o: { root: boolean; signal: AbortSignal }, what: string): Promise<never> => {
    if (o.root && sudoRefused(r.output)) throw rootRequired(what, await d.identity(o.signal), d.label);
    const said = /^OUTPOST_FAIL (.*)$/m.exec(r.output)?.[1];
    const hint = /^OUTPOST_HINT (.*)$/m.exec(r.output)?.[1];
    const last = r.output.trim().split('\n').filter((l) => !l.startsWith('OUTPOST_')).slice(-3).join(' | ');
    throw new OutpostError('file_action_failed', `${what} failed on ${d.label}: ${said ?? (last || `exit code ${r.exitCode ?? 'none'}`)}.`, hint ?? 'Check the path and its permissions.');
  };
  const sh = async (script: string, o: { root: boolean; signal: AbortSignal }, what: string): Promise<string> => {
    const r = await d.bash(script, { ...o, timeoutMs: 120_000 });
    return r.exitCode === 0 ? r.output : fail(r, o, what);
  };
  return {
    stat: async (p, o) => parseStat(await sh(statScript(p), o, `Examining ${p}`)),
    read: async (p, o) => parseRead(await sh(readScript(p), o, `Reading ${p}`)),
    write: async (p, content, o) => void (await sh(writeScript(p, content, o), o, `Writing ${p}`)),
    mkdirp: async (p, o) => void (await sh(mkdirScript(p, o.owner), o, `Creating ${p}`)),
    remove: async (ps, o) => void (ps.length ? await sh(removeScript(ps), o, `Removing ${ps.join(', ')}`) : undefined),
    async upload(localPath, dest, o) {
      const bytes = fs.statSync(localPath).size;
      if (d.local || !d.feed) {
        if (/^OUTPOST_HAVE$/m.test(await sh(haveScript(dest, o.sha256), o, `Checking ${dest}`))) return { sent: false, replaced: false, bytes: 0 };
        await sh(placeScript(localPath, dest, o.sha256, { mode: o.mode, owner: o.owner }), o, `Copying ${localPath} to ${dest}`);
        return { sent: true, replaced: false, bytes };
      }
      // One session: the check, the transfer on stdin, the SHA-256 check and the rename.
      const script = receiveScript(dest, o.sha256, { bytes, mode: o.mode, owner: o.owner, tmpName: `.outpost-${randomBytes(8).toString('hex')}` });
      const r = await d.feed(script, localPath, { root: o.root, signal: o.signal, onProgress: o.onProgress });
      if (r.exitCode !== 0 || !/^OUTPOST_(HAVE|PLACED)$/m.test(r.output)) await fail(r, o, `Sending ${path.basename(localPath)} to ${dest}`);
      if (/^OUTPOST_HAVE$/m.test(r.output)) return { sent: false, replaced: false, bytes: 0 };
      return { sent: true, replaced: /^OUTPOST_REPLACING$/m.test(r.output), bytes };
    },
  };
}
