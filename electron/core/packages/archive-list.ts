// Reading an archive's whole listing before anything is written: zip (yauzl) and tar / tar.gz (tar), each
// entry with its type, mode, size and link target, for the entry rules (entries.ts) and the size rule
// (size.ts). Shared by the local unpacker (unpack.ts) and the checks of what a host will unpack.
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { Parser, type ReadEntry } from 'tar';
import yauzl from 'yauzl';
import { OutpostError } from '../errors';
import { detectKind, type PackageKind } from './detect';
import type { ArchiveEntry, EntryType } from './entries';

export type ArchiveKind = 'zip' | 'tar' | 'tar.gz';

export interface ArchiveListing {
  kind: ArchiveKind;
  entries: ArchiveEntry[];
  /** Bytes of all files once unpacked. */
  totalBytes: number;
}

/** Longest symbolic link target read from a zip (link targets are stored as the entry's content). */
const MAX_ZIP_LINK = 4096;
export const cancelled = () => new OutpostError('unpack.cancelled', 'Unpacking was cancelled.');

export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelled();
}

export async function archiveKind(archive: string): Promise<ArchiveKind> {
  let kind: PackageKind;
  try {
    kind = await detectKind(archive);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new OutpostError('archive.missing', `${archive}: no such file`);
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') throw new OutpostError('archive.missing', `${archive} is a folder, not an archive`);
    throw err;
  }
  switch (kind) {
    case 'zip':
    case 'tar':
    case 'tar.gz':
      return kind;
    case 'deb':
    case 'rpm':
      throw new OutpostError('archive.unsupported', `${path.basename(archive)} is a .${kind} package, not an archive to unpack`, `Install it with ${kind === 'deb' ? 'dpkg -i (or apt install ./FILE)' : 'rpm -i (or dnf install ./FILE)'} instead.`);
    case 'unknown':
      throw new OutpostError('archive.unsupported', `${path.basename(archive)} is not a zip, tar or tar.gz archive`, 'Outpost unpacks .zip, .tar, .tar.gz and .tgz files.');
  }
}

export function corrupt(archive: string, kind: ArchiveKind, err: unknown): OutpostError {
  if (err instanceof OutpostError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new OutpostError('archive.corrupt', `${path.basename(archive)} could not be read as a ${kind} archive: ${msg}`, 'The file may be truncated or damaged: download it again and compare its SHA-256.', { cause: err });
}

// ---------------------------------------------------------------------------------------------- zip

export function zipEntryName(e: yauzl.Entry): string {
  // strictFileNames keeps backslashes, so the checks see them.
  return yauzl.getFileNameLowLevel(e.generalPurposeBitFlag, e.fileNameRaw, e.extraFields, true);
}

function zipEntryType(e: yauzl.Entry, name: string): { type: EntryType; mode: number | undefined } {
  const madeBy = e.versionMadeBy >> 8; // 3: Unix, 19: OS X
  const unixMode = madeBy === 3 || madeBy === 19 ? (e.externalFileAttributes >>> 16) & 0xffff : 0;
  const fmt = unixMode & 0o170000;
  const mode = unixMode ? unixMode & 0o7777 : undefined;
  const slash = name.endsWith('/') || name.endsWith('\\');
  if (fmt === 0) return { type: slash || (e.externalFileAttributes & 0x10) !== 0 ? 'directory' : 'file', mode };
  switch (fmt) {
    case 0o040000:
      return { type: 'directory', mode };
    case 0o100000:
      return { type: slash ? 'directory' : 'file', mode };
    case 0o120000:
      return { type: 'symlink', mode };
    case 0o010000:
      return { type: 'fifo', mode };
    case 0o020000:
    case 0o060000:
      return { type: 'device', mode };
    default:
      return { type: 'other', mode };
  }
}

async function readAllLimited(stream: Readable, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of stream) {
    n += (chunk as Buffer).length;
    if (n > limit) {
      stream.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function zipArchiveEntry(zip: yauzl.ZipFile, e: yauzl.Entry): Promise<ArchiveEntry> {
  const name = zipEntryName(e);
  const { type, mode } = zipEntryType(e, name);
  if (e.isEncrypted()) throw new OutpostError('archive.unsupported', `entry "${name}" is encrypted`, 'Outpost does not unpack encrypted zip entries.');
  if (type !== 'directory' && !e.canDecodeFileData()) {
    throw new OutpostError('archive.unsupported', `entry "${name}" uses zip compression method ${e.compressionMethod}, which Outpost cannot read`, 'Re-create the archive with the usual "deflate" method.');
  }
  const entry: ArchiveEntry = { path: name, type, size: type === 'file' ? e.uncompressedSize : 0, mode };
  if (type === 'symlink') {
    const target = await readAllLimited(await zip.openReadStreamPromise(e), MAX_ZIP_LINK);
    entry.linkTarget = target === undefined ? '' : target.toString('utf8');
  }
  return entry;
}

export async function openZip(archive: string): Promise<yauzl.ZipFile> {
  return yauzl.openPromise(archive, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true });
}

async function listZip(archive: string, signal?: AbortSignal): Promise<ArchiveEntry[]> {
  const zip = await openZip(archive);
  try {
    const entries: ArchiveEntry[] = [];
    for await (const e of zip.eachEntry()) {
      checkAborted(signal);
      entries.push(await zipArchiveEntry(zip, e));
    }
    return entries;
  } finally {
    zip.close();
  }
}

// ---------------------------------------------------------------------------------------------- tar

function tarEntryType(t: string): EntryType {
  switch (t) {
    case 'File':
    case 'OldFile':
    case 'ContiguousFile':
      return 'file';
    case 'Directory':
    case 'GNUDumpDir':
      return 'directory';
    case 'SymbolicLink':
      return 'symlink';
    case 'Link':
      return 'hardlink';
    case 'CharacterDevice':
    case 'BlockDevice':
      return 'device';
    case 'FIFO':
      return 'fifo';
    default:
      return 'other';
  }
}

export function tarArchiveEntry(e: ReadEntry): ArchiveEntry {
  const type = e.ignore ? 'other' : tarEntryType(e.type);
  const entry: ArchiveEntry = { path: e.path, type, size: type === 'file' ? e.size : 0, mode: e.mode };
  if (type === 'symlink' || type === 'hardlink') entry.linkTarget = e.linkpath ?? '';
  return entry;
}

/**
 * Runs a tar file through tar's parser; `onEntry` is called for each entry (also for those tar itself
 * ignores, as type "other") one after the other, each after the previous one's promise settled.
 */
export async function parseTar(archive: string, onEntry: (e: ReadEntry, index: number) => Promise<void>, signal?: AbortSignal): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const parser = new Parser({ strict: true });
    const input = fs.createReadStream(archive);
    let chain: Promise<void> = Promise.resolve();
    let failed = false;
    let count = 0;
    const onAbort = () => fail(cancelled());
    function fail(err: unknown) {
      if (failed) return;
      failed = true;
      signal?.removeEventListener('abort', onAbort);
      input.destroy();
      reject(err);
    }
    const take = (e: ReadEntry) => {
      const index = count++;
      chain = chain
        .then(async () => {
          if (failed) return void e.resume();
          checkAborted(signal);
          await onEntry(e, index);
        })
        .catch(fail);
    };
    parser.on('entry', take);
    parser.on('ignoredEntry', take);
    parser.on('error', fail);
    parser.on('end', () => {
      void chain.then(() => {
        if (failed) return;
        signal?.removeEventListener('abort', onAbort);
        resolve(count);
      });
    });
    input.on('error', fail);
    signal?.addEventListener('abort', onAbort, { once: true });
    input.pipe(parser as unknown as NodeJS.WritableStream);
  });
}

async function listTar(archive: string, signal?: AbortSignal): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  await parseTar(
    archive,
    async (e) => {
      entries.push(tarArchiveEntry(e));
      e.resume();
    },
    signal,
  );
  return entries;
}

// -------------------------------------------------------------------------------------- listing

/** Reads the whole listing of a zip, tar or tar.gz archive without writing anything. */
export async function listArchive(archive: string, opts: { signal?: AbortSignal | undefined } = {}): Promise<ArchiveListing> {
  const kind = await archiveKind(archive);
  let entries: ArchiveEntry[];
  try {
    entries = kind === 'zip' ? await listZip(archive, opts.signal) : await listTar(archive, opts.signal);
  } catch (err) {
    throw corrupt(archive, kind, err);
  }
  const totalBytes = entries.reduce((n, e) => n + (e.type === 'file' ? (e.size ?? 0) : 0), 0);
  return { kind, entries, totalBytes };
}
