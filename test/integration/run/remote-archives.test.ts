// Issue 27, "Archives on targets": the unpack action on a POSIX host over a real sshd, with the host's
// own unzip and tar. A zip that declares 400 MiB in 400 KB is refused by the ratio rule before anything
// is written (listed on the host, and listed here when this computer holds the same file); an archive
// bigger than the free space at its destination (an 8 MiB tmpfs) is refused the same way the local
// unpacker refuses it (unpack.nospace); a tar holding a setuid file, unpacked as root (sudo), leaves no
// setuid bit, and when the host's tar keeps one anyway (a stand-in tar that restores permissions) the
// bit is stripped and the step fails; a zipinfo listing with a line Outpost cannot read, or with an
// entry missing (a stand-in unzip that drops one), refuses the archive.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../../electron/common/api/plan';
import { sshExecutor } from '../../../electron/core/exec';
import { OutpostError } from '../../../electron/core/errors';
import { connectSsh, type SshConnection } from '../../../electron/core/ssh';
import { ensureTestUser, startSshd, stopAll, type SshdInstance, type TestUser } from '../harness/sshd';
import { runStep } from '../harness/step';
import { neverAsked, tempDir, trustingKnownHosts } from '../ssh/helpers';

const USER = { name: 'outpost-arch', password: 'Arch-pass.word!61' };

let user: TestUser;
let plain: SshdInstance;
let standIns: SshdInstance;
let conn: SshConnection;
let connStandIns: SshConnection;
let dir: string;
let work: string;
const mounted: string[] = [];

async function connect(sshd: SshdInstance): Promise<SshConnection> {
  const kh = await trustingKnownHosts(dir, sshd);
  return connectSsh({ host: sshd.host, port: sshd.port, username: user.name, auth: { password: user.password }, knownHosts: kh, hostKeyPolicy: neverAsked, readyTimeoutMs: 10_000 });
}

/** A zip of one file of `mib` MiB of zeros (deflate: about 1 KB per MiB). */
async function zerosZip(file: string, mib: number): Promise<void> {
  const z = new yazl.ZipFile();
  const chunk = Buffer.alloc(1024 * 1024);
  let left = mib;
  z.addReadStream(
    new Readable({
      read() {
        this.push(left-- > 0 ? chunk : null);
      },
    }),
    'agent/zeros.bin',
    { compress: true },
  );
  z.end();
  await pipeline(z.outputStream, fs.createWriteStream(file));
}

/** Places a local file in the test user's work folder, owned by the user; returns its path there. */
function place(local: string, name = path.basename(local)): string {
  const to = path.join(work, name);
  fs.copyFileSync(local, to);
  execFileSync('chown', [`${user.name}:${user.name}`, to]);
  return to;
}

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function unpackAction(archive: string, dest: string, o: { format?: 'zip' | 'tar' | 'tar.gz'; root?: boolean; sha256?: string | null } = {}): Action {
  return { kind: 'unpack', archive, dest, format: o.format ?? 'zip', sha256: o.sha256 ?? null, root: o.root ?? false };
}

async function failure(p: Promise<unknown>): Promise<OutpostError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof OutpostError)) throw new Error(`expected a refusal, got ${String(err)}`);
  return err;
}

beforeAll(async () => {
  user = await ensureTestUser(USER);
  dir = await tempDir('outpost-archives-');
  work = path.join(user.home, 'archives');
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { mode: 0o755 });
  execFileSync('chown', [`${user.name}:${user.name}`, work]);
  // Stand-ins for a host whose tools misbehave: a tar that restores permission bits whatever it is
  // asked, an unzip whose listing holds a line of another format (OUTPOST_UNZIP_GARBAGE) or lacks an
  // entry (OUTPOST_UNZIP_DROP). Found first on the PATH of the second sshd only.
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'tar'), '#!/bin/sh\nexec /usr/bin/tar "$@" --same-permissions\n', { mode: 0o755 });
  fs.writeFileSync(
    path.join(bin, 'unzip'),
    [
      '#!/bin/sh',
      'if [ "$1" = -Z ] && [ -e "$HOME/archives/garbage" ]; then /usr/bin/unzip "$@" | awk \'NR==3 { print "garbage: a line of another unzip" } { print }\'; exit 0; fi',
      'if [ "$1" = -Z ] && [ -e "$HOME/archives/drop" ]; then /usr/bin/unzip "$@" | awk \'NR!=3 { print }\'; exit 0; fi',
      'exec /usr/bin/unzip "$@"',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  execFileSync('chmod', ['755', dir]);
  plain = await startSshd();
  standIns = await startSshd({ extraConfig: [`Match User ${user.name}`, `  SetEnv PATH=${bin}:/usr/local/bin:/usr/bin:/bin`] });
  conn = await connect(plain);
  connStandIns = await connect(standIns);
}, 120_000);

afterAll(async () => {
  conn?.end();
  connStandIns?.end();
  await stopAll();
  for (const m of mounted) execFileSync('umount', [m]);
  if (work) fs.rmSync(work, { recursive: true, force: true });
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('archives unpacked on a target over SSH (issue 27)', () => {
  it('a 400 KB zip declaring 400 MiB is refused before anything is written, listed on the host or here', async () => {
    const bomb = path.join(dir, 'agent.zip');
    await zerosZip(bomb, 400);
    expect(fs.statSync(bomb).size).toBeLessThan(1024 * 1024);
    const there = place(bomb);
    const dest = path.join(work, 'bomb');
    // Listed on the host (unzip -Z), the archive's size read there too.
    const err = await failure(runStep(sshExecutor(conn), unpackAction(there, dest)).outcome);
    expect(err.code).toBe('archive.unsafe');
    expect(err.message).toMatch(/^agent\.zip is unsafe to unpack: it unpacks to 400 MiB from \d+ KiB \([\d,]+ times its size\)/);
    expect(err.hint).toMatch(/^Nothing was written\./);
    expect(fs.existsSync(dest)).toBe(false);
    // Listed on this computer, which uploaded the same file (same SHA-256).
    const sum = sha(bomb);
    const twin = await failure(runStep(sshExecutor(conn), unpackAction(there, dest), { packages: { byLocal: new Map([[bomb, sum]]), byRemote: new Map([[there, sum]]) } }).outcome);
    expect(twin.code).toBe('archive.unsafe');
    expect(twin.message).toBe(err.message);
    expect(fs.existsSync(dest)).toBe(false);
  }, 120_000);

  it('an archive bigger than the free space at its destination is refused, nothing written (unpack.nospace)', async () => {
    const small = path.join(work, 'small');
    fs.mkdirSync(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=8m,mode=0755,uid=${user.uid}`, 'outpost-test', small]);
    mounted.push(small);
    const zip = path.join(dir, 'twenty.zip');
    await zerosZip(zip, 20);
    const there = place(zip);
    const dest = path.join(small, 'agent-home', 'x');
    const err = await failure(runStep(sshExecutor(conn), unpackAction(there, dest)).outcome);
    expect(err.code).toBe('unpack.nospace');
    expect(err.message).toBe(`twenty.zip unpacks to 20 MiB, more than the 8.0 MiB free at the destination (${dest} on ${conn.label})`);
    expect(err.hint).toMatch(/^Nothing was written\./);
    expect(fs.readdirSync(small)).toEqual([]);
    // It fits elsewhere: the same archive unpacks.
    const ok = runStep(sshExecutor(conn), unpackAction(there, path.join(work, 'twenty')));
    await ok.outcome;
    expect(fs.statSync(path.join(work, 'twenty', 'agent', 'zeros.bin')).size).toBe(20 * 1024 * 1024);
  }, 120_000);

  it('a tar with setuid and setgid files unpacked as root (sudo) leaves neither bit', async () => {
    const src = path.join(dir, 'setid');
    fs.mkdirSync(path.join(src, 'bin'), { recursive: true });
    fs.writeFileSync(path.join(src, 'bin', 'su-me'), '#!/bin/sh\nid\n');
    fs.writeFileSync(path.join(src, 'bin', 'sg-me'), '#!/bin/sh\nid\n');
    fs.chmodSync(path.join(src, 'bin', 'su-me'), 0o4755);
    fs.chmodSync(path.join(src, 'bin', 'sg-me'), 0o2755);
    const tarFile = path.join(dir, 'setid.tar.gz');
    execFileSync('tar', ['-czf', tarFile, '-C', src, 'bin']);
    expect(execFileSync('tar', ['-tvzf', tarFile], { encoding: 'utf8' })).toMatch(/-rwsr-xr-x .*bin\/su-me/);
    const there = place(tarFile);
    const dest = path.join(work, 'setid-root');
    const r = runStep(sshExecutor(conn), unpackAction(there, dest, { format: 'tar.gz', root: true, sha256: sha(tarFile) }));
    await r.outcome;
    for (const f of ['su-me', 'sg-me']) {
      const st = fs.statSync(path.join(dest, 'bin', f));
      expect(st.uid, f).toBe(0);
      expect(st.mode & 0o7777, f).toBe(0o755);
    }
  }, 60_000);

  it("when the host's tar keeps a setuid bit anyway, the bit is stripped and the step fails", async () => {
    const src = path.join(dir, 'setid2');
    fs.mkdirSync(src, { recursive: true });
    fs.writeFileSync(path.join(src, 'su-me'), '#!/bin/sh\nid\n');
    fs.chmodSync(path.join(src, 'su-me'), 0o4755);
    const tarFile = path.join(dir, 'setid2.tar');
    execFileSync('tar', ['-cf', tarFile, '-C', src, 'su-me']);
    const there = place(tarFile);
    const dest = path.join(work, 'setid-kept');
    // A file with the bit that was there before is not the archive's: left as it is.
    fs.mkdirSync(dest);
    fs.writeFileSync(path.join(dest, 'was-here'), 'x');
    fs.chmodSync(path.join(dest, 'was-here'), 0o4755);
    const err = await failure(runStep(sshExecutor(connStandIns), unpackAction(there, dest, { format: 'tar', root: true })).outcome);
    expect(err.code).toBe('archive.unsafe');
    expect(err.message).toContain(`setid2.tar on ${connStandIns.label} left a file with a setuid or setgid bit under ${dest} (${dest}/su-me); the bit was removed and the step stopped.`);
    expect(fs.statSync(path.join(dest, 'su-me')).mode & 0o7777).toBe(0o755);
    expect(fs.statSync(path.join(dest, 'was-here')).mode & 0o7777).toBe(0o4755);
  }, 60_000);

  it('a zipinfo listing with a line Outpost cannot read, or an entry missing, refuses the archive', async () => {
    const zip = path.join(dir, 'three.zip');
    const z = new yazl.ZipFile();
    for (const n of ['a.txt', 'b.txt', 'c.txt']) z.addBuffer(Buffer.from(n), `pkg/${n}`);
    z.end();
    await pipeline(z.outputStream, fs.createWriteStream(zip));
    const there = place(zip);
    const dest = path.join(work, 'listed');
    const marker = (name: string) => {
      fs.writeFileSync(path.join(work, name), '');
      return () => fs.rmSync(path.join(work, name));
    };
    let done = marker('garbage');
    const garbage = await failure(runStep(sshExecutor(connStandIns), unpackAction(there, dest)).outcome);
    done();
    expect(garbage.code).toBe('archive.unsafe');
    expect(garbage.message).toContain('"garbage: a line of another unzip": is a line of the listing Outpost cannot read, so the archive is not unpacked');
    expect(fs.existsSync(dest)).toBe(false);
    done = marker('drop');
    const dropped = await failure(runStep(sshExecutor(connStandIns), unpackAction(there, dest)).outcome);
    done();
    expect(dropped.code).toBe('archive.unsafe');
    expect(dropped.message).toContain('the listing declares 3 entries but 2 could be read, so the archive is not unpacked');
    expect(fs.existsSync(dest)).toBe(false);
    // The same archive, listed by the real unzip, unpacks.
    await runStep(sshExecutor(connStandIns), unpackAction(there, dest)).outcome;
    expect(fs.readFileSync(path.join(dest, 'pkg', 'c.txt'), 'utf8')).toBe('c.txt');
  }, 60_000);
});
