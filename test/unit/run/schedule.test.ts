// The schedule of a run before it runs (scheduleOf): the rows the engine reports, in its order, by its
// rules (left-out steps, manual steps, the remedy first in a reinstall, per-host titles). The same rows
// against a real run's events: test/integration/run/api-schedule.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan, Step } from '../../../electron/common/api';
import { silentLogger } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { leftOut, OutpostService, scheduleOf } from '../../../electron/core/service';
import { example, RESOURCES } from '../plan/helpers';

const service = new OutpostService({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-schedule-')), resourcesDir: RESOURCES, log: silentLogger, secrets: new SecretRegistry() });
const planOf = (file: string, change: (a: Record<string, unknown>) => void = () => undefined): Plan => {
  const a = structuredClone(example(file)) as unknown as Record<string, unknown>;
  change(a);
  return service.plan(a);
};
const ids = (rows: ReturnType<typeof scheduleOf>) => rows.map((r) => `${r.stepId}@${r.hostId}${r.manual ? ' manual' : ''}${r.remedy ? ' remedy' : ''}`);
const twoTargets = (a: Record<string, unknown>) => {
  const t = (a.targets as Array<Record<string, unknown>>)[0] ?? {};
  a.targets = [t, { ...t, host: '10.1.0.22', name: 'web-2' }];
};

describe('scheduleOf', () => {
  it('a run: the console rule (manual), the jump server, then each target with its steps; remedies left out', () => {
    const p = planOf('linux-jump.yaml', twoTargets);
    const rows = scheduleOf(p, { tunnelOnly: false });
    const target = ['connect', ...p.steps.filter((s) => s.on === 'targets' && s.phase !== 'connect' && !s.optional).map((s) => s.id)];
    expect(target).toEqual(expect.arrayContaining(['preflight', 'install', 'verify']));
    // This computer's own steps (if the profile has any: an installer fetched for the targets) come before any login.
    const local = p.steps.filter((s) => s.on === 'local' && s.action.kind !== 'instruction').map((s) => `${s.id}@local`);
    expect(ids(rows)).toEqual([
      'sg-rule@console manual',
      ...local,
      ...['connect.jump0', ...p.steps.filter((s) => s.on === 'jump0' && s.phase !== 'connect').map((s) => s.id)].map((s) => `${s}@jump0`),
      ...target.map((s) => `${s}@target0`),
      ...target.map((s) => `${s}@target1`),
    ]);
    // Where: the plan's host id and the label the run's events give.
    expect(rows.find((r) => r.hostId === 'target1')?.host).toBe(p.hosts.targets[1]?.label);
    expect(rows[0]).toMatchObject({ host: 'in the cloud console', title: p.steps.find((s) => s.id === 'sg-rule')?.title });
    // Every row is a step of the plan.
    for (const r of rows) expect(p.steps.some((s) => s.id === r.stepId)).toBe(true);
  });

  it('a reinstall runs the remedy before the step that names it', () => {
    const p = planOf('linux-jump.yaml');
    const rows = ids(scheduleOf(p, { tunnelOnly: false, reinstall: true })).filter((r) => r.includes('@target0'));
    const plain = ids(scheduleOf(p, { tunnelOnly: false })).filter((r) => r.includes('@target0'));
    const at = plain.indexOf('install@target0');
    expect(rows).toEqual([...plain.slice(0, at), 'uninstall@target0 remedy', ...plain.slice(at)]);
    expect(p.steps.find((s) => s.id === 'install')?.onFailure?.remedy).toBe('uninstall');
  });

  it('a reinstall runs a remedy once per host, before the first step that names it (Windows: the unpack, so the service stops before its files are replaced)', () => {
    const p = planOf('windows-jump.yaml');
    const rows = ids(scheduleOf(p, { tunnelOnly: false, reinstall: true })).filter((r) => r.includes('@target0'));
    expect(rows).toEqual(['connect@target0', 'preflight@target0', 'uninstall@target0 remedy', 'unpack@target0', 'install@target0', 'verify@target0']);
  });

  it('check tunnel: the jump servers only; a connection test: logins and preflight only', () => {
    const p = planOf('windows-jump.yaml');
    expect(ids(scheduleOf(p, { tunnelOnly: true }))).toEqual(['connect.jump0@jump0', 'tunnel.jump0.hostkey@jump0', 'tunnel.jump0@jump0', 'ports.jump0@jump0', 'connect.jump1@jump1', 'tunnel.jump1.hostkey@jump1', 'tunnel.jump1@jump1', 'ports.jump1@jump1']);
    expect(ids(scheduleOf(p, { tunnelOnly: false, checkOnly: true }))).toEqual(['connect.jump0@jump0', 'connect.jump1@jump1', 'connect@target0', 'preflight@target0']);
  });

  it('only the chosen targets; this computer without a login', () => {
    const p = planOf('linux-jump.yaml', twoTargets);
    expect(new Set(scheduleOf(p, { tunnelOnly: false, targets: [1] }).map((r) => r.hostId).filter((h) => h !== 'local'))).toEqual(new Set(['console', 'jump0', 'target1']));
    const local = planOf('windows-direct.yaml', (a) => {
      a.targets = [];
      a.thisComputer = true;
    });
    const rows = scheduleOf(local, { tunnelOnly: false, localName: 'my-pc' });
    expect(rows.every((r) => r.hostId === 'local')).toBe(true);
    expect(rows.map((r) => r.stepId)).not.toContain('connect');
    expect(rows.map((r) => r.stepId)).toEqual(local.steps.filter((s) => (s.on === 'local' && s.action.kind !== 'instruction') || (s.on === 'targets' && s.phase !== 'connect' && !s.optional)).map((s) => s.id));
  });

  it("a proxy's steps alternate with its jump server's, in plan order", () => {
    expect(ids(scheduleOf(planOf('cloudpods-telegraf.yaml'), { tunnelOnly: true }))).toEqual(['connect.jump0@jump0', 'connect.proxy0@proxy0', 'tunnel.jump0.gatewayports@jump0', 'tunnel.jump0.key@proxy0', 'tunnel.jump0.authorize@jump0', 'tunnel.jump0.hostkey@proxy0', 'tunnel.jump0@proxy0', 'ports.jump0@jump0']);
  });

  it("fills each host's values into its titles, as the run does", () => {
    const p = planOf('linux-jump.yaml', twoTargets);
    const install = p.steps.find((s) => s.id === 'install') as Step;
    install.title = 'Install on {host.name} ({host.address})';
    const rows = scheduleOf(p, { tunnelOnly: false }).filter((r) => r.stepId === 'install');
    expect(rows.map((r) => r.title)).toEqual(['Install on 10.1.0.21 (10.1.0.21)', 'Install on web-2 (10.1.0.22)']);
    // A value a command cannot take fails that host in the run: its title stays as written here.
    p.hosts.targets[1] = { ...(p.hosts.targets[1] as Plan['hosts']['targets'][number]), name: 'web 2; rm' };
    expect(scheduleOf(p, { tunnelOnly: false }).filter((r) => r.stepId === 'install').map((r) => r.title)).toEqual(['Install on 10.1.0.21 (10.1.0.21)', 'Install on {host.name} ({host.address})']);
  });

  it('the inherited installation: the seed, then each host the seed installs, without a login', () => {
    const p = planOf('linux-jump.yaml');
    const seedSteps: Step[] = [
      { ...(p.steps.find((s) => s.id === 'connect') as Step), id: 'inherited-connect', on: 'seed' },
      { ...(p.steps.find((s) => s.id === 'install') as Step), id: 'inherited-run', on: 'seed', onFailure: undefined },
    ];
    const seed = { ...(p.hosts.targets[0] as Plan['hosts']['targets'][number]), id: 'seed', label: 'the host that has the agent' };
    const inherited: Plan = { ...p, hosts: { ...p.hosts, seed, targets: p.hosts.targets.map((t) => ({ ...t, by: 'seed' as const })) }, steps: [...p.steps.filter((s) => s.on !== 'targets'), ...seedSteps, { ...(p.steps.find((s) => s.id === 'verify') as Step) }] };
    expect(ids(scheduleOf(inherited, { tunnelOnly: false })).slice(-3)).toEqual(['inherited-connect@seed', 'inherited-run@seed', 'verify@target0']);
  });
});

describe('leftOut', () => {
  const p = planOf('linux-jump.yaml');
  const step = (id: string) => p.steps.find((s) => s.id === id) as Step;
  it('leaves out remedies, targets in a tunnel check, and everything but preflight in a connection test', () => {
    expect(leftOut(p, { tunnelOnly: false }, step('uninstall'), 'targets')).toBe(true);
    expect(leftOut(p, { tunnelOnly: false }, step('install'), 'targets')).toBe(false);
    expect(leftOut(p, { tunnelOnly: true }, step('install'), 'targets')).toBe(true);
    expect(leftOut(p, { tunnelOnly: true }, step('tunnel.jump0'), 'jump0')).toBe(false);
    expect(leftOut(p, { tunnelOnly: false, checkOnly: true }, step('preflight'), 'targets')).toBe(false);
    expect(leftOut(p, { tunnelOnly: false, checkOnly: true }, step('tunnel.jump0'), 'jump0')).toBe(true);
  });
});
