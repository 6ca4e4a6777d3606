// exec, shell and upload over a real sshd.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, type SshConnection } from '../../../electron/core/ssh';
import { ExecError, exec, shell, upload } from '../../../electron/core/ssh/session';
import { OutpostError } from '../../../electron/core/errors';
import { startHarness, stopAll, type Harness } from '../harness/sshd';
import { neverAsked, tempDir, trustingKnownHosts } from './helpers';

let h: Harness;
let dir: string;
let conn: SshConnection;

beforeAll(async () => {
  dir = await tempDir();
  h = await startHarness();
  conn = await connectSsh({
    host: h.host,
    port: h.port,
    username: h.users.t1.name,
    auth: { password: h.users.t1.password },
    knownHosts: await trustingKnownHosts(dir, h.sshd),
    hostKeyPolicy: neverAsked,
  });
});
afterAll(async () => {
  conn?.end();
  await stopAll();
  await fsp.rm(dir, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<OutpostError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(OutpostError);
  return e as OutpostError;
}

describe('exec', () => {
  it('returns exit codes', async () => {
    expect(await exec(conn, 'true')).toMatchObject({ exitCode: 0, signal: null });
    expect((await exec(conn, 'exit 3')).exitCode).toBe(3);
    expect((await exec(conn, 'kill -KILL $$')).signal).toBe('SIGKILL');
  });

  it('streams stdout and stderr while the command runs', async () => {
    const seen: Array<[string, string, number]> = [];
    const t0 = Date.now();
    const r = await exec(conn, 'echo one; sleep 0.6; echo two >&2', { onData: (t, s) => seen.push([t, s, Date.now() - t0]) });
    const done = Date.now() - t0;
    expect(r.exitCode).toBe(0);
    const first = seen.find(([t]) => t.includes('one'));
    expect(first?.[1]).toBe('stdout');
    // "one" arrived well before the command ended, not all at once at the end.
    expect(first?.[2]).toBeLessThan(done - 400);
    expect(seen.find(([t]) => t.includes('two'))?.[1]).toBe('stderr');
    expect(r.output).toBe('one\ntwo\n');
  });

  it('decodes UTF-8 split across packets', async () => {
    const chunks: string[] = [];
    // The euro sign's three bytes arrive in two writes, 0.2 s apart.
    const r = await exec(conn, "printf '\\342\\202'; sleep 0.2; printf '\\254 ok\\n'", { onData: (t) => chunks.push(t) });
    expect(r.output).toBe('€ ok\n');
    expect(chunks.join('')).toBe('€ ok\n');
    expect(chunks.every((c) => !c.includes('\uFFFD'))).toBe(true);
  });

  it('keeps only the tail of long output', async () => {
    const r = await exec(conn, 'seq 1 20000', { tailChars: 100 });
    expect(r.output.length).toBe(100);
    expect(r.output.endsWith('19999\n20000\n')).toBe(true);
  });

  it('runs with a PTY when asked', async () => {
    expect((await exec(conn, 'tty')).exitCode).not.toBe(0);
    const r = await exec(conn, 'tty; stty size', { pty: { cols: 91, rows: 17 } });
    expect(r.exitCode).toBe(0);
    expect(r.output).toMatch(/\/dev\/pts\/\d+/);
    expect(r.output).toContain('17 91');
  });

  it('cancels via AbortSignal: rejects with cancelled and the remote process is gone', async () => {
    // A compound command (the shell forks sleep), as real install scripts are.
    const secs = `30.${Math.floor(Math.random() * 1e6)}`;
    const ac = new AbortController();
    const seen: string[] = [];
    const p = exec(conn, `echo started; sleep ${secs}; echo never`, {
      pty: true,
      signal: ac.signal,
      onData: (t) => {
        seen.push(t);
        if (seen.join('').includes('started')) setTimeout(() => ac.abort(), 200);
      },
    });
    const t0 = Date.now();
    const e = await failure(p);
    expect(e.code).toBe('cancelled');
    expect(Date.now() - t0).toBeLessThan(5000);
    expect((e as ExecError).outputTail).toContain('started');
    // The remote sleep was stopped, not left running.
    await new Promise((r) => setTimeout(r, 300));
    // [s]leep keeps pgrep from matching the shell that runs it.
    const ps = await exec(conn, `pgrep -f '[s]leep ${secs}' || echo none`);
    expect(ps.output.trim()).toBe('none');
  });

  it('cancels a command without a PTY too', async () => {
    const secs = `30.${Math.floor(Math.random() * 1e6)}`;
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const e = await failure(exec(conn, `sleep ${secs}; echo never`, { signal: ac.signal }));
    expect(e.code).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 300));
    expect((await exec(conn, `pgrep -f '[s]leep ${secs}' || echo none`)).output.trim()).toBe('none');
  });

  it('stops a command at its timeout, keeping the output tail', async () => {
    const e = await failure(exec(conn, 'echo before-hang; sleep 30', { timeoutMs: 500 }));
    expect(e.code).toBe('timeout');
    expect((e as ExecError).outputTail).toContain('before-hang');
  });

  it('refuses to run on a closed connection', async () => {
    const c2 = await connectSsh({
      host: h.host,
      port: h.port,
      username: h.users.t2.name,
      auth: { password: h.users.t2.password },
      knownHosts: await trustingKnownHosts(dir, h.sshd),
      hostKeyPolicy: neverAsked,
    });
    c2.end();
    expect((await failure(exec(c2, 'true'))).code).toBe('connection_lost');
  });

  it('reports connection_lost when the server side dies mid-command', async () => {
    const c2 = await connectSsh({
      host: h.host,
      port: h.port,
      username: h.users.t2.name,
      auth: { password: h.users.t2.password },
      knownHosts: await trustingKnownHosts(dir, h.sshd),
      hostKeyPolicy: neverAsked,
    });
    // Kill this connection's own sshd session process (the parent of the remote shell).
    const e = await failure(exec(c2, 'echo going; sleep 0.3; kill -9 $PPID; sleep 5'));
    expect(e.code).toBe('connection_lost');
    expect((e as ExecError).outputTail).toContain('going');
  });
});

describe('shell', () => {
  it('runs an interactive shell with a PTY: write, read, resize, exit', async () => {
    const sh = await shell(conn, { cols: 80, rows: 24 });
    let text = '';
    sh.onData((t) => (text += t));
    const waitFor = async (re: RegExp) => {
      const deadline = Date.now() + 5000;
      while (!re.test(text)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} in ${JSON.stringify(text.slice(-300))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    sh.write('echo "A""B"\n');
    await waitFor(/AB/);
    sh.resize(100, 40);
    sh.write('stty size\n');
    await waitFor(/40 100/);
    // Answering a prompt typed by the user: read waits for a line.
    sh.write('read -r -p "Your answer? " ans; echo "got:$ans"\n');
    await waitFor(/Your answer\?/);
    sh.write('yes-please\n');
    await waitFor(/got:yes-please/);
    const exited = new Promise<{ exitCode: number | null }>((r) => sh.onExit(r));
    sh.write('exit 4\n');
    expect((await exited).exitCode).toBe(4);
  });
});

describe('upload', () => {
  it('uploads a file and verifies its SHA-256 remotely', async () => {
    const local = path.join(dir, 'payload.bin');
    const data = Buffer.alloc(300_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + 7) & 0xff;
    await fsp.writeFile(local, data);
    const expected = createHash('sha256').update(data).digest('hex');
    const remote = `${h.users.t1.home}/upload-${Date.now()}.bin`;
    const progress: number[] = [];
    const res = await upload(conn, local, remote, { onProgress: (sent) => progress.push(sent) });
    expect(res).toEqual({ sha256: expected, bytes: data.length });
    expect(progress.at(-1)).toBe(data.length);
    // Independent check on the remote side.
    expect((await exec(conn, `sha256sum ${remote}`)).output).toContain(expected);
    await exec(conn, `rm -f ${remote}`);
  });

  it('fails with upload_corrupt when the remote file differs', async () => {
    const local = path.join(dir, 'small.txt');
    await fsp.writeFile(local, 'not empty\n');
    // /dev/null accepts the bytes and keeps none: the remote hash is that of an empty file.
    const e = await failure(upload(conn, local, '/dev/null'));
    expect(e.code).toBe('upload_corrupt');
    expect(e.message).toContain('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('fails with upload_failed where the user may not write', async () => {
    const local = path.join(dir, 'small2.txt');
    await fsp.writeFile(local, 'x\n');
    const e = await failure(upload(conn, local, '/root/forbidden.txt'));
    expect(e.code).toBe('upload_failed');
    expect(e.hint).toMatch(/write/);
  });
});

describe('keepalive', () => {
  it('notices a server that stopped answering and ends the connection (a running exec fails)', async () => {
    const other = await startHarness();
    const c = await connectSsh({
      host: other.host,
      port: other.port,
      username: other.users.t2.name,
      auth: { password: other.users.t2.password },
      knownHosts: await trustingKnownHosts(dir, other.sshd),
      hostKeyPolicy: neverAsked,
      keepaliveIntervalMs: 200,
      keepaliveCountMax: 2,
    });
    const running = exec(c, 'echo up; sleep 20');
    await new Promise((r) => setTimeout(r, 300));
    const closed = new Promise<void>((r) => c.onClose(r));
    const t0 = Date.now();
    expect(other.sshd.suspendSessions(true).length).toBeGreaterThan(0);
    try {
      await closed;
      expect(Date.now() - t0).toBeLessThan(5000);
      expect((await failure(running)).code).toBe('connection_lost');
    } finally {
      other.sshd.suspendSessions(false);
      await other.stop();
      // The suspended session's `sleep 20` would outlive the test as the user's process: later tests snapshot those.
      try {
        execFileSync('pkill', ['-KILL', '-u', other.users.t2.name, '-x', 'sleep'], { stdio: 'ignore' });
      } catch {
        /* already gone */
      }
    }
  });
});
