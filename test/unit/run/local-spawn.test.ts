import { describe, expect, it } from 'vitest';
import { POWERSHELL_STDIN_READER, powershellStdin, powershellStdinArgs } from '../../../electron/core/quote';
import type { WindowsPlatform } from '../../../electron/core/platform';
import { localSpawnSpec, runLocal } from '../../../electron/core/exec/local-spawn';

describe('local steps: how each platform starts a shell', () => {
  it('Windows cmd and PowerShell are never started from a command line here: they go through the Windows platform', () => {
    expect(localSpawnSpec('cmd', 'cd /d C:\\ICAgent && install.bat', 'win32')).toBeNull();
    expect(localSpawnSpec('cmd', 'dir', 'linux')).toBeNull();
    expect(localSpawnSpec('powershell', "Write-Output 'x'", 'win32')).toBeNull();
  });

  it('PowerShell on Windows: powershell.exe with a fixed reader, the script only on stdin (never -EncodedCommand)', async () => {
    const calls: Array<{ script: string }> = [];
    const win = { kind: 'windows', label: 'Windows', runCmd: () => Promise.reject(new Error('no')), runPowerShell: async (script: string) => (calls.push({ script }), { exitCode: 0 }), localPath: (p: string) => p, elevation: () => Promise.reject(new Error('no')) } as unknown as WindowsPlatform;
    const script = "$dest = 'C:\\ICAgent'; & install.ps1 -sk 'SECRET-SK-0123456789'";
    await runLocal('powershell', script, { windows: win, onData: () => undefined, signal: new AbortController().signal, timeoutMs: 1000 });
    expect(calls).toEqual([{ script }]);
    expect(powershellStdinArgs()).toEqual(['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', POWERSHELL_STDIN_READER]);
    expect(POWERSHELL_STDIN_READER).not.toMatch(/"/);
    expect(powershellStdin(script)).toBe(`${script}\r\n`);
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
