// nova-agent's Windows checks from the seed (004), for real under Wine on "this computer": the
// XenServer tools' service (Wine's own sc and service manager, with the fixture service registered as
// xensvc), IPv6 on the public interface (netsh: Wine's own prints nothing, so the check says "could not
// check"; the stand-in test/fixtures/windows/netsh-standin.c, built with mingw-w64, replaces it in the
// prefix and prints what a real Windows prints, test/fixtures/windows/netsh), the agent's version for
// RackConnect v3 (PowerShell, which Wine does not have: "could not check", never a pass) and the
// cloud-automation-run registry value for golden images (Wine's reg).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, novaZips, outpost, serviceState, startWine, type WineWorld } from './wine';

const execFileP = promisify(execFile);

let w: WineWorld;
let env: NodeJS.ProcessEnv;
let file: string;
let netshStandIn: string;

beforeAll(async () => {
  w = await startWine('nova-checks');
  env = { ...process.env, OUTPOST_WINE_PREFIX: w.prefix, OUTPOST_DATA_DIR: path.join(w.dir, 'data'), NO_COLOR: '1' };
  netshStandIn = path.join(w.dir, 'netsh.exe');
  const [zips] = await Promise.all([novaZips(w, w.dir), execFileP('x86_64-w64-mingw32-gcc', ['-O2', '-s', '-o', netshStandIn, path.join(FIXTURES, 'netsh-standin.c')])]);
  file = path.join(w.dir, 'nova.yaml');
  fs.writeFileSync(
    file,
    [
      'profile: nova-agent',
      'os: windows',
      'connectivity: { mode: direct, accessIp: 192.0.2.1 }',
      'inputs:',
      `  agentZip: ${JSON.stringify(zips.agentZip)}`,
      `  updaterZip: ${JSON.stringify(zips.updaterZip)}`,
      '  rackConnectV3: true',
      '  cloudAutomationRun: true',
      'thisComputer: true',
      'targets: []',
      '',
    ].join('\n'),
  );
}, 240_000);
afterAll(async () => {
  await w?.stop();
}, 60_000);

/** The line the CLI printed for a check, from its name to the end of the line. */
const said = (out: string, name: string) => out.split('\n').find((l) => l.includes(`${name}: `))?.trim() ?? `(no line for ${name})`;

describe('nova-agent on Windows: the seed\'s checks, under Wine', () => {
  it('where Wine cannot tell (no XenServer service, netsh and PowerShell stubs), every check says "could not check", never passes; cloud-automation-run is set when asked', async () => {
    const r = await outpost(['run', file], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(said(r.stdout, 'XenServer tools running')).toMatch(/XenServer tools running: could not check: (.* \| )?XenServer tools not checked: sc query printed no state for xensvc or xenagent/);
    expect(said(r.stdout, 'IPv6 enabled on the public interface')).toMatch(/IPv6 enabled on the public interface: could not check: IPv6 not checked: netsh printed nothing Outpost can read/);
    expect(said(r.stdout, 'agent 1.3.1 or later (RackConnect v3)')).toMatch(/agent 1\.3\.1 or later \(RackConnect v3\): could not check: PowerShell steps cannot run under Wine/);
    expect(r.stdout).not.toMatch(/pass\s+(XenServer tools running|IPv6 enabled|agent 1\.3\.1)/);
    expect(await serviceState(w, 'RackspaceCloudServersAgent')).toBe('RUNNING');
    // The golden-image option: the value the agent reads at boot, under HKLM\SOFTWARE\Rackspace.
    const reg = await w.wine(['reg', 'query', 'HKLM\\SOFTWARE\\Rackspace', '/v', 'cloud-automation-run']);
    expect(reg.stdout).toMatch(/cloud-automation-run\s+REG_SZ\s+1/);
  }, 240_000);

  it('the XenServer tools service running passes, stopped fails; netsh\'s own answers (recorded from Windows) pass or fail the IPv6 check with the seed\'s "Element not found"', async () => {
    // The fixture service as the XenServer tools' xensvc (Wine maps Z: to /).
    const exe = `Z:${w.serviceExe.replace(/\//g, '\\')}`;
    expect((await w.wine(['sc', 'create', 'xensvc', 'binpath=', exe, 'start=', 'auto'])).code).toBe(0); // Wine's sc says nothing on success
    await w.wine(['sc', 'start', 'xensvc']);
    expect(await serviceState(w, 'xensvc')).toBe('RUNNING');

    // Wine prefers its builtin netsh to a file of the same name: the prefix is told to load the native one.
    fs.copyFileSync(netshStandIn, path.join(w.driveC, 'windows', 'system32', 'netsh.exe'));
    expect((await w.wine(['reg', 'add', 'HKCU\\Software\\Wine\\DllOverrides', '/v', 'netsh.exe', '/d', 'native', '/f'])).code).toBe(0);
    const answer = path.join(w.driveC, 'outpost-netsh.txt');
    fs.copyFileSync(path.join(FIXTURES, 'netsh', 'typed-element-not-found.txt'), answer);
    const off = await outpost(['run', file], env);
    expect(off.code, off.stdout).not.toBe(0);
    expect(said(off.stdout, 'XenServer tools running')).toMatch(/the XenServer tools service xensvc is RUNNING/);
    expect(off.stdout + off.stderr).toMatch(/IPv6 enabled on the public interface \(exit code 1: Element not found: netsh finds no IPv6 interface of that name, so IPv6 is disabled on the public interface/);

    fs.copyFileSync(path.join(FIXTURES, 'netsh', 'typed-ipv6-interface-public.txt'), answer);
    const on = await outpost(['run', file], env);
    expect(on.code, on.stdout + on.stderr).toBe(0);
    expect(said(on.stdout, 'IPv6 enabled on the public interface')).toMatch(/IPv6 enabled on the public interface: IPv6 is enabled on the public interface/);

    // The tools installed but stopped: the run stops before anything changes, saying so.
    await w.wine(['sc', 'stop', 'xensvc']);
    for (let i = 0; i < 50 && (await serviceState(w, 'xensvc')) !== 'STOPPED'; i++) await new Promise((res) => setTimeout(res, 200));
    const stopped = await outpost(['run', file], env);
    expect(stopped.code, stopped.stdout).not.toBe(0);
    expect(stopped.stdout + stopped.stderr).toMatch(/XenServer tools running \(exit code 1: the XenServer tools are installed but their service xensvc does not run: start it \[sc start xensvc\]/);
  }, 300_000);

  it('outpost uninstall: both services stopped and deleted as the vendor\'s .bat files do, and the golden-image value these answers set removed and read back gone', async () => {
    expect((await w.wine(['reg', 'query', 'HKLM\\SOFTWARE\\Rackspace', '/v', 'cloud-automation-run'])).stdout).toMatch(/cloud-automation-run/);
    // Another value under the same key (not Outpost's) stays.
    expect((await w.wine(['reg', 'add', 'HKLM\\SOFTWARE\\Rackspace', '/v', 'someone-else', '/d', 'x', '/f'])).code).toBe(0);
    const r = await outpost(['uninstall', file], env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // This computer is a host of the report like any other, with its own verdict.
    expect(r.stdout, r.stdout + r.stderr).toMatch(/@localhost:0 \(this computer\): removed/);
    expect(r.stdout).toMatch(/^1 removed; journal: /m);
    const journal = fs.readFileSync(/journal: (\S+)/.exec(r.stdout)?.[1] ?? '', 'utf8');
    const steps = journal.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; step?: string; outcome?: string }).filter((x) => x.type === 'step');
    expect(steps.map((x) => [x.step, x.outcome])).toEqual([['uninstall', 'done'], ['uninstall-cloud-automation-run', 'done'], ['verify.removed', 'warning']]);
    expect(journal).toContain('cloud-automation-run removed');
    const reg = await w.wine(['reg', 'query', 'HKLM\\SOFTWARE\\Rackspace']);
    expect(reg.stdout).not.toMatch(/cloud-automation-run/);
    expect(reg.stdout).toMatch(/someone-else/);
    expect(await serviceState(w, 'RackspaceCloudServersAgent')).not.toBe('RUNNING');
  }, 300_000);
});
