// The offline-package helpers of a run: the remote listing parsers feed the same entry rules as the
// local unpacker, the staging script's answer is read back, and a wrong local package is refused with
// both checksums before anything connects.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../../electron/common/api/plan';
import { checkEntries } from '../../../electron/core/packages/entries';
import { spawnSync } from 'node:child_process';
import { extractScript, parseZipinfo, splitListing } from '../../../electron/core/actions/unpack';
import { checkLocalPackages } from '../../../electron/core/packages';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-pkg-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// Captured from Debian's `LC_ALL=C unzip -Z -l` on a zip made with `zip -y` (a folder, a file, a link).
const ZIPINFO = `Archive:  t.zip
Zip file size: 437 bytes, number of entries: 3
drwxr-xr-x  3.0 unx        0 bx        0 stor 26-Nov-30 09:37 d/
-rw-r--r--  3.0 unx        3 tx        3 stor 26-Nov-30 09:37 d/f
lrwxrwxrwx  3.0 unx       16 bx       16 stor 26-Nov-30 09:37 l
3 files, 19 bytes uncompressed, 19 bytes compressed:  0.0%`;

describe('remote listings', () => {
  it('zipinfo: files and folders are entries, a link is refused by name', () => {
    const r = parseZipinfo(ZIPINFO);
    expect(r.entries).toEqual([
      { path: 'd/', type: 'directory', size: 0 },
      { path: 'd/f', type: 'file', size: 3 },
    ]);
    expect(r.problems).toEqual([expect.objectContaining({ entry: 'l', reason: expect.stringContaining('is a link') })]);
  });

  it('zipinfo: a line it cannot read between the header and the footer is a problem (fail closed)', () => {
    const r = parseZipinfo(ZIPINFO.replace('-rw-r--r--  3.0 unx        3 tx        3 stor 26-Nov-30 09:37 d/f', '?rw-r--r-- a line this parser does not know'));
    expect(r.problems.map((p) => p.reason)).toContain('is a line of the listing Outpost cannot read, so the archive is not unpacked');
  });

  it('zipinfo: an archive made on Windows (FAT/NTFS attributes) is read, not refused', () => {
    // Captured from `LC_ALL=C unzip -Z -l` on a zip whose entries were made on FAT and NTFS.
    const fat = ['Archive:  fat.zip', 'Zip file size: 282 bytes, number of entries: 3', '-rw-a--     2.0 fat        2 b-        2 stor 80-Jan-01 00:00 a.txt', 'drwx---     2.0 fat        0 b-        0 stor 80-Jan-01 00:00 dir/', '-rw-a--     2.0 ntf        2 b-        2 stor 80-Jan-01 00:00 b.txt', '3 files, 4 bytes uncompressed, 4 bytes compressed:  0.0%'].join('\n');
    expect(parseZipinfo(fat)).toEqual({
      entries: [
        { path: 'a.txt', type: 'file', size: 2 },
        { path: 'dir/', type: 'directory', size: 0 },
        { path: 'b.txt', type: 'file', size: 2 },
      ],
      problems: [],
    });
  });

  it('zipinfo: a listing without its header or footer, or whose counts do not add up, is refused (nothing skipped silently)', () => {
    const lines = ZIPINFO.split('\n');
    const reasons = (text: string) => parseZipinfo(text).problems.map((p) => p.reason);
    expect(reasons(lines.filter((_l, i) => i !== 1).join('\n'))).toContainEqual(expect.stringMatching(/has no header with the number of entries/));
    expect(reasons(lines.slice(0, -1).join('\n'))).toContainEqual(expect.stringMatching(/has no footer/));
    expect(reasons(lines.filter((_l, i) => i !== 3).join('\n'))).toContain('the listing declares 3 entries but 2 could be read, so the archive is not unpacked');
    expect(reasons(ZIPINFO.replace('3 files, 19 bytes', '3 files, 900 bytes'))).toContain('the listing declares 900 bytes uncompressed but its entries add up to 19, so the archive is not unpacked');
  });

  it("the host's listing starts with the archive's size", () => {
    expect(splitListing('OUTPOST_SIZE 437\nArchive:  t.zip\n')).toEqual({ archiveBytes: 437, listing: 'Archive:  t.zip\n' });
    expect(splitListing('Archive:  t.zip\n').archiveBytes).toBeUndefined();
  });

  it('the extraction script parses, with and without the free-space check', () => {
    for (const format of ['zip', 'tar', 'tar.gz'] as const) {
      for (const script of [extractScript({ archive: "/opt/a b/x'.zip", dest: '/opt/a b/d', format }, 'ab'.repeat(32), { totalBytes: 123 }), extractScript({ archive: '/x', dest: '/d', format }, null)]) {
        const r = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(0);
      }
    }
  });

  it('zipinfo: a name with spaces and a ".." entry reach the entry rules intact', () => {
    const r = parseZipinfo(['Archive:  t.zip', 'Zip file size: 200 bytes, number of entries: 1', '-rw-r--r--  3.0 unx        3 tx        3 stor 26-Nov-30 09:37 a b/../../evil', '1 file, 3 bytes uncompressed, 3 bytes compressed:  0.0%'].join('\n'));
    expect(r.problems).toEqual([]);
    expect(r.entries[0]?.path).toBe('a b/../../evil');
    expect(checkEntries(r.entries)).toHaveLength(1);
  });
});

describe('checkLocalPackages', () => {
  const file = path.join(dir, 'agent.tar.gz');
  fs.writeFileSync(file, 'agent');
  const sum = createHash('sha256').update('agent').digest('hex');
  const plan = (sha256: string | null) => ({ steps: [{ id: 'upload-package', action: { kind: 'upload', from: file, to: '/opt/a/agent.tar.gz', sha256, mode: 0o644 } }] }) as unknown as Plan;

  it('accepts the right checksum and maps both paths to it', async () => {
    const r = await checkLocalPackages(plan(sum));
    expect(r.byLocal.get(file)).toBe(sum);
    expect(r.byRemote.get('/opt/a/agent.tar.gz')).toBe(sum);
  });

  it('refuses a mismatch with both values', async () => {
    await expect(checkLocalPackages(plan('0'.repeat(64)))).rejects.toThrow(new RegExp(`${sum}.*${'0'.repeat(64)}`));
  });

  it('reads a .sha256 file beside the package when the answers give none', async () => {
    fs.writeFileSync(`${file}.sha256`, `${'1'.repeat(64)}  agent.tar.gz\n`);
    await expect(checkLocalPackages(plan(null))).rejects.toThrow(/the \.sha256 file beside it says 1{64}/);
    fs.writeFileSync(`${file}.sha256`, `${sum}  agent.tar.gz\n`);
    await expect(checkLocalPackages(plan(null))).resolves.toBeDefined();
  });

  it('names a missing package', async () => {
    const p = { steps: [{ id: 'up', action: { kind: 'upload', from: path.join(dir, 'nope.zip'), to: '/x', sha256: null, mode: 0o600 } }] } as unknown as Plan;
    await expect(checkLocalPackages(p)).rejects.toThrow(/nope\.zip \(step up\) is not a readable file/);
  });
});
