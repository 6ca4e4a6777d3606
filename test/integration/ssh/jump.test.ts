// Jump chains against real sshd instances: the target is reached through the jump (its sshd logs
// the direct-tcpip channel), two targets behind one jump share one jump connection, and every hop's
// host key is checked.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutpostError } from '../../../electron/core/errors';
import { SshPool, connectSsh, type SshTarget } from '../../../electron/core/ssh';
import { KnownHosts } from '../../../electron/core/ssh/known-hosts';
import { exec } from '../../../electron/core/ssh/session';
import { ensureTestUser, freePort, startJumpServer, startSshd, stopAll, TEST_USERS, type SshdInstance, type TestUser } from '../harness/sshd';
import { neverAsked, recordingPolicy, tempDir, trustingKnownHosts } from './helpers';

let dir: string;
let jump: SshdInstance;
let t1: SshdInstance;
let t2: SshdInstance;
let u1: TestUser;
let u2: TestUser;

beforeAll(async () => {
  dir = await tempDir();
  [u1, u2] = await Promise.all([ensureTestUser(TEST_USERS.t1), ensureTestUser(TEST_USERS.t2)]);
  [jump, t1, t2] = await Promise.all([startJumpServer(), startSshd({ allowTcpForwarding: false }), startSshd({ allowTcpForwarding: false })]);
});
afterAll(async () => {
  await stopAll();
  await fsp.rm(dir, { recursive: true, force: true });
});

const hop = (s: SshdInstance, u: TestUser): SshTarget => ({ host: s.host, port: s.port, username: u.name, auth: { password: u.password } });

describe('jump chains', () => {
  it('reaches the target through the jump server', async () => {
    const kh = await trustingKnownHosts(dir, jump, t1);
    const before = (await jump.directTcpipTargets()).length;
    const conn = await connectSsh({ ...hop(t1, u1), jumps: [hop(jump, u2)], knownHosts: kh, hostKeyPolicy: neverAsked });
    const r = await exec(conn, 'id -un');
    expect(r.output.trim()).toBe(u1.name);
    expect(conn.via).toBe(`${u2.name}@${jump.host}:${jump.port}`);
    const forwarded = (await jump.directTcpipTargets()).slice(before);
    expect(forwarded).toEqual([`${t1.host}:${t1.port}`]);
    conn.end();
  });

  it('shares one jump connection between two targets and closes it after the last one', async () => {
    const kh = await trustingKnownHosts(dir, jump, t1, t2);
    const pool = new SshPool({ knownHosts: kh, hostKeyPolicy: neverAsked });
    const jumpConnsBefore = await jump.connectionCount();
    const [c1, c2] = await Promise.all([pool.connect(hop(t1, u1), [hop(jump, u1)]), pool.connect(hop(t2, u2), [hop(jump, u1)])]);
    expect(pool.stats()).toMatchObject({ openJumps: 1, connectionsOpened: 3, jumps: [{ key: `${u1.name}@${jump.host}:${jump.port}`, refs: 2 }] });
    const [r1, r2] = await Promise.all([exec(c1, 'id -un'), exec(c2, 'id -un')]);
    expect([r1.output.trim(), r2.output.trim()]).toEqual([u1.name, u2.name]);
    // The jump's own sshd saw exactly one new TCP connection.
    expect((await jump.connectionCount()) - jumpConnsBefore).toBe(1);
    c1.end();
    expect(pool.stats().jumps).toEqual([{ key: `${u1.name}@${jump.host}:${jump.port}`, refs: 1 }]);
    // The other target still works over the shared jump.
    expect((await exec(c2, 'echo still')).output.trim()).toBe('still');
    c2.end();
    expect(pool.stats().openJumps).toBe(0);
    // A new target afterwards opens a fresh jump connection.
    const c3 = await pool.connect(hop(t1, u1), [hop(jump, u1)]);
    expect((await jump.connectionCount()) - jumpConnsBefore).toBe(2);
    c3.end();
  });

  it('checks the target host key too, naming the jump it came through', async () => {
    const kh = await trustingKnownHosts(dir, jump);
    const p = recordingPolicy('reject');
    const e = await connectSsh({ ...hop(t2, u2), jumps: [hop(jump, u2)], knownHosts: kh, hostKeyPolicy: p.policy }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(OutpostError);
    expect((e as OutpostError).code).toBe('hostkey_rejected');
    expect(p.asked).toEqual([expect.objectContaining({ host: t2.host, port: t2.port, fingerprint: t2.hostKeyFingerprint, via: `${u2.name}@${jump.host}:${jump.port}` })]);
  });

  it('asks about an unknown jump key first and stops there when rejected', async () => {
    const kh = new KnownHosts(path.join(dir, 'empty-kh'));
    const p = recordingPolicy('reject');
    const e = await connectSsh({ ...hop(t1, u1), jumps: [hop(jump, u1)], knownHosts: kh, hostKeyPolicy: p.policy }).catch((err: unknown) => err);
    expect((e as OutpostError).code).toBe('hostkey_rejected');
    expect(p.asked.map((i) => `${i.host}:${i.port}`)).toEqual([`${jump.host}:${jump.port}`]);
  });

  it('reports a target port the jump cannot connect to as refused, naming the jump', async () => {
    const kh = await trustingKnownHosts(dir, jump);
    const closed = await freePort(t1.host);
    const e = await connectSsh({ host: t1.host, port: closed, username: u1.name, auth: { password: u1.password }, jumps: [hop(jump, u1)], knownHosts: kh, hostKeyPolicy: neverAsked }).catch(
      (err: unknown) => err,
    );
    expect((e as OutpostError).code).toBe('refused');
    expect((e as OutpostError).message).toContain(`${u1.name}@${jump.host}:${jump.port}`);
    expect((e as OutpostError).message).toContain(`${t1.host}:${closed}`);
  });

  it('reports an unreachable jump server and opens no target connection', async () => {
    const kh = await trustingKnownHosts(dir, t1);
    const closed = await freePort(jump.host);
    const pool = new SshPool({ knownHosts: kh, hostKeyPolicy: neverAsked });
    const e = await pool.connect(hop(t1, u1), [{ host: jump.host, port: closed, username: u1.name, auth: { password: u1.password } }]).catch((err: unknown) => err);
    expect((e as OutpostError).code).toBe('refused');
    expect((e as OutpostError).message).toContain(`${jump.host}:${closed}`);
    expect(pool.stats()).toMatchObject({ openJumps: 0, connectionsOpened: 1 });
  });

  it('closes targets when their jump connection ends', async () => {
    const kh = await trustingKnownHosts(dir, jump, t1);
    const pool = new SshPool({ knownHosts: kh, hostKeyPolicy: neverAsked });
    const c = await pool.connect(hop(t1, u1), [hop(jump, u1)]);
    const closed = new Promise<void>((r) => c.onClose(r));
    pool.closeAll();
    await closed;
    expect(c.closed).toBe(true);
  });
});
