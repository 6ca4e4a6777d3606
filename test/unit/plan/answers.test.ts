import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem, LITERAL_SECRET, parseAnswers, PlanError, planFromAnswers } from '../../../electron/core/plan';
import { EXAMPLES, FIXTURES, profiles, regions } from './helpers';

const linuxJump = fs.readFileSync(path.join(EXAMPLES, 'linux-jump.yaml'), 'utf8');
const problems = (text: string, fmt: 'yaml' | 'json' | 'auto' = 'yaml') => {
  const r = parseAnswers(text, fmt);
  return r.ok ? [] : r.problems.map(formatProblem);
};

describe('answers', () => {
  it('accepts the documented Linux-via-jump YAML exactly as written in the issue (credentials: is the older name of inputs:)', () => {
    const issue = fs.readFileSync(path.join(FIXTURES, 'answers', 'issue3-linux-jump.yaml'), 'utf8');
    // The shipped example is the issue's block with `credentials:` renamed `inputs:`, nothing else.
    const body = issue.replace(/^#.*\n/gm, '');
    expect(linuxJump).toBe(body.replace(/^credentials:$/m, 'inputs:'));
    for (const text of [issue, linuxJump]) {
      const r = parseAnswers(text, 'yaml');
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const c = r.answers.connectivity;
      expect(c.mode).toBe('jump');
      if (c.mode !== 'jump') return;
      expect(c.tunnel).toBe('persistent');
      expect(c.portOverrides).toEqual({ '80': { listen: 8080 } });
      expect(r.answers.targets[0]).toMatchObject({ host: '10.1.0.21', port: 22, user: 'root', password: { env: 'TARGET_PASSWORD' } });
      expect((r.answers.inputs ?? r.answers.credentials)?.sk).toEqual({ env: 'OUTPOST_SK' });
    }
  });

  it('names the field and the value for a bad IP, one line per problem', () => {
    const text = linuxJump.replace('- privateIp: 192.168.0.10', '- privateIp: "1.2.3.4;rm"').replace('elbIp: 100.125.12.150', 'elbIp: 300.1.1.1');
    expect(problems(text)).toEqual([
      'connectivity.jumpServers[0].privateIp: "1.2.3.4;rm" is not an IPv4 or IPv6 address',
      'connectivity.elbIp: "300.1.1.1" is not an IPv4 or IPv6 address',
    ]);
  });

  it('refuses a literal secret without echoing it, and says how to pass it', () => {
    const text = linuxJump.replace('sk: { env: OUTPOST_SK }', 'sk: "Sup3rS3cretValue"').replace('password: { env: TARGET_PASSWORD }', 'password: hunter2');
    const ps = problems(text);
    // SSH passwords are refused by the answers schema; profile inputs when the plan is built (the profile says which are secret).
    expect(ps).toEqual([`targets[0].password: ${LITERAL_SECRET}`]);
    const r = parseAnswers(linuxJump.replace('sk: { env: OUTPOST_SK }', 'sk: "Sup3rS3cretValue"'), 'yaml');
    if (!r.ok) throw new Error('answers refused');
    let planProblems: string[] = [];
    try {
      planFromAnswers(r.answers, { profiles, regions });
    } catch (err) {
      expect(err).toBeInstanceOf(PlanError);
      planProblems = (err as PlanError).problems.map(formatProblem);
    }
    expect(planProblems).toEqual([`inputs.sk: ${LITERAL_SECRET}`]);
    expect([...ps, ...planProblems].join('\n')).not.toMatch(/Sup3r|hunter2/);
    expect(LITERAL_SECRET).toContain('{ env: NAME }');
  });

  it('reports bad YAML with its position but not the offending line (it may hold a secret)', () => {
    const ps = problems('profile: icagent\nos: [linux\ncredentials: { sk: "abc123secret }\n');
    expect(ps.length).toBeGreaterThan(0);
    expect(ps[0]).toMatch(/^not valid YAML at line \d+, column \d+: /);
    expect(ps.join('\n')).not.toContain('abc123secret');
  });

  it('reports missing and unknown fields and wrong types', () => {
    const text = linuxJump.replace(/^region: cn-north-4\n/m, '').replace('  dc: dc-east-1\n', '  dc: dc-east-1\n  tunnnel: vendor\n').replace('port: 22\n    user: root', 'port: "22"\n    user: root');
    expect(problems(text)).toEqual(['connectivity.tunnnel: unknown field (check its spelling)', 'targets[0].port: must be a number']);
    // The region is required by the profile (it uses the region catalog): the plan says so.
    const r = parseAnswers(linuxJump.replace(/^region: cn-north-4\n/m, ''), 'yaml');
    if (!r.ok) throw new Error('answers refused');
    expect(() => planFromAnswers(r.answers, { profiles, regions })).toThrow(/^region: is required$/);
  });

  it('needs exactly one auth method per host, and a jump index that exists', () => {
    const none = linuxJump.replace('    password: { env: TARGET_PASSWORD }', '    jump: 3');
    expect(problems(none)).toEqual(['targets[0]: needs one of password, privateKey or agent: true', 'targets[0].jump: there is no jump server 3 (1 listed)']);
    const two = linuxJump.replace('    password: { env: TARGET_PASSWORD }', '    password: { env: P }\n    agent: true');
    expect(problems(two)).toEqual(['targets[0]: give only one of password, privateKey or agent: true']);
  });

  it('checks every kind of field: mode, ports, overrides, region, dc, user, secrets refs', () => {
    const bad = linuxJump
      .replace('mode: jump', 'mode: jumpp');
    expect(problems(bad)).toEqual(['connectivity.mode: must be jump, bastion, vpcep or direct']);
    const more = linuxJump
      .replace('"80": { listen: 8080 }', '"80": { listen: 70000, target: "evil;host:80" }')
      .replace('region: cn-north-4', 'region: "cn north 4"')
      .replace('dc: dc-east-1', 'dc: "dc;reboot"')
      .replace('user: root, password', 'user: "root$(id)", password')
      .replace('ak: { env: OUTPOST_AK }', 'ak: { env: "A-K" }');
    expect(problems(more)).toEqual([
      'region: "cn north 4" is not a region id (lower-case letters, digits and hyphens, e.g. cn-north-4)',
      'connectivity.jumpServers[0].ssh.user: "root$(id)" is not a valid Linux user name',
      'connectivity.dc: "dc;reboot" is not a valid DC name (letters, digits, . _ -; at most 64)',
      'connectivity.portOverrides.80.listen: 70000 is not a TCP port (1-65535)',
      'connectivity.portOverrides.80.target: "evil;host" is neither an IP address nor a valid host name',
      'inputs.ak.env: "A-K" is not an environment variable name',
    ]);
  });

  it('reads JSON too', () => {
    const r = parseAnswers(
      JSON.stringify({
        profile: 'icagent',
        os: 'linux',
        region: 'cn-north-4',
        connectivity: { mode: 'direct', accessIp: '100.125.1.1' },
        inputs: { ak: { env: 'A' }, sk: { stored: 'k.sk' }, projectId: 'p1' },
        targets: [{ host: 'h.example.com', user: 'root', agent: true }],
      }),
      'auto',
    );
    expect(r.ok).toBe(true);
    expect(problems('{"profile": ', 'json')[0]).toMatch(/^not valid JSON: /);
    expect(problems('- just\n- a list\n')).toEqual(['the answers must be a mapping of fields (profile, os, region, ...)']);
  });
});
