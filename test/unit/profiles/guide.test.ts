// resources/PROFILES.md teaches with one complete profile: it must stay valid and plannable.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildPlan, loadRegions, validateAnswers } from '../../../electron/core/plan';
import { parseProfile } from '../../../electron/core/profiles';
import { RESOURCES } from './helpers';

const guide = fs.readFileSync(path.join(RESOURCES, 'PROFILES.md'), 'utf8');
const example = guide.slice(guide.indexOf('## A complete example'));
const blocks = [...example.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');

describe('PROFILES.md', () => {
  it('its complete example profile is valid and plans for direct mode', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    const r = parseProfile(blocks[0] ?? '', 'acme-logd.yaml');
    if ('problems' in r) throw new Error(r.problems.join('\n'));
    expect(r.profile.id).toBe('acme-logd');
    const answers = validateAnswers(YAML.parse(blocks[1] ?? ''));
    if (!answers.ok) throw new Error(JSON.stringify(answers.problems));
    const plan = buildPlan(answers.answers, r.profile, loadRegions(path.join(RESOURCES, 'regions.yaml')));
    expect(plan.steps.map((s) => s.id)).toEqual(['connect', 'preflight', 'download', 'install', 'uninstall', 'verify']);
    const install = plan.steps.find((s) => s.id === 'install');
    expect(install?.display).toBe(
      'mkdir -p /opt/acme-logd && tar -xzf acme-logd.tar.gz -C /opt/acme-logd && ACME_API_KEY=**** /opt/acme-logd/install.sh --endpoint ingest.us.acme.example && systemctl enable --now acme-logd',
    );
    expect(install?.onFailure?.remedy).toBe('uninstall');
    expect(plan.steps.find((s) => s.id === 'download')?.display).toBe('curl -fsS --connect-timeout 20 -o acme-logd.tar.gz https://dl.us.acme.example/logd/acme-logd-latest.tar.gz');
    const verify = plan.steps.find((s) => s.id === 'verify');
    expect(verify?.action).toEqual({
      kind: 'probe',
      probes: [
        { kind: 'service', name: 'acme-logd', expect: 'active' },
        { kind: 'process', name: 'acme-logd', match: '/opt/acme-logd/bin/logd' },
      ],
    });
    expect(plan.steps.find((s) => s.id === 'uninstall')).toMatchObject({ phase: 'remedy', optional: true });
  });

  it("teaches both forward directions with the fields a port takes, and its remote example is the shipped profile's", () => {
    for (const word of ['direction', 'toPort', 'permitlisten', 'GatewayPorts clientspecified']) expect(guide).toContain(word);
    const snippet = /```yaml\nports: {3}# cloudpods-telegraf[^\n]*\n([\s\S]*?)```/.exec(guide)?.[1] ?? '';
    const shipped = YAML.parse(fs.readFileSync(path.join(RESOURCES, 'profiles', 'cloudpods-telegraf.yaml'), 'utf8')) as { ports: unknown };
    expect(YAML.parse(snippet)).toEqual(shipped.ports);
  });

  it('lists every built-in value a plan has (the table says "the complete list")', () => {
    const table = guide.slice(guide.indexOf('**Built-in values**'), guide.indexOf('Inputs and `vars` are values too'));
    const documented = new Set([...table.matchAll(/`([a-zA-Z][\w.<>]*)`/g)].map((m) => (m[1] ?? '').replace(/<name>$/, '*')));
    const regions = loadRegions(path.join(RESOURCES, 'regions.yaml'));
    const seen = new Set<string>();
    for (const example of fs.readdirSync(path.join(RESOURCES, 'examples')).filter((f) => f.endsWith('.yaml'))) {
      const a = validateAnswers(YAML.parse(fs.readFileSync(path.join(RESOURCES, 'examples', example), 'utf8')));
      if (!a.ok) continue;
      const r = parseProfile(fs.readFileSync(path.join(RESOURCES, 'profiles', `${a.answers.profile}.yaml`), 'utf8'), `${a.answers.profile}.yaml`);
      if ('problems' in r) throw new Error(r.problems.join('\n'));
      let plan;
      try {
        plan = buildPlan(a.answers, r.profile, regions);
      } catch {
        continue; // an example that needs a local file (a package) to plan
      }
      const own = new Set([...r.profile.inputs.map((i) => i.name), ...Object.keys(r.profile.vars)]);
      for (const k of Object.keys(plan.values)) if (!own.has(k)) seen.add(k.startsWith('port.') ? 'port.*' : k);
    }
    expect(seen.size).toBeGreaterThan(10);
    expect([...seen].filter((k) => !documented.has(k))).toEqual([]);
  });

  it('names every action kind, probe kind and top-level field of the schema', () => {
    for (const word of ['exec', 'writeFile', 'editIni', 'upload', 'unpack', 'instruction']) expect(guide).toContain(`\`${word}\``);
    for (const word of ['process', 'service', 'http', 'connections', 'listening', 'command', 'tunnelTraffic']) expect(guide).toContain(`\`${word}\``);
    const schema = JSON.parse(fs.readFileSync(path.join(RESOURCES, 'profile.schema.json'), 'utf8')) as { properties: Record<string, unknown> };
    for (const field of Object.keys(schema.properties)) expect(guide).toContain(`\`${field}\``);
  });
});

// Every example of PROFILES.md, checked as `outpost profile check` and `outpost plan` would: the
// complete profiles with the answers that follow them, and each fragment inside a small profile.
describe('every example in PROFILES.md', () => {
  const all = [...guide.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  const regions = loadRegions(path.join(RESOURCES, 'regions.yaml'));
  const SKELETON = {
    schema: 2,
    id: 'snippet',
    name: 'Snippet',
    os: ['linux'],
    connectivity: ['direct', 'jump', 'bastion'],
    ports: [{ name: 'ingest', port: 6514 }],
    inputs: [] as unknown[],
    linux: { shell: 'bash', installDir: '/opt/snippet', steps: [{ id: 'install', phase: 'install', title: 'Install', action: { exec: { script: ['true'] } } }] as unknown[], verify: [] as unknown[] },
  };
  const plan = (profileText: string, answers: Record<string, unknown>) => {
    const r = parseProfile(profileText, 'example.yaml');
    if ('problems' in r) throw new Error(r.problems.join('\n'));
    const inputs = Object.fromEntries(r.profile.inputs.filter((i) => i.required).map((i) => [i.name, i.type === 'secret' ? { env: `OUTPOST_${i.name.toUpperCase()}` } : (i.choices?.[0] ?? 'value1')]));
    const hostVars = Object.fromEntries(r.profile.hostInputs.map((h) => [h.name, h.type === 'port' ? 8081 : 'value1']));
    const a = validateAnswers({ profile: r.profile.id, os: 'linux', connectivity: { mode: 'direct', accessIp: '203.0.113.7' }, inputs, targets: [{ host: '10.0.0.5', user: 'root', agent: true, ...(Object.keys(hostVars).length ? { vars: hostVars } : {}) }], ...(r.profile.package === 'required' ? { package: { path: './agent.tar.gz' } } : {}), ...answers });
    if (!a.ok) throw new Error(JSON.stringify(a.problems));
    return buildPlan(a.answers, r.profile, regions);
  };

  it('the complete profiles pass the check and plan with the answers that follow them', () => {
    const profiles = all.filter((b) => /^schema: 2$/m.test(b));
    expect(profiles.length).toBe(2);
    // The second is the profile the integration test installs (test/fixtures/tiny-agent), word for word.
    const fixture = fs.readFileSync(path.join(RESOURCES, '..', 'test', 'fixtures', 'tiny-agent', 'tiny-agent.yaml'), 'utf8');
    expect(profiles[1]).toBe(fixture.slice(fixture.indexOf('schema: 2')));
    for (const text of profiles) {
      const r = parseProfile(text, 'example.yaml');
      if ('problems' in r) throw new Error(r.problems.join('\n'));
      const answersText = all.find((b) => b.startsWith(`profile: ${r.profile.id}\n`));
      expect(answersText, r.profile.id).toBeDefined();
      const answers = validateAnswers(YAML.parse(answersText ?? ''));
      if (!answers.ok) throw new Error(JSON.stringify(answers.problems));
      const p = buildPlan(answers.answers, r.profile, regions);
      expect(p.steps.length).toBeGreaterThan(2);
    }
  });

  it('each fragment (inputs, per-host values, ports, a step, content pieces, probes, consoleCommand, inherited) passes in a small profile, which plans', () => {
    const fragments = all.filter((b) => !/^schema: 2$/m.test(b) && !/^profile: /m.test(b));
    const checked: string[] = [];
    for (const raw of fragments) {
      // The OS section's outline (`steps: [ … ]`) is a map of the fields, not a profile part.
      if (raw.includes('[ … ]')) continue;
      // The step's outline leaves its action's fields out (the table after it lists them).
      const text = raw.replace('{ exec: { … } }', '{ exec: { script: ["true"] } }');
      const y = YAML.parse(text) as unknown;
      const p = structuredClone(SKELETON) as Record<string, unknown> & typeof SKELETON;
      if (Array.isArray(y)) {
        // Steps (the remedy they name, uninstall, is added when missing); the values they use are inputs.
        const steps = y as Array<{ id: string }>;
        p.linux.steps = [{ id: 'install', phase: 'install', title: 'Install', action: { exec: { script: ['true'] } } }, ...steps.filter((x) => x.id !== 'install'), ...(steps.some((x) => x.id === 'uninstall') ? [] : [{ id: 'uninstall', phase: 'remedy', title: 'Uninstall', action: { exec: { script: ['true'] } } }])];
        if (steps.some((x) => x.id === 'install')) p.linux.steps[0] = steps.find((x) => x.id === 'install');
        const used = new Set([...text.matchAll(/\{([a-z][A-Za-z0-9_]*)\}|when: !?([a-z][A-Za-z0-9_]*)/g)].map((m) => m[1] ?? m[2] ?? ''));
        p.inputs = [...used].filter((n) => !['agent', 'installDir', 'packagePath'].includes(n)).map((name) => ({ name, type: 'string' }));
        checked.push('step');
      } else {
        const o = y as Record<string, unknown>;
        if ('content' in o) {
          p.inputs = [{ name: 'apiKey', type: 'secret', required: true }, { name: 'httpProxy', type: 'string' }, { name: 'token', type: 'secret' }];
          p.linux.steps = [{ id: 'env', phase: 'install', title: 'Env', action: { writeFile: { path: '/etc/agent.env', content: o.content } } }];
        } else if ('verify' in o) {
          p.linux.verify = o.verify as unknown[];
          // A probe's condition is an input of the profile (a plug-in the user chooses).
          p.inputs = [...new Set([...text.matchAll(/when: !?([a-z][A-Za-z0-9_]*)/g)].map((m) => m[1] ?? ''))].map((name) => ({ name, type: 'boolean' }));
        }
        else if ('inherited' in o) Object.assign(p, o);
        else if ('consoleCommand' in o) {
          p.inputs = [{ name: 'apiKey', type: 'secret', required: true }, { name: 'site', type: 'enum', choices: ['eu', 'us'] }, { name: 'extraArgs', type: 'list' }];
          Object.assign(p, o);
        } else {
          Object.assign(p, o);
          if ('ports' in o && (o.ports as Array<{ direction?: string }>).some((x) => x.direction === 'remote')) p.connectivity = ['direct'];
          if ('ports' in o && JSON.stringify(o.ports).includes('{region}')) Object.assign(p, { regions: true });
        }
        checked.push(Object.keys(o).join(','));
      }
      const built = plan(YAML.stringify(p), p.regions ? { region: 'cn-north-4' } : {});
      expect(built.steps.some((s) => s.id === 'install' || s.id === 'env'), text).toBe(true);
    }
    expect(checked).toEqual(['inputs', 'hostInputs', 'ports', 'ports', 'step', 'content', 'verify', 'step', 'consoleCommand', 'inherited']);
  });
});
