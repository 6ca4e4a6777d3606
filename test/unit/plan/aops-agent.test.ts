// The aops-agent profile (seed 001) plans to the guide's commands and files.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan, Step } from '../../../electron/common/api';
import { silentLogger } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { OutpostService } from '../../../electron/core/service';
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
    expect(p.steps.filter((s) => s.on === 'targets').map((s) => s.id)).toEqual(['connect', 'preflight', 'install', 'configure', 'firewall', 'start', 'register-file', 'register', 'restart', 'uninstall', 'verify']);
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

  it('sets [agent] ip to each host its own address and the port, in /etc/aops/agent.conf', () => {
    const a = step(plan({ agentPort: 12500 }), 'configure').action;
    expect(a).toEqual({ kind: 'editIni', path: '/etc/aops/agent.conf', set: [{ section: 'agent', key: 'ip', value: '{host.address}' }, { section: 'agent', key: 'port', value: '12500' }], root: true });
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

  it('adds the gala-gopher plug-in when asked', () => {
    expect(plan().steps.some((s) => s.id === 'gopher')).toBe(false);
    expect(step(plan({ gopher: true }), 'gopher').display).toBe('yum install -y gala-gopher && systemctl start gala-gopher');
  });

  it('verifies the service and the agent port', () => {
    const v = step(plan(), 'verify').action;
    expect(v.kind === 'probe' && v.probes).toEqual([
      { kind: 'service', name: 'aops-agent', expect: 'active' },
      { kind: 'listening', forwards: [{ name: 'agent port', listenHost: '*', listenPort: 12000, targetHost: '', targetPort: 0 }] },
    ]);
  });
});
