// Safe unpacking of zip (yauzl) and tar / tar.gz (tar) archives. The whole listing is read and checked
// (entries.ts, and the declared total against the free space and a ratio, size.ts) before anything is
// written; a SHA-256, when given, is checked before that. A fresh
// destination is filled through a staging folder beside it and renamed into place at the end, so a
// failure or a cancel leaves nothing behind.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OutpostError } from '../errors';
import { archiveKind, cancelled, checkAborted, listArchive, openZip, parseTar, tarArchiveEntry, zipArchiveEntry, type ArchiveKind, type ArchiveListing } from './archive-list';
import { isSha256, sha256File } from './checksum';
import { type ArchiveEntry, checkEntries, type EntryProblem, formatEntryProblem, splitEntryPath } from './entries';
import { archiveSizeError, checkArchiveSize } from './size';

export { listArchive, type ArchiveKind, type ArchiveListing };

/** Progress is reported after each entry and every this many bytes within one. */
const PROGRESS_BYTES = 256 * 1024;

export interface UnpackProgress {
  entries: number;
  totalEntries: number;
  bytes: number;
  totalBytes: number;
}

export interface UnpackOptions {
  /** Expected SHA-256 of the archive (hex); checked before anything else. */
  sha256?: string | undefined;
  /** Unpack into a folder that is not empty (files the archive holds are replaced, others kept). */
  overwrite?: boolean | undefined;
  onProgress?: ((p: UnpackProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
}


export interface UnpackResult {
  kind: ArchiveKind;
  dest: string;
  entries: number;
  bytes: number;
  /** The archive's SHA-256 when one was checked. */
  sha256?: string;
}

/** An archive refused by the checks: every unsafe entry is in `problems`, the first is in the message. */
export class UnsafeArchiveError extends OutpostError {
  readonly problems: EntryProblem[];
  constructor(archive: string, problems: EntryProblem[]) {
    const [first] = problems;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more unsafe ${problems.length === 2 ? 'entry' : 'entries'})` : '';
    super(
      'archive.unsafe',
      `${path.basename(archive)} is unsafe to unpack: ${first ? formatEntryProblem(first) : 'unsafe entries'}${more}`,
      'Nothing was written. An archive whose entries could land outside the destination is broken or malicious: get it again from its publisher and compare its SHA-256.',
    );
    this.name = 'UnsafeArchiveError';
    this.problems = problems;
  }
}

/** Where entries are written: a fresh staging folder renamed into place at the end, or the existing folder (overwrite). */
type Dest = { mode: 'fresh'; dest: string; existed: boolean; root: string } | { mode: 'merge'; dest: string; root: string };

async function lstatOrUndefined(p: string): Promise<fs.Stats | undefined> {
  try {
    return await fsp.lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function inspectDest(dest: string, overwrite: boolean, entries: readonly ArchiveEntry[]): Promise<{ existed: boolean; empty: boolean }> {
  let st: fs.Stats;
  try {
    st = await fsp.stat(dest);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { existed: false, empty: true };
    throw err;
  }
  if (!st.isDirectory()) throw new OutpostError('unpack.notdir', `${dest} exists and is not a folder`, 'Choose a folder to unpack into.');
  if ((await fsp.readdir(dest)).length === 0) return { existed: true, empty: true };
  if (!overwrite) {
    throw new OutpostError('unpack.exists', `${dest} already exists and is not empty`, 'Choose an empty or new folder, or unpack over it with --overwrite (files the archive holds are replaced, others are kept).');
  }
  // Unpacking over existing files: refuse what would write through a link or replace a folder, before writing.
  for (const e of entries) {
    const parts = partsOf(e);
    if (parts.length === 0) continue;
    for (let i = 1; i <= parts.length; i++) {
      const rel = parts.slice(0, i).join('/');
      const here = await lstatOrUndefined(path.join(dest, ...parts.slice(0, i)));
      if (!here) break;
      const leaf = i === parts.length;
      if (!leaf && !here.isDirectory()) throw conflict(dest, rel, e.path, here.isSymbolicLink() ? 'a symbolic link' : 'not a folder');
      if (leaf && e.type === 'directory' && !here.isDirectory()) throw conflict(dest, rel, e.path, 'not a folder');
      if (leaf && e.type !== 'directory' && here.isDirectory()) throw conflict(dest, rel, e.path, 'a folder');
    }
  }
  return { existed: true, empty: false };
}

function conflict(dest: string, rel: string, entry: string, what: string): OutpostError {
  return new OutpostError('unpack.conflict', `cannot unpack "${entry}": ${path.join(dest, rel)} is ${what}`, 'Nothing was written. Unpack into an empty folder instead.');
}

function partsOf(e: ArchiveEntry): string[] {
  const s = splitEntryPath(e.path);
  if (!s.ok) throw new OutpostError('archive.unsafe', `entry "${e.path}": ${s.reason}`); // checked before: not reached
  return s.parts;
}

// ----------------------------------------------------------------------------------------- writer

class Writer {
  private readonly dirs = new Set<string>(['']);
  bytes = 0;
  entries = 0;
  private lastReported = 0;
  constructor(
    private readonly root: string,
    private readonly merge: boolean,
    private readonly total: { entries: number; bytes: number },
    private readonly onProgress: ((p: UnpackProgress) => void) | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {}

  progress(force: boolean): void {
    if (!this.onProgress || (!force && this.bytes - this.lastReported < PROGRESS_BYTES)) return;
    this.lastReported = this.bytes;
    this.onProgress({ entries: this.entries, totalEntries: this.total.entries, bytes: this.bytes, totalBytes: this.total.bytes });
  }

  /** Makes the folders for `parts` (all of them), never following a link. */
  private async mkdirs(parts: readonly string[]): Promise<void> {
    for (let i = 1; i <= parts.length; i++) {
      const rel = parts.slice(0, i).join('/');
      if (this.dirs.has(rel)) continue;
      const full = path.join(this.root, ...parts.slice(0, i));
      const st = await lstatOrUndefined(full);
      if (!st) await fsp.mkdir(full);
      else if (!st.isDirectory()) throw new OutpostError('unpack.conflict', `${full} is in the way: it is not a folder`);
      this.dirs.add(rel);
    }
  }

  /** The full path for a new non-folder entry; an existing file or link there is removed first (never written through). */
  private async place(parts: readonly string[]): Promise<string> {
    await this.mkdirs(parts.slice(0, -1));
    const full = path.join(this.root, ...parts);
    if (this.merge) {
      const st = await lstatOrUndefined(full);
      if (st?.isDirectory()) throw new OutpostError('unpack.conflict', `${full} is in the way: it is a folder`);
      if (st) await fsp.unlink(full);
    }
    return full;
  }

  async write(entry: ArchiveEntry, data: () => Promise<Readable>): Promise<void> {
    checkAborted(this.signal);
    const parts = partsOf(entry);
    switch (entry.type) {
      case 'directory':
        await this.mkdirs(parts);
        break;
      case 'file': {
        const full = await this.place(parts);
        const mode = (entry.mode ?? 0o644) & 0o777;
        const count = new Transform({
          transform: (chunk: Buffer, _enc, cb) => {
            this.bytes += chunk.length;
            // The size check trusted the declared sizes: never write more than they add up to.
            if (this.bytes > this.total.bytes) return cb(new OutpostError('archive.changed', 'the archive holds more data than its listing declares', 'Nothing was left behind. The archive is damaged or malicious: get it again from its publisher.'));
            this.progress(false);
            cb(null, chunk);
          },
        });
        try {
          await pipeline(await data(), count, fs.createWriteStream(full, { flags: 'wx', mode }), this.signal ? { signal: this.signal } : {});
        } catch (err) {
          if (this.signal?.aborted) throw cancelled();
          throw err;
        }
        break;
      }
      case 'symlink': {
        const full = await this.place(parts);
        await fsp.symlink((entry.linkTarget ?? '').replace(/\\/g, '/'), full);
        break;
      }
      case 'hardlink': {
        const target = splitEntryPath(entry.linkTarget ?? '');
        if (!target.ok) throw new OutpostError('archive.unsafe', `entry "${entry.path}": ${target.reason}`); // checked before: not reached
        const full = await this.place(parts);
        await fsp.link(path.join(this.root, ...target.parts), full);
        break;
      }
      default:
        throw new OutpostError('archive.unsafe', `entry "${entry.path}" has a type Outpost does not unpack`); // checked before: not reached
    }
    this.entries++;
    this.progress(true);
  }
}

function sameEntry(a: ArchiveEntry, b: ArchiveEntry | undefined): boolean {
  return !!b && a.path === b.path && a.type === b.type && (a.linkTarget ?? '') === (b.linkTarget ?? '') && (a.size ?? 0) === (b.size ?? 0);
}

const changed = (archive: string) =>
  new OutpostError('archive.changed', `${path.basename(archive)} changed while it was being unpacked`, 'Make sure nothing else writes to the archive, then try again.');

async function extractZip(archive: string, listing: ArchiveListing, w: Writer): Promise<void> {
  const zip = await openZip(archive);
  try {
    let index = 0;
    for await (const e of zip.eachEntry()) {
      const entry = await zipArchiveEntry(zip, e);
      if (!sameEntry(entry, listing.entries[index++])) throw changed(archive);
      await w.write(entry, () => zip.openReadStreamPromise(e));
    }
    if (index !== listing.entries.length) throw changed(archive);
  } finally {
    zip.close();
  }
}

async function extractTar(archive: string, listing: ArchiveListing, w: Writer, signal?: AbortSignal): Promise<void> {
  const count = await parseTar(
    archive,
    async (e, index) => {
      const entry = tarArchiveEntry(e);
      if (!sameEntry(entry, listing.entries[index])) throw changed(archive);
      if (entry.type !== 'file') e.resume();
      await w.write(entry, async () => e as unknown as Readable);
    },
    signal,
  );
  if (count !== listing.entries.length) throw changed(archive);
}

/** Free bytes for an unprivileged writer where `dest` is (or would be created); undefined when unknown. */
async function freeBytesAt(dest: string): Promise<number | undefined> {
  let dir = dest;
  for (;;) {
    try {
      const st = await fsp.statfs(dir);
      return Number(st.bavail) * Number(st.bsize);
    } catch (err) {
      const parent = path.dirname(dir);
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === dir) return undefined;
      dir = parent;
    }
  }
}

/** Refuses, before anything is written, an archive that unpacks to more than fits or than a sane ratio. */
async function checkSize(archive: string, dest: string, entries: readonly ArchiveEntry[]): Promise<void> {
  const problem = checkArchiveSize(entries, (await fsp.stat(archive)).size, await freeBytesAt(dest));
  if (problem) throw archiveSizeError(path.basename(archive), dest, problem);
}

/**
 * Unpacks a zip, tar or tar.gz archive into `dest`. In order, before writing anything: the SHA-256 (when
 * given), the whole listing against the rules of checkEntries (UnsafeArchiveError, code archive.unsafe,
 * naming the entries), the declared total (archive.unsafe above 100 times the archive's size past
 * 100 MiB, unpack.nospace above the destination's free space: checkArchiveSize), and the destination
 * (unpack.exists when it is a folder that is not empty and `overwrite` is not set). A new or empty destination is filled through a staging folder beside it and
 * appears whole at the end; a failure or a cancel (unpack.cancelled) leaves it as it was.
 */
export async function unpackArchive(archive: string, dest: string, opts: UnpackOptions = {}): Promise<UnpackResult> {
  const { signal } = opts;
  checkAborted(signal);
  const kind = await archiveKind(archive);
  let sha256: string | undefined;
  if (opts.sha256 !== undefined) {
    const expected = opts.sha256.trim().toLowerCase();
    if (!isSha256(expected)) throw new OutpostError('archive.checksum', `"${opts.sha256}" is not a SHA-256 (64 hexadecimal digits)`, 'Copy the value published with the package.');
    sha256 = await sha256File(archive, signal).catch((err: unknown) => {
      throw signal?.aborted ? cancelled() : err;
    });
    if (sha256 !== expected) {
      throw new OutpostError('archive.checksum', `${path.basename(archive)} has SHA-256 ${sha256}, expected ${expected}`, 'The file is not the one published: download it again (or check the expected value). Nothing was unpacked.');
    }
  }
  const listing = await listArchive(archive, { signal });
  if (listing.kind !== kind) throw changed(archive);
  const problems = checkEntries(listing.entries);
  if (problems.length > 0) throw new UnsafeArchiveError(archive, problems);

  const absDest = path.resolve(dest);
  await checkSize(archive, absDest, listing.entries);
  const state = await inspectDest(absDest, opts.overwrite === true, listing.entries);
  checkAborted(signal);
  let target: Dest;
  if (state.empty) {
    await fsp.mkdir(path.dirname(absDest), { recursive: true });
    const root = path.join(path.dirname(absDest), `.${path.basename(absDest)}.outpost-unpack-${randomBytes(6).toString('hex')}`);
    await fsp.mkdir(root);
    target = { mode: 'fresh', dest: absDest, existed: state.existed, root };
  } else {
    target = { mode: 'merge', dest: absDest, root: absDest };
  }

  const w = new Writer(target.root, target.mode === 'merge', { entries: listing.entries.length, bytes: listing.totalBytes }, opts.onProgress, signal);
  try {
    w.progress(true);
    if (kind === 'zip') await extractZip(archive, listing, w);
    else await extractTar(archive, listing, w, signal);
    checkAborted(signal);
    if (target.mode === 'fresh') {
      if (target.existed) await fsp.rmdir(absDest);
      await fsp.rename(target.root, absDest);
    }
  } catch (err) {
    if (target.mode === 'fresh') await fsp.rm(target.root, { recursive: true, force: true });
    if (signal?.aborted) throw cancelled();
    if (err instanceof OutpostError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    throw new OutpostError(
      'unpack.failed',
      `unpacking ${path.basename(archive)} into ${absDest} failed: ${msg}`,
      target.mode === 'fresh' ? 'Nothing was left behind.' : 'Some files in the folder may already have been replaced.',
      { cause: err },
    );
  }
  return { kind, dest: absDest, entries: w.entries, bytes: w.bytes, ...(sha256 ? { sha256 } : {}) };
}
