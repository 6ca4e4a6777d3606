// The nova-agent profile (seed 004) plans to the seed's commands: on Linux the XenServer guest tools
// first, then the package from the host's own package manager, then the service; on Windows both zips
// unpacked into the seed's folders and each folder's own .bat run from inside it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Plan as PlanSchema, type Action, type Plan, type Step } from '../../../electron/common/api/plan';
import { silentLogger } from '../../../electron/core/log/logger';
import { renderExec, uninstallPlan } from '../../../electron/core/plan';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { OutpostService } from '../../../electron/core/service';
import { example, profiles, RESOURCES } from './helpers';

const service = new OutpostService({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-nova-plan-')), resourcesDir: RESOURCES, log: silentLogger, secrets: new SecretRegistry() });
const linux = example('nova-agent-linux.yaml');
const windows = example('nova-agent-windows.yaml');
const plan = (a: typeof linux, inputs: Record<string, unknown> = a.inputs ?? {}): Plan => service.plan({ ...a, inputs });
const step = (p: Plan, id: string): Step => {
  const s = p.steps.find((x) => x.id === id);
  if (!s) throw new Error(`no step ${id}: ${p.steps.map((x) => x.id).join(', ')}`);
  return s;
};
function exec(s: Step): Extract<Action, { kind: 'exec' }> {
  if (s.action.kind !== 'exec') throw new Error(`${s.id} is a ${s.action.kind} step`);
  return s.action;
}
const targetIds = (p: Plan) => p.steps.filter((s) => s.on === 'targets').map((s) => s.id);
const WIN_DIR = 'C:\\Program Files\\Rackspace\\Cloud Servers';

describe('nova-agent profile', () => {
  const nova = profiles.find((p) => p.id === 'nova-agent');

  it('is direct only, without regions or ports, for Linux and Windows', () => {
    expect(nova).toMatchObject({ os: ['linux', 'windows'], connectivity: ['direct'], regions: false, ports: [] });
    expect(() => plan({ ...linux, connectivity: { mode: 'vpcep', vpcepDomain: 'ep.example.com' } })).toThrow(/connectivity\.mode: Rackspace nova-agent supports direct, not vpcep/);
  });

  it('names the source of every step and titles it in English, Chinese and French', () => {
    for (const os of ['linux', 'windows'] as const) {
      for (const s of nova?.[os]?.steps ?? []) {
        expect(s.source, `${os} ${s.id}`).toMatch(/^\[(seed|repo|issue|inferred)\]/);
        expect(s.title, `${os} ${s.id}`).toEqual({ en: expect.any(String), 'zh-CN': expect.any(String), fr: expect.any(String) });
      }
    }
  });
});

describe('nova-agent plan on Linux', () => {
  const p = plan(linux);

  it('starts the guest tools, installs, starts the agent and verifies it, on each target; every script passes bash -n', () => {
    expect(targetIds(p)).toEqual(['connect', 'preflight', 'guest-tools', 'install', 'boot-order', 'start', 'uninstall', 'verify']);
    expect(PlanSchema.safeParse(p).success).toBe(true);
    const pre = step(p, 'preflight').action;
    expect(pre.kind === 'probe' && pre.probes.find((x) => x.kind === 'tools')).toEqual({ kind: 'tools', anyOf: [['bash'], ['systemctl']] });
    for (const s of p.steps) {
      if (s.action.kind !== 'exec') continue;
      expect(s.action).toMatchObject({ shell: 'bash', root: true, success: { exitCode: 0 } });
      const r = spawnSync('bash', ['-n', '-c', renderExec(s.action, 'exec', () => undefined, new SecretRegistry())], { encoding: 'utf8' });
      expect(r.status, `${s.id}: ${r.stderr}`).toBe(0);
    }
  });

  it('starts whichever XenServer guest tools unit exists, and says so when neither does', () => {
    const s = step(p, 'guest-tools');
    expect(s.display).toBe(
      'found=; for u in xe-linux-distribution xe-daemon ; do if systemctl cat "$u" >/dev/null 2>&1; then found=$u; break; fi; done; if [ -z "$found" ]; then echo ' +
        "'neither xe-linux-distribution nor xe-daemon (the XenServer guest tools) is installed on this host' ; exit 1; fi; " +
        'systemctl enable "$found" && systemctl start "$found" && echo "started $found (XenServer guest tools)"',
    );
    expect(s.onFailure?.hint).toMatch(/^nova-agent needs the XenServer guest tools: install xe-guest-utilities/);
  });

  it("installs with yum or apt-get, whichever the host has, with -y; neither is a clear failure", () => {
    const s = step(p, 'install');
    expect(s.display).toBe(
      'if command -v yum >/dev/null 2>&1; then yum install -y nova-agent ; elif command -v apt-get >/dev/null 2>&1; then DEBIAN_FRONTEND=noninteractive apt-get install -y nova-agent ; ' +
        "else echo 'neither yum nor apt-get is on this host: nova-agent is packaged for yum and apt only' ; exit 1; fi",
    );
    expect(exec(s).diagnosis.map((d) => d.code)).toEqual(['package_manager_missing', 'package_missing']);
    expect(exec(s).diagnosis.find((d) => new RegExp(d.pattern).test('E: Unable to locate package nova-agent'))?.code).toBe('package_missing');
  });

  it('starts nova-agent, or python3-nova-agent on Debian-based hosts, and verifies that one of them is active', () => {
    expect(step(p, 'start').display).toBe(
      'unit=; for u in nova-agent python3-nova-agent ; do if systemctl cat "$u" >/dev/null 2>&1; then unit=$u; break; fi; done; if [ -z "$unit" ]; then echo ' +
        "'the package installed neither a nova-agent nor a python3-nova-agent service' ; exit 1; fi; " +
        'systemctl enable "$unit" && systemctl start "$unit" && echo "started $unit"',
    );
    // The unit's own TimeoutStartSec is 360 s (Type=notify): the step waits longer than that.
    expect(exec(step(p, 'start')).timeoutSec).toBeGreaterThan(360);
    const v = step(p, 'verify').action;
    expect(v.kind === 'probe' && v.probes).toEqual([
      {
        kind: 'command',
        name: 'nova-agent service',
        shell: 'bash',
        exitCode: 0,
        command: [
          { op: 'for u in' },
          'nova-agent',
          'python3-nova-agent',
          { op: '; do if systemctl is-active --quiet "$u"; then echo "$u is active"; exit 0; fi; done; echo' },
          'neither nova-agent nor python3-nova-agent is active',
          { op: '; exit 3' },
        ],
      },
    ]);
  });
});

describe('nova-agent on Linux: what the seed asks beyond the install', () => {
  const p = plan(linux);
  const pre = step(p, 'preflight').action;
  const checks = pre.kind === 'probe' ? pre.probes.filter((x) => x.kind === 'command') : [];

  it('orders the guest tools before the agent at boot with a drop-in (After= and Wants=), checked with systemctl show, before the agent starts', () => {
    const ids = targetIds(p);
    expect(ids.indexOf('boot-order')).toBe(ids.indexOf('install') + 1);
    expect(ids.indexOf('boot-order')).toBe(ids.indexOf('start') - 1);
    const s = step(p, 'boot-order');
    expect(s.inferred).toBe(true);
    expect(s.description).toMatch(/^Source: \[seed\] configure xe-linux-distribution to start before nova-agent; \[inferred\] a drop-in/);
    expect(s.display).toContain("set -- /etc/systemd/system ; ");
    expect(s.display).toContain('d="$1/$agent.service.d"; f="$d/outpost-boot-order.conf"');
    expect(s.display).toContain('[Unit]\\nAfter=%s.service\\nWants=%s.service\\n" "$tools" "$tools"');
    expect(s.display).toContain('systemctl daemon-reload || exit 1; after=$(systemctl show -p After --value "$agent"');
    // The folder follows the answers (an advanced input), and the uninstall takes the drop-in away.
    const moved = plan(linux, { unitDir: '/run/systemd/system' });
    expect(step(moved, 'boot-order').display).toContain('set -- /run/systemd/system ; ');
    expect(step(moved, 'uninstall').display).toContain('rm -f /run/systemd/system/nova-agent.service.d/outpost-boot-order.conf /run/systemd/system/python3-nova-agent.service.d/outpost-boot-order.conf ;');
  });

  it('checks in the preflight, before anything changes: not FreeBSD, no nova-agent 1.x (stops), tun/tap interfaces (a warning, or could not check)', () => {
    expect(checks.map((c) => c.kind === 'command' && [c.name, c.advisory ?? false, c.unknown ?? []])).toEqual([
      ['not FreeBSD', false, []],
      ['no nova-agent 1.x installed', false, []],
      ['no tun or tap interfaces', true, ['tun/tap not checked']],
    ]);
    const text = step(p, 'preflight').display;
    expect(text).toContain("this host runs FreeBSD: nova-agent 2.x (yum, apt) does not support it. The vendor's answer for FreeBSD is the 1.x branch (1.3.9)");
    expect(text).toContain('for d in /usr/share/nova-agent/[0-9]* /usr/share/nova-agent-install/usr/share/nova-agent/[0-9]*');
    expect(text).toContain('the vendor advises against upgrading 1.x to 2.x');
    expect(text).toContain("ip -o -d link show 2>/dev/null | awk -F': ' '/ tun type (tun|tap) /");
    for (const c of checks) {
      if (c.kind !== 'command') continue;
      const r = spawnSync('sh', ['-n', '-c', renderExec(c, 'exec', () => undefined, new SecretRegistry())], { encoding: 'utf8' });
      expect(r.status, `${c.name}: ${r.stderr}`).toBe(0);
    }
  });

  it('names the OSPC repository when the install fails, as the seed does', () => {
    expect(step(p, 'install').onFailure?.hint).toMatch(/the vendor suggests the packages of the OSPC repository/);
    expect(exec(step(p, 'install')).diagnosis.find((d) => d.code === 'package_missing')?.hint).toMatch(/install the packages from the OSPC repository, as the vendor suggests/);
  });
});

describe('nova-agent plan on Windows', () => {
  it('checks elevation, unpacks each zip into its folder and runs its .bat from there, then checks both services', () => {
    const p = plan(windows);
    expect(p.hosts.thisComputer).toBe(true);
    expect(PlanSchema.safeParse(p).success).toBe(true);
    // This computer only: nothing to connect to (issue 22). The uninstall runs only in a reinstall.
    expect(targetIds(p)).toEqual(['preflight', 'unpack', 'install', 'unpack-updater', 'install-updater', 'uninstall', 'verify']);
    expect(step(p, 'uninstall').phase).toBe('remedy');
    for (const id of ['unpack', 'install', 'unpack-updater', 'install-updater']) expect(step(p, id).onFailure?.remedy).toBe('uninstall');
    // The plan's Windows preflight (clock, system, disk, elevation) runs before anything is unpacked.
    const pre = step(p, 'preflight').action;
    expect(pre.kind === 'probe' && pre.probes.slice(0, 4)).toEqual([{ kind: 'clock' }, { kind: 'platform', os: 'windows', arch: ['x86_64'] }, { kind: 'disk', path: WIN_DIR, minFreeMiB: 200 }, { kind: 'privilege', os: 'windows' }]);
    // The seed's Windows requirements, read-only, in cmd: "could not check" where the tool says nothing.
    expect(pre.kind === 'probe' && pre.probes.slice(4).map((x) => x.kind === 'command' && [x.name, x.shell, x.unknown])).toEqual([
      ['XenServer tools running', 'cmd', ['XenServer tools not checked']],
      ['IPv6 enabled on the public interface', 'cmd', ['IPv6 not checked']],
    ]);
    expect(step(p, 'unpack').action).toEqual({ kind: 'unpack', archive: 'C:\\Users\\Administrator\\Downloads\\AgentService.zip', dest: `${WIN_DIR}\\Agent`, format: 'zip', sha256: null, root: false });
    expect(step(p, 'unpack-updater').action).toEqual({ kind: 'unpack', archive: 'C:\\Users\\Administrator\\Downloads\\UpdateService.zip', dest: `${WIN_DIR}\\AgentUpdater`, format: 'zip', sha256: null, root: false });
    // The .bat files register "%CD%\...exe": they must run from the folder they were unpacked into.
    expect(step(p, 'install').display).toBe(`cd /d "${WIN_DIR}\\Agent" && installagentservice.bat`);
    expect(step(p, 'install-updater').display).toBe(`cd /d "${WIN_DIR}\\AgentUpdater" && installupdateservice.bat`);
    for (const id of ['install', 'install-updater']) expect(exec(step(p, id))).toMatchObject({ shell: 'cmd', root: false, success: { exitCode: 0 } });
    expect(exec(step(p, 'install')).failureMarkers).toContain('[SC] CreateService FAILED');
    expect(exec(step(p, 'install-updater')).diagnosis.find((d) => new RegExp(d.pattern).test('[SC] OpenSCManager FAILED 5:\r\n\r\nAccess is denied.'))?.code).toBe('not_elevated');
    // Already installed and running: nothing is unpacked over the running services' files.
    for (const id of ['unpack', 'install', 'unpack-updater', 'install-updater']) expect(step(p, id).guard?.probes).toHaveLength(2);
    const v = step(p, 'verify').action;
    expect(v.kind === 'probe' && v.probes).toEqual(
      ['RackspaceCloudServersAgent', 'RackspaceCloudServersAgentUpdater'].map((svc) => ({ kind: 'command', name: `sc query ${svc}`, shell: 'cmd', command: ['sc', 'query', svc], exitCode: 0, markers: ['RUNNING'] })),
    );
  });

  it('checks the XenServer tools and IPv6 on the public interface (the seed\'s netsh error as a diagnosis); RackConnect v3 and cloud-automation-run only when asked', () => {
    const p = plan(windows);
    const pre = step(p, 'preflight').display;
    expect(pre).toContain('sc query xensvc 2>&1 | find "RUNNING" >nul\nif not errorlevel 1 (echo the XenServer tools service xensvc is RUNNING& exit /b 0)');
    expect(pre).toContain('sc query xenagent 2>&1 | find "1060" >nul\nif not errorlevel 1 if defined m (echo the XenServer tools are not installed');
    expect(pre).toContain('netsh interface ipv6 show interface public 2>&1 | find "IfLuid" >nul\nif not errorlevel 1 (echo IPv6 is enabled on the public interface& exit /b 0)');
    // The interface is the answers' (a quoted word in cmd).
    const named = plan(windows, { ...windows.inputs, publicInterface: 'Ethernet 2' });
    expect(step(named, 'preflight').display).toContain('netsh interface ipv6 show interface "Ethernet 2" 2>&1 | find "Element not found" >nul');
    expect(exec(step(p, 'install')).diagnosis.find((d) => new RegExp(d.pattern).test('{"returncode":"1","message":"Command Failed. , Output:Element not found.\\r\\n"}'))?.code).toBe('ipv6_disabled');
    // Not asked: no registry change, no version check.
    expect(targetIds(p)).not.toContain('cloud-automation-run');
    const v0 = step(p, 'verify').action;
    expect(v0.kind === 'probe' && v0.probes).toHaveLength(2);
    const asked = plan(windows, { ...windows.inputs, rackConnectV3: true, cloudAutomationRun: true });
    expect(targetIds(asked)).toEqual(['preflight', 'unpack', 'install', 'unpack-updater', 'install-updater', 'cloud-automation-run', 'uninstall', 'uninstall-cloud-automation-run', 'verify']);
    // The uninstall takes the value away again (only when these answers set it), and reads it back.
    expect(step(asked, 'uninstall-cloud-automation-run').display).toBe('reg delete HKLM\\SOFTWARE\\Rackspace /v cloud-automation-run /f >nul 2>&1 & reg query HKLM\\SOFTWARE\\Rackspace /v cloud-automation-run >nul 2>&1 & if errorlevel 1 (echo cloud-automation-run removed& exit /b 0) else (echo cloud-automation-run is still set& exit /b 1)');
    expect(uninstallPlan(asked).steps.map((s) => s.id)).toEqual(expect.arrayContaining(['uninstall', 'uninstall-cloud-automation-run']));
    expect(uninstallPlan(p).steps.map((s) => s.id)).not.toContain('uninstall-cloud-automation-run');
    const reg = step(asked, 'cloud-automation-run');
    expect(reg.display).toBe('reg add HKLM\\SOFTWARE\\Rackspace /v cloud-automation-run /t REG_SZ /d 1 /f >nul && reg query HKLM\\SOFTWARE\\Rackspace /v cloud-automation-run');
    expect(reg.inferred).toBe(true);
    const v = step(asked, 'verify').action;
    const rc = v.kind === 'probe' ? v.probes[2] : undefined;
    expect(rc).toMatchObject({ kind: 'command', name: 'agent 1.3.1 or later (RackConnect v3)', shell: 'powershell', markers: ['agent version OK'], unknown: ['agent version not read'] });
    expect(step(asked, 'verify').display).toContain(`$f = Join-Path '${WIN_DIR}\\Agent' 'Rackspace.Cloud.Server.Agent.Service.exe'`);
    // The verdict words are built at run time: the script's text never holds them whole.
    expect(step(asked, 'verify').display).not.toContain('agent version OK');
  });

  it('without the zips, unpacking is a manual instruction for each', () => {
    const p = plan(windows, {});
    expect(targetIds(p)).toEqual(['preflight', 'unpack-manual', 'install', 'unpack-updater-manual', 'install-updater', 'uninstall', 'verify']);
    const text = (id: string) => {
      const a = step(p, id).action;
      return a.kind === 'instruction' ? a.text : '';
    };
    expect(text('unpack-manual')).toBe(`Download the latest AgentService.zip from the agent's GitHub releases and extract its contents into ${WIN_DIR}\\Agent.`);
    expect(text('unpack-updater-manual')).toBe(`Download the latest UpdateService.zip from the agent's GitHub releases and extract its contents into ${WIN_DIR}\\AgentUpdater.`);
  });

  it('refuses a package that is not a zip, and follows a moved install folder', () => {
    expect(() => plan(windows, { agentZip: 'C:\\Downloads\\AgentService.tar' })).toThrow(/inputs\.agentZip: .* is not valid: the path of AgentService\.zip/);
    const p = service.plan({ ...windows, options: { installDir: 'D:\\Rackspace' } });
    expect(step(p, 'install').display).toBe('cd /d D:\\Rackspace\\Agent && installagentservice.bat');
    expect(step(p, 'unpack-updater').action).toMatchObject({ dest: 'D:\\Rackspace\\AgentUpdater' });
  });
});
