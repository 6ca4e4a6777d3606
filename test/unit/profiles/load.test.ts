import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProfiles, parseProfile } from '../../../electron/core/profiles';
import { OutpostService } from '../../../electron/core/service';
import { RESOURCES, tmpContext } from './helpers';

const guide = fs.readFileSync(path.join(RESOURCES, 'PROFILES.md'), 'utf8');
/** The guide's complete example (acme-logd), a valid profile to break in small ways. */
const ACME = /```yaml\n([\s\S]*?)```/.exec(guide.slice(guide.indexOf('## A complete example')))?.[1] ?? '';
const shipped = fs.readFileSync(path.join(RESOURCES, 'profiles', 'icagent.yaml'), 'utf8');
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  dirs = [];
});
const userDir = (files: Record<string, string>) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-user-profiles-'));
  dirs.push(d);
  for (const [n, t] of Object.entries(files)) fs.writeFileSync(path.join(d, n), t);
  return d;
};

describe('parseProfile: problems name file:line: field', () => {
  const wrongShell = ACME.replace('          root: false\n          script: [curl', '          shell: zsh\n          script: [curl');

  it('a wrong shell in a step: the file, the line and the step\'s action', () => {
    const r = parseProfile(wrongShell, '/somewhere/acme.yaml');
    if (!('problems' in r)) throw new Error('accepted');
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(new RegExp(`^acme\\.yaml:(${lineOf(wrongShell, '        exec:')}|${lineOf(wrongShell, 'shell: zsh')}): linux\\.steps\\[download\\]\\.action(\\.exec\\.shell)?: `));
  });

  it('a wrong shell in a step names the shell field on its line', () => {
    const r = parseProfile(wrongShell, '/somewhere/acme.yaml');
    expect('problems' in r && r.problems).toEqual([
      `acme.yaml:${lineOf(wrongShell, 'shell: zsh')}: linux.steps[download].action.exec.shell: must be one of "bash", "sh", "cmd", "powershell"`,
    ]);
  });

  it('an unknown placeholder, an unknown field and a remedy that does not exist, each on its line', () => {
    const text = ACME.replace('"{endpoint}"', '"{endpoitn}"').replace('    minFreeMiB: 100', '    minFreeMiB: 100\n    colour: blue').replace('remedy: uninstall', 'remedy: remove');
    const r = parseProfile(text, 'acme.yaml');
    if (!('problems' in r)) throw new Error('accepted');
    expect(r.problems).toContainEqual(`acme.yaml:${lineOf(text, 'colour: blue')}: linux.preflight.colour: unknown field colour (check its spelling)`);
    expect(r.problems).toContainEqual(expect.stringMatching(new RegExp(`^acme\\.yaml:${lineOf(text, '{endpoitn}')}: linux\\.steps\\[install\\]\\.action\\.exec\\.script\\[\\d+\\]: unknown placeholder \\{endpoitn\\}`)));
    expect(r.problems).toContainEqual(`acme.yaml:${lineOf(text, 'remedy: remove')}: linux.steps[install].onFailure.remedy: no step remove with phase remedy`);
  });

  it('bad YAML names its line', () => {
    const r = parseProfile('schema: 2\nid: [x\n', 'broken.yaml');
    expect('problems' in r && r.problems[0]).toMatch(/^broken\.yaml:\d+: not valid YAML: /);
  });
});

describe('user profiles', () => {
  it('a user profile with a shipped id is refused unless it says replaces:', () => {
    const copy = shipped.replace('name: Huawei Cloud LTS ICAgent', 'name: My ICAgent');
    const refused = loadProfiles(path.join(RESOURCES, 'profiles'), userDir({ 'icagent.yaml': copy }));
    expect(refused.profiles.filter((l) => l.profile.id === 'icagent').map((l) => [l.profile.id, l.profile.name, l.source])).toEqual([['icagent', 'Huawei Cloud LTS ICAgent', 'shipped']]);
    expect(refused.problems).toEqual([expect.stringMatching(/icagent\.yaml: id icagent is a shipped profile's; add "replaces: icagent" to replace it, or choose another id$/)]);

    const replacing = copy.replace('id: icagent\n', 'id: icagent\nreplaces: icagent\n');
    const ok = loadProfiles(path.join(RESOURCES, 'profiles'), userDir({ 'icagent.yaml': replacing }));
    expect(ok.problems).toEqual([]);
    expect(ok.profiles.filter((l) => l.profile.id === 'icagent').map((l) => [l.profile.id, l.profile.name, l.source, l.profile.replaces])).toEqual([['icagent', 'My ICAgent', 'user', 'icagent']]);
  });

  it('the service lists them with their source, and plans with a new one', () => {
    const ctx = tmpContext();
    try {
      const dir = userDir({ 'acme.yaml': ACME });
      const service = new OutpostService(ctx, { profilesDir: dir });
      const s = service.profileSummaries();
      expect(s.profiles.map((p) => [p.id, p.source])).toEqual([['aops-agent', 'shipped'], ['cloudpods-telegraf', 'shipped'], ['icagent', 'shipped'], ['nova-agent', 'shipped'], ['tetra-relay', 'shipped'], ['acme-logd', 'user']]);
      expect(s.folder).toBe(dir);
      const plan = service.plan({ profile: 'acme-logd', os: 'linux', connectivity: { mode: 'direct', accessIp: '203.0.113.7' }, inputs: { apiKey: { env: 'ACME_API_KEY' } }, targets: [] });
      expect(plan.profile).toEqual({ id: 'acme-logd', name: 'Acme log shipper', version: '1' });
    } finally {
      ctx.cleanup();
    }
  });
});

describe('vars with alternatives (the first whose condition holds)', () => {
  const cp = fs.readFileSync(path.join(RESOURCES, 'profiles', 'cloudpods-telegraf.yaml'), 'utf8');
  it('loads the shipped form, and names an unknown condition or placeholder in an alternative with its line', () => {
    expect('profile' in parseProfile(cp, 'cp.yaml')).toBe(true);
    const badWhen = cp.replace('- { when: viaJump, value:', '- { when: viaJumpp, value:');
    const r = parseProfile(badWhen, 'cp.yaml');
    expect('problems' in r && r.problems).toEqual([`cp.yaml:${lineOf(badWhen, 'viaJumpp')}: vars.writeUrl[0].when: unknown condition viaJumpp`]);
    const badName = cp.replace('- { value: "{influxUrl}" }', '- { value: "{influxUrll}" }');
    const r2 = parseProfile(badName, 'cp.yaml');
    expect('problems' in r2 && r2.problems.join('\n')).toMatch(/^cp\.yaml:\d+: vars\.writeUrl\[1\]\.value: .*influxUrll/);
  });
});
