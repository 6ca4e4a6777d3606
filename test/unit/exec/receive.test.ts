// The upload's receive script (posix-files.ts receiveScript) under a real bash reading from a pipe, as
// over SSH: the script first, then — once it says OUTPOST_SEND — the file's bytes on the same stdin.
// bash must read its script a byte at a time and `head` must get the file and nothing of the script.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { receiveScript } from '../../../electron/core/exec/posix-files';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-receive-'));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Runs the script with `data` after OUTPOST_SEND (only `cut` bytes of it when given, then EOF). */
function receive(script: string, data: Buffer, cut?: number): Promise<{ code: number | null; out: string; sent: boolean }> {
  return new Promise((resolve) => {
    const p = spawn('bash', ['-s'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let sent = false;
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!sent && /(^|\n)OUTPOST_SEND\n/.test(out)) {
        sent = true;
        p.stdin.end(cut === undefined ? data : data.subarray(0, cut));
      } else if (!sent && /OUTPOST_(HAVE|FAIL)/.test(out)) p.stdin.end();
    });
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.stdin.write(`${script}\n`);
    p.on('close', (code) => resolve({ code, out, sent }));
  });
}

const name = () => `.outpost-${randomBytes(8).toString('hex')}`;

describe('receiveScript (real bash on a pipe)', () => {
  // 3 MiB with newlines and bytes that look like shell: nothing of it may run or be lost.
  const data = Buffer.concat([Buffer.from('echo PWNED\nrm -rf /\n'), randomBytes(3 << 20), Buffer.from('\nexit 0\n')]);

  it('receives the bytes exactly, with the mode, into a new folder, and says nothing ran from them', async () => {
    const dir = path.join(tmp(), 'a b', "it's");
    const dest = path.join(dir, 'pkg.tar.gz');
    const r = await receive(receiveScript(dest, sha(data), { bytes: data.length, mode: 0o640, tmpName: name() }), data);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/^OUTPOST_SEND$/m);
    expect(r.out).toMatch(/^OUTPOST_PLACED$/m);
    expect(r.out).not.toContain('PWNED');
    expect(sha(fs.readFileSync(dest))).toBe(sha(data));
    expect(fs.statSync(dest).mode & 0o7777).toBe(0o640);
    expect(fs.readdirSync(dir)).toEqual(['pkg.tar.gz']);
  });

  it('sets an executable mode too (chmod, not only the umask)', async () => {
    const dest = path.join(tmp(), 'tool');
    const r = await receive(receiveScript(dest, sha(data), { bytes: data.length, mode: 0o755, tmpName: name() }), data);
    expect(r.code, r.out).toBe(0);
    expect(fs.statSync(dest).mode & 0o7777).toBe(0o755);
  });

  it('a transfer cut short fails on the SHA-256 and leaves neither the file nor the temporary one', async () => {
    const dir = tmp();
    const dest = path.join(dir, 'pkg.tar.gz');
    const r = await receive(receiveScript(dest, sha(data), { bytes: data.length, mode: 0o600, tmpName: name() }), data, 1000);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/OUTPOST_FAIL the copy at .* does not have the expected SHA-256/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('a host that has the file says OUTPOST_HAVE and is not sent it; a different file is replaced', async () => {
    const dir = tmp();
    const dest = path.join(dir, 'pkg.tar.gz');
    fs.writeFileSync(dest, data);
    const have = await receive(receiveScript(dest, sha(data), { bytes: data.length, mode: 0o600, tmpName: name() }), data);
    expect(have.code, have.out).toBe(0);
    expect(have.out).toMatch(/^OUTPOST_HAVE$/m);
    expect(have.sent).toBe(false);
    fs.writeFileSync(dest, 'an older package');
    const r = await receive(receiveScript(dest, sha(data), { bytes: data.length, mode: 0o600, tmpName: name() }), data);
    expect(r.out).toMatch(/^OUTPOST_REPLACING$/m);
    expect(sha(fs.readFileSync(dest))).toBe(sha(data));
  });

  it('replaces a link planted at the destination (even one to a file with the right content) instead of writing through it', async () => {
    const dir = tmp();
    const elsewhere = path.join(tmp(), 'victim');
    fs.writeFileSync(elsewhere, data);
    const dest = path.join(dir, 'pkg.tar.gz');
    fs.symlinkSync(elsewhere, dest);
    const r = await receive(receiveScript(dest, sha(data), { bytes: data.length, mode: 0o600, tmpName: name() }), data);
    expect(r.code, r.out).toBe(0);
    expect(r.out).not.toMatch(/^OUTPOST_HAVE$/m);
    expect(fs.lstatSync(dest).isSymbolicLink()).toBe(false);
    expect(sha(fs.readFileSync(dest))).toBe(sha(data));
  });

  it('never opens a temporary name that exists already (a planted link there is refused, not followed)', async () => {
    const dir = tmp();
    const elsewhere = path.join(tmp(), 'victim');
    fs.writeFileSync(elsewhere, 'untouched');
    const t = name();
    fs.symlinkSync(elsewhere, path.join(dir, t));
    const r = await receive(receiveScript(path.join(dir, 'pkg'), sha(data), { bytes: data.length, mode: 0o600, tmpName: t }), data);
    expect(r.code).not.toBe(0);
    expect(r.sent).toBe(false);
    expect(fs.readFileSync(elsewhere, 'utf8')).toBe('untouched');
  });

  it('refuses a folder other users may write to, before anything is sent', async () => {
    const dir = tmp();
    fs.chmodSync(dir, 0o777);
    const r = await receive(receiveScript(path.join(dir, 'pkg'), sha(data), { bytes: data.length, mode: 0o600, tmpName: name() }), data);
    expect(r.code).toBe(1);
    expect(r.sent).toBe(false);
    expect(r.out).toMatch(/writable by other users \(mode 777\)/);
  });
});
