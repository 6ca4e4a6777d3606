// `outpost unpack ARCHIVE DEST [--sha256 HEX] [--overwrite]`: unpacks a zip, tar or tar.gz after checking
// every entry (zip-slip, links out of the folder, devices, duplicates) and the SHA-256 when given.
// Exit 0 ok, 2 invalid input (unsafe archive, checksum mismatch, folder not empty), 1 other failures,
// 130 cancelled. Progress goes to stderr.
import type { Command } from 'commander';
import { OutpostError } from '../../core/errors';
import { unpackArchive, type UnpackProgress } from '../../core/service';
import { EXIT, INVALID_INPUT_CODES } from '../exit';

interface UnpackCliOptions {
  sha256?: string;
  overwrite?: boolean;
}

interface Out {
  write(s: string): unknown;
  isTTY?: boolean;
}


export function registerUnpackCommand(program: Command): void {
  program
    .command('unpack')
    .description('Unpack a zip, tar or tar.gz archive into a folder, refusing unsafe entries before writing anything.')
    .argument('<archive>', 'the archive (.zip, .tar, .tar.gz, .tgz)')
    .argument('<dest>', 'the folder to unpack into (created when missing)')
    .option('--sha256 <hex>', 'refuse unless the archive has this SHA-256')
    .option('--overwrite', 'unpack into a folder that is not empty (files the archive holds are replaced)')
    .action(async (archive: string, dest: string, opts: UnpackCliOptions) => {
      const ac = new AbortController();
      const onSigint = () => ac.abort();
      process.once('SIGINT', onSigint);
      try {
        process.exitCode = await runUnpackCommand(archive, dest, opts, process.stdout, process.stderr, ac.signal);
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}

const mib = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MiB`;

export async function runUnpackCommand(archive: string, dest: string, opts: UnpackCliOptions, stdout: Out, stderr: Out, signal?: AbortSignal): Promise<number> {
  let last = 0;
  const onProgress = (p: UnpackProgress) => {
    const now = Date.now();
    const done = p.entries === p.totalEntries;
    if (!done && now - last < 500) return;
    last = now;
    const line = `outpost unpack: ${p.entries}/${p.totalEntries} entries, ${mib(p.bytes)} of ${mib(p.totalBytes)}`;
    stderr.write(stderr.isTTY ? `\r${line}${done ? '\n' : ''}` : `${line}\n`);
  };
  try {
    const r = await unpackArchive(archive, dest, { sha256: opts.sha256, overwrite: opts.overwrite === true, onProgress, signal });
    stdout.write(`Unpacked ${r.entries} entries (${mib(r.bytes)}) into ${r.dest}${r.sha256 ? `; SHA-256 ${r.sha256} matches` : ''}\n`);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof OutpostError) {
      stderr.write(`outpost unpack: ${err.message}\n${err.hint ? `  ${err.hint}\n` : ''}`);
      if (err.code === 'unpack.cancelled') return EXIT.cancelled;
      return INVALID_INPUT_CODES.has(err.code) ? EXIT.invalid : EXIT.failed;
    }
    stderr.write(`outpost unpack: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  }
}
