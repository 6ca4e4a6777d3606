// Issue 8, the Windows half: while the ICAgent installer runs on this computer under Wine, the AK and
// SK are on no process's command line. Wine shows each Windows process's command line as its argv
// (cmd.exe's `/c …`, install.bat's children), so `ps` sees what a Windows process list would. Outpost
// writes the step to a .cmd file whose text has no secret, gives the values on stdin, and the line
// expands them inside that same cmd (install.bat runs inside it too). A control case first proves the
// poll does see a Windows command line holding a value, so the old form (`install.bat -ak <AK> …` on
// `cmd.exe /c`) would have been caught.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { icagentZip, outpost, serviceState, startWine, WINE64, type WineWorld } from './wine';

const execFileP = promisify(execFile);
const AK = 'PSWINEAK0123456789ABCD';
const SK = 'ps+wine/SK=0123456789_abcdef-XYZ';

let w: WineWorld;
beforeAll(async () => {
  w = await startWine('windows-ps-secrets');
}, 240_000);
afterAll(async () => {
  await w?.stop();
}, 60_000);

/** Every process command line seen, polled every ~100 ms until stop(). `-ww`: never cut. */
function pollProcesses(): { stop: () => Promise<{ samples: number; lines: string[] }> } {
  let stopped = false;
  let samples = 0;
  const seen = new Set<string>();
  const loop = (async () => {
    while (!stopped) {
      const { stdout } = await execFileP('ps', ['-ww', '-eo', 'args='], { maxBuffer: 16 * 1024 * 1024 });
      samples++;
      for (const line of stdout.split('\n')) if (line.trim()) seen.add(line.trim());
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return { samples, lines: [...seen] };
    },
  };
}

describe('no key on a process command line during the Windows install (issue 8, Windows)', () => {
  it("control: the poll sees a Windows process's command line (the form with the key on cmd.exe /c)", async () => {
    const canary = 'CANARYAK-wine-not-a-key-1';
    const poll = pollProcesses();
    await new Promise<void>((resolve, reject) => {
      const p = spawn(WINE64, ['cmd', '/d', '/c', `ping -n 3 127.0.0.1 >nul & rem install.bat -ak ${canary}`], { env: w.env, stdio: 'ignore' });
      p.on('error', reject);
      p.on('exit', () => resolve());
    });
    const { lines } = await poll.stop();
    expect(lines.some((l) => l.includes(canary))).toBe(true);
  });

  it('the AK and SK are on no command line while install.bat runs, and still reach it', async () => {
    const zip = path.join(w.dir, 'ICProbeAgent.zip');
    await icagentZip(w, zip);
    const answers = path.join(w.dir, 'icagent.yaml');
    fs.writeFileSync(
      answers,
      ['profile: icagent', 'os: windows', 'region: af-south-1', 'connectivity: { mode: direct, accessIp: 100.125.4.25 }', 'inputs:', '  ak: { env: OUTPOST_AK }', '  sk: { env: OUTPOST_SK }', '  projectId: 5c0d2e6b9f7a4c1e8d3b2a1f0e9d8c7b', `package: { path: ${JSON.stringify(zip)} }`, 'thisComputer: true', 'targets: []', ''].join('\n'),
    );
    const poll = pollProcesses();
    const r = await outpost(['run', answers], { ...process.env, OUTPOST_WINE_PREFIX: w.prefix, OUTPOST_DATA_DIR: path.join(w.dir, 'data'), OUTPOST_AK: AK, OUTPOST_SK: SK, NO_COLOR: '1' }).catch(async (err: unknown) => {
      await poll.stop();
      throw err;
    });
    const { lines, samples } = await poll.stop();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await serviceState(w, 'icagent')).toBe('RUNNING');
    // The keys did reach the installer (it writes them into its conf)…
    const conf = fs.readFileSync(path.join(w.driveC, 'ICAgent', 'ICProbeAgent', 'conf', 'icagent.conf'), 'utf8');
    expect(conf).toContain(`ak=${AK}`);
    expect(conf).toContain(`sk=${SK}`);
    // …the poll overlapped the install (install.bat's `ping -n 3`, a child of the step's cmd)…
    expect(
      lines.some((l) => /ping(\.exe)? -n 3 127\.0\.0\.1/i.test(l)),
      `no installer process seen in ${samples} samples: ${JSON.stringify(lines.filter((l) => /wine|\.exe|cmd/i.test(l)))}`,
    ).toBe(true);
    // …and the step's cmd ran a script file, not a command line with the keys.
    expect(lines.some((l) => /cmd(\.exe)? \/d \/c C:\\windows\\temp\\outpost-\w+\\step\.cmd/i.test(l))).toBe(true);
    const leaks = lines.filter((l) => l.includes(AK) || l.includes(SK));
    expect(leaks).toEqual([]);
  });
});
