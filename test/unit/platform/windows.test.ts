// The Windows platform's pure parts: the .cmd file a step becomes (secrets by same-process expansion,
// never in the file), the stdin that goes with it, Wine's path mapping, and which platform is chosen.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cmdScript, cmdStdin, isWindowsPath, needsWindows, POWERSHELL_PATH, windowsPlatform, winePlatform } from '../../../electron/core/platform';
import { renderCmdForStdin } from '../../../electron/core/render';
import { SecretRegistry } from '../../../electron/core/secrets/registry';

describe('a cmd step as a script file', () => {
  it('without secrets: echo off, then the text, CRLF line ends', () => {
    expect(cmdScript('sc query icagent')).toBe('@echo off\r\nsc query icagent\r\n');
  });

  it('with secrets: read from stdin in one line, cut by length, cleared on the line that uses them', () => {
    const s = cmdScript('cd /d C:\\ICAgent && install.bat -ak %OUTPOST_S1% -sk "%OUTPOST_S2%"', ['AKAKAK', 'sk=1/2+3']);
    expect(s.split('\r\n')).toEqual([
      '@echo off',
      'set "OUTPOST_IN="',
      'set /p "OUTPOST_IN="',
      'set "OUTPOST_S1=%OUTPOST_IN:~0,6%"',
      'set "OUTPOST_S2=%OUTPOST_IN:~6,8%"',
      'set "OUTPOST_IN="',
      'set "OUTPOST_S1=" & set "OUTPOST_S2=" & cd /d C:\\ICAgent && install.bat -ak %OUTPOST_S1% -sk "%OUTPOST_S2%"',
      '',
    ]);
    expect(s).not.toContain('AKAKAK');
    expect(cmdStdin(['AKAKAK', 'sk=1/2+3'])).toBe('AKAKAKsk=1/2+3\r\n');
    expect(cmdStdin([])).toBe('');
  });

  it('refuses a secret that cmd cannot read back exactly from stdin (space, non-ASCII), without echoing it', () => {
    for (const v of ['with space', 'clé']) {
      let message = '';
      try {
        cmdScript('x %OUTPOST_S1%', [v]);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/printable ASCII/);
      expect(message).not.toContain(v);
    }
  });

  it("renders a step's secrets as %OUTPOST_Sn% references (quoted when the value needs quotes) and collects the values", () => {
    const registry = new SecretRegistry();
    const r = renderCmdForStdin(
      { shell: 'cmd', command: [{ op: 'cd /d' }, 'C:\\Program Files\\ICAgent', { op: '&&' }, 'install.bat', '-ak', { name: 'inputs.ak', secret: { env: 'AK' } }, '-sk', { name: 'inputs.sk', secret: { env: 'SK' } }] },
      (ref) => ('env' in ref ? ({ AK: 'AKPLAIN123', SK: 'a=b/c+d' } as Record<string, string>)[ref.env] : undefined),
      registry,
    );
    expect(r.text).toBe('cd /d "C:\\Program Files\\ICAgent" && install.bat -ak %OUTPOST_S1% -sk "%OUTPOST_S2%"');
    expect(r.secrets).toEqual(['AKPLAIN123', 'a=b/c+d']);
    expect(registry.redact('AKPLAIN123 a=b/c+d')).not.toContain('AKPLAIN123');
  });

  it('still refuses a secret cmd could misread (% ! " & and line breaks), naming the character only', () => {
    expect(() => renderCmdForStdin({ shell: 'cmd', command: ['x', { name: 'inputs.sk', secret: { env: 'SK' } }] }, () => 'a%PATH%b', new SecretRegistry())).toThrow(/inputs\.sk contains "%"/);
  });
});

describe('which Windows runs the steps', () => {
  it('Windows itself on win32; Wine with OUTPOST_WINE_PREFIX; otherwise none, and the refusal says why', () => {
    expect(windowsPlatform({}, 'win32')?.kind).toBe('windows');
    expect(windowsPlatform({}, 'linux')).toBeNull();
    expect(needsWindows('linux').message).toBe('Windows steps on this computer need Windows: this computer runs linux.');
    expect(needsWindows('linux').hint).toContain('OUTPOST_WINE_PREFIX');
  });

  it('Wine: refuses a folder that is not a prefix, and maps C:\\ into drive_c', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-wine-unit-'));
    try {
      expect(() => windowsPlatform({ OUTPOST_WINE_PREFIX: dir }, 'linux')).toThrow(/not a Wine prefix/);
      fs.mkdirSync(path.join(dir, 'drive_c'));
      const w = winePlatform(dir, {});
      expect(w.kind).toBe('wine');
      expect(w.localPath('C:\\Program Files\\Rackspace\\Cloud Servers\\Agent')).toBe(path.join(dir, 'drive_c', 'Program Files', 'Rackspace', 'Cloud Servers', 'Agent'));
      expect(w.localPath('c:/ICAgent')).toBe(path.join(dir, 'drive_c', 'ICAgent'));
      expect(w.localPath('/tmp/AgentService.zip')).toBe('/tmp/AgentService.zip');
      expect(isWindowsPath('C:\\x')).toBe(true);
      expect(isWindowsPath('/opt/x')).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the Wine platform runs a step as a script file, with the secrets on stdin', () => {
  // A stand-in wine64 (OUTPOST_WINE64): prints its arguments, its stdin and the script it was given.
  function fakeWine(dir: string): string {
    const file = path.join(dir, 'wine64');
    fs.writeFileSync(
      file,
      [
        '#!/bin/bash',
        'f="$WINEPREFIX/drive_c/$(printf %s "$4" | sed \'s/^C:\\\\//; s/\\\\/\\//g\')"',
        'n=$(cat "$WINEPREFIX/count" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$WINEPREFIX/count"',
        'if [ "$n" = 1 ] && [ -n "$FAIL_FIRST" ]; then echo "ShellExecuteEx failed: Internal error."; exit 1; fi',
        'echo "args: $*"; echo "stdin: $(cat)"; echo "script:"; cat "$f"',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    return file;
  }

  it('cmd /d /c C:\\windows\\temp\\outpost-…\\step.cmd, the values on stdin only, the file removed afterwards', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-wine-unit-'));
    try {
      fs.mkdirSync(path.join(dir, 'drive_c'));
      const w = winePlatform(dir, { OUTPOST_WINE64: fakeWine(dir) });
      let out = '';
      const r = await w.runCmd('install.bat -ak %OUTPOST_S1%', { signal: new AbortController().signal, timeoutMs: 20_000, onData: (t) => (out += t), secrets: ['SECRETAK123'] });
      expect(r.exitCode).toBe(0);
      expect(out).toMatch(/^args: cmd \/d \/c C:\\windows\\temp\\outpost-\w+\\step\.cmd$/m);
      expect(out).toContain('stdin: SECRETAK123');
      expect(out.split('script:')[1]).not.toContain('SECRETAK123');
      expect(out).toContain('set "OUTPOST_S1=" & install.bat -ak %OUTPOST_S1%');
      expect(fs.readdirSync(path.join(dir, 'drive_c', 'windows', 'temp'))).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs a read-only check again when Wine failed to start a program; never an install step', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-wine-unit-'));
    try {
      fs.mkdirSync(path.join(dir, 'drive_c'));
      const w = winePlatform(dir, { OUTPOST_WINE64: fakeWine(dir) });
      const run = async (readOnly: boolean) => {
        fs.rmSync(path.join(dir, 'count'), { force: true });
        let out = '';
        const r = await w.runCmd('sc query icagent', { signal: new AbortController().signal, timeoutMs: 20_000, onData: (t) => (out += t), env: { ...process.env, FAIL_FIRST: '1' }, readOnly });
        return { code: r.exitCode, out };
      };
      const check = await run(true);
      expect(check.code).toBe(0);
      expect(check.out).not.toContain('ShellExecuteEx');
      const step = await run(false);
      expect(step.code).toBe(1);
      expect(step.out).toContain('ShellExecuteEx failed');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the Wine platform and PowerShell', () => {
  it("refuses a PowerShell step when the prefix's powershell.exe is Wine's stub; otherwise the script goes on stdin only", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-wine-unit-'));
    try {
      const ps = path.join(dir, 'drive_c', 'windows', 'system32', 'WindowsPowerShell', 'v1.0', 'powershell.exe');
      fs.mkdirSync(path.dirname(ps), { recursive: true });
      const wine = path.join(dir, 'wine64');
      fs.writeFileSync(wine, '#!/bin/bash\necho "args: $*"; echo "stdin: $(cat)"\n', { mode: 0o755 });
      const w = winePlatform(dir, { OUTPOST_WINE64: wine });
      const opts = { signal: new AbortController().signal, timeoutMs: 20_000, onData: (t: string) => void (out += t) };
      let out = '';
      await expect(w.runPowerShell('exit 1', opts)).rejects.toMatchObject({ code: 'local_unsupported', message: expect.stringMatching(/stub that runs nothing/) });
      fs.writeFileSync(ps, Buffer.concat([Buffer.from('MZ'), Buffer.from('Wine builtin DLL')]));
      await expect(w.runPowerShell('exit 1', opts)).rejects.toMatchObject({ code: 'local_unsupported' });
      fs.writeFileSync(ps, 'MZ a stand-in');
      const r = await w.runPowerShell("Write-Output 'SECRET-PS-1'", opts);
      expect(r.exitCode).toBe(0);
      expect(out).toContain(`args: ${POWERSHELL_PATH} -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command $r = New-Object`);
      expect(out.split('stdin:')[0]).not.toContain('SECRET-PS-1');
      expect(out).toContain("stdin: Write-Output 'SECRET-PS-1'");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
