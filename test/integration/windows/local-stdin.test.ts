// Issue 27 (Low): on this computer, a PowerShell step and an interactive cmd step put no secret on any
// process's command line, in any form (base64 included), and the values still reach the step. Windows
// is Wine here: cmd.exe is Wine's; PowerShell is a stand-in built with mingw-w64 and put where Windows
// keeps powershell.exe in the prefix (Wine's own is a stub that runs nothing, and there is no PowerShell
// for Linux here): it reads its script from stdin, shows it and stays up two seconds. Wine shows each
// Windows process's command line as its argv, so `ps` sees what a Windows process list would; a
// control case proves the poll finds a secret hidden in -EncodedCommand's base64. The interactive cmd
// step gets its secret on stdin and then what the test types, as a person at the run's terminal would.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../../electron/common/api/plan';
import { localExecutor, type Executor, type InputSink } from '../../../electron/core/exec';
import { encodePowerShell } from '../../../electron/core/quote';
import { leaks, pollCommandLines, runStep } from '../harness/step';
import { FIXTURES, startWine, WINE64, type WineWorld } from './wine';

const execFileP = promisify(execFile);
const AK = 'LOCALPSAK0123456789ABCD';
const SK = 'local+cmd/SK=0123456789_abc-XYZ';
const PS_STANDIN = 'windows/system32/WindowsPowerShell/v1.0/powershell.exe';

let w: WineWorld;
let ex: Executor;
const before = process.env.OUTPOST_WINE_PREFIX;

beforeAll(async () => {
  w = await startWine('windows-local-stdin');
  await execFileP('x86_64-w64-mingw32-gcc', ['-O2', '-s', '-o', path.join(w.driveC, PS_STANDIN), path.join(FIXTURES, 'powershell-standin.c')]);
  process.env.OUTPOST_WINE_PREFIX = w.prefix;
  ex = localExecutor(path.join(w.dir, 'work'), undefined, { os: 'windows' });
}, 240_000);
afterAll(async () => {
  if (before === undefined) delete process.env.OUTPOST_WINE_PREFIX;
  else process.env.OUTPOST_WINE_PREFIX = before;
  await w?.stop();
}, 60_000);

const secret = (env: string) => ({ secret: { env }, name: `inputs.${env.toLowerCase()}` });

describe('secrets on stdin on this computer (issue 27: PowerShell, interactive cmd)', () => {
  it('control: the poll finds a secret inside -EncodedCommand (base64 of UTF-16LE) on a Windows command line', async () => {
    const canary = 'CANARY-encoded-not-a-key-27';
    const poll = pollCommandLines();
    await new Promise<void>((resolve, reject) => {
      const p = spawn(WINE64, [`C:\\${PS_STANDIN.split('/').join('\\')}`, '-NoProfile', '-EncodedCommand', encodePowerShell(`Write-Output '${canary}'`)], { env: w.env, stdio: ['ignore', 'ignore', 'ignore'] });
      p.on('error', reject);
      p.on('exit', () => resolve());
    });
    const { lines } = await poll.stop();
    expect(lines.some((l) => l.includes('-EncodedCommand'))).toBe(true);
    expect(leaks(lines, canary)).not.toEqual([]);
  }, 120_000);

  it('a PowerShell step: the script and its secret on stdin, powershell.exe started with a fixed reader only', async () => {
    const action: Action = {
      kind: 'exec',
      shell: 'powershell',
      command: [{ op: "& 'C:\\ICAgent\\install.ps1' -ak" }, secret('OUTPOST_AK'), { op: '-sk' }, secret('OUTPOST_SK'), { op: '; exit 7' }],
      success: { exitCode: 7 },
      failureMarkers: [],
      timeoutSec: 120,
      interactive: false,
      root: false,
      diagnosis: [],
    };
    const poll = pollCommandLines();
    const r = runStep(ex, action, { secrets: { OUTPOST_AK: AK, OUTPOST_SK: SK } });
    await r.outcome.catch(async (err: unknown) => {
      await poll.stop();
      throw new Error(`${String(err)}\n${r.output()}`);
    });
    const { lines, samples } = await poll.stop();
    // The values reached the script (the stand-in shows what it read on stdin)…
    expect(r.output()).toContain(`& 'C:\\ICAgent\\install.ps1' -ak '${AK}' -sk '${SK}' ; exit 7`);
    // …PowerShell ran meanwhile, started with the reader…
    const ps = lines.filter((l) => /powershell\.exe -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command/i.test(l));
    expect(ps, `no PowerShell seen in ${samples} samples`).not.toEqual([]);
    expect(ps.every((l) => l.includes('[Console]::OpenStandardInput()'))).toBe(true);
    // …and no command line held a value, plain or encoded.
    expect(lines.filter((l) => l.includes('EncodedCommand'))).toEqual([]);
    expect(leaks(lines, AK)).toEqual([]);
    expect(leaks(lines, SK)).toEqual([]);
  }, 120_000);

  it('an interactive cmd step: the secret on stdin, then what a person types reaches the script; no value on a command line', async () => {
    const action: Action = {
      kind: 'exec',
      shell: 'cmd',
      // Each line is expanded when cmd reads it: %ANSWER% after `set /p` has read it.
      command: [{ op: 'echo key=' }, secret('OUTPOST_SK'), { op: '& ping -n 2 127.0.0.1 >nul\r\nset /p "ANSWER=Continue? "\r\necho answer=%ANSWER%\r\nping -n 2 127.0.0.1 >nul\r\nexit /b 5' }],
      success: { exitCode: 5 },
      failureMarkers: [],
      timeoutSec: 120,
      interactive: true,
      root: false,
      diagnosis: [],
    };
    const sinks: Array<InputSink | null> = [];
    let typed = false;
    const poll = pollCommandLines();
    const r = runStep(ex, action, {
      secrets: { OUTPOST_SK: SK },
      onInput: (s) => sinks.push(s),
    });
    // Types once the step has shown its first line (a person answering the question).
    const typing = setInterval(() => {
      const sink = sinks.at(-1);
      if (!typed && sink && r.output().includes('key=')) {
        typed = true;
        sink.write('typed-by-a-person\r');
      }
    }, 50);
    await r.outcome.finally(() => clearInterval(typing)).catch(async (err: unknown) => {
      await poll.stop();
      throw new Error(`${String(err)}\n${r.output()}`);
    });
    const { lines, samples } = await poll.stop();
    expect(r.output()).toContain(`key= "${SK}"`);
    expect(r.output()).toContain('answer=typed-by-a-person');
    expect(sinks.at(-1)).toBeNull();
    expect(lines.some((l) => /cmd(\.exe)? \/d \/c C:\\windows\\temp\\outpost-\w+\\step\.cmd/i.test(l)), `no step seen in ${samples} samples`).toBe(true);
    expect(leaks(lines, SK)).toEqual([]);
    // The step's script folder is gone.
    expect(fs.readdirSync(path.join(w.driveC, 'windows', 'temp')).filter((f) => f.startsWith('outpost-'))).toEqual([]);
  }, 120_000);
});
