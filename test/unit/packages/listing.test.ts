import { describe, expect, it } from 'vitest';
import { checkEntries } from '../../../electron/core/packages/entries';
import { parseTarVerbose, unescapeTarName } from '../../../electron/core/packages/listing';

// As GNU tar 1.35 prints `tar -tvzf` (and BusyBox, with seconds).
const GNU = `drwxr-xr-x root/root         0 2024-11-30 06:28 ./
-rwxr-xr-x root/root      1234 2024-11-30 06:28 ./ICAgent/install.sh
lrwxrwxrwx root/root         0 2024-11-30 06:28 ./ICAgent/current -> install.sh
hrw-r--r-- root/root         0 2024-11-30 06:28 ./ICAgent/copy.sh link to ./ICAgent/install.sh
-rw-r--r-- 0/0               5 2024-11-30 06:28:01 ./with space\\nand newline
`;

describe('parseTarVerbose', () => {
  it('reads GNU tar and BusyBox lines', () => {
    const r = parseTarVerbose(GNU);
    expect(r.problems).toEqual([]);
    expect(r.entries).toEqual([
      { path: './', type: 'directory', size: 0 },
      { path: './ICAgent/install.sh', type: 'file', size: 1234 },
      { path: './ICAgent/current', type: 'symlink', linkTarget: 'install.sh', size: 0 },
      { path: './ICAgent/copy.sh', type: 'hardlink', linkTarget: './ICAgent/install.sh', size: 0 },
      { path: './with space\nand newline', type: 'file', size: 5 },
    ]);
    expect(checkEntries(r.entries)).toEqual([]);
  });

  it('feeds the same checks as a local archive', () => {
    const r = parseTarVerbose(`lrwxrwxrwx root/root 0 2024-11-30 06:28 ./out -> /etc\ncrw-r--r-- root/root 1,3 2024-11-30 06:28 ./null\n-rw-r--r-- root/root 1 2024-11-30 06:28 ../evil\n`);
    expect(checkEntries(r.entries).map((p) => `${p.entry}: ${p.reason}`)).toEqual([
      './out: is a symbolic link to "/etc", an absolute path outside the destination',
      './null: is a device, which an archive to unpack has no reason to hold',
      '../evil: the name climbs out of the destination with ".."',
    ]);
  });

  it('reports lines it cannot read for sure', () => {
    const r = parseTarVerbose('lrwxrwxrwx root/root 0 2024-11-30 06:28 ./a -> b -> c\nnot a listing\n');
    expect(r.entries).toEqual([]);
    expect(r.problems.map((p) => p.reason)).toEqual(['is a link whose name or target contains "->": the listing is ambiguous', 'is not a line of `tar -tv` output']);
    expect(unescapeTarName('a\\\\b\\tc\\303\\251')).toBe('a\\b\tcé');
  });
});
