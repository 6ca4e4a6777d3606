import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseChecksumFile, readChecksumBeside, sha256File } from '../../../electron/core/packages/checksum';
import { detectKind, detectKindFromBytes, kindFromName } from '../../../electron/core/packages/detect';
import { type ArchiveEntry, checkEntries, formatEntryProblem, normalizeEntryPath } from '../../../electron/core/packages/entries';
import { makeTar, makeZip, tempDir } from './helpers';

const f = (p: string): ArchiveEntry => ({ path: p, type: 'file' });
const d = (p: string): ArchiveEntry => ({ path: p, type: 'directory' });
const s = (p: string, t: string): ArchiveEntry => ({ path: p, type: 'symlink', linkTarget: t });
const h = (p: string, t: string): ArchiveEntry => ({ path: p, type: 'hardlink', linkTarget: t });
const reasons = (entries: ArchiveEntry[]) => checkEntries(entries).map((p) => `${p.entry}: ${p.reason}`);

describe('checkEntries', () => {
  it('accepts an ordinary listing, "./" prefixes and links that stay inside', () => {
    expect(
      checkEntries([d('./'), d('./agent/'), f('./agent/bin/install.sh'), s('agent/install', 'bin/install.sh'), s('agent/bin/up', '../VERSION'), f('agent/VERSION'), h('agent/copy', './agent/VERSION'), s('agent/self', '.')]),
    ).toEqual([]);
  });

  it.each([
    ['../evil', 'the name climbs out of the destination with ".."'],
    ['a/../../evil', 'the name climbs out of the destination with ".."'],
    ['a/../b', 'the name climbs out of the destination with ".."'],
    ['..\\evil', 'the name climbs out of the destination with ".."'],
    ['/etc/passwd', 'the name is an absolute path'],
    ['\\\\server\\share\\x', 'the name is an absolute path'],
    ['C:\\x', 'the name starts with a Windows drive letter (C:)'],
    ['d:x', 'the name starts with a Windows drive letter (d:)'],
    ['', 'the name is empty'],
    ['a\0b', 'the name contains a NUL character'],
  ])('refuses the name %j', (name, reason) => {
    expect(checkEntries([f(name)])).toEqual([{ index: 0, entry: name, reason }]);
  });

  it('refuses links that resolve outside, following the archive\'s other links like the kernel', () => {
    expect(reasons([s('a', '/etc')])).toEqual(['a: is a symbolic link to "/etc", an absolute path outside the destination']);
    expect(reasons([s('a', 'C:\\Windows')])).toEqual(['a: is a symbolic link to "C:\\Windows", an absolute path outside the destination']);
    expect(reasons([s('x/a', '../..')])).toEqual(['x/a: is a symbolic link to "../..", which resolves outside the destination']);
    expect(reasons([s('x/a', '..\\..')])).toEqual(['x/a: is a symbolic link to "..\\..", which resolves outside the destination']);
    // d1/d2/up lands on the destination itself, so "up/.." is outside, though it reads as inside.
    expect(reasons([d('d1/d2/'), s('d1/d2/up', '../..'), s('x', 'd1/d2/up/../y')])).toEqual(['x: is a symbolic link to "d1/d2/up/../y", which resolves outside the destination']);
    expect(reasons([s('a', 'b'), s('b', 'a')])).toEqual(['a: is a symbolic link to "b", which loops', 'b: is a symbolic link to "a", which loops']);
    expect(reasons([s('a', '')])).toEqual(['a: is a symbolic link without a target']);
  });

  it('refuses entries through links, inside files, hard links to anything but an earlier file, devices, duplicates', () => {
    expect(reasons([s('lib', 'real'), d('real/'), f('lib/x.so')])).toEqual(['lib/x.so: goes through the symbolic link "lib"']);
    expect(reasons([f('a'), f('a/b')])).toEqual(['a/b: is inside "a", which is a file']);
    expect(reasons([h('b', 'a'), f('a')])).toEqual(['b: is a hard link to "a", which is not a file earlier in the archive']);
    expect(reasons([d('a/'), h('b', 'a')])).toEqual(['b: is a hard link to "a", which is not a file earlier in the archive']);
    expect(reasons([h('b', '/etc/shadow')])).toEqual(['b: is a hard link to "/etc/shadow" outside the destination: its target is an absolute path']);
    expect(reasons([{ path: 'sda', type: 'device' }, { path: 'p', type: 'fifo' }, { path: 'o', type: 'other' }])).toEqual([
      'sda: is a device, which an archive to unpack has no reason to hold',
      'p: is a FIFO (named pipe), which an archive to unpack has no reason to hold',
      'o: is an entry of an unsupported type, which an archive to unpack has no reason to hold',
    ]);
    expect(reasons([f('a/b'), f('./a//b')])).toEqual(['./a//b: appears more than once in the archive (first as entry 1)']);
    expect(reasons([d('a/'), f('a')])).toEqual(['a: appears more than once in the archive (first as entry 1)']);
    expect(reasons([f('.')])).toEqual(['.: a file cannot be the destination folder itself']);
  });

  it('formats a problem naming the entry', () => {
    expect(formatEntryProblem({ index: 2, entry: '../evil', reason: 'the name climbs out of the destination with ".."' })).toBe('entry 3, "../evil": the name climbs out of the destination with ".."');
    // A name from the archive cannot clear the screen or print a fake line.
    expect(formatEntryProblem({ index: 0, entry: '../x\x1b[2J\n✔ unpacked', reason: 'the name climbs out of the destination with ".."' })).toBe('entry 1, "../x␛[2J␊✔ unpacked": the name climbs out of the destination with ".."');
    expect(normalizeEntryPath('./a//b/./c/')).toBe('a/b/c');
    expect(normalizeEntryPath('../x')).toBeUndefined();
  });
});

describe('detectKind and checksums', () => {
  let tmp = '';
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const write = (name: string, data: Buffer | string) => {
    const p = path.join(tmp, name);
    fs.writeFileSync(p, data);
    return p;
  };

  it('detects by magic bytes first, then by name', async () => {
    expect(await detectKind(write('a.bin', makeZip([{ name: 'x', data: 'y' }])))).toBe('zip');
    expect(await detectKind(write('a.bin2', makeTar([{ path: 'x', data: 'y' }], true)))).toBe('tar.gz');
    expect(await detectKind(write('a.bin3', makeTar([{ path: 'x', data: 'y' }])))).toBe('tar');
    expect(await detectKind(write('a.bin4', '!<arch>\ndebian-binary   1'))).toBe('deb');
    expect(await detectKind(write('a.bin5', Buffer.from([0xed, 0xab, 0xee, 0xdb, 3, 0])))).toBe('rpm');
    expect(await detectKind(write('agent.tgz', 'not really'))).toBe('tar.gz');
    expect(await detectKind(write('empty.zip', ''))).toBe('zip');
    expect(await detectKind(write('notes.txt', 'hello'))).toBe('unknown');
    expect(detectKindFromBytes('x.zip', makeTar([{ path: 'x' }]))).toBe('tar'); // the bytes win over the name
    expect(['a.TAR.GZ', 'b.tar', 'c.Zip', 'd.deb', 'e.rpm', 'f.gz'].map(kindFromName)).toEqual(['tar.gz', 'tar', 'zip', 'deb', 'rpm', 'unknown']);
  });

  it('hashes files and reads .sha256 files in both formats', async () => {
    const pkg = write('ICAgent.tar.gz', 'abc');
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(await sha256File(pkg)).toBe(abc);
    expect(await readChecksumBeside(pkg)).toBeUndefined();
    write('ICAgent.tar.gz.sha256', `${abc.toUpperCase()}\n`);
    expect(await readChecksumBeside(pkg)).toBe(abc);
    write('ICAgent.tar.gz.sha256', `${'0'.repeat(64)}  other.zip\n${abc} *ICAgent.tar.gz\n`);
    expect(await readChecksumBeside(pkg)).toBe(abc);
    write('ICAgent.tar.gz.sha256', `${'0'.repeat(64)}  other.zip\n`);
    await expect(readChecksumBeside(pkg)).rejects.toMatchObject({ code: 'archive.checksumfile' });
    expect(parseChecksumFile(`# sums\n${abc}  dist/ICAgent.tar.gz\n`, 'ICAgent.tar.gz')).toBe(abc);
    expect(parseChecksumFile(`${abc}\n${abc}\n`, 'x')).toBeUndefined(); // bare hashes: only when there is one
    expect(parseChecksumFile('nothing here', 'x')).toBeUndefined();
  });
});
