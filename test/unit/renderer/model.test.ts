// The wizard's pure state functions: answers built from the form, read back from files, the
// cross-step rules, the iplist.cfg format, and which step each problem belongs to.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { validateAnswers } from '../../../electron/common/answers';
import { silentLogger } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { OutpostService } from '../../../electron/core/service';
import {
  applyOs,
  applyProfile,
  emptyForm,
  parseIpList,
  slot,
  toAnswers,
  type WizardForm,
} from '../../../renderer/src/wizard/model';
import { fromAnswers } from '../../../renderer/src/wizard/from-answers';
import { problemsByStep, stepEnabled, stepOfPath } from '../../../renderer/src/wizard/validity';

const RESOURCES = path.resolve(import.meta.dirname, '..', '..', '..', 'resources');
const EXAMPLES = path.join(RESOURCES, 'examples');
/** The shipped ICAgent profile as the wizard gets it (profiles.list). */
const ICAGENT = (() => {
  const service = new OutpostService({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-model-')), resourcesDir: RESOURCES, log: silentLogger, secrets: new SecretRegistry() });
  const p = service.profileSummaries().profiles.find((x) => x.id === 'icagent');
  if (!p) throw new Error('icagent profile missing');
  return p;
})();

/** A complete Linux-via-jump form, as a user would fill it in. */
function filled(): WizardForm {
  const f = emptyForm('icagent');
  f.region.id = 'cn-north-4';
  const j = f.connectivity.jumpServers[0]!;
  j.privateIp = '192.168.0.10';
  j.ssh.password.draft = 'jump-secret';
  f.connectivity.elbIp = '100.125.12.150';
  f.connectivity.connectionIp = '203.0.113.10';
  f.inputs.ak = { kind: 'secret', slot: { ...slot('icagent.ak'), draft: 'AKTYPED0000000000001' } };
  f.inputs.sk = { kind: 'secret', slot: { ...slot('icagent.sk'), ref: { stored: 'icagent.sk' } } };
  f.inputs.projectId = { kind: 'text', text: 'p-1' };
  f.hosts.single.host = '10.1.0.21';
  f.hosts.single.password.draft = 'target-secret';
  return f;
}

describe('toAnswers', () => {
  it('builds answers the shared schema accepts, with secrets as references only', () => {
    const a = toAnswers(filled());
    const r = validateAnswers(a);
    expect(r.ok).toBe(true);
    const text = JSON.stringify(a);
    for (const secret of ['jump-secret', 'AKTYPED0000000000001', 'target-secret']) expect(text).not.toContain(secret);
    expect(a).toMatchObject({
      profile: 'icagent',
      os: 'linux',
      region: 'cn-north-4',
      connectivity: {
        mode: 'jump',
        // An empty SSH address means "the private IP".
        jumpServers: [{ privateIp: '192.168.0.10', ssh: { host: '192.168.0.10', port: 22, user: 'root', password: { stored: 'jump.0.password' } } }],
        tunnel: 'persistent',
      },
      inputs: { ak: { stored: 'icagent.ak' }, sk: { stored: 'icagent.sk' }, projectId: 'p-1' },
      targets: [{ host: '10.1.0.21', port: 22, user: 'root', password: { stored: 'target.0.password' } }],
    });
    expect(a).not.toHaveProperty('options');
  });

  it('keeps port overrides and the install folder only when given, and numbers as numbers', () => {
    const f = filled();
    f.connectivity.portOverrides = { '80': { listen: '8080', target: '' }, '8149': { listen: '', target: '' } };
    f.connectivity.installDir = '/opt/agent';
    const a = toAnswers(f) as { connectivity: { portOverrides: unknown }; options: unknown };
    expect(a.connectivity.portOverrides).toEqual({ '80': { listen: 8080 } });
    expect(a.options).toEqual({ installDir: '/opt/agent' });
  });

  it('leaves empty required fields out, so the schema says "is required" rather than quoting ""', () => {
    const r = validateAnswers(toAnswers(emptyForm('icagent'), ICAGENT));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toContainEqual({ path: 'connectivity.elbIp', message: 'is required' });
    // The profile's rules: its region catalog and its inputs.
    const by = problemsByStep(emptyForm('icagent'), ICAGENT);
    expect(by.region).toContainEqual({ path: 'region', message: 'is required' });
    expect(by.credentials).toEqual([
      { path: 'inputs.ak', message: 'is required' },
      { path: 'inputs.sk', message: 'is required' },
      { path: 'inputs.projectId', message: 'is required' },
    ]);
  });

  it("checks inputs by the profile's own rules and leaves another profile's fields out of the answers", () => {
    const f = filled();
    f.inputs.projectId = { kind: 'text', text: 'my project' };
    f.inputs.apiKey = { kind: 'text', text: 'from another profile' };
    expect(problemsByStep(f, ICAGENT).credentials).toEqual([{ path: 'inputs.projectId', message: '"my project" is not valid: letters, digits, _ and - (My Credentials > API Credentials)' }]);
    expect(toAnswers(f, ICAGENT).inputs).not.toHaveProperty('apiKey');
    expect(toAnswers(f).inputs).toHaveProperty('apiKey');
    f.inputs.extraArgs = { kind: 'list', text: '-newflag\n7' };
    expect(toAnswers(f, ICAGENT).inputs).toMatchObject({ extraArgs: ['-newflag', '7'] });
  });

  it('turns a list of hosts into targets, per-host passwords before the default', () => {
    const f = filled();
    f.hosts.mode = 'list';
    f.hosts.listUser = 'admin';
    f.hosts.listPort = '2222';
    f.hosts.list = [
      { host: '10.0.0.1', password: { key: 'target.password.a', ref: null, hint: '', draft: 'own' } },
      { host: '10.0.0.2', password: null },
    ];
    f.hosts.listDefaultPassword.ref = { stored: 'target.default.password' };
    const a = toAnswers(f) as { targets: unknown[] };
    expect(a.targets).toEqual([
      { host: '10.0.0.1', port: 2222, user: 'admin', password: { stored: 'target.password.a' } },
      { host: '10.0.0.2', port: 2222, user: 'admin', password: { stored: 'target.default.password' } },
    ]);
    expect(validateAnswers(a).ok).toBe(true);
  });

  it('installs on this computer for Windows "this computer", with no SSH targets', () => {
    const f = applyOs(filled(), 'windows');
    expect(f.hosts.mode).toBe('thisComputer');
    const a = toAnswers(f) as { targets: unknown[]; thisComputer?: boolean };
    expect(a.targets).toEqual([]);
    expect(a.thisComputer).toBe(true);
    expect(validateAnswers(a).ok).toBe(true);
    expect(problemsByStep(f).hosts).toEqual([]);
    expect(fromAnswers(a, {}, ['cn-north-4']).hosts.mode).toBe('thisComputer');
  });
});

describe('fromAnswers', () => {
  it.each(fs.readdirSync(EXAMPLES).filter((n) => n.endsWith('.yaml')))('reads %s back to the same answers', (name) => {
    const original = YAML.parse(fs.readFileSync(path.join(EXAMPLES, name), 'utf8')) as Record<string, unknown>;
    const regions = ['cn-north-4', 'af-south-1'];
    const again = toAnswers(fromAnswers(original, {}, regions));
    // Defaults the files leave out (port 22, persistent tunnel) are made explicit; everything else survives.
    const norm = (a: unknown) => validateAnswers(a);
    const want = norm(original);
    const got = norm(again);
    expect(got.ok && want.ok).toBe(true);
    if (got.ok && want.ok) {
      // The list form gives every host one port and user: the examples with several hosts share them.
      expect(got.answers).toEqual(want.answers);
    }
  });

  it('keeps what the line carries (production traffic) through the answers, in every mode', () => {
    for (const mode of ['jump', 'vpcep', 'direct'] as const) {
      const f = fromAnswers({ profile: 'icagent', os: 'linux', region: 'cn-north-4', connectivity: { mode, traffic: 'production' }, targets: [] }, {}, ['cn-north-4'], [ICAGENT]);
      expect(f.connectivity.traffic).toBe('production');
      expect((toAnswers(f).connectivity as { traffic?: string }).traffic).toBe('production');
    }
    expect(fromAnswers({ profile: 'icagent', connectivity: { mode: 'jump' } }).connectivity.traffic).toBe('');
  });

  it('keeps secret references and shows stored ones by their hint; ignores literal secrets', () => {
    const f = fromAnswers(
      { profile: 'icagent', os: 'linux', region: 'zz-test-1', inputs: { ak: { stored: 'my.ak' }, sk: 'literal-secret', projectId: 'p' }, connectivity: { mode: 'direct', accessIp: '10.0.0.1' }, targets: [] },
      { 'my.ak': '…WXYZ' },
      ['cn-north-4'],
      [ICAGENT],
    );
    expect(f.inputs.ak).toMatchObject({ kind: 'secret', slot: { ref: { stored: 'my.ak' }, hint: '…WXYZ', draft: '' } });
    expect(f.inputs.sk).toBeUndefined();
    expect(f.inputs.projectId).toEqual({ kind: 'text', text: 'p' });
    // The older `credentials:` name reads the same.
    expect(fromAnswers({ profile: 'icagent', credentials: { ak: { env: 'MY_AK' } } }).inputs.ak).toMatchObject({ kind: 'secret', slot: { ref: { env: 'MY_AK' }, hint: '$MY_AK' } });
    // A region missing from the catalog becomes "other".
    expect(f.region).toMatchObject({ other: true, otherId: 'zz-test-1' });
  });
});

describe('cross-step rules', () => {
  it('Windows clears what does not fit: a Linux install folder, Linux default users; back to Linux drops the package', () => {
    const f = filled();
    f.connectivity.installDir = '/opt/agent';
    const w = applyOs(f, 'windows');
    expect(w.connectivity.installDir).toBe('');
    expect(w.hosts.single.user).toBe('Administrator');
    w.hosts.packagePath = 'C:\\ICAgent\\a.zip';
    const l = applyOs(w, 'linux');
    expect(l.hosts.mode).toBe('single');
    expect(l.hosts.packagePath).toBe('');
    expect(l.hosts.single.user).toBe('root');
    // A user typed on purpose is kept.
    const custom = filled();
    custom.hosts.single.user = 'ops';
    expect(applyOs(custom, 'windows').hosts.single.user).toBe('ops');
  });

  it('switching the OS and back restores what did not fit: the host list, the install folder, the package', () => {
    const f = filled();
    f.hosts.mode = 'list';
    f.hosts.list = [
      { host: '10.0.0.1', password: null },
      { host: '10.0.0.2', password: null },
    ];
    f.connectivity.installDir = '/opt/agent';
    const w = applyOs(f, 'windows');
    // A host list stays a host list (Windows hosts over SSH); "this computer" is only the default for a single host.
    expect(w.hosts.mode).toBe('list');
    expect(applyOs({ ...f, hosts: { ...f.hosts, mode: 'single' } }, 'windows').hosts.mode).toBe('thisComputer');
    expect(w.connectivity.installDir).toBe('');
    w.hosts.packagePath = 'C:\\pkg\\agent.zip';
    w.connectivity.installDir = 'C:\\Agent';
    const back = applyOs(w, 'linux');
    expect(back.hosts.mode).toBe('list');
    expect(back.hosts.list.map((h) => h.host)).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(back.connectivity.installDir).toBe('/opt/agent');
    expect(back.hosts.packagePath).toBe('');
    const again = applyOs(back, 'windows');
    expect(again.connectivity.installDir).toBe('C:\\Agent');
    expect(again.hosts.packagePath).toBe('C:\\pkg\\agent.zip');
  });

  it("checks a typed secret against its input's format, trimmed, without quoting it", () => {
    const f = filled();
    f.inputs.ak = { kind: 'secret', slot: { ...slot('icagent.ak'), draft: 'abc def' } };
    const p = problemsByStep(f, ICAGENT).credentials.find((x) => x.path === 'inputs.ak');
    expect(p?.message).toBe('is not valid: 16 to 64 letters and digits (an access key ID like HPUAXXXXXXXXXXXXXXXX)');
    expect(JSON.stringify(problemsByStep(f, ICAGENT))).not.toContain('abc def');
    f.inputs.ak = { kind: 'secret', slot: { ...slot('icagent.ak'), draft: 'HPUAK0000000000000A1 ' } };
    expect(problemsByStep(f, ICAGENT).credentials).toEqual([]);
  });

  it('a profile without the chosen connectivity or OS moves to its first choices', () => {
    const f = filled();
    f.connectivity.mode = 'vpcep';
    const p = applyProfile(f, { id: 'other', os: ['windows'], connectivity: ['direct'] });
    expect(p.agent).toEqual({ profile: 'other', os: 'windows' });
    expect(p.connectivity.mode).toBe('direct');
  });
});

describe('bastion (SSH through jump servers, nothing forwarded)', () => {
  /** The filled form switched to bastion, as a user would: the jump server's SSH address, key login, the access IP. */
  function bastion(): WizardForm {
    const f = filled();
    f.connectivity.mode = 'bastion';
    const j = f.connectivity.jumpServers[0]!;
    j.ssh.host = '203.0.113.10';
    j.ssh.user = 'ops';
    j.ssh.auth = 'privateKey';
    j.ssh.keyPath = '/home/ops/.ssh/id_ed25519';
    j.proxy = { host: '10.0.0.5', port: '22', user: 'root', auth: 'agent', password: slot('proxy.password'), keyPath: '' };
    f.connectivity.directAccessIp = '100.125.4.25';
    return f;
  }

  it('builds bastion answers the schema accepts: the logins only (no private IP, no proxy, no tunnel, no port)', () => {
    const a = toAnswers(bastion());
    const r = validateAnswers(a);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    expect(a.connectivity).toEqual({ mode: 'bastion', jumpServers: [{ ssh: { host: '203.0.113.10', port: 22, user: 'ops', privateKey: { path: '/home/ops/.ssh/id_ed25519' } } }], accessIp: '100.125.4.25' });
  });

  it('reads bastion answers back into the same form fields', () => {
    const back = fromAnswers(toAnswers(bastion()));
    expect(back.connectivity.mode).toBe('bastion');
    expect(back.connectivity.directAccessIp).toBe('100.125.4.25');
    expect(back.connectivity.jumpServers.map((j) => ({ host: j.ssh.host, user: j.ssh.user, auth: j.ssh.auth, keyPath: j.ssh.keyPath }))).toEqual([{ host: '203.0.113.10', user: 'ops', auth: 'privateKey', keyPath: '/home/ops/.ssh/id_ed25519' }]);
    expect(toAnswers(back).connectivity).toEqual(toAnswers(bastion()).connectivity);
  });

  it("asks for the jump server's sign-in and SSH address on the Connectivity step", () => {
    const f = bastion();
    f.connectivity.jumpServers[0]!.ssh = { ...f.connectivity.jumpServers[0]!.ssh, auth: 'password', password: slot('jump.0.password'), host: '' };
    const problems = problemsByStep(f, ICAGENT).connectivity.map((p) => p.path);
    expect(problems).toContain('connectivity.jumpServers[0].ssh');
    expect(problems.some((p) => p.startsWith('connectivity.jumpServers[0].ssh.host'))).toBe(true);
  });

  it('is kept when the profile offers it and left for the first choice when it does not', () => {
    expect(applyProfile(bastion(), { id: 'tiny-agent', os: ['linux'], connectivity: ['direct', 'bastion'] }).connectivity.mode).toBe('bastion');
    expect(applyProfile(bastion(), { id: 'icagent', os: ['linux'], connectivity: ['jump', 'vpcep', 'direct'] }).connectivity.mode).toBe('jump');
  });
});

describe('steps', () => {
  it('maps problems to steps and enables a step only when every step before it is valid', () => {
    expect(stepOfPath('connectivity.jumpServers[0].ssh.host')).toBe('connectivity');
    expect(stepOfPath('options.installDir')).toBe('connectivity');
    expect(stepOfPath('targets[2]')).toBe('hosts');
    expect(stepOfPath('obsDomain')).toBe('region');
    const empty = problemsByStep(emptyForm('icagent'), ICAGENT);
    expect(empty.agent).toEqual([]);
    expect(stepEnabled(empty, 'region', 'wizard')).toBe(true);
    expect(stepEnabled(empty, 'connectivity', 'wizard')).toBe(false);
    const full = problemsByStep(filled(), ICAGENT);
    for (const s of ['agent', 'region', 'connectivity', 'credentials', 'hosts'] as const) expect(full[s]).toEqual([]);
    expect(stepEnabled(full, 'review', 'wizard')).toBe(true);
    expect(stepEnabled(full, 'run', 'wizard')).toBe(false);
    expect(stepEnabled(full, 'review', 'running')).toBe(false);
    expect(stepEnabled(full, 'result', 'done')).toBe(true);
  });

  it('asks for the sign-in at once, before the rest of the login is valid', () => {
    const f = emptyForm('icagent');
    expect(problemsByStep(f).connectivity).toContainEqual({ path: 'connectivity.jumpServers[0].ssh', message: 'needs one of password, privateKey or agent: true' });
    f.connectivity.jumpServers[0]!.ssh.auth = 'agent';
    expect(problemsByStep(f).connectivity.some((p) => p.path === 'connectivity.jumpServers[0].ssh')).toBe(false);
  });

  it('checks the install folder against the OS even while other fields are missing', () => {
    const f = emptyForm('icagent');
    f.connectivity.installDir = 'relative';
    expect(problemsByStep(f).connectivity.find((p) => p.path === 'options.installDir')?.message).toMatch(/not an absolute path/);
  });
});

describe('parseIpList', () => {
  it('reads "IP [password]" lines, skips blanks and comments, names bad lines', () => {
    const r = parseIpList('# hosts\n192.168.0.109 Pass word\n\n  192.168.0.39  \n300.1.1.1 x\n2001:db8::1\n');
    expect(r.map((l) => [l.line, l.host, l.password, l.problem === null])).toEqual([
      [2, '192.168.0.109', 'Pass word', true],
      [4, '192.168.0.39', null, true],
      [5, '300.1.1.1', 'x', false],
      [6, '2001:db8::1', null, true],
    ]);
  });
});
