// SHA-256 of a package, and the `.sha256` file published beside it.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { OutpostError } from '../errors';

const HEX64 = /^[0-9a-fA-F]{64}$/;

export function isSha256(s: string): boolean {
  return HEX64.test(s);
}

/** The SHA-256 of a file, lowercase hex. */
export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, signal ? { signal } : {})) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Reads the hash for `name` out of the text of a checksum file: `HEX  name` lines (sha256sum's format,
 * `*name` for binary mode too) or a bare `HEX`. Undefined when no line is for `name`.
 */
export function parseChecksumFile(text: string, name: string): string | undefined {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const base = path.basename(name);
  for (const line of lines) {
    const m = /^([0-9a-fA-F]{64})(?:\s+\*?(.+))?$/.exec(line);
    if (!m?.[1]) continue;
    const file = m[2]?.trim();
    if (file === undefined) {
      if (lines.length === 1) return m[1].toLowerCase();
      continue;
    }
    if (file === name || path.posix.basename(file.replace(/\\/g, '/')) === base) return m[1].toLowerCase();
  }
  return undefined;
}

/** The expected hash from `<package>.sha256` beside the package, or undefined when there is no such file. */
export async function readChecksumBeside(pkg: string): Promise<string | undefined> {
  const file = `${pkg}.sha256`;
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const hex = parseChecksumFile(text, pkg);
  if (!hex) throw new OutpostError('archive.checksumfile', `${file} has no SHA-256 for ${path.basename(pkg)}`, 'It should hold a line "HEX  name" or just the 64 hex digits.');
  return hex;
}
