// packages.inspect: the wizard's "Check" of an offline package (the run checks it again before sending).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { OutpostError } from '../../errors';
import { detectKind, readChecksumBeside, sha256File } from '../../packages';
import type { Handlers } from '../dispatcher';

export function packagesHandlers(): Pick<Handlers, 'packages.inspect'> {
  return {
    'packages.inspect': async ({ path: raw, sha256 }) => {
      const file = raw === '~' || raw.startsWith('~/') ? path.join(os.homedir(), raw.slice(1)) : path.resolve(raw);
      let size: number;
      try {
        const st = await fs.stat(file);
        if (!st.isFile()) throw new Error('not a file');
        size = st.size;
      } catch {
        throw new OutpostError('package_missing', `${raw} is not a readable file on this computer.`, 'Give the full path of the package you downloaded.');
      }
      const [kind, sum, beside] = await Promise.all([detectKind(file), sha256File(file), sha256 ? Promise.resolve(undefined) : readChecksumBeside(file)]);
      const expected = sha256 ? { value: sha256.toLowerCase(), source: 'given' as const } : beside ? { value: beside, source: 'file' as const } : null;
      return { path: file, size, kind, sha256: sum, expected, matches: expected ? expected.value === sum : null };
    },
  };
}
