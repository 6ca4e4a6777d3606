// File actions: the INI editor changes only the keys it sets (the seed's aops-agent agent.conf, with its
// comments), and the executors' POSIX file primitives write, read back, replace and place files for real.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { editIniText } from '../../../electron/core/actions';
import { localExecutor } from '../../../electron/core/exec';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-files-'));

const AGENT_CONF = `# the agent's own settings
[agent]
; address the manager reaches this host at
ip=127.0.0.1
port = 12000

[gopher]
# gala-gopher plug-in
ip=127.0.0.1
`;

describe('editIniText', () => {
  it('changes only the values it sets, keeping comments, spacing around =, other sections and keys', () => {
    const r = editIniText(AGENT_CONF, [
      { section: 'agent', key: 'ip', value: '192.168.0.5' },
      { section: 'agent', key: 'port', value: '12000' },
    ]);
    expect(r.changes).toEqual([{ section: 'agent', key: 'ip', from: '127.0.0.1', to: '192.168.0.5' }]);
    expect(r.text).toBe(AGENT_CONF.replace('ip=127.0.0.1\nport', 'ip=192.168.0.5\nport'));
  });

  it('adds a missing key after its section, a missing section at the end, and keeps CRLF files CRLF', () => {
    const r = editIniText(AGENT_CONF, [
      { section: 'agent', key: 'log_level', value: 'info' },
      { section: 'limits', key: 'MemoryHigh', value: '200M' },
    ]);
    expect(r.text).toContain('port = 12000\nlog_level=info\n\n[gopher]');
    expect(r.text.endsWith('ip=127.0.0.1\n\n[limits]\nMemoryHigh=200M\n')).toBe(true);
    const crlf = editIniText(AGENT_CONF.replace(/\n/g, '\r\n'), [{ section: 'agent', key: 'ip', value: '10.0.0.1' }]);
    expect(crlf.text).toBe(AGENT_CONF.replace('ip=127.0.0.1\nport', 'ip=10.0.0.1\nport').replace(/\n/g, '\r\n'));
    expect(editIniText('', [{ section: 'a', key: 'k', value: 'v' }]).text).toBe('[a]\nk=v\n');
  });
});

describe('file primitives on this computer (the POSIX scripts, real bash)', () => {
  const signal = new AbortController().signal;
  const ex = localExecutor(path.join(tmp(), 'work'));
  const o = { signal, root: false };

  it('writes content with the mode, atomically, creating the folder; reads it back', async () => {
    const dir = tmp();
    const file = path.join(dir, 'sub dir', "it's.json");
    const content = '{"web_password": "p@ss \'word\' $HOME `id`"}\n';
    await ex.files.write(file, content, { ...o, mode: 0o600 });
    expect(fs.readFileSync(file, 'utf8')).toBe(content);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(await ex.files.read(file, o)).toBe(content);
    expect(await ex.files.read(path.join(dir, 'none'), o)).toBeNull();
    expect(fs.readdirSync(path.dirname(file))).toEqual(["it's.json"]);
    expect(await ex.files.stat(file, o)).toMatchObject({ type: 'file', mode: 0o600, size: Buffer.byteLength(content) });
  });

  it('replaces a file keeping its mode, with a backup', async () => {
    const dir = tmp();
    const file = path.join(dir, 'agent.conf');
    fs.writeFileSync(file, AGENT_CONF, { mode: 0o640 });
    fs.chmodSync(file, 0o640);
    await ex.files.write(file, 'new\n', { ...o, mode: 0o600, keep: true });
    expect(fs.readFileSync(file, 'utf8')).toBe('new\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o640);
    expect(fs.readFileSync(`${file}.outpost-backup`, 'utf8')).toBe(AGENT_CONF);
    expect(fs.readdirSync(dir).sort()).toEqual(['agent.conf', 'agent.conf.outpost-backup']);
  });

  it('replaces a link planted at the destination instead of writing through it', async () => {
    const dir = tmp();
    const victim = path.join(tmp(), 'victim');
    fs.writeFileSync(victim, 'keep me');
    fs.symlinkSync(victim, path.join(dir, 'register.json'));
    await ex.files.write(path.join(dir, 'register.json'), 'secret', { ...o, mode: 0o600 });
    expect(fs.readFileSync(victim, 'utf8')).toBe('keep me');
    expect(fs.lstatSync(path.join(dir, 'register.json')).isSymbolicLink()).toBe(false);
  });

  it('refuses a folder other users may write to, saying how to fix it', async () => {
    const dir = tmp();
    fs.chmodSync(dir, 0o777);
    await expect(ex.files.write(path.join(dir, 'x.conf'), 'v', { ...o, mode: 0o600 })).rejects.toThrow(/writable by other users \(mode 777\)/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('copies a package into place by its SHA-256, and finds it there the next time', async () => {
    const dir = tmp();
    const pkg = path.join(dir, 'pkg.tgz');
    fs.writeFileSync(pkg, 'package bytes');
    const sum = createHash('sha256').update('package bytes').digest('hex');
    const dest = path.join(dir, 'opt dir', 'pkg.tgz');
    await expect(ex.files.upload(pkg, dest, { ...o, mode: 0o644, sha256: '0'.repeat(64) })).rejects.toThrow(/does not have the expected SHA-256/);
    expect(fs.existsSync(dest)).toBe(false);
    expect(await ex.files.upload(pkg, dest, { ...o, mode: 0o644, sha256: sum })).toMatchObject({ sent: true });
    expect(fs.readFileSync(dest, 'utf8')).toBe('package bytes');
    expect(fs.statSync(dest).mode & 0o777).toBe(0o644);
    expect(await ex.files.upload(pkg, dest, { ...o, mode: 0o644, sha256: sum })).toMatchObject({ sent: false });
    expect(fs.existsSync(pkg)).toBe(true);
  });

  it('as root, writes a file owned by the owner given (tests run as root)', async () => {
    if (process.getuid?.() !== 0) throw new Error('the unit tests run as root (npm test installs as root)');
    const dir = tmp();
    const file = path.join(dir, 'owned.conf');
    await ex.files.write(file, 'v', { signal, root: true, mode: 0o640, owner: 'nobody' });
    expect(fs.statSync(file).uid).toBe(Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim()));
    await expect(ex.files.write(file, 'v', { signal, root: true, mode: 0o640, owner: 'bad;name' })).rejects.toThrow(/not a user name/);
  });
});
