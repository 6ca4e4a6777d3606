import { describe, expect, it } from 'vitest';
import { decodePowerShell } from '../../../electron/core/quote';
import { localSpawnSpec, runLocal } from '../../../electron/core/exec/local-spawn';

describe('local steps: how each platform starts a shell', () => {
  it('Windows cmd is never started from a command line: it goes through the Windows platform (a script file)', () => {
    expect(localSpawnSpec('cmd', 'cd /d C:\\ICAgent && install.bat', 'win32')).toBeNull();
    expect(localSpawnSpec('cmd', 'dir', 'linux')).toBeNull();
  });

  it('Windows PowerShell: -EncodedCommand carrying the script unchanged', () => {
    const script = "$dest = 'C:\\ICAgent'; Expand-Archive -Path 'C:\\pkg.zip' -DestinationPath $dest -Force";
    const spec = localSpawnSpec('powershell', script, 'win32');
    expect(spec?.file).toBe('powershell.exe');
    expect(spec?.args).toContain('-EncodedCommand');
    expect(decodePowerShell(spec?.args.at(-1) ?? '')).toBe(script);
  });

  it('POSIX shells take the script on stdin; Windows shells are refused on Linux', () => {
    expect(localSpawnSpec('bash', 'echo hi', 'linux')).toEqual({ file: '/bin/bash', args: ['-s'], verbatim: false, stdin: 'echo hi\n' });
    expect(localSpawnSpec('cmd', 'dir', 'linux')).toBeNull();
    expect(localSpawnSpec('bash', 'echo hi', 'win32')).toBeNull();
  });

  it('runs a real local bash step, streaming output and returning its exit code', async () => {
    let out = '';
    const r = await runLocal('bash', 'echo "local $((6*7))"; exit 3', { onData: (t) => (out += t), signal: new AbortController().signal, timeoutMs: 10_000 });
    expect(out).toBe('local 42\n');
    expect(r.exitCode).toBe(3);
  });

  it('cancels a running local step', async () => {
    const ac = new AbortController();
    const p = runLocal('bash', 'sleep 30', { onData: () => undefined, signal: ac.signal, timeoutMs: 60_000 });
    setTimeout(() => ac.abort(), 100);
    await expect(p).rejects.toMatchObject({ code: 'cancelled' });
  });
});
