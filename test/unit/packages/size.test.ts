// checkArchiveSize: the one rule for local and remote unpacking (what fits, and what no agent package does).
import { describe, expect, it } from 'vitest';
import type { ArchiveEntry } from '../../../electron/core/packages/entries';
import { ARCHIVE_SIZE_LIMITS, checkArchiveSize, formatBytes, unpackedBytes } from '../../../electron/core/packages/size';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const files = (...sizes: number[]): ArchiveEntry[] => [{ path: 'd/', type: 'directory' }, ...sizes.map((size, i) => ({ path: `d/f${i}`, type: 'file' as const, size })), { path: 'd/l', type: 'symlink', linkTarget: 'f0', size: 999 * GiB }];

describe('checkArchiveSize', () => {
  it('counts files only', () => {
    expect(unpackedBytes(files(1, 2, 3))).toBe(6);
  });

  it('refuses more than 100:1 above 100 MiB (a 400 KB zip declaring 400 MiB), naming both sizes', () => {
    const p = checkArchiveSize(files(400 * MiB), 400 * 1024, 50 * GiB);
    expect(p).toMatchObject({ reason: 'ratio', totalBytes: 400 * MiB, archiveBytes: 400 * 1024 });
    expect(p?.message).toBe('unpacks to 400 MiB from 400 KiB (1,024 times its size); an archive above 100 MiB unpacked may be at most 100 times its size');
  });

  it('lets small archives compress as well as they like, and real packages through', () => {
    expect(checkArchiveSize(files(90 * MiB), 10 * 1024, 50 * GiB)).toBeNull();
    expect(checkArchiveSize(files(300 * MiB, 200 * MiB), 120 * MiB, 50 * GiB)).toBeNull();
    expect(checkArchiveSize(files(2 * GiB), 21 * MiB, 50 * GiB)).toBeNull(); // 97.5:1
  });

  it('refuses more than the free space (unknown free space: only the ratio counts)', () => {
    const p = checkArchiveSize(files(3 * GiB), 1 * GiB, 2 * GiB);
    expect(p).toMatchObject({ reason: 'space', totalBytes: 3 * GiB, freeBytes: 2 * GiB });
    expect(p?.message).toBe('unpacks to 3.0 GiB, more than the 2.0 GiB free at the destination');
    expect(checkArchiveSize(files(3 * GiB), 1 * GiB, undefined)).toBeNull();
    expect(checkArchiveSize(files(0), 0, 0)).toBeNull();
  });

  it('formats sizes for people', () => {
    expect([formatBytes(512), formatBytes(400 * 1024), formatBytes(1.5 * GiB), formatBytes(123 * GiB)]).toEqual(['512 bytes', '400 KiB', '1.5 GiB', '123 GiB']);
    expect(ARCHIVE_SIZE_LIMITS).toEqual({ maxRatio: 100, ratioFloorBytes: 100 * MiB });
  });
});
