// A profile's per-host values (`hostInputs`) in the wizard: the catalog's summary carries them (schema-
// checked, declared or only used), the form writes them as `targets[].vars.<name>` and reads them back,
// a pasted CSV's column of that name fills them, switching agents keeps them, and a value the profile
// refuses is a problem on its cell with the core's own path and words.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { ProfileSummary } from '../../../electron/common/api';
import { validateAnswers } from '../../../electron/common/answers';
import { silentLogger } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { OutpostService, PlanError } from '../../../electron/core/service';
import { fromAnswers } from '../../../renderer/src/wizard/from-answers';
import { hostColumns, hostVarProblems, varsPart } from '../../../renderer/src/wizard/host-inputs';
import { emptyForm, readHostList, slot, switchAgent, toAnswers, type WizardForm } from '../../../renderer/src/wizard/model';
import { problemsByStep } from '../../../renderer/src/wizard/validity';
import { pathWords } from '../../../renderer/src/wizard/answer-paths';

const RESOURCES = path.resolve(import.meta.dirname, '..', '..', '..', 'resources');

function service(profilesDir?: string): OutpostService {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-hostinputs-'));
  return new OutpostService({ dataDir, resourcesDir: RESOURCES, log: silentLogger, secrets: new SecretRegistry() }, profilesDir ? { profilesDir } : {});
}
const SERVICE = service();
const summary = (id: string, s = SERVICE) => {
  const p = s.profileSummaries().profiles.find((x) => x.id === id);
  if (!p) throw new Error(`${id} profile missing`);
  return p;
};
const AOPS = summary('aops-agent');
const ICAGENT = summary('icagent');

/** aops-agent's answers up to the hosts (direct to aops-manager, its inputs). */
function aopsForm(): WizardForm {
  const f = emptyForm('aops-agent');
  f.connectivity.mode = 'direct';
  f.connectivity.directAccessIp = '192.168.1.23';
  f.inputs.webUsername = { kind: 'text', text: 'admin' };
  f.inputs.webPassword = { kind: 'secret', slot: { ...slot('aops-agent.webPassword'), ref: { env: 'OUTPOST_AOPS_PASSWORD' } } };
  f.inputs.hostGroup = { kind: 'text', text: 'group1' };
  f.hosts.single = { ...f.hosts.single, host: '192.168.1.47', password: { ...slot('t'), ref: { env: 'TARGET_PASSWORD' } } };
  return f;
}

describe('the profile summary carries its per-host values', () => {
  it('aops-agent: agentIp as declared (default, pattern and hint, label and help per language), schema-checked', () => {
    expect(AOPS.hostInputs).toHaveLength(1);
    const h = AOPS.hostInputs[0]!;
    expect(h).toMatchObject({ name: 'agentIp', type: 'string', required: false, default: 'route' });
    expect(h.pattern).toContain('route|');
    const re = new RegExp(h.pattern ?? '');
    for (const ok of ['route', '192.168.1.50', '10.0.0.255', '0.0.0.0', 'fe80::1', '2001:db8::10']) expect(re.test(ok), ok).toBe(true);
    for (const bad of ['192.168.1.500', '256.1.1.1', '1.2.3', '01.2.3.4', '10.0.0.1; reboot', 'routes', '']) expect(re.test(bad), bad).toBe(false);
    expect(h.patternHint).toContain('IPv4/IPv6');
    expect(h.label.en).toBe("This host's address in agent.conf (ip=)");
    expect(h.label['zh-CN']).toContain('agent.conf 中本机地址');
    expect(h.label.fr).toContain("Adresse de l'hôte");
    expect(h.help.en).toContain('ip route get');
    // What crosses IPC is checked against the same schema.
    expect(ProfileSummary.parse(AOPS).hostInputs).toEqual(AOPS.hostInputs);
    expect(ProfileSummary.safeParse({ ...AOPS, hostInputs: [{ ...h, type: 'secret' }] }).success).toBe(false);
    // A profile without any gives none; an older summary without the field reads as none.
    expect(ICAGENT.hostInputs).toEqual([]);
    const { hostInputs: _, ...older } = ICAGENT;
    expect(ProfileSummary.parse(older).hostInputs).toEqual([]);
  });

  it('a value a profile only uses as {host.<name>} is offered too: required, named by itself', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-hostinputs-profiles-'));
    const text = fs.readFileSync(path.join(RESOURCES, 'profiles', 'aops-agent.yaml'), 'utf8');
    // The same profile under another id, its hostInputs block taken out: {host.agentIp} stays used.
    const undeclared = text.replace(/^id: aops-agent$/m, 'id: aops-undeclared').replace(/^hostInputs:\n(?:(?: {2}.*)?\n)+/m, '').replace(/^\$schema:.*\n/m, '');
    expect(undeclared).not.toContain('hostInputs:');
    fs.writeFileSync(path.join(dir, 'aops-undeclared.yaml'), undeclared);
    const s = service(dir);
    expect(s.profileSummaries().problems).toEqual([]);
    expect(summary('aops-undeclared', s).hostInputs).toEqual([{ name: 'agentIp', type: 'string', required: true, label: { en: 'agentIp' }, help: {} }]);
  });
});

describe('the form writes targets[].vars and reads them back', () => {
  it('single host: given → targets[0].vars, empty → left to the default; the core plans with it', () => {
    const f = aopsForm();
    expect((toAnswers(f, AOPS).targets as Record<string, unknown>[])[0]).not.toHaveProperty('vars');
    f.hosts.singleVars = { agentIp: ' 10.8.0.47 ' };
    const a = toAnswers(f, AOPS);
    expect((a.targets as Record<string, unknown>[])[0]).toMatchObject({ host: '192.168.1.47', vars: { agentIp: '10.8.0.47' } });
    expect(validateAnswers(a).ok).toBe(true);
    expect(SERVICE.plan(a).hosts.targets[0]?.vars).toEqual({ agentIp: '10.8.0.47' });
    // Read back (answers opened from a file): the same field, the same answers.
    const back = fromAnswers(YAML.parse(YAML.stringify(a)), {}, [], [AOPS]);
    expect(back.hosts.mode).toBe('single');
    expect(back.hosts.singleVars).toEqual({ agentIp: '10.8.0.47' });
    expect(toAnswers(back, AOPS)).toEqual(a);
  });

  it('a list: per host, including a target kept as written (its own key), numbers read as text', () => {
    const a = {
      profile: 'aops-agent',
      os: 'linux',
      connectivity: { mode: 'direct', accessIp: '192.168.1.23' },
      inputs: { webUsername: 'admin', webPassword: { env: 'P' }, hostGroup: 'g' },
      targets: [
        { host: '192.168.1.47', port: 22, user: 'root', password: { env: 'T' }, vars: { agentIp: '10.8.0.47' } },
        { host: '192.168.1.48', port: 22, user: 'root', password: { env: 'T' } },
        { host: '192.168.1.49', port: 2222, user: 'ops', privateKey: { path: '/k' }, vars: { agentIp: 'route' } },
      ],
    };
    const f = fromAnswers(a, {}, [], [AOPS]);
    expect(f.hosts.mode).toBe('list');
    expect(f.hosts.list.map((l) => l.vars)).toEqual([{ agentIp: '10.8.0.47' }, undefined, { agentIp: 'route' }]);
    expect(f.hosts.list[2]?.raw).toBeDefined();
    expect(f.hosts.list[2]?.raw).not.toHaveProperty('vars');
    expect(toAnswers(f, AOPS).targets).toEqual(a.targets);
    // The cell of a target kept as written is editable too.
    f.hosts.list[2] = { ...f.hosts.list[2]!, vars: { agentIp: '10.8.0.49' } };
    expect((toAnswers(f, AOPS).targets as Record<string, unknown>[])[2]).toMatchObject({ port: 2222, privateKey: { path: '/k' }, vars: { agentIp: '10.8.0.49' } });
    expect(fromAnswers({ ...a, targets: [{ host: 'h', vars: { agentIp: 7, bad: { x: 1 } } }] }).hosts.singleVars).toEqual({ agentIp: '7' });
  });

  it('another agent: its values stay in the form, out of the answers, and come back with it', () => {
    const f = aopsForm();
    f.hosts.singleVars = { agentIp: '10.8.0.47' };
    const ic = switchAgent(f, { id: 'icagent', os: ['linux', 'windows'], connectivity: ['jump', 'bastion', 'vpcep', 'direct'] });
    expect((toAnswers(ic, ICAGENT).targets as Record<string, unknown>[])[0]).not.toHaveProperty('vars');
    const back = switchAgent(ic, { id: 'aops-agent', os: ['linux'], connectivity: ['direct'] });
    expect((toAnswers(back, AOPS).targets as Record<string, unknown>[])[0]).toMatchObject({ vars: { agentIp: '10.8.0.47' } });
    expect(varsPart({ a: '1', b: ' ' }, ['b'])).toEqual({});
  });
});

describe('a pasted CSV fills them', () => {
  it("a column named after the profile's value fills each host's; without the profile it is refused", () => {
    const csv = 'host,user,agentIp\n192.168.1.47,root,10.8.0.47\n192.168.1.48,root,\n';
    const r = readHostList(csv, { user: 'root', port: 22 }, hostColumns(AOPS));
    expect(r.problems).toEqual([]);
    expect(r.hosts.map((h) => h.vars)).toEqual([{ agentIp: '10.8.0.47' }, undefined]);
    const refused = readHostList(csv, { user: 'root', port: 22 }, hostColumns(ICAGENT));
    expect(refused.problems[0]?.message).toContain('"agentIp"');
  });
});

describe('problems land on the cell', () => {
  it('a value the pattern refuses: targets[N].vars.<name>, the same words as the core', () => {
    const f = aopsForm();
    f.hosts.mode = 'list';
    f.hosts.list = [
      { host: '192.168.1.47', password: null, vars: { agentIp: 'not an address' } },
      { host: '192.168.1.48', password: null, vars: { agentIp: '10.8.0.48' } },
      { host: '192.168.1.49', password: null },
    ];
    f.hosts.listDefaultPassword = { ...slot('d'), ref: { env: 'TARGET_PASSWORD' } };
    const mine = problemsByStep(f, AOPS).hosts;
    expect(mine).toEqual([{ path: 'targets[0].vars.agentIp', message: expect.stringContaining("route (the host's address on its route to aops-manager) or an IPv4/IPv6 address") as string }]);
    let core: unknown;
    try {
      SERVICE.plan(toAnswers(f, AOPS));
    } catch (e) {
      core = e;
    }
    expect(core).toBeInstanceOf(PlanError);
    expect((core as PlanError).problems).toEqual(mine);
    // Said in the wizard's words: the host and the column's label.
    const t = (k: string, p?: Record<string, unknown>) => (k === 'paths.hostN' ? `host ${String(p?.n)}` : k);
    expect(pathWords(t, 'targets[0].vars.agentIp', { hostInputLabel: (n) => (n === 'agentIp' ? 'Address' : undefined) })).toBe('steps.hosts › host 1 › Address');
  });

  it('a required value left empty is required', () => {
    expect(hostVarProblems([{}, { x: '1' }], { hostInputs: [{ name: 'x', type: 'port', required: true, label: {}, help: {} }] })).toEqual([{ path: 'targets[0].vars.x', message: 'is required' }]);
  });
});
