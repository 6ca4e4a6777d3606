// Issue 8, item 4 (Windows over SSH): a cmd step with secrets is uploaded as a script and run by its
// path; the exec request (what Windows OpenSSH puts on `cmd.exe /c …`, visible in the target's process
// list) holds no secret, nor does the file. A fake connection records the exec command, the files SFTP
// wrote and the channel's stdin. No Windows OpenSSH server exists in the test environment: the command
// shape is checked here, not run against one.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { sshExecutor } from '../../../electron/core/exec';
import { remoteCmdCommand, remoteScriptPath } from '../../../electron/core/exec/remote-cmd';
import { powershellStdinCommand } from '../../../electron/core/quote';
import type { SshConnection } from '../../../electron/core/ssh';

const AK = 'AKIDfake0123456789ABCD';
const SK = 'sk+/fake=0123456789_abcdef-XYZ';

interface Fake {
  conn: SshConnection;
  commands: string[];
  stdin: string[];
  written: Map<string, string>;
  files: Map<string, string>;
}

/** `behave` decides how the remote command ends: an exit code, or 'hang' (until signalled or closed). */
function fakeConn(home: string, behave: (script: string) => { exitCode: number; output: string } | 'hang'): Fake {
  const files = new Map<string, string>();
  const written = new Map<string, string>();
  const commands: string[] = [];
  const stdin: string[] = [];
  const sftp = {
    realpath: (_p: string, cb: (err: Error | undefined, abs: string) => void) => setImmediate(() => cb(undefined, home)),
    mkdir: (_p: string, _a: unknown, cb: (err?: Error) => void) => setImmediate(() => cb()),
    writeFile: (p: string, data: string, _o: unknown, cb: (err?: Error) => void) =>
      setImmediate(() => {
        files.set(p, data);
        written.set(p, data);
        cb();
      }),
    unlink: (p: string, cb: (err?: Error) => void) => setImmediate(() => (files.delete(p) ? cb() : cb(new Error('No such file')))),
    end: () => undefined,
  };
  const client = {
    sftp: (cb: (err: Error | undefined, s: typeof sftp) => void) => setImmediate(() => cb(undefined, sftp)),
    exec: (command: string, _o: unknown, cb: (err: Error | undefined, ch: unknown) => void) => {
      commands.push(command);
      const ch = Object.assign(new EventEmitter(), {
        stderr: new EventEmitter(),
        pause: () => undefined,
        resume: () => undefined,
        read: () => null,
        readableFlowing: true,
        closed: false,
        signal: () => undefined,
        close() {
          if (this.closed) return;
          this.closed = true;
          setImmediate(() => ch.emit('close'));
        },
        started: false,
        write(data: string) {
          stdin.push(data);
          return true;
        },
        end(data?: string) {
          stdin.push(data ?? '');
          this.finish();
        },
        finish() {
          if (this.started) return;
          this.started = true;
          const rel = [...files.keys()][0] ?? '';
          const r = behave(files.get(rel) ?? '');
          if (r === 'hang') return;
          setImmediate(() => {
            ch.emit('data', Buffer.from(r.output));
            ch.emit('exit', r.exitCode);
            ch.close();
          });
        },
      });
      setImmediate(() => cb(undefined, ch));
      // A command given no stdin runs anyway.
      setTimeout(() => ch.finish(), 30);
    },
  };
  return { conn: { client, label: 'win1', closed: false } as unknown as SshConnection, commands, stdin, written, files };
}

const STEP = `install.bat -ak %OUTPOST_S1% -sk "%OUTPOST_S2%"`;

describe('cmd with secrets over SSH (Windows targets)', () => {
  it('execs only `cmd /d /c "<script path>"`; the script has references, stdin has the values; the script is removed', async () => {
    const f = fakeConn('/C:/Users/bob', () => ({ exitCode: 0, output: 'installed\r\n' }));
    const ex = sshExecutor(f.conn, 'windows');
    const r = await ex.run('cmd', STEP, { signal: new AbortController().signal, timeoutMs: 10_000, secrets: [AK, SK] });
    expect(r).toEqual({ exitCode: 0, output: 'installed\r\n' });
    expect(f.commands).toHaveLength(1);
    const command = f.commands[0] ?? '';
    expect(command).toMatch(/^cmd \/d \/c "C:\\Users\\bob\\\.outpost\\step-[0-9a-f]{16}\.cmd"$/);
    expect(command).not.toContain(AK);
    expect(command).not.toContain(SK);
    const [[rel, script]] = [...f.written.entries()] as [[string, string]];
    expect(command).toContain(rel.split('/').join('\\'));
    expect(script).not.toContain(AK);
    expect(script).not.toContain(SK);
    expect(script).toContain('set /p "OUTPOST_IN="');
    expect(script).toContain(`set "OUTPOST_S1=%OUTPOST_IN:~0,${AK.length}%"`);
    expect(script).toContain(`set "OUTPOST_S2=%OUTPOST_IN:~${AK.length},${SK.length}%"`);
    expect(script).toContain(`set "OUTPOST_S1=" & set "OUTPOST_S2=" & ${STEP}`);
    expect(f.stdin).toEqual([`${AK}${SK}\r\n`]);
    expect(f.files.size).toBe(0);
  });

  it('keeps the exit code of a failed step and removes the script', async () => {
    const f = fakeConn('/C:/Users/bob', () => ({ exitCode: 3, output: 'failed\r\n' }));
    const r = await sshExecutor(f.conn, 'windows').run('cmd', STEP, { signal: new AbortController().signal, timeoutMs: 10_000, secrets: [AK, SK] });
    expect(r.exitCode).toBe(3);
    expect(f.files.size).toBe(0);
  });

  it('a cancel and a timeout reject as before and still remove the script', async () => {
    const a = fakeConn('/C:/Users/bob', () => 'hang');
    const ac = new AbortController();
    const p = sshExecutor(a.conn, 'windows').run('cmd', STEP, { signal: ac.signal, timeoutMs: 10_000, secrets: [AK, SK] });
    setTimeout(() => ac.abort(), 50);
    await expect(p).rejects.toMatchObject({ code: 'cancelled' });
    expect(a.written.size).toBe(1);
    expect(a.files.size).toBe(0);
    const t = fakeConn('/C:/Users/bob', () => 'hang');
    await expect(sshExecutor(t.conn, 'windows').run('cmd', STEP, { signal: new AbortController().signal, timeoutMs: 50, secrets: [AK, SK] })).rejects.toMatchObject({ code: 'timeout' });
    expect(t.files.size).toBe(0);
  });

  it('a cmd step without secrets is a script file too (multi-line text never on a command line); POSIX shells are refused', async () => {
    const f = fakeConn('/C:/Users/bob', () => ({ exitCode: 0, output: '' }));
    const ex = sshExecutor(f.conn, 'windows');
    await ex.run('cmd', 'ver', { signal: new AbortController().signal, timeoutMs: 10_000 });
    expect(f.commands).toEqual([expect.stringMatching(/^cmd \/d \/c "C:\\Users\\bob\\\.outpost\\step-[0-9a-f]{16}\.cmd"$/)]);
    expect([...f.written.values()].at(-1)).toContain('ver');
    await expect(ex.run('bash', 'echo x', { signal: new AbortController().signal, timeoutMs: 10_000 })).rejects.toMatchObject({ code: 'plan.invalid' });
    expect(f.commands).toHaveLength(1);
  });

  it('an interactive cmd step with secrets: the same script and command, the values first on stdin, then what is typed (Enter as a line end)', async () => {
    const f = fakeConn('/C:/Users/bob', () => ({ exitCode: 0, output: 'Continue? ' }));
    const sinks: Array<unknown> = [];
    const r = await sshExecutor(f.conn, 'windows').run('cmd', STEP, {
      signal: new AbortController().signal,
      timeoutMs: 10_000,
      secrets: [AK, SK],
      interactive: true,
      onInput: (sink) => {
        sinks.push(sink);
        sink?.write('y\r');
      },
    });
    expect(r.exitCode).toBe(0);
    expect(f.commands).toEqual([expect.stringMatching(/^cmd \/d \/c "C:\\Users\\bob\\\.outpost\\step-[0-9a-f]{16}\.cmd"$/)]);
    expect([...f.written.values()][0]).not.toContain(AK);
    expect(f.stdin).toEqual([`${AK}${SK}\r\n`, 'y\r\n']);
    expect(sinks.at(-1)).toBeNull();
    expect(f.files.size).toBe(0);
  });

  it('PowerShell: the exec request is a fixed reader, the script (secrets included) is on stdin only', async () => {
    const f = fakeConn('/C:/Users/bob', () => ({ exitCode: 0, output: 'ok\r\n' }));
    const script = `& 'C:\\ICAgent\\install.ps1' -ak '${AK}' -sk '${SK}'`;
    const r = await sshExecutor(f.conn, 'windows').run('powershell', script, { signal: new AbortController().signal, timeoutMs: 10_000 });
    expect(r.exitCode).toBe(0);
    expect(f.commands).toEqual([powershellStdinCommand()]);
    expect(f.commands[0]).not.toMatch(/EncodedCommand|ICAgent/);
    for (const v of [AK, SK]) {
      expect(f.commands[0]).not.toContain(v);
      expect(f.commands[0]).not.toContain(Buffer.from(v, 'utf16le').toString('base64').slice(4, -4));
    }
    expect(f.stdin).toEqual([`${script}\r\n`]);
    expect(f.written.size).toBe(0);
  });

  it('maps the SFTP home to a Windows path, and refuses one cmd cannot quote', () => {
    expect(remoteCmdCommand(remoteScriptPath('/C:/Users/John Smith', 'step-1.cmd'))).toBe('cmd /d /c "C:\\Users\\John Smith\\.outpost\\step-1.cmd"');
    expect(remoteScriptPath('/D:', 's.cmd')).toBe('D:\\.outpost\\s.cmd');
    expect(remoteScriptPath('/home/t1/', 's.cmd')).toBe('/home/t1/.outpost/s.cmd');
    expect(() => remoteScriptPath('/C:/Users/a&b', 's.cmd')).toThrow(/cannot take/);
    expect(() => remoteScriptPath('/C:/Users/100%', 's.cmd')).toThrow(/cannot take/);
  });
});
