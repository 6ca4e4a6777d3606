// How much an archive may unpack to: the one rule for the local unpacker (unpack.ts) and for an unpack
// on a target (which lists the archive there, or here when this computer holds the same file). Pure:
// the caller supplies the listing, the archive's size and the destination's free space. The sizes are
// the ones the archive declares (zip central directory, tar headers); unpackers check what they write
// against them (yauzl's validateEntrySizes, tar's exact sizes), so a lying header fails there.
import { OutpostError } from '../errors';
import type { ArchiveEntry } from './entries';

export interface ArchiveSizeLimits {
  /** Most bytes unpacked per byte of archive… */
  maxRatio: number;
  /** …once the unpacked total is above this: small archives may compress as well as they like. */
  ratioFloorBytes: number;
}

/**
 * 100:1 above 100 MiB. Agent packages (binaries, scripts, configuration) unpack to 2–5 times their size;
 * what goes far beyond is a bomb (a 400 KB zip declared 400 MiB of zeros: 1,000:1).
 */
export const ARCHIVE_SIZE_LIMITS: ArchiveSizeLimits = { maxRatio: 100, ratioFloorBytes: 100 * 1024 * 1024 };

export interface ArchiveSizeProblem {
  /** `ratio`: unpacks to more than maxRatio times its size (a bomb: refuse as unsafe). `space`: more than the free space. */
  reason: 'ratio' | 'space';
  /** What the entries declare once unpacked (files only). */
  totalBytes: number;
  archiveBytes: number;
  freeBytes: number | undefined;
  /** Says both sizes, without the archive's name: `unpacks to 400 MiB from 400 KiB (1,024 times its size), …`. */
  message: string;
}

/** Bytes the entries declare once unpacked: files only (folders and links take no content). */
export function unpackedBytes(entries: readonly ArchiveEntry[]): number {
  return entries.reduce((n, e) => n + (e.type === 'file' ? Math.max(0, e.size ?? 0) : 0), 0);
}

/** `400 KiB`, `1.5 GiB`: binary units, one decimal below 10. */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${n.toLocaleString('en-US')} bytes`;
  return `${v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US')} ${units[u]}`;
}

/**
 * Null when an archive of `archiveBytes` whose listing is `entries` may be unpacked where `freeBytes` are
 * free (undefined: not known, only the ratio is checked); else why not. Check it before writing anything.
 */
export function checkArchiveSize(entries: readonly ArchiveEntry[], archiveBytes: number, freeBytes: number | undefined, limits: ArchiveSizeLimits = ARCHIVE_SIZE_LIMITS): ArchiveSizeProblem | null {
  const totalBytes = unpackedBytes(entries);
  const base = { totalBytes, archiveBytes, freeBytes };
  if (totalBytes > limits.ratioFloorBytes && totalBytes > limits.maxRatio * Math.max(archiveBytes, 1)) {
    const times = Math.floor(totalBytes / Math.max(archiveBytes, 1)).toLocaleString('en-US');
    return {
      ...base,
      reason: 'ratio',
      message: `unpacks to ${formatBytes(totalBytes)} from ${formatBytes(archiveBytes)} (${times} times its size); an archive above ${formatBytes(limits.ratioFloorBytes)} unpacked may be at most ${limits.maxRatio} times its size`,
    };
  }
  if (freeBytes !== undefined && totalBytes > freeBytes) {
    return { ...base, reason: 'space', message: `unpacks to ${formatBytes(totalBytes)}, more than the ${formatBytes(freeBytes)} free at the destination` };
  }
  return null;
}

/**
 * The refusal for a size problem, the same wherever the archive is unpacked: `archive.unsafe` for a
 * ratio (a bomb), `unpack.nospace` for the free space at `dest` (`where`: the host, when not this computer).
 */
export function archiveSizeError(name: string, dest: string, problem: ArchiveSizeProblem, where?: string): OutpostError {
  if (problem.reason === 'ratio') {
    return new OutpostError('archive.unsafe', `${name} is unsafe to unpack: it ${problem.message}`, 'Nothing was written. An archive that expands this much is a decompression bomb or not the package you meant: get it again from its publisher and compare its SHA-256.');
  }
  return new OutpostError('unpack.nospace', `${name} ${problem.message} (${dest}${where ? ` on ${where}` : ''})`, 'Nothing was written. Free some space there, or unpack it on a disk with more room.');
}
