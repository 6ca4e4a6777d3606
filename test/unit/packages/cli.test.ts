import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runUnpackCommand } from '../../../electron/cli/commands/unpack';
import { makeTar, makeZip, tempDir, tree } from './helpers';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BUILT_CLI = path.join(ROOT, 'dist', 'cli', 'index.mjs');
const COMMAND_SRC = path.join(ROOT, 'electron', 'cli', 'commands', 'unpack.ts');

let tmp = '';
let out = '';
let err = '';
beforeEach(() => {
  tmp = tempDir();
  out = '';
  err = '';
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const write = (name: string, data: Buffer) => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, data);
  return f;
};
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// The command's body with its output captured; the built CLI below goes through argument parsing too.
async function outpost(archive: string, dest: string, opts: { sha256?: string; overwrite?: boolean } = {}): Promise<number> {
  return runUnpackCommand(archive, dest, opts, { write: (s: string) => (out += s) }, { write: (s: string) => (err += s) });
}

describe('outpost unpack (in process)', () => {
  it('unpacks, prints one line to stdout and progress to stderr (exit 0)', async () => {
    const bytes = makeTar([{ path: 'agent/', type: 'Directory' }, { path: 'agent/install.sh', data: 'echo ok\n', mode: 0o755 }], true);
    const archive = write('agent.tar.gz', bytes);
    const dest = path.join(tmp, 'out');
    expect(await outpost(archive, dest, { sha256: sha(bytes) })).toBe(0);
    expect(out).toBe(`Unpacked 2 entries (0.0 MiB) into ${dest}; SHA-256 ${sha(bytes)} matches\n`);
    expect(err).toMatch(/^outpost unpack: 2\/2 entries, 0\.0 MiB of 0\.0 MiB$/m);
    expect(tree(dest)).toEqual(['agent', 'agent/install.sh']);
  });

  it('an unsafe archive: exit 2, one line naming the entry and a hint, no stack trace, nothing written', async () => {
    const archive = write('slip.zip', makeZip([{ name: '../evil', data: 'x' }]));
    const dest = path.join(tmp, 'out');
    expect(await outpost(archive, dest)).toBe(2);
    expect(err).toBe(
      'outpost unpack: slip.zip is unsafe to unpack: entry 1, "../evil": the name climbs out of the destination with ".."\n' +
        '  Nothing was written. An archive whose entries could land outside the destination is broken or malicious: get it again from its publisher and compare its SHA-256.\n',
    );
    expect(out).toBe('');
    expect(fs.existsSync(dest)).toBe(false);
    expect(fs.existsSync(path.join(tmp, 'evil'))).toBe(false);
  });

  it('a checksum mismatch and a folder that is not empty: exit 2; --overwrite unpacks', async () => {
    const bytes = makeZip([{ name: 'f.txt', data: 'new' }]);
    const archive = write('p.zip', bytes);
    expect(await outpost(archive, path.join(tmp, 'a'), { sha256: '0'.repeat(64) })).toBe(2);
    expect(err).toContain(`p.zip has SHA-256 ${sha(bytes)}, expected ${'0'.repeat(64)}`);
    const dest = path.join(tmp, 'full');
    fs.mkdirSync(dest);
    fs.writeFileSync(path.join(dest, 'f.txt'), 'old');
    err = '';
    expect(await outpost(archive, dest)).toBe(2);
    expect(err).toMatch(/^outpost unpack: .*full already exists and is not empty\n {2}.*--overwrite/);
    expect(await outpost(archive, dest, { overwrite: true })).toBe(0);
    expect(fs.readFileSync(path.join(dest, 'f.txt'), 'utf8')).toBe('new');
  });
});

// The built command, as a script runs it: `npm test` builds dist/ before the unit tests.
describe('node bin/outpost.mjs unpack (built CLI)', () => {
  it('is built from the current source (run `npm run build` first)', () => {
    expect(fs.existsSync(BUILT_CLI) && fs.statSync(BUILT_CLI).mtimeMs >= fs.statSync(COMMAND_SRC).mtimeMs).toBe(true);
  });
  const run = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin', 'outpost.mjs'), 'unpack', ...args], { encoding: 'utf8', timeout: 30_000 });

  it('exit 0 on a good archive, 2 on a symlink escape (nothing written), 2 on a mismatch', () => {
    const good = write('good.zip', makeZip([{ name: 'dir/', unixMode: 0o040755 }, { name: 'dir/a.txt', data: 'A' }]));
    const r0 = run(good, path.join(tmp, 'g'));
    expect([r0.status, r0.stdout]).toEqual([0, `Unpacked 2 entries (0.0 MiB) into ${path.join(tmp, 'g')}\n`]);
    expect(fs.readFileSync(path.join(tmp, 'g', 'dir', 'a.txt'), 'utf8')).toBe('A');

    fs.mkdirSync(path.join(tmp, 'outside'));
    const evil = write('evil.tar', makeTar([{ path: 'l', type: 'SymbolicLink', linkpath: path.join(tmp, 'outside') }, { path: 'l/pwned', data: 'x' }]));
    const r2 = run(evil, path.join(tmp, 'e'));
    expect(r2.status).toBe(2);
    expect(r2.stderr.split('\n')[0]).toBe(`outpost unpack: evil.tar is unsafe to unpack: entry 1, "l": is a symbolic link to "${path.join(tmp, 'outside')}", an absolute path outside the destination (and 1 more unsafe entry)`);
    expect(r2.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(tmp, 'e'))).toBe(false);
    expect(fs.readdirSync(path.join(tmp, 'outside'))).toEqual([]);

    const r3 = run(good, path.join(tmp, 'm'), '--sha256', 'f'.repeat(64));
    expect(r3.status).toBe(2);
    expect(r3.stderr).toContain(`expected ${'f'.repeat(64)}`);

    expect(run(good).status).toBe(2); // DEST missing
    expect(run(path.join(tmp, 'nope.zip'), path.join(tmp, 'n')).stderr).toBe(`outpost unpack: ${path.join(tmp, 'nope.zip')}: no such file\n`);
  }, 60_000); // five node processes, on a busy machine
});
