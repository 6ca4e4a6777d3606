// The local packages a plan uploads, checked once before anything connects: a missing or wrong package
// is refused with both checksums before a byte is sent (runs and the Ansible export alike). How each
// host then receives it is the executors' upload (exec/posix-files.ts).
import fs from 'node:fs';
import type { Plan } from '../../common/api/plan';
import { OutpostError } from '../errors';
import { readChecksumBeside, sha256File } from './checksum';

export interface PackageSums {
  /** Local file → its SHA-256 (checked against the expected value). */
  byLocal: Map<string, string>;
  /** Remote destination → the SHA-256 it must have there (unpack steps check it before extracting). */
  byRemote: Map<string, string>;
}

const mib = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MiB`;

/**
 * Every upload's local file: present, readable, and with the SHA-256 the answers give (or a `.sha256`
 * file beside it says). Throws `package_missing` / `package_checksum` naming the file and both values.
 */
export async function checkLocalPackages(plan: Plan, signal?: AbortSignal): Promise<PackageSums> {
  const sums: PackageSums = { byLocal: new Map(), byRemote: new Map() };
  for (const s of plan.steps) {
    const a = s.action;
    // A file fetched during the run (fromFact) is checked when it is fetched and on the host.
    if (a.kind !== 'upload' || a.fromFact) continue;
    let got = sums.byLocal.get(a.from);
    if (got === undefined) {
      let size: number;
      try {
        const st = fs.statSync(a.from);
        if (!st.isFile()) throw new Error('not a file');
        size = st.size;
      } catch {
        throw new OutpostError('package_missing', `The package ${a.from} (step ${s.id}) is not a readable file.`, 'Check package.path in the answers (relative paths are relative to the answers file).');
      }
      const expected = a.sha256?.toLowerCase() || (await readChecksumBeside(a.from));
      got = await sha256File(a.from, signal);
      if (expected && expected !== got) {
        throw new OutpostError(
          'package_checksum',
          `The package ${a.from} (${mib(size)}) has SHA-256 ${got}, but ${a.sha256 ? 'the answers expect' : 'the .sha256 file beside it says'} ${expected}. Nothing was sent.`,
          'Get the package again from the vendor, or correct the expected SHA-256 if it was mistyped.',
        );
      }
      sums.byLocal.set(a.from, got);
    }
    sums.byRemote.set(a.to, got);
  }
  return sums;
}
