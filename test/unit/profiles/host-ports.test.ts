// Issue 24: `listening` and `http` probes on a per-host port from a host list column ({host.port_http}),
// the same in `outpost run`/`batch` and in the Ansible export. Each host's value is checked as a port
// when the plan is made (before it can reach a shell or Jinja), the runner checks the filled port is
// digits before its script is built, and the playbook reads the variable through `| int`.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { Probe } from '../../../electron/common/api/plan';
import { fillStep, hostValues } from '../../../electron/core/actions';
import { listenForwards } from '../../../electron/core/actions/probe/run';
import { buildPlan, PlanError, validateAnswers } from '../../../electron/core/plan';
import { parseProfile, type Profile } from '../../../electron/core/profiles';
import { exportOf, hasAnsiblePython, PYTHON } from '../export/helpers';

// The columns are not declared (hostInputs): used as a probe's port, each host's value is still checked as one.
const PROFILE = `schema: 2
id: port-agent
name: Port agent
description: Listens on a port each host's line gives.
os: [linux]
connectivity: [direct]
linux:
  shell: bash
  installDir: /opt/port-agent
  steps:
    - id: install
      phase: install
      title: "Install on {host.name}"
      guard:
        - { listening: { name: already, port: "{host.port_http}" } }
      action:
        exec:
          script: [echo, "{host.port_http}"]
  verify:
    - { listening: { name: http-port, port: "{host.port_http}" } }
    - { http: { name: health, url: "http://{host.address}:{host.port_admin}/health", status: [200] } }
`;

function profile(text = PROFILE): Profile {
  const r = parseProfile(text, 'port-agent.yaml');
  if ('problems' in r) throw new Error(r.problems.join('\n'));
  return r.profile;
}

const target = (host: string, vars: Record<string, string | number>) => ({ host, user: 'root', agent: true, vars });
const answers = (targets: unknown[]) => ({ profile: 'port-agent', os: 'linux', connectivity: { mode: 'direct', accessIp: '203.0.113.7' }, targets });

function plan(targets: unknown[], p = profile()) {
  const a = validateAnswers(answers(targets));
  if (!a.ok) throw new Error(JSON.stringify(a.problems));
  return buildPlan(a.answers, p, []);
}

function planProblems(targets: unknown[], p = profile()): string[] {
  try {
    plan(targets, p);
  } catch (err) {
    if (err instanceof PlanError) return err.problems.map((x) => `${x.path}: ${x.message}`);
    throw err;
  }
  return [];
}

const listening = (probes: readonly Probe[]) => probes.find((p): p is Extract<Probe, { kind: 'listening' }> => p.kind === 'listening');

describe('a per-host port in a probe', () => {
  it('is kept as written in the plan (one plan for the batch), in the verify probes and the guard', () => {
    const p = plan([target('10.0.0.5', { port_http: 8081, port_admin: '9081' }), target('10.0.0.6', { port_http: '8082', port_admin: '9082' })]);
    const verify = p.steps.find((s) => s.id === 'verify');
    expect(verify?.action.kind).toBe('probe');
    const probes = verify?.action.kind === 'probe' ? verify.action.probes : [];
    expect(listening(probes)).toEqual({ kind: 'listening', forwards: [{ name: 'http-port', listenHost: '*', listenPort: 0, targetHost: '', targetPort: 0 }], port: '{host.port_http}' });
    expect(listening(p.steps.find((s) => s.id === 'install')?.guard?.probes ?? [])?.port).toBe('{host.port_http}');
    expect(p.hosts.targets.map((t) => t.vars)).toEqual([
      { port_http: '8081', port_admin: '9081' },
      { port_http: '8082', port_admin: '9082' },
    ]);
  });

  it("refuses a host whose value is not a TCP port before anything connects, naming the host's column, also for an http URL's port", () => {
    expect(planProblems([target('10.0.0.5', { port_http: '8081; touch /tmp/x', port_admin: '9081' }), target('10.0.0.6', { port_http: '0', port_admin: 'admin' }), target('10.0.0.7', { port_http: '70000', port_admin: '{{ lookup("pipe", "id") }}' })])).toEqual([
      'targets[0].vars.port_http: is not a TCP port (1-65535): Port agent checks a port with {host.port_http}',
      'targets[1].vars.port_http: is not a TCP port (1-65535): Port agent checks a port with {host.port_http}',
      'targets[1].vars.port_admin: is not a TCP port (1-65535): Port agent checks a port with {host.port_admin}',
      'targets[2].vars.port_http: is not a TCP port (1-65535): Port agent checks a port with {host.port_http}',
      'targets[2].vars.port_admin: is not a TCP port (1-65535): Port agent checks a port with {host.port_admin}',
    ]);
    // Declared as text, used as a port: still checked as a port.
    const declared = profile(PROFILE.replace('linux:\n', 'hostInputs:\n  - { name: port_http, type: string }\nlinux:\n'));
    expect(planProblems([target('10.0.0.5', { port_http: 'http', port_admin: '9081' })], declared)).toEqual(['targets[0].vars.port_http: is not a TCP port (1-65535): Port agent checks a port with {host.port_http}']);
    // A port that is not per-host is checked when the plan is made.
    const fixed = profile(PROFILE.replace('port: "{host.port_http}" } }\n    - { http', 'port: "80a" } }\n    - { http'));
    expect(planProblems([target('10.0.0.5', { port_http: '8081', port_admin: '9081' })], fixed)).toEqual(['profile.probes.http-port: the listening probe\'s port is "80a", not a TCP port (1-65535)']);
  });

  it("is each host's own port when the runner fills the step, and never reaches the script unless it is digits", () => {
    const p = plan([target('10.0.0.5', { port_http: 8081, port_admin: '9081' })]);
    const verify = p.steps.find((s) => s.id === 'verify');
    if (!verify) throw new Error('no verify step');
    const filled = fillStep(verify, hostValues('target0', { port_http: '8081', port_admin: '9081', address: '10.0.0.5', name: 'web-1' }));
    const probes = filled.action.kind === 'probe' ? filled.action.probes : [];
    const l = listening(probes);
    if (!l) throw new Error('no listening probe');
    expect(listenForwards(l)).toEqual([{ name: 'http-port', listenHost: '*', listenPort: 8081, targetHost: '', targetPort: 0 }]);
    expect(probes.find((x) => x.kind === 'http')).toMatchObject({ url: 'http://10.0.0.5:9081/health' });
    // Unfilled (a host without the column) or not digits: why, and no forwards for a script.
    expect(listenForwards({ ...l, port: '{host.port_http}' })).toBe('the port {host.port_http} has no value on this host');
    expect(listenForwards({ ...l, port: '80;id' })).toBe('the port "80;id" is not a TCP port (1-65535)');
    expect(listenForwards({ ...l, port: '65536' })).toBe('the port "65536" is not a TCP port (1-65535)');
  });

  it("is the host's inventory variable through | int in the playbook, whatever the inventory holds", () => {
    const p = plan([target('10.0.0.5', { port_http: 8081, port_admin: '9081' })]);
    const x = exportOf(p);
    const text = Object.values(x.files).join('\n');
    expect(text).toContain('{{ outpost_host_port_http | int }}');
    expect(text).toContain('{{ outpost_host_port_admin }}');
    // The inventory holds the checked value, as data Ansible never templates.
    expect(x.files['inventory.yml']).toContain('outpost_host_port_http: !unsafe "8081"');
    if (!hasAnsiblePython) throw new Error(`${PYTHON} with jinja2 is needed (test/setup-system.mjs installs Debian's ansible)`);
    // Rendered as Ansible renders it: the port, or 0 for anything that is not digits (never the text).
    const template = Object.values(x.files).find((t) => t.includes('outpost_host_port_http | int')) ?? '';
    const render = (v: string) =>
      execFileSync(PYTHON, ['-c', 'import sys, jinja2\nenv = jinja2.Environment(keep_trailing_newline=True)\nsys.stdout.write(env.from_string(sys.stdin.read()).render(outpost_host_port_http=sys.argv[1], outpost_host_port_admin="9081", outpost_host_address="10.0.0.5", outpost_host_name="web-1"))', v], { input: template, encoding: 'utf8' });
    expect(render('8081')).toMatch(/sport = :8081/);
    const hostile = render('8081; touch /tmp/outpost-pwned');
    expect(hostile).not.toContain('touch /tmp/outpost-pwned');
    expect(hostile).toMatch(/sport = :0\b/);
  });
});
