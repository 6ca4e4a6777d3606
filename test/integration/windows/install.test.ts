// "Install on this computer" on Windows, for real under Wine (issue 12, items 4 and 5): `outpost run`
// with `thisComputer: true` and `os: windows`, OUTPOST_WINE_PREFIX pointing at a fresh prefix. The
// steps run in Wine's cmd.exe, the vendor's .bat files register services with Wine's sc, and the
// service control manager starts a real Windows service (fixture-service.c, built with mingw-w64).
// What Wine cannot show (UAC, NSIS, Defender, a real Windows host over SSH) is listed in the README.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeZip as rawZip } from '../../unit/packages/helpers';
import { icagentZip, imagePath, novaZips, outpost, serviceState, startWine, type WineWorld } from './wine';

const AK = 'WINEFIXTUREAK0123456789';
const SK = 'wine+fixture/SK=with_signs-0123456789';

let w: WineWorld;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  w = await startWine('windows-install');
  env = { ...process.env, OUTPOST_WINE_PREFIX: w.prefix, OUTPOST_DATA_DIR: path.join(w.dir, 'data'), OUTPOST_AK: AK, OUTPOST_SK: SK, NO_COLOR: '1' };
}, 240_000);
afterAll(async () => {
  await w?.stop();
}, 60_000);

function answers(name: string, text: string): string {
  const file = path.join(w.dir, `${name}.yaml`);
  fs.writeFileSync(file, text);
  return file;
}

function icagentAnswers(name: string, zip: string, installDir: string, inputs: string[] = []): string {
  return answers(
    name,
    [
      'profile: icagent',
      'os: windows',
      'region: af-south-1',
      'connectivity: { mode: direct, accessIp: 100.125.4.25 }',
      'inputs:',
      '  ak: { env: OUTPOST_AK }',
      '  sk: { env: OUTPOST_SK }',
      '  projectId: 5c0d2e6b9f7a4c1e8d3b2a1f0e9d8c7b',
      ...inputs,
      `package: { path: ${JSON.stringify(zip)} }`,
      `options: { installDir: ${JSON.stringify(installDir)} }`,
      'thisComputer: true',
      'targets: []',
      '',
    ].join('\n'),
  );
}

function assertNoSecrets(...texts: string[]): void {
  for (const t of texts) for (const v of [AK, SK]) expect(t).not.toContain(v);
}

describe('install on this computer, Windows, under Wine', () => {
  it('nova-agent: both zips unpacked under C:\\Program Files, both .bat files run from their folders, both services RUNNING', async () => {
    const zips = await novaZips(w, w.dir);
    const file = answers('nova', ['profile: nova-agent', 'os: windows', 'connectivity: { mode: direct, accessIp: 192.0.2.1 }', 'inputs:', `  agentZip: ${JSON.stringify(zips.agentZip)}`, `  updaterZip: ${JSON.stringify(zips.updaterZip)}`, 'thisComputer: true', 'targets: []', ''].join('\n'));
    const r = await outpost(['run', file], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // The elevation check says what it found (Wine has no UAC: it says so instead of pretending).
    expect(r.stdout).toMatch(/administrator rights: Wine prefix .*Wine has no UAC/);
    // The rest of the Windows preflight, this computer's own facts (issue 22): clock, system, free space.
    expect(r.stdout).toMatch(/clock: in step with this computer/);
    expect(r.stdout).toMatch(/system: Windows x64/);
    expect(r.stdout).toMatch(/disk: \d+ MiB free in C:\\/);
    const dir = path.join(w.driveC, 'Program Files', 'Rackspace', 'Cloud Servers');
    expect(fs.existsSync(path.join(dir, 'Agent', 'installagentservice.bat'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'AgentUpdater', 'Rackspace.Cloud.Server.Agent.UpdaterService.exe'))).toBe(true);
    expect(await serviceState(w, 'RackspaceCloudServersAgent')).toBe('RUNNING');
    expect(await serviceState(w, 'RackspaceCloudServersAgentUpdater')).toBe('RUNNING');
    // %CD% in the vendor's .bat was the folder it was unpacked into.
    expect(await imagePath(w, 'RackspaceCloudServersAgent')).toBe('C:\\Program Files\\Rackspace\\Cloud Servers\\Agent\\Rackspace.Cloud.Server.Agent.Service.exe');
    expect(await imagePath(w, 'RackspaceCloudServersAgentUpdater')).toBe('C:\\Program Files\\Rackspace\\Cloud Servers\\AgentUpdater\\Rackspace.Cloud.Server.Agent.UpdaterService.exe');

    // A second run finds both services running and changes nothing.
    const again = await outpost(['run', file], env);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/already installed/i);
  });

  it('ICAgent: the package unpacked into a folder with a space, the keys reach install.bat on stdin, the marker seen, icagent RUNNING; a pasted console command runs as pasted', async () => {
    const zip = path.join(w.dir, 'ICProbeAgent.zip');
    await icagentZip(w, zip);
    const r = await outpost(['run', icagentAnswers('icagent', zip, 'C:\\Program Files\\ICAgent')], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Service icagent installed successfully');
    expect(await serviceState(w, 'icagent')).toBe('RUNNING');
    // The service path is quoted (a path under Program Files unquoted is the classic error 1053).
    expect(await imagePath(w, 'icagent')).toBe('"C:\\Program Files\\ICAgent\\ICProbeAgent\\bin\\icagent.exe"');
    // The keys arrived whole (the SK has + / = which cmd and batch files treat specially)…
    const conf = fs.readFileSync(path.join(w.driveC, 'Program Files', 'ICAgent', 'ICProbeAgent', 'conf', 'icagent.conf'), 'utf8');
    expect(conf).toContain(`ak=${AK}\r\n`);
    expect(conf).toContain(`sk=${SK}\r\n`);
    // …and appear nowhere in what Outpost printed or recorded, nor in the script files it wrote.
    assertNoSecrets(r.stdout, r.stderr);
    const journal = /Journal: (\S+)/.exec(r.stdout)?.[1] ?? '';
    assertNoSecrets(fs.readFileSync(journal, 'utf8'));
    expect(fs.readdirSync(path.join(w.driveC, 'windows', 'temp')).filter((f) => f.startsWith('outpost-'))).toEqual([]);

    // Without a pasted console command, Outpost's own (inferred) install.bat line ran, in its flag order.
    const flags = () => fs.readFileSync(path.join(w.driveC, 'Program Files', 'ICAgent', 'ICProbeAgent', 'conf', 'flags.txt'), 'utf8').split(/\r?\n/).slice(1).filter(Boolean);
    expect(flags()).toEqual(['-ak', '-sk', '-region', '-projectid', '-accessip', '-obsdomain']);

    // --reinstall: the vendor's remedy (uninstall.bat, then install.bat) on the unpacked files, which stay.
    // This time with the console's command pasted (issue 22): it runs as the console wrote it — its order,
    // a flag Outpost does not know — with the keys on stdin (`import-command --os windows` wrote it so).
    const pasted = "  pastedCommand: ['ICProbeAgent\\bin\\manual\\win\\install.bat', -region, af-south-1, -projectid, 5c0d2e6b9f7a4c1e8d3b2a1f0e9d8c7b, -sk, '{secret:sk}', -accessip, 100.125.4.25, -obsdomain, obs.af-south-1.myhuaweicloud.com, -ak, '{secret:ak}', -newflag, '7']";
    const again = await outpost(['run', icagentAnswers('icagent-pasted', zip, 'C:\\Program Files\\ICAgent', [pasted]), '--reinstall'], env);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('ICAgent uninstalled');
    expect(again.stdout).toMatch(/the console's command/);
    expect(again.stdout).toContain('Service icagent installed successfully');
    expect(await serviceState(w, 'icagent')).toBe('RUNNING');
    expect(flags()).toEqual(['-region', '-projectid', '-sk', '-accessip', '-obsdomain', '-ak', '-newflag']);
    expect(fs.readFileSync(path.join(w.driveC, 'Program Files', 'ICAgent', 'ICProbeAgent', 'conf', 'icagent.conf'), 'utf8')).toContain(`sk=${SK}\r\n`);
    assertNoSecrets(again.stdout, again.stderr);
  });

  it("ICAgent: an install that ends in SERVICE STOP fails with the vendor's hint (antivirus)", async () => {
    const zip = path.join(w.dir, 'ICProbeAgent-stopped.zip');
    await icagentZip(w, zip, { failWithServiceStop: true });
    // Another service name would be cleaner, but the vendor's is icagent: remove the one installed above.
    await w.wine(['sc', 'stop', 'icagent']);
    await w.wine(['sc', 'delete', 'icagent']);
    const r = await outpost(['run', icagentAnswers('icagent-stopped', zip, 'C:\\ICAgent')], env);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('SERVICE STOP');
    expect(r.stdout + r.stderr).toMatch(/failed.*install on this computer/i);
    expect(r.stdout + r.stderr).toMatch(/antivirus/i);
    assertNoSecrets(r.stdout, r.stderr);
  });

  it('an unsafe package: outpost run and outpost unpack both exit 2, and no message shows the prefix\'s Linux path for C: (issue 22)', async () => {
    const zip = path.join(w.dir, 'ICProbeAgent-slip.zip');
    fs.writeFileSync(zip, rawZip([{ name: '../evil.txt', data: 'x' }]));
    const r = await outpost(['run', icagentAnswers('icagent-slip', zip, 'C:\\ICAgent-slip')], env);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toMatch(/unsafe to unpack: entry 1, "\.\.\/evil\.txt"/);
    // (The elevation line names the prefix as the platform it checked; no path inside it is shown.)
    expect(r.stdout + r.stderr).not.toContain(w.driveC);
    const u = await outpost(['unpack', zip, path.join(w.dir, 'slip-out')], env);
    expect(u.code, u.stdout + u.stderr).toBe(2);
    expect(fs.existsSync(path.join(w.driveC, 'evil.txt'))).toBe(false);
  });

  it('without OUTPOST_WINE_PREFIX, a Windows plan on this Linux computer is refused before any step runs', async () => {
    const zip = path.join(w.dir, 'ICProbeAgent-refused.zip');
    await icagentZip(w, zip);
    const { OUTPOST_WINE_PREFIX: _drop, ...noWine } = env;
    const r = await outpost(['run', icagentAnswers('icagent-refused', zip, 'C:\\ICAgent-refused')], noWine);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout + r.stderr).toContain('Windows steps on this computer need Windows: this computer runs linux.');
    expect(fs.existsSync(path.join(w.driveC, 'ICAgent-refused'))).toBe(false);
  });
});
