// What kind of package a file is, by its magic bytes first and its name second.
import fs from 'node:fs/promises';

export type PackageKind = 'zip' | 'tar' | 'tar.gz' | 'deb' | 'rpm' | 'unknown';

/** Bytes detectKind reads from the start of a file (the ustar magic sits at offset 257). */
export const DETECT_BYTES = 512;

export function kindFromName(name: string): PackageKind {
  const n = name.toLowerCase();
  if (n.endsWith('.tar.gz') || n.endsWith('.tgz')) return 'tar.gz';
  if (n.endsWith('.tar')) return 'tar';
  if (n.endsWith('.zip')) return 'zip';
  if (n.endsWith('.deb')) return 'deb';
  if (n.endsWith('.rpm')) return 'rpm';
  return 'unknown';
}

const startsWith = (head: Uint8Array, bytes: readonly number[], at = 0) => bytes.every((b, i) => head[at + i] === b);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** Pure: the kind from a file's first bytes (up to DETECT_BYTES), falling back to its name. */
export function detectKindFromBytes(name: string, head: Uint8Array): PackageKind {
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) return 'zip';
  if (startsWith(head, [0x1f, 0x8b])) return 'tar.gz'; // gzip: a compressed tar is the only gzip we unpack
  if (startsWith(head, ascii('ustar'), 257)) return 'tar';
  if (startsWith(head, ascii('!<arch>\ndebian-binary'))) return 'deb';
  if (startsWith(head, [0xed, 0xab, 0xee, 0xdb])) return 'rpm';
  return kindFromName(name);
}

/** The kind of a package file: tar.gz/tgz, zip, tar, deb or rpm, by magic bytes and then by name. */
export async function detectKind(file: string): Promise<PackageKind> {
  const fh = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(DETECT_BYTES);
    const { bytesRead } = await fh.read(head, 0, DETECT_BYTES, 0);
    return detectKindFromBytes(file, head.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}
