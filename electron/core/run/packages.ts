// Offline packages in a run: the local file is checked once before anything connects (a wrong
// package is refused with both checksums before a byte is sent), then each target receives it
// staged: sent to a `.part` file in the login user's home, checked there, copied into place under a
// temporary name, checked again and renamed. A file at the final path is therefore always whole; an
// upload cut off half-way leaves only a `.part`, which the next run finds and sends again.
import fs from 'node:fs';
import type { Plan } from '../../common/api/plan';
import { OutpostError } from '../errors';
import { readChecksumBeside, sha256File } from '../packages/checksum';
import type { ArchiveEntry, EntryProblem } from '../packages/entries';
import { quotePosix } from '../quote';

export interface PackageSums {
  /** Local file → its SHA-256 (checked against the expected value). */
  byLocal: Map<string, string>;
  /** Remote destination → the SHA-256 it must have there (unpack steps check it before extracting). */
  byRemote: Map<string, string>;
}

const mib = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MiB`;

/**
 * Every upload's local file: present, readable, and with the SHA-256 the answers give (or a `.sha256`
 * file beside it says). Throws `package_missing` / `package_checksum` naming the file and both values.
 */
export async function checkLocalPackages(plan: Plan, signal?: AbortSignal): Promise<PackageSums> {
  const sums: PackageSums = { byLocal: new Map(), byRemote: new Map() };
  for (const s of plan.steps) {
    const a = s.action;
    if (a.kind !== 'upload') continue;
    let got = sums.byLocal.get(a.from);
    if (got === undefined) {
      let size: number;
      try {
        const st = fs.statSync(a.from);
        if (!st.isFile()) throw new Error('not a file');
        size = st.size;
      } catch {
        throw new OutpostError('package_missing', `The package ${a.from} (step ${s.id}) is not a readable file.`, 'Check package.path in the answers (relative paths are relative to the answers file).');
      }
      const expected = a.sha256?.toLowerCase() || (await readChecksumBeside(a.from));
      got = await sha256File(a.from, signal);
      if (expected && expected !== got) {
        throw new OutpostError(
          'package_checksum',
          `The package ${a.from} (${mib(size)}) has SHA-256 ${got}, but ${a.sha256 ? 'the answers expect' : 'the .sha256 file beside it says'} ${expected}. Nothing was sent.`,
          'Get the package again from the vendor, or correct the expected SHA-256 if it was mistyped.',
        );
      }
      sums.byLocal.set(a.from, got);
    }
    sums.byRemote.set(a.to, got);
  }
  return sums;
}

/** Prints `OUTPOST_HAVE` when `dest` already has the SHA-256, then `OUTPOST_PART=<staging file>` (its folder made) and whether an earlier one was left. */
export function stageScript(dest: string, sha256: string): string {
  const part = `"$HOME/.cache/outpost/uploads/${sha256}.part"`;
  return [
    `f=${quotePosix(dest)}`,
    `if [ -f "$f" ] && printf '%s  %s\\n' ${quotePosix(sha256)} "$f" | sha256sum -c --status - 2>/dev/null; then echo OUTPOST_HAVE; exit 0; fi`,
    `mkdir -p -m 700 "$HOME/.cache/outpost/uploads" || exit 1`,
    `p=${part}`,
    `if [ -e "$p" ]; then echo OUTPOST_LEFT; fi`,
    `printf 'OUTPOST_PART=%s\\n' "$p"`,
  ].join('\n');
}

/** Copies the checked staging file into place atomically (root when the step needs it), checks it there, and removes the staging file. */
export function placeScript(part: string, dest: string, sha256: string, mode: number): string {
  return [
    'set -e',
    `p=${quotePosix(part)}; f=${quotePosix(dest)}; t="$f.outpost-tmp"`,
    'mkdir -p -- "$(dirname -- "$f")"',
    'cp -- "$p" "$t"',
    `chmod ${mode.toString(8)} -- "$t"`,
    `if ! printf '%s  %s\\n' ${quotePosix(sha256)} "$t" | sha256sum -c --status -; then rm -f -- "$t"; echo "OUTPOST_FAIL the copy at $f does not have the expected SHA-256"; exit 1; fi`,
    'mv -f -- "$t" "$f"',
    'rm -f -- "$p"',
  ].join('\n');
}

export function parseStage(output: string): { have: true } | { have: false; part: string; left: boolean } | undefined {
  if (/^OUTPOST_HAVE$/m.test(output)) return { have: true };
  const m = /^OUTPOST_PART=(\/.+)$/m.exec(output);
  return m?.[1] ? { have: false, part: m[1], left: /^OUTPOST_LEFT$/m.test(output) } : undefined;
}

/** Remote listing commands for the archive kinds the targets unpack; the listing is checked in Node with the local unpacker's rules. */
export function listScript(archive: string, format: 'zip' | 'tar' | 'tar.gz'): string {
  const a = quotePosix(archive);
  if (format === 'zip') return `LC_ALL=C unzip -Z -l -- ${a}`;
  return `LC_ALL=C tar -tv${format === 'tar.gz' ? 'z' : ''}f ${a}`;
}

const ZIP_LINE = /^([-dl?])[rwxsStT-]{9}\s+\S+\s+\S+\s+(\d+)\s+\S+\s+\d+\s+\S+\s+\S+\s+\S+\s(.*)$/;

/** Parses `unzip -Z -l` (zipinfo) lines. Links are refused outright: zipinfo does not show their targets. */
export function parseZipinfo(text: string): { entries: ArchiveEntry[]; problems: EntryProblem[] } {
  const entries: ArchiveEntry[] = [];
  const problems: EntryProblem[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const m = ZIP_LINE.exec(raw);
    if (!m) continue; // header and footer lines
    const [, t = '', size = '0', name = ''] = m;
    const index = entries.length + problems.length;
    if (t === 'l') problems.push({ index, entry: name, reason: 'is a link: links in zip archives are not unpacked on targets' });
    else entries.push({ path: name, type: t === 'd' ? 'directory' : t === '-' ? 'file' : 'other', size: Number(size) });
  }
  return { entries, problems };
}
