// Issue 24: what a profile author writes from the documentation alone, and what Outpost says back —
// secrets only as pieces, every secret's pattern, editIni secrets and style, per-host values from the
// host list, package: required, {port.<name>}, guard probe lists, bastion, step ids in messages,
// `outpost profile new`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { runProfileNew } from '../../../electron/cli/commands/profile-new';
import { parseHostList } from '../../../electron/common/hosts';
import { editIni, editIniText } from '../../../electron/core/actions/edit-ini';
import { buildPlan, planFromAnswers, PlanError, validateAnswers } from '../../../electron/core/plan';
import { parseProfile, type Profile } from '../../../electron/core/profiles';
import { missingSecrets } from '../../../electron/core/run';
import { RESOURCES } from './helpers';

const FIXTURE = fs.readFileSync(path.join(RESOURCES, '..', 'test', 'fixtures', 'tiny-agent', 'tiny-agent.yaml'), 'utf8');
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

function profile(text = FIXTURE): Profile {
  const r = parseProfile(text, 'tiny-agent.yaml');
  if ('problems' in r) throw new Error(r.problems.join('\n'));
  return r.profile;
}

function problemsOf(text: string): string[] {
  const r = parseProfile(text, 'tiny-agent.yaml');
  return 'problems' in r ? r.problems : [];
}

const ANSWERS = {
  profile: 'tiny-agent',
  os: 'linux',
  connectivity: { mode: 'bastion', jumpServers: [{ ssh: { host: '203.0.113.10', user: 'ops', agent: true } }] },
  inputs: { token: { env: 'OUTPOST_TINY_TOKEN' } },
  package: { path: './tinyagent.tar.gz' },
  targets: [
    { host: '10.0.0.5', user: 'ops', agent: true, name: 'web-1', vars: { agentPort: 8081 } },
    { host: '10.0.0.6', user: 'ops', agent: true, name: 'web-2', vars: { agentPort: '8082' } },
  ],
};

function plan(answers: Record<string, unknown>, p: Profile = profile()) {
  const a = validateAnswers(answers);
  if (!a.ok) throw new Error(JSON.stringify(a.problems));
  return buildPlan(a.answers, p, []);
}

function planProblems(answers: Record<string, unknown>, p: Profile = profile()): string[] {
  try {
    plan(answers, p);
  } catch (err) {
    if (err instanceof PlanError) return err.problems.map((x) => `${x.path}: ${x.message}`);
    throw err;
  }
  return [];
}

describe('a secret is only ever a { secret } piece', () => {
  it('{token} in an editIni value, a title, an exec word or a path is a problem naming the input, on its line', () => {
    const cases: Array<[string, string, string]> = [
      ['value: { secret: token }', 'value: "{token}"', 'linux.steps[configure].action.editIni.set[2].value'],
      ['title: "Start {agent} on port {host.agentPort}"', 'title: "Start {agent} with {token}"', 'linux.steps[start].title'],
      ['script: ["{installDir}/tinyagent/bin/tinyctl", start]', 'script: ["{installDir}/tinyagent/bin/tinyctl", start, "{token}"]', 'linux.steps[start].action.exec.script[2]'],
      ['path: "{installDir}/tinyagent/conf/labels.conf"', 'path: "{installDir}/{token}/labels.conf"', 'linux.steps[labels].action.writeFile.path'],
    ];
    for (const [from, to, at] of cases) {
      const text = FIXTURE.replace(from, to);
      expect(text).not.toBe(FIXTURE);
      expect(problemsOf(text)).toEqual([`tiny-agent.yaml:${lineOf(text, to)}: ${at}: {token} is a secret input: a secret is never filled into text (it would be shown, and token is not a value here); use it as a { secret: token } piece (a script token, a writeFile content piece, an editIni value)`]);
    }
  });

  it('as a piece it is accepted, shown as **** in the plan, and its pattern is checked when its value is read — naming the input, never the value', () => {
    const p = plan(ANSWERS);
    const configure = p.steps.find((s) => s.id === 'configure');
    expect(configure?.display).toContain('[auth] token=****');
    expect(configure?.secrets).toEqual([{ name: 'inputs.token', from: '$OUTPOST_TINY_TOKEN' }]);
    expect(missingSecrets(p, () => 'a-good-token-0123456789')).toEqual([]);
    const bad = missingSecrets(p, () => 'bad token!');
    expect(bad).toEqual(['inputs.token: the value of the environment variable OUTPOST_TINY_TOKEN does not match the input\'s pattern (16 to 64 letters, digits and -)']);
    expect(bad.join('')).not.toContain('bad token');
    expect(missingSecrets(p, () => undefined)).toEqual(['inputs.token: the environment variable OUTPOST_TINY_TOKEN is not set']);
  });
});

describe('editIni', () => {
  it('keeps the file\'s `key = value` style on the lines it changes and the keys it adds', () => {
    const text = '; comment\n[server]\nport = 0\n\n[auth]\ntoken = CHANGEME\n';
    const r = editIniText(text, [
      { section: 'server', key: 'port', value: '8081' },
      { section: 'server', key: 'listen', value: '10.0.0.5' },
      { section: 'auth', key: 'token', value: 'x' },
    ]);
    expect(r.text).toBe('; comment\n[server]\nport = 8081\nlisten = 10.0.0.5\n\n[auth]\ntoken = x\n');
    expect(editIniText('[a]\nk=v\n', [{ section: 'a', key: 'n', value: '1' }]).text).toBe('[a]\nk=v\nn=1\n');
  });

  it('a secret value is never said: not in the plan, not in what the step says, not in the playbook', async () => {
    const a = { kind: 'editIni' as const, path: '/etc/a.ini', set: [{ section: 'auth', key: 'token', value: { secret: { env: 'OUTPOST_T' }, name: 'inputs.token' } }], root: true };
    expect(editIni.display(a)).toBe('edit /etc/a.ini: [auth] token=**** (comments and other keys kept; as root)');
    let written = '';
    const said: string[] = [];
    const c = {
      signal: new AbortController().signal,
      host: 'h',
      secret: () => 'the-secret-value-1234',
      say: (l: string) => said.push(l),
      ex: { show: (p: string) => p, files: { read: () => Promise.resolve('[auth]\ntoken = old-secret-value\n'), write: (_p: string, t: string) => ((written = t), Promise.resolve()) } },
    } as unknown as Parameters<typeof editIni.run>[1];
    const r = await editIni.run(a, c);
    expect(written).toBe('[auth]\ntoken = the-secret-value-1234\n');
    expect(said.join('\n') + (r.message ?? '')).not.toMatch(/secret-value/);
    expect(said).toContain('[auth] token = **** (changed)');
  });
});

describe('per-host values from the host list', () => {
  it('the profile\'s columns become each host\'s values; any other column is still refused', () => {
    const csv = 'host,port,user,name,agentPort\n10.0.0.5,22,ops,web-1,8081\n10.0.0.6,22,ops,web-2,8082\n';
    const r = parseHostList(csv, { defaults: { user: 'root', port: 22 }, hostColumns: ['agentPort'] });
    expect(r.problems).toEqual([]);
    expect(r.hosts.map((h) => h.vars)).toEqual([{ agentPort: '8081' }, { agentPort: '8082' }]);
    expect(parseHostList(csv, { defaults: { user: 'root', port: 22 } }).problems.map((p) => p.message)).toEqual(['column 5 "agentPort" is not one of host, port, user, password, privateKey, name, jump']);
    expect(parseHostList(csv.replace('agentPort', 'agentProt'), { defaults: { user: 'root', port: 22 }, hostColumns: ['agentPort'] }).problems.map((p) => p.message)).toEqual([
      'column 5 "agentProt" is not one of host, port, user, password, privateKey, name, jump, nor a per-host value of the profile (agentPort)',
    ]);
  });

  it('are checked like inputs on every host, kept as written in the plan, and carried by each target', () => {
    const p = plan(ANSWERS);
    expect(p.hosts.targets.map((t) => t.vars)).toEqual([{ agentPort: '8081' }, { agentPort: '8082' }]);
    const verify = p.steps.find((s) => s.id === 'verify');
    expect(JSON.stringify(verify?.action)).toContain('http://{host.address}:{host.agentPort}/health');
    const bad = { ...ANSWERS, targets: [{ host: '10.0.0.5', user: 'ops', agent: true, vars: { agentPort: 'http' } }, { host: '10.0.0.6', user: 'ops', agent: true }, { host: '10.0.0.7', user: 'ops', agent: true, vars: { agentPort: 1, colour: 'blue' } }] };
    expect(planProblems(bad)).toEqual([
      'targets[0].vars.agentPort: must be a port number',
      'targets[1].vars.agentPort: is required: Tiny agent uses {host.agentPort} (a column "agentPort" in the host list)',
      'targets[2].vars.colour: is not a per-host value of Tiny agent (it takes: agentPort)',
    ]);
  });
});

describe('the rest of the format', () => {
  it('package: required refuses a plan without a package, saying so', () => {
    const { package: _p, ...rest } = ANSWERS;
    void _p;
    expect(planProblems(rest)).toEqual(["package.path: is required: Tiny agent installs from a package file (give package.path, the agent's package on this computer)"]);
  });

  it('bastion: the jump server is logged in to, nothing is forwarded, the targets go through it', () => {
    const p = plan(ANSWERS);
    expect(p.mode).toBe('bastion');
    expect(p.steps.map((s) => s.id)).toEqual(['connect.jump0', 'connect', 'preflight', 'upload', 'unpack', 'configure', 'labels', 'start', 'verify']);
    expect(p.steps.some((s) => s.action.kind === 'forward' || s.id.startsWith('sg-'))).toBe(false);
    expect(p.hosts.targets.map((t) => t.via)).toEqual(['jump0', 'jump0']);
    expect(p.hosts.jumps[0]?.privateIp).toBe('203.0.113.10');
  });

  it('a guard takes a probe list of its own; a label defaults to the input\'s name', () => {
    const p = plan(ANSWERS);
    expect(p.steps.find((s) => s.id === 'unpack')?.guard?.probes).toEqual([{ kind: 'command', name: 'unpacked', shell: 'bash', command: ['test', '-x', '/opt/tinyagent/tinyagent/bin/tinyd'], exitCode: 0 }]);
    expect(profile().inputs.find((i) => i.name === 'token')?.label).toBe('token');
  });

  it('{port.<name>} is the port agents connect to, after portOverrides', () => {
    const acme = YAML.parse(FIXTURE) as Record<string, unknown>;
    const text = YAML.stringify({ ...acme, connectivity: ['jump', 'direct'], ports: [{ name: 'ingest', port: 6514 }], linux: { ...(acme.linux as object), verify: [{ http: { name: 'collector', url: 'http://{accessIp}:{port.ingest}/', status: [200] } }] } });
    const p = profile(text);
    const jump = { ...ANSWERS, connectivity: { mode: 'jump', jumpServers: [{ privateIp: '192.168.0.10', ssh: { host: '203.0.113.10', user: 'ops', agent: true } }], elbIp: '100.125.0.1', connectionIp: '192.168.0.10', portOverrides: { '6514': { listen: 16514 } } } };
    expect(JSON.stringify(plan(jump, p).steps.find((s) => s.id === 'verify')?.action)).toContain('http://192.168.0.10:16514/');
    expect(JSON.stringify(plan({ ...ANSWERS, connectivity: { mode: 'direct', accessIp: '10.9.9.9' } }, p).steps.find((s) => s.id === 'verify')?.action)).toContain('http://10.9.9.9:6514/');
    expect(problemsOf(text.replace('{port.ingest}', '{port.ingets}')).join('\n')).toMatch(/unknown placeholder \{port\.ingets\}/);
  });

  it('an unknown action kind says which it got and lists the valid kinds, naming the step by its id', () => {
    const text = FIXTURE.replace('        exec:\n          script: ["{installDir}', '        exex:\n          script: ["{installDir}');
    expect(problemsOf(text)).toEqual([`tiny-agent.yaml:${lineOf(text, 'exex:')}: linux.steps[start].action: unknown action kind exex (valid kinds: exec, writeFile, editIni, upload, unpack, instruction)`]);
  });

  it('a plan for a profile whose file does not load says why, with the file and line', () => {
    let message = '';
    try {
      const a = validateAnswers(ANSWERS);
      if (!a.ok) throw new Error('answers');
      planFromAnswers(a.answers, { profiles: [], regions: [], problems: ['profiles/tiny.yaml:57: linux.steps[configure].title: {token} is a secret input'] });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('no loaded profile is "tiny-agent"; profile files that did not load (fix them, then try again):\n  profiles/tiny.yaml:57: linux.steps[configure].title');
  });

  it('outpost profile new writes a commented starter that passes the check (blank, or a shipped profile under a new id), never over a file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-new-'));
    try {
      const out = { text: '', write(s: string) { this.text += s; } };
      const err = { text: '', write(s: string) { this.text += s; } };
      for (const [id, from] of [['my-agent', undefined], ['my-icagent', 'icagent']] as const) {
        const file = path.join(dir, `${id}.yaml`);
        expect(runProfileNew(id, { ...(from ? { from } : {}), out: file }, RESOURCES, out, err), err.text).toBe(0);
        const r = parseProfile(fs.readFileSync(file, 'utf8'), file);
        if ('problems' in r) throw new Error(r.problems.join('\n'));
        expect(r.profile.id).toBe(id);
      }
      expect(fs.readFileSync(path.join(dir, 'my-agent.yaml'), 'utf8')).toMatch(/^# An Outpost agent profile/);
      expect(runProfileNew('my-agent', { out: path.join(dir, 'my-agent.yaml') }, RESOURCES, out, err)).toBe(2);
      expect(err.text).toContain('exists');
      expect(runProfileNew('x', { from: 'nope', out: path.join(dir, 'x.yaml') }, RESOURCES, out, err)).toBe(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
