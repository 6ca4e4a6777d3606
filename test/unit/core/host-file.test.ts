// hosts.readFile / hosts.deleteFile through the dispatcher: only the file this client imported, by the
// id the read returned (never a path), and only while it is still that file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDispatcher, type Client } from '../../../electron/core/api/dispatcher';
import { createHandlers } from '../../../electron/core/api/handlers';
import { silentLogger } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import type { CoreContext } from '../../../electron/core/context';

const client: Client = { id: 'a', emit: () => undefined, onClose: () => undefined };
const other: Client = { id: 'b', emit: () => undefined, onClose: () => undefined };
let dir: string;

function dispatcher() {
  const ctx: CoreContext = { appName: 'Outpost', version: 't', mode: 'electron', locale: 'en', dataDir: dir, resourcesDir: dir, log: silentLogger, secrets: new SecretRegistry() };
  return createDispatcher(createHandlers(ctx), { log: silentLogger, secrets: ctx.secrets });
}
type R = { ok: boolean; value?: { fileId?: string; text?: string; path?: string; deleted?: string }; error?: { code: string; message: string } };

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-hostfile-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('host list file: read, then delete exactly that file', () => {
  it('reads the file, returns an id, and deletes that file (and only once)', async () => {
    const d = dispatcher();
    const f = path.join(dir, 'iplist.cfg');
    fs.writeFileSync(f, '10.0.0.1 Secret-1\n10.0.0.2\n');
    const keep = path.join(dir, 'other.cfg');
    fs.writeFileSync(keep, 'x');
    const r = (await d.call('hosts.readFile', { path: f }, client)) as R;
    expect(r.ok).toBe(true);
    expect(r.value?.text).toBe('10.0.0.1 Secret-1\n10.0.0.2\n');
    expect(r.value?.path).toBe(f);
    const fileId = r.value?.fileId ?? '';
    // Another client (another tab) cannot use the id.
    expect(((await d.call('hosts.deleteFile', { fileId }, other)) as R).error?.code).toBe('hostfile_unknown');
    // A path is not accepted where the id goes.
    expect(((await d.call('hosts.deleteFile', { fileId: keep }, client)) as R).error?.code).toBe('invalid_input');
    expect(((await d.call('hosts.deleteFile', { fileId, path: keep }, client)) as R).error?.code).toBe('invalid_input');
    const del = (await d.call('hosts.deleteFile', { fileId }, client)) as R;
    expect(del).toMatchObject({ ok: true, value: { deleted: f } });
    expect(fs.existsSync(f)).toBe(false);
    expect(fs.existsSync(keep)).toBe(true);
    expect(((await d.call('hosts.deleteFile', { fileId }, client)) as R).error?.code).toBe('hostfile_unknown');
  });

  it('leaves a file alone that changed since it was read, or was replaced by another', async () => {
    const d = dispatcher();
    const f = path.join(dir, 'hosts.csv');
    fs.writeFileSync(f, 'host,password\n10.0.0.1,pw\n');
    const a = (await d.call('hosts.readFile', { path: f }, client)) as R;
    fs.appendFileSync(f, '10.0.0.2,pw2\n');
    const r1 = (await d.call('hosts.deleteFile', { fileId: a.value?.fileId }, client)) as R;
    expect(r1.error?.code).toBe('hostfile_changed');
    expect(fs.existsSync(f)).toBe(true);
    // Same contents, but another file now (moved away, a new one put in its place).
    const b = (await d.call('hosts.readFile', { path: f }, client)) as R;
    const text = fs.readFileSync(f);
    fs.renameSync(f, path.join(dir, 'moved.csv'));
    fs.writeFileSync(f, text);
    expect(((await d.call('hosts.deleteFile', { fileId: b.value?.fileId }, client)) as R).error?.code).toBe('hostfile_changed');
    expect(fs.existsSync(f)).toBe(true);
    // A symlink put in its place is not followed.
    const c = (await d.call('hosts.readFile', { path: f }, client)) as R;
    fs.rmSync(f);
    fs.symlinkSync(path.join(dir, 'moved.csv'), f);
    expect(((await d.call('hosts.deleteFile', { fileId: c.value?.fileId }, client)) as R).error?.code).toBe('hostfile_changed');
    expect(fs.existsSync(path.join(dir, 'moved.csv'))).toBe(true);
  });

  it('refuses folders, missing files and files larger than a host list', async () => {
    const d = dispatcher();
    expect(((await d.call('hosts.readFile', { path: dir }, client)) as R).error?.code).toBe('hostfile_unreadable');
    expect(((await d.call('hosts.readFile', { path: path.join(dir, 'nope') }, client)) as R).error?.code).toBe('hostfile_unreadable');
    const big = path.join(dir, 'big');
    fs.writeFileSync(big, Buffer.alloc(6 * 1024 * 1024, 0x41));
    expect(((await d.call('hosts.readFile', { path: big }, client)) as R).error?.code).toBe('hostfile_too_large');
  });
});
