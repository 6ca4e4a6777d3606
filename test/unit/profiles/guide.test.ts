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

  it('names every action kind, probe kind and top-level field of the schema', () => {
    for (const word of ['exec', 'writeFile', 'editIni', 'upload', 'unpack', 'instruction']) expect(guide).toContain(`\`${word}\``);
    for (const word of ['process', 'service', 'http', 'connections', 'listening', 'command', 'tunnelTraffic']) expect(guide).toContain(`\`${word}\``);
    const schema = JSON.parse(fs.readFileSync(path.join(RESOURCES, 'profile.schema.json'), 'utf8')) as { properties: Record<string, unknown> };
    for (const field of Object.keys(schema.properties)) expect(guide).toContain(`\`${field}\``);
  });
});
