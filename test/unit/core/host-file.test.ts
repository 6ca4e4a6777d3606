// hosts.pickFile / hosts.deleteFile through the dispatcher: a host list is read only when the user picked
// it in the desktop app's native dialog (ctx.pickFile: Electron main's dialog, which cannot run here, is
// the one stand-in), never from a path a client names; only plain files of a normal filesystem; deleted
// only by the id the pick returned, and only while it is still that file.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDispatcher, type Client, type Handlers } from '../../../electron/core/api/dispatcher';
import { HOST_FILE_MAX_BYTES, hostsHandlers, readHostListFile } from '../../../electron/core/api/handlers/hosts';
import { silentLogger } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import type { CoreContext } from '../../../electron/core/context';

const client: Client = { id: 'a', emit: () => undefined, onClose: () => undefined };
const other: Client = { id: 'b', emit: () => undefined, onClose: () => undefined };
let dir: string;

/** The desktop app, with the user picking `next()` in the dialog (null: Cancel). */
function dispatcher(mode: CoreContext['mode'] = 'electron', next: () => string | null = () => null) {
  const ctx: CoreContext = { appName: 'Outpost', version: 't', mode, locale: 'en', dataDir: dir, resourcesDir: dir, log: silentLogger, secrets: new SecretRegistry(), ...(mode === 'electron' ? { pickFile: async () => next() } : {}) };
  // The hosts domain alone (any other request is unknown here, as the old hosts.readFile is everywhere).
  return createDispatcher(hostsHandlers(ctx) as Handlers, { log: silentLogger, secrets: ctx.secrets });
}
type R = { ok: boolean; value?: { picked?: boolean; fileId?: string; text?: string; path?: string; deleted?: string }; error?: { code: string; message: string } };
const pick = async (p: string | null, d = dispatcher('electron', () => p)) => (await d.call('hosts.pickFile', {}, client)) as R;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-hostfile-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('host list file: no client names a path', () => {
  it('browser mode reads no file at all, and the old path-taking request is gone (it returned /proc/self/environ)', async () => {
    const d = dispatcher('browser');
    const r = (await d.call('hosts.pickFile', {}, client)) as R;
    expect(r.error?.code).toBe('hostfile_no_dialog');
    const old = (await d.call('hosts.readFile', { path: '/proc/self/environ' }, client)) as R;
    expect(old.ok).toBe(false);
    expect(JSON.stringify(old)).not.toContain('PATH=');
    // A path smuggled into the pick is refused by the contract.
    expect(((await dispatcher('electron', () => null).call('hosts.pickFile', { path: '/etc/passwd' }, client)) as R).error?.code).toBe('invalid_input');
  });

  it('desktop: Cancel in the dialog reads nothing', async () => {
    expect(await pick(null)).toEqual({ ok: true, value: { picked: false } });
  });
});

describe('host list file: only a plain file of a normal filesystem', () => {
  it('refuses /proc, /sys and /dev, also through a link, and devices, FIFOs, sockets and folders', async () => {
    const link = path.join(dir, 'hosts.csv');
    fs.symlinkSync('/proc/self/environ', link);
    const fifo = path.join(dir, 'fifo.cfg');
    execFileSync('mkfifo', [fifo]);
    const sock = path.join(dir, 'sock.cfg');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      for (const [p, why] of [
        ['/proc/self/environ', 'is under /proc'],
        [link, 'is under /proc'],
        ['/sys/kernel/uevent_seqnum', 'is under /sys'],
        ['/dev/zero', 'is under /dev'],
        [fifo, 'is a FIFO (named pipe), not a host list file'],
        [sock, 'is not a file (a socket or a device)'],
        [dir, 'is a folder, not a host list file'],
        [path.join(dir, 'nope'), 'cannot be read'],
      ] as const) {
        const r = await pick(p);
        expect(r.error?.code, p).toBe('hostfile_unreadable');
        expect(r.error?.message, p).toContain(why);
        expect(JSON.stringify(r)).not.toContain('PATH=');
      }
    } finally {
      server.close();
    }
  });

  it('refuses files larger than a host list, also one that claims a smaller size than it has', async () => {
    const big = path.join(dir, 'big');
    fs.writeFileSync(big, Buffer.alloc(6 * 1024 * 1024, 0x41));
    expect((await pick(big)).error?.code).toBe('hostfile_too_large');
    const small = path.join(dir, 'small.cfg');
    fs.writeFileSync(small, '10.0.0.1\n10.0.0.2\n');
    expect(() => readHostListFile(small, 8)).toThrow(/larger than a host list/);
    expect(readHostListFile(small).data.toString()).toBe('10.0.0.1\n10.0.0.2\n');
    expect(HOST_FILE_MAX_BYTES).toBeGreaterThan(1_000_000);
  });
});

describe('host list file: pick, then delete exactly that file', () => {
  it('reads the picked file, returns an id, and deletes that file (and only once)', async () => {
    const f = path.join(dir, 'iplist.cfg');
    fs.writeFileSync(f, '10.0.0.1 Secret-1\n10.0.0.2\n');
    const keep = path.join(dir, 'other.cfg');
    fs.writeFileSync(keep, 'x');
    const d = dispatcher('electron', () => f);
    const r = (await d.call('hosts.pickFile', {}, client)) as R;
    expect(r.ok).toBe(true);
    expect(r.value?.text).toBe('10.0.0.1 Secret-1\n10.0.0.2\n');
    expect(r.value?.path).toBe(fs.realpathSync(f));
    const fileId = r.value?.fileId ?? '';
    // Another client (another tab) cannot use the id.
    expect(((await d.call('hosts.deleteFile', { fileId }, other)) as R).error?.code).toBe('hostfile_unknown');
    // A path is not accepted where the id goes.
    expect(((await d.call('hosts.deleteFile', { fileId: keep }, client)) as R).error?.code).toBe('invalid_input');
    expect(((await d.call('hosts.deleteFile', { fileId, path: keep }, client)) as R).error?.code).toBe('invalid_input');
    const del = (await d.call('hosts.deleteFile', { fileId }, client)) as R;
    expect(del).toMatchObject({ ok: true, value: { deleted: fs.realpathSync(dir) + path.sep + 'iplist.cfg' } });
    expect(fs.existsSync(f)).toBe(false);
    expect(fs.existsSync(keep)).toBe(true);
    expect(((await d.call('hosts.deleteFile', { fileId }, client)) as R).error?.code).toBe('hostfile_unknown');
  });

  it('leaves a file alone that changed since it was read, or was replaced by another', async () => {
    const f = path.join(dir, 'hosts.csv');
    fs.writeFileSync(f, 'host,password\n10.0.0.1,pw\n');
    const d = dispatcher('electron', () => f);
    const a = (await d.call('hosts.pickFile', {}, client)) as R;
    fs.appendFileSync(f, '10.0.0.2,pw2\n');
    const r1 = (await d.call('hosts.deleteFile', { fileId: a.value?.fileId }, client)) as R;
    expect(r1.error?.code).toBe('hostfile_changed');
    expect(fs.existsSync(f)).toBe(true);
    // Same contents, but another file now (moved away, a new one put in its place).
    const b = (await d.call('hosts.pickFile', {}, client)) as R;
    const text = fs.readFileSync(f);
    fs.renameSync(f, path.join(dir, 'moved.csv'));
    fs.writeFileSync(f, text);
    expect(((await d.call('hosts.deleteFile', { fileId: b.value?.fileId }, client)) as R).error?.code).toBe('hostfile_changed');
    expect(fs.existsSync(f)).toBe(true);
    // A symlink put in its place is not followed.
    const c = (await d.call('hosts.pickFile', {}, client)) as R;
    fs.rmSync(f);
    fs.symlinkSync(path.join(dir, 'moved.csv'), f);
    expect(((await d.call('hosts.deleteFile', { fileId: c.value?.fileId }, client)) as R).error?.code).toBe('hostfile_changed');
    expect(fs.existsSync(path.join(dir, 'moved.csv'))).toBe(true);
  });
});
