// The aops-agent profile (seed 001) plans to the guide's commands and files.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan, Step } from '../../../electron/common/api';
import { silentLogger } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { OutpostService } from '../../../electron/core/service';
import { parseProfile } from '../../../electron/core/profiles';
import { example, RESOURCES } from './helpers';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const service = new OutpostService({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-aops-plan-')), resourcesDir: RESOURCES, log: silentLogger, secrets: new SecretRegistry() });
const base = example('aops-agent.yaml');
const plan = (inputs: Record<string, unknown> = {}): Plan => service.plan({ ...base, inputs: { ...base.inputs, ...inputs } });
const step = (p: Plan, id: string): Step => {
  const s = p.steps.find((x) => x.id === id);
  if (!s) throw new Error(`no step ${id}: ${p.steps.map((x) => x.id).join(', ')}`);
  return s;
};

describe('aops-agent plan', () => {
  it("runs the guide's steps in the guide's order, on each target", () => {
    const p = plan();
    expect(p.steps.filter((s) => s.on === 'targets').map((s) => s.id)).toEqual(['connect', 'preflight', 'install', 'configure', 'address', 'firewall', 'start', 'manager', 'register-file', 'register', 'restart', 'uninstall', 'verify']);
    expect(step(p, 'install').display).toBe('yum install -y aops-agent');
    expect(step(p, 'start').display).toBe('systemctl start aops-agent');
    expect(step(p, 'register').display).toMatch(/^aops_agent register -f \/etc\/aops\/register\.json ;/);
    const reg = step(p, 'register').action;
    expect(reg.kind === 'exec' && reg.success.markers).toEqual(['Agent Register Success']);
    expect(reg.kind === 'exec' && reg.failureMarkers).toEqual(['Agent Register Fail']);
    expect(step(p, 'register').onFailure?.hint).toBe('Check that aops-manager runs at 192.168.1.23:11111 and that the host group group1 exists; the log above is /var/log/aops/aops.log.');
  });

  it("checks the guide's prerequisites before anything changes: openEuler 20.03 or later (required), Python 3.7 or later (advised)", () => {
    const pre = step(plan(), 'preflight').action;
    const cmds = pre.kind === 'probe' ? pre.probes.filter((x) => x.kind === 'command') : [];
    expect(cmds.map((x) => [x.name, x.kind === 'command' && x.advisory === true])).toEqual([
      ['openEuler 20.03 or later', false],
      ['Python 3.7 or later', true],
      ['aops-manager reachable', false],
    ]);
    // The OS check for real, in sh, against os-release files (the format os-release(5) documents).
    const osCheck = cmds[0];
    const text = osCheck?.kind === 'command' ? osCheck.command.map((x) => (typeof x === 'object' && 'op' in x ? x.op : '')).join(' ') : '';
    const run = (file: string) => spawnSync('sh', ['-c', text.split('/etc/os-release').join(file)], { encoding: 'utf8' });
    const fx = path.join(ROOT, 'test', 'fixtures', 'os-release');
    expect(run(path.join(fx, 'openeuler-22.03'))).toMatchObject({ status: 0, stdout: 'openEuler 22.03 (LTS-SP1)\n' });
    expect(run(path.join(fx, 'openeuler-1.0'))).toMatchObject({ status: 1, stdout: 'openEuler 1.0 (LTS): 20.03 or later is needed\n' });
    expect(run(path.join(fx, 'missing'))).toMatchObject({ status: 1, stdout: `no ${path.join(fx, 'missing')}: the system is unknown\n` });
  });

  it('sets the agent port in /etc/aops/agent.conf (editIni: only that line)', () => {
    const a = step(plan({ agentPort: 12500 }), 'configure').action;
    expect(a).toEqual({ kind: 'editIni', path: '/etc/aops/agent.conf', set: [{ section: 'agent', key: 'port', value: '12500' }], root: true });
  });

  it("writes register.json with the seed's fields, mode 0600, removed after registering; the password only as a secret", () => {
    const a = step(plan({ management: 'true' }), 'register-file').action;
    if (a.kind !== 'writeFile') throw new Error('not writeFile');
    expect(a).toMatchObject({ path: '/etc/aops/register.json', mode: 0o600, transient: true, escape: 'json' });
    const text = a.content.map((c) => (typeof c === 'string' ? c : '"PASSWORD"')).join('').replace('""PASSWORD""', '"PASSWORD"');
    expect(JSON.parse(text)).toEqual({ web_username: 'admin', web_password: 'PASSWORD', host_name: '{host.name}', host_group_name: 'group1', manager_ip: '192.168.1.23', management: true, manager_port: '11111', agent_port: '12000' });
    expect(a.content.find((c) => typeof c !== 'string')).toEqual({ secret: { env: 'OUTPOST_AOPS_PASSWORD' }, name: 'inputs.webPassword' });
  });

  it('opens the agent port in firewalld by default; stops firewalld only when asked, as the guide does', () => {
    expect(step(plan(), 'firewall').display).toContain('firewall-cmd --permanent --add-port=12000/tcp && firewall-cmd --reload');
    expect(plan().steps.some((s) => s.id === 'firewall-off')).toBe(false);
    const off = plan({ disableFirewall: true });
    expect(step(off, 'firewall-off').display).toBe('systemctl stop firewalld && systemctl disable firewalld');
    expect(off.steps.some((s) => s.id === 'firewall')).toBe(false);
  });

  it('adds the gala-gopher plug-in when asked, and checks its service then only', () => {
    const without = plan();
    expect(without.steps.filter((s) => s.id.startsWith('gopher')).map((s) => s.id)).toEqual([]);
    const v0 = step(without, 'verify').action;
    expect(v0.kind === 'probe' && v0.probes.some((x) => x.kind === 'service' && x.name === 'gala-gopher')).toBe(false);
    const p = plan({ gopher: true });
    expect(p.steps.filter((s) => s.id.startsWith('gopher')).map((s) => s.id)).toEqual(['gopher', 'gopher-start']);
    expect(step(p, 'gopher').display).toBe('yum install -y gala-gopher');
    expect(step(p, 'gopher-start').display).toBe('systemctl start gala-gopher');
    expect(step(p, 'gopher-start').onFailure?.hint).toContain('/var/log/aops/aops.log');
    const v = step(p, 'verify').action;
    expect(v.kind === 'probe' && v.probes.find((x) => x.kind === 'service' && x.name === 'gala-gopher')).toMatchObject({ expect: 'active', hint: expect.stringContaining('journalctl -u gala-gopher') });
  });

  it("writes the FAQ's plug-in limits in a systemd drop-in, then daemon-reload, only when a limit is given", () => {
    const p = plan({ gopher: true, gopherMemoryHigh: '40M', gopherCpuQuota: '20%' });
    expect(p.steps.filter((s) => s.id.startsWith('gopher')).map((s) => s.id)).toEqual(['gopher', 'gopher-limits', 'gopher-reload', 'gopher-start']);
    const a = step(p, 'gopher-limits').action;
    expect(a).toMatchObject({ kind: 'writeFile', path: '/etc/systemd/system/gala-gopher.service.d/outpost-limits.conf', mode: 0o644, transient: false });
    expect(a.kind === 'writeFile' && a.content.join('')).toBe("# Written by Outpost: the A-Ops guide's plug-in limits (FAQ 4).\n[Service]\nMemoryHigh=40M\nCPUQuota=20%\n");
    expect(step(p, 'gopher-reload').display).toBe('systemctl daemon-reload && if systemctl is-active --quiet gala-gopher ; then systemctl restart gala-gopher ; fi');
    expect(step(p, 'gopher-limits').inferred).toBe(true); // the FAQ edits the unit; the drop-in is ours
    expect(step(p, 'gopher-reload').inferred).toBe(true);
    const one = step(plan({ gopher: true, gopherCpuQuota: '5%' }), 'gopher-limits').action;
    expect(one.kind === 'writeFile' && one.content.join('')).toMatch(/\[Service\]\nCPUQuota=5%\n$/);
    expect(() => plan({ gopherMemoryHigh: '40 MB' })).toThrow(/gopherMemoryHigh/);
    expect(() => plan({ gopherCpuQuota: '20' })).toThrow(/gopherCpuQuota/);
  });

  it("checks aops-manager from the host before anything changes and again right before registering, naming the address", async () => {
    const p = plan();
    const pre = step(p, 'preflight').action;
    const reach = pre.kind === 'probe' ? pre.probes.find((x) => x.kind === 'command' && x.name === 'aops-manager reachable') : undefined;
    expect(reach).toMatchObject({ kind: 'command', shell: 'bash', exitCode: 0, hint: 'Start aops-manager at 192.168.1.23:11111, or open the route and firewalls from this host to it; then run again.' });
    expect(reach && 'advisory' in reach && reach.advisory).toBeFalsy();
    const gate = step(p, 'manager');
    expect(gate.action).toMatchObject({ kind: 'exec', root: false });
    expect(p.steps.findIndex((s) => s.id === 'manager')).toBe(p.steps.findIndex((s) => s.id === 'register-file') - 1);
    expect(gate.onFailure?.hint).toContain('/var/log/aops/aops.log');
    // The check for real (bash), against a port that answers and one that does not.
    const server = net.createServer((c) => c.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const open = (server.address() as net.AddressInfo).port;
    const text = (port: number) => (gate.action.kind === 'exec' ? gate.action.command.map((x) => (typeof x === 'string' ? x : 'op' in x ? x.op : 'assign' in x ? `${x.assign}=${typeof x.value === 'string' ? x.value : ''}` : '')).join(' ') : '').replace('manager=192.168.1.23', 'manager=127.0.0.1').replace('port=11111', `port=${port}`);
    const ok = spawnSync('bash', ['-c', text(open)], { encoding: 'utf8' });
    server.close();
    expect(ok).toMatchObject({ status: 0, stdout: `aops-manager at 127.0.0.1:${open} answers (TCP)\n` });
    const down = spawnSync('bash', ['-c', text(open)], { encoding: 'utf8' });
    expect(down).toMatchObject({ status: 1, stdout: `aops-manager at 127.0.0.1:${open} does not answer from this host (TCP): nothing can register until it does\n` });
  });

  it("sets ip= to the host's own address on its route to the manager unless the host list gives one", () => {
    const s = step(plan(), 'address');
    expect(s.inferred).toBe(true);
    expect(s.display).toContain("ip='{host.agentIp}'");
    expect(s.display).toContain('ip -o route get "$a"');
    // The default fills every target (answers without the column), and a target's own value wins.
    const withVars = service.plan({ ...base, targets: [{ ...base.targets[0], vars: { agentIp: '10.1.2.3' } }, base.targets[1]] } as typeof base);
    expect(withVars.hosts.targets.map((t) => t.vars?.agentIp)).toEqual(['10.1.2.3', 'route']);
    expect(() => service.plan({ ...base, targets: [{ ...base.targets[0], vars: { agentIp: 'my host' } }] } as typeof base)).toThrow(/agentIp/);
  });

  it("verifies the service, the agent port, the saved access_token and the agent's API, every hint naming aops.log", () => {
    const v = step(plan(), 'verify').action;
    if (v.kind !== 'probe') throw new Error('not a probe');
    expect(v.probes.map((x) => [x.kind, 'name' in x ? x.name : '', 'forwards' in x ? x.forwards[0]?.listenPort : undefined])).toEqual([
      ['service', 'aops-agent', undefined],
      ['listening', '', 12000],
      ['command', 'access_token saved', undefined],
      ['command', 'agent API answers', undefined],
    ]);
    for (const x of v.probes) expect('hint' in x && x.hint).toContain('/var/log/aops/aops.log');
    // The token is read and sent, never printed: no echo of it, and curl reads the header from stdin.
    const api = v.probes[3];
    const text = api?.kind === 'command' ? api.command.map((x) => (typeof x === 'object' && 'op' in x ? x.op : '')).join(' ') : '';
    expect(text).toContain("curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H @- \"$url\"");
    expect(text).not.toMatch(/echo[^;]*\$tok|echo[^;]*access_token: /);
  });

  it('every failure after the install names /var/log/aops/aops.log', () => {
    const p = plan({ gopher: true, gopherCpuQuota: '20%' });
    for (const id of ['start', 'manager', 'register', 'restart', 'gopher-start']) expect(step(p, id).onFailure?.hint, id).toContain('/var/log/aops/aops.log');
  });
});

describe("a probe's when: and hint: (schema)", () => {
  const text = fs.readFileSync(path.join(RESOURCES, 'profiles', 'aops-agent.yaml'), 'utf8');
  it('an unknown condition or placeholder in a probe is a problem with its line', () => {
    expect('profile' in parseProfile(text, 'aops-agent.yaml')).toBe(true);
    const bad = parseProfile(text.replace('expect: active, when: gopher, hint: "gala-gopher is not active', 'expect: active, when: gopherr, hint: "gala-gopher is {notActive}'), 'x.yaml');
    const problems = 'problems' in bad ? bad.problems.join('\n') : '';
    expect(problems).toMatch(/x\.yaml:\d+: linux\.verify\[4\]\.service\.when: unknown condition gopherr/);
    expect(problems).toMatch(/x\.yaml:\d+: linux\.verify\[4\]\.service\.hint: unknown placeholder \{notActive\}/);
    const tt = parseProfile(text.replace('- { listening: { name: agent port, port: "{agentPort}", hint:', '- { tunnelTraffic: { ports: [1], hint: "x" } }\n    - { listening: { name: agent port, port: "{agentPort}", hint:'), 'y.yaml');
    expect('problems' in tt && tt.problems.join('\n')).toMatch(/y\.yaml:\d+: linux\.verify\[1\]/);
  });
});
