import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { OutpostError } from '../../../electron/core/errors';
import { listArchive, unpackArchive, UnsafeArchiveError, type UnpackProgress } from '../../../electron/core/packages/unpack';
import { makeTar, makeZip, tempDir, tree } from './helpers';

let tmp = '';
let dest = '';
let outside = '';
beforeEach(() => {
  tmp = tempDir();
  dest = path.join(tmp, 'dest');
  outside = path.join(tmp, 'outside');
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret'), 'untouched');
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const write = (name: string, data: Buffer) => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, data);
  return f;
};
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function refused(archive: string, entry: string, reason: RegExp, into = dest): Promise<UnsafeArchiveError> {
  const err = await unpackArchive(archive, into).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UnsafeArchiveError);
  const u = err as UnsafeArchiveError;
  expect(u.code).toBe('archive.unsafe');
  expect(u.message).toContain(`"${entry}"`);
  expect(u.message).toMatch(reason);
  expect(u.hint).toMatch(/^Nothing was written\./);
  // Nothing written anywhere: no destination, no staging folder, the outside untouched.
  expect(fs.existsSync(into)).toBe(into !== dest);
  expect(tree(into === dest ? dest : into)).toEqual([]);
  expect(fs.readdirSync(tmp).filter((n) => n.includes('outpost-unpack'))).toEqual([]);
  expect(tree(outside)).toEqual(['secret']);
  expect(fs.readFileSync(path.join(outside, 'secret'), 'utf8')).toBe('untouched');
  return u;
}

async function yazlZip(build: (z: yazl.ZipFile) => void): Promise<Buffer> {
  const z = new yazl.ZipFile();
  build(z);
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('unpackArchive: normal archives', () => {
  it('unpacks a zip (folders, modes, a link inside) and reports progress', async () => {
    const big = Buffer.alloc(600_000, 'x');
    const zip = write(
      'agent.zip',
      await yazlZip((z) => {
        z.addEmptyDirectory('agent/');
        z.addBuffer(Buffer.from('#!/bin/sh\necho installed\n'), 'agent/bin/install.sh', { mode: 0o100755 });
        z.addBuffer(big, 'agent/lib/blob.bin');
        z.addBuffer(Buffer.from('lib/blob.bin'), 'agent/current', { mode: 0o120777 });
      }),
    );
    const seen: UnpackProgress[] = [];
    const r = await unpackArchive(zip, dest, { onProgress: (p) => seen.push(p) });
    expect(r).toMatchObject({ kind: 'zip', dest, entries: 4, bytes: big.length + 25 });
    expect(tree(dest)).toEqual(['agent', 'agent/bin', 'agent/bin/install.sh', 'agent/current', 'agent/lib', 'agent/lib/blob.bin']);
    expect(fs.readFileSync(path.join(dest, 'agent/bin/install.sh'), 'utf8')).toBe('#!/bin/sh\necho installed\n');
    expect(fs.statSync(path.join(dest, 'agent/bin/install.sh')).mode & 0o111).not.toBe(0);
    expect(fs.readlinkSync(path.join(dest, 'agent/current'))).toBe('lib/blob.bin');
    expect(seen.at(-1)).toEqual({ entries: 4, totalEntries: 4, bytes: big.length + 25, totalBytes: big.length + 25 });
    expect(seen[0]).toEqual({ entries: 0, totalEntries: 4, bytes: 0, totalBytes: big.length + 25 });
    expect(seen.some((p) => p.bytes > 0 && p.bytes < big.length)).toBe(true); // progress within a large entry
    expect(fs.readdirSync(tmp).sort()).toEqual(['agent.zip', 'dest', 'outside']); // no staging folder left
  });

  it('unpacks a tar.gz made by tar (and a .tar), links inside the folder included', async () => {
    const src = path.join(tmp, 'src');
    fs.mkdirSync(path.join(src, 'ICAgent/bin'), { recursive: true });
    fs.writeFileSync(path.join(src, 'ICAgent/bin/install.sh'), 'echo ok\n', { mode: 0o755 });
    fs.writeFileSync(path.join(src, 'ICAgent/VERSION'), '5.12\n');
    fs.symlinkSync('bin/install.sh', path.join(src, 'ICAgent/install'));
    const tgz = path.join(tmp, 'ICAgent.tar.gz');
    await tar.c({ gzip: true, file: tgz, cwd: src, portable: true }, ['ICAgent']);
    const listing = await listArchive(tgz);
    expect(listing.kind).toBe('tar.gz');
    expect(listing.entries.map((e) => `${e.path} ${e.type}`).sort()).toEqual([
      'ICAgent/ directory',
      'ICAgent/VERSION file',
      'ICAgent/bin/ directory',
      'ICAgent/bin/install.sh file',
      'ICAgent/install symlink',
    ]);
    const r = await unpackArchive(tgz, dest);
    expect(r).toMatchObject({ kind: 'tar.gz', entries: 5, bytes: 13 });
    expect(tree(dest)).toEqual(['ICAgent', 'ICAgent/VERSION', 'ICAgent/bin', 'ICAgent/bin/install.sh', 'ICAgent/install']);
    expect(fs.readFileSync(path.join(dest, 'ICAgent/install'), 'utf8')).toBe('echo ok\n');
    expect(fs.statSync(path.join(dest, 'ICAgent/bin/install.sh')).mode & 0o777).toBe(0o755);

    const plain = path.join(tmp, 'plain.tar');
    await tar.c({ file: plain, cwd: src }, ['ICAgent']);
    const dest2 = path.join(tmp, 'dest2');
    expect((await unpackArchive(plain, dest2)).kind).toBe('tar');
    expect(tree(dest2)).toEqual(tree(dest));
  });

  it('unpacks into an existing empty folder, and a tar with hard links and "./" entries', async () => {
    fs.mkdirSync(dest);
    const t = write(
      'links.tgz',
      makeTar(
        [
          { path: './', type: 'Directory', mode: 0o755 },
          { path: './a.txt', data: 'hello' },
          { path: './b.txt', type: 'Link', linkpath: './a.txt' },
        ],
        true,
      ),
    );
    await unpackArchive(t, dest);
    expect(tree(dest)).toEqual(['a.txt', 'b.txt']);
    expect(fs.statSync(path.join(dest, 'b.txt')).ino).toBe(fs.statSync(path.join(dest, 'a.txt')).ino);
  });
});

describe('unpackArchive: unsafe archives are refused before anything is written', () => {
  it('zip-slip: "../evil"', async () => {
    const zip = write('slip.zip', makeZip([{ name: 'ok.txt', data: 'fine' }, { name: '../outside/evil', data: 'pwned' }]));
    const err = await refused(zip, '../outside/evil', /climbs out of the destination with "\.\."/);
    expect(err.problems).toEqual([{ index: 1, entry: '../outside/evil', reason: 'the name climbs out of the destination with ".."' }]);
  });

  it('zip-slip with backslashes: "..\\..\\evil"', async () => {
    await refused(write('bs.zip', makeZip([{ name: 'x\\..\\..\\outside\\evil', data: 'pwned' }])), 'x\\..\\..\\outside\\evil', /"\.\."/);
  });

  it('an absolute path', async () => {
    const abs = path.join(outside, 'abs-evil');
    await refused(write('abs.zip', makeZip([{ name: abs, data: 'pwned' }])), abs, /is an absolute path/);
    await refused(write('abs.tar', makeTar([{ path: abs, data: 'pwned' }])), abs, /is an absolute path/);
  });

  it('a Windows drive letter', async () => {
    await refused(write('drive.zip', makeZip([{ name: 'C:\\Windows\\evil.dll', data: 'x' }])), 'C:\\Windows\\evil.dll', /drive letter \(C:\)/);
    await refused(write('drive2.zip', makeZip([{ name: 'c:evil', data: 'x' }])), 'c:evil', /drive letter/);
  });

  it('a tar symlink out of the folder, then a file through it', async () => {
    const t = write('link.tgz', makeTar([{ path: 'pkg/out', type: 'SymbolicLink', linkpath: outside }, { path: 'pkg/out/pwned', data: 'pwned' }], true));
    const err = await refused(t, 'pkg/out', /symbolic link to ".*outside", an absolute path/);
    expect(err.problems.map((p) => p.entry)).toEqual(['pkg/out', 'pkg/out/pwned']);
    expect(err.problems[1]?.reason).toBe('goes through the symbolic link "pkg/out"');
    expect(err.message).toMatch(/and 1 more unsafe entry\)$/);
    // The relative form, as the kernel resolves it.
    const rel = write('rel.tar', makeTar([{ path: 'pkg/', type: 'Directory' }, { path: 'pkg/up', type: 'SymbolicLink', linkpath: '../../outside' }, { path: 'pkg/up/pwned', data: 'x' }]));
    await refused(rel, 'pkg/up', /symbolic link to "\.\.\/\.\.\/outside", which resolves outside the destination/);
  });

  it('a zip symlink (Unix mode in the external attributes) out of the folder, then a file through it', async () => {
    const zip = write(
      'link.zip',
      makeZip([
        { name: 'pkg/', unixMode: 0o040755 },
        { name: 'pkg/out', data: '../../outside', unixMode: 0o120777 },
        { name: 'pkg/out/pwned', data: 'pwned', unixMode: 0o100644 },
      ]),
    );
    const err = await refused(zip, 'pkg/out', /symbolic link to "\.\.\/\.\.\/outside", which resolves outside/);
    expect(err.problems).toHaveLength(2);
  });

  it('a tar hard link to a file outside the folder', async () => {
    const t = write('hard.tar', makeTar([{ path: 'secret', type: 'Link', linkpath: path.join(outside, 'secret') }, { path: 'secret', data: 'overwritten' }]));
    const err = await refused(t, 'secret', /hard link to ".*outside\/secret" outside the destination: its target is an absolute path/);
    expect(err.problems[1]?.reason).toMatch(/appears more than once/);
    await refused(write('hard2.tar', makeTar([{ path: 'h', type: 'Link', linkpath: '../outside/secret' }])), 'h', /hard link to "\.\.\/outside\/secret" outside the destination/);
  });

  it('devices, FIFOs and duplicates', async () => {
    await refused(write('dev.tar', makeTar([{ path: 'null', type: 'CharacterDevice', devmaj: 1, devmin: 3 }])), 'null', /is a device/);
    await refused(write('fifo.tar', makeTar([{ path: 'pipe', type: 'FIFO' }])), 'pipe', /FIFO/);
    await refused(write('fifo.zip', makeZip([{ name: 'pipe', unixMode: 0o010644 }])), 'pipe', /FIFO/);
    await refused(write('dup.zip', makeZip([{ name: 'a/b', data: '1' }, { name: 'a//./b', data: '2' }])), 'a//./b', /appears more than once in the archive \(first as entry 1\)/);
  });

  it('refuses into an existing folder too, leaving it as it was', async () => {
    fs.mkdirSync(dest);
    const zip = write('slip.zip', makeZip([{ name: '../outside/evil', data: 'pwned' }]));
    await refused(zip, '../outside/evil', /"\.\."/, dest + path.sep);
  });
});

describe('unpackArchive: checksum, destination, failures', () => {
  const zipBytes = () => makeZip([{ name: 'f.txt', data: 'content' }]);

  it('checks the SHA-256 before anything else; a mismatch shows both values', async () => {
    const bytes = zipBytes();
    const zip = write('p.zip', bytes);
    const wrong = 'ab'.repeat(32);
    const err = (await unpackArchive(zip, dest, { sha256: wrong }).catch((e: unknown) => e)) as OutpostError;
    expect(err.code).toBe('archive.checksum');
    expect(err.message).toBe(`p.zip has SHA-256 ${sha(bytes)}, expected ${wrong}`);
    expect(fs.existsSync(dest)).toBe(false);
    const bad = (await unpackArchive(zip, dest, { sha256: 'xyz' }).catch((e: unknown) => e)) as OutpostError;
    expect(bad.code).toBe('archive.checksum');
    expect(bad.message).toMatch(/not a SHA-256/);
    const r = await unpackArchive(zip, dest, { sha256: sha(bytes).toUpperCase() });
    expect(r.sha256).toBe(sha(bytes));
    expect(fs.readFileSync(path.join(dest, 'f.txt'), 'utf8')).toBe('content');
  });

  it('refuses a folder that is not empty unless overwrite, and then never writes through a link', async () => {
    fs.mkdirSync(dest);
    fs.writeFileSync(path.join(dest, 'keep.txt'), 'mine');
    fs.symlinkSync(path.join(outside, 'secret'), path.join(dest, 'f.txt'));
    const zip = write('p.zip', zipBytes());
    const err = (await unpackArchive(zip, dest).catch((e: unknown) => e)) as OutpostError;
    expect(err).toBeInstanceOf(OutpostError);
    expect(err.code).toBe('unpack.exists');
    expect(err.hint).toMatch(/--overwrite/);
    await unpackArchive(zip, dest, { overwrite: true });
    expect(fs.readFileSync(path.join(dest, 'f.txt'), 'utf8')).toBe('content');
    expect(fs.lstatSync(path.join(dest, 'f.txt')).isSymbolicLink()).toBe(false);
    expect(fs.readFileSync(path.join(dest, 'keep.txt'), 'utf8')).toBe('mine');
    expect(fs.readFileSync(path.join(outside, 'secret'), 'utf8')).toBe('untouched');
  });

  it('with overwrite, refuses an existing link in the way of a folder before writing', async () => {
    fs.mkdirSync(dest);
    fs.symlinkSync(outside, path.join(dest, 'sub'));
    const zip = write('p.zip', makeZip([{ name: 'a.txt', data: '1' }, { name: 'sub/b.txt', data: '2' }]));
    const err = (await unpackArchive(zip, dest, { overwrite: true }).catch((e: unknown) => e)) as OutpostError;
    expect(err.code).toBe('unpack.conflict');
    expect(err.message).toContain('is a symbolic link');
    expect(tree(dest)).toEqual(['sub']);
    expect(tree(outside)).toEqual(['secret']);
  });

  it('a truncated archive is archive.corrupt; other kinds are archive.unsupported; a missing file is archive.missing', async () => {
    const good = makeTar([{ path: 'a', data: 'x'.repeat(5000) }], true);
    const cut = write('cut.tar.gz', good.subarray(0, good.length - 30));
    expect(((await unpackArchive(cut, dest).catch((e: unknown) => e)) as OutpostError).code).toBe('archive.corrupt');
    const z = zipBytes();
    expect(((await unpackArchive(write('cut.zip', z.subarray(0, z.length - 5)), dest).catch((e: unknown) => e)) as OutpostError).code).toBe('archive.corrupt');
    const deb = write('agent.deb', Buffer.from('!<arch>\ndebian-binary   '));
    const e1 = (await unpackArchive(deb, dest).catch((e: unknown) => e)) as OutpostError;
    expect([e1.code, e1.hint]).toEqual(['archive.unsupported', 'Install it with dpkg -i (or apt install ./FILE) instead.']);
    expect(((await unpackArchive(write('notes.txt', Buffer.from('hello')), dest).catch((e: unknown) => e)) as OutpostError).code).toBe('archive.unsupported');
    expect(((await unpackArchive(path.join(tmp, 'nope.zip'), dest).catch((e: unknown) => e)) as OutpostError).code).toBe('archive.missing');
    expect(fs.existsSync(dest)).toBe(false);
  });

  it('a cancel leaves nothing behind', async () => {
    const zip = write('p.zip', makeZip(Array.from({ length: 50 }, (_, i) => ({ name: `d/f${i}`, data: 'y'.repeat(100_000) }))));
    const ac = new AbortController();
    const err = (await unpackArchive(zip, dest, {
      signal: ac.signal,
      onProgress: (p) => {
        if (p.entries === 10) ac.abort();
      },
    }).catch((e: unknown) => e)) as OutpostError;
    expect(err.code).toBe('unpack.cancelled');
    expect(fs.existsSync(dest)).toBe(false);
    expect(fs.readdirSync(tmp).sort()).toEqual(['outside', 'p.zip']);

    const tgz = write('p.tgz', makeTar(Array.from({ length: 50 }, (_, i) => ({ path: `d/f${i}`, data: 'y'.repeat(100_000) })), true));
    const ac2 = new AbortController();
    const err2 = (await unpackArchive(tgz, dest, { signal: ac2.signal, onProgress: (p) => p.entries === 10 && ac2.abort() }).catch((e: unknown) => e)) as OutpostError;
    expect(err2.code).toBe('unpack.cancelled');
    expect(fs.existsSync(dest)).toBe(false);
    expect(fs.readdirSync(tmp).sort()).toEqual(['outside', 'p.tgz', 'p.zip']);
  });
});

describe('unpackArchive: size (a 400 KB zip unpacked to 400 MiB)', () => {
  /** `mib` MiB of zeros, streamed through deflate: what a decompression bomb is. */
  async function zerosZip(file: string, mib: number): Promise<void> {
    const z = new yazl.ZipFile();
    const chunk = Buffer.alloc(1024 * 1024);
    let left = mib;
    z.addReadStream(
      new Readable({
        read() {
          this.push(left-- > 0 ? chunk : null);
        },
      }),
      'agent/zeros.bin',
      { compress: true },
    );
    z.end();
    await pipeline(z.outputStream, fs.createWriteStream(file));
  }

  it('refuses a zip bomb before writing anything, naming the archive and both sizes', async () => {
    const bomb = path.join(tmp, 'agent.zip');
    await zerosZip(bomb, 400);
    expect(fs.statSync(bomb).size).toBeLessThan(1024 * 1024);
    const err = await unpackArchive(bomb, dest).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OutpostError);
    expect((err as OutpostError).code).toBe('archive.unsafe');
    expect((err as OutpostError).message).toMatch(/^agent\.zip is unsafe to unpack: it unpacks to 400 MiB from \d+ KiB \([\d,]+ times its size\)/);
    expect((err as OutpostError).hint).toMatch(/^Nothing was written\./);
    expect(fs.existsSync(dest)).toBe(false);
    expect(fs.readdirSync(tmp).sort()).toEqual(['agent.zip', 'outside']);
  }, 60_000);

  it('unpacks what compresses well but stays small (a 20 MiB file of zeros)', async () => {
    const ok = path.join(tmp, 'small.zip');
    await zerosZip(ok, 20);
    const r = await unpackArchive(ok, dest);
    expect(r.bytes).toBe(20 * 1024 * 1024);
    expect(fs.statSync(path.join(dest, 'agent', 'zeros.bin')).size).toBe(20 * 1024 * 1024);
  }, 60_000);
});
