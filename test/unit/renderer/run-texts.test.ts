// Issue 24's cosmetic items in the run view and the CLI: a step title with per-host values
// ({host.address}, {host.name}, {host.<column>}) shows each host's own values, not the placeholders the
// plan keeps; a small upload is counted in bytes or KiB, in every language, not "0.0 of 0.0 MiB"; the
// plan header names targets as written (not "Web-1").
import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../../electron/common/api';
import { formatPlan } from '../../../electron/cli/commands/plan';
import { transferAmounts } from '../../../electron/common/size';
import { buildPlan, validateAnswers } from '../../../electron/core/plan';
import { parseProfile } from '../../../electron/core/profiles';
import en from '../../../renderer/src/i18n/en.json';
import fr from '../../../renderer/src/i18n/fr.json';
import zh from '../../../renderer/src/i18n/zh-CN.json';
import { fillHostValues, runStepTitle, transferredText } from '../../../renderer/src/wizard/planText';

const PROFILE = `schema: 2
id: titled
name: Titled agent
description: Titles with per-host values.
os: [linux]
connectivity: [direct]
linux:
  shell: bash
  installDir: /opt/titled
  steps:
    - id: install
      phase: install
      title: { en: "Install on {host.name} ({host.address}), port {host.agentPort}", fr: "Installer sur {host.name}, port {host.agentPort}" }
      action:
        exec:
          script: [echo, ok]
`;

function plan(): Plan {
  const r = parseProfile(PROFILE, 'titled.yaml');
  if ('problems' in r) throw new Error(r.problems.join('\n'));
  const a = validateAnswers({ profile: 'titled', os: 'linux', connectivity: { mode: 'direct', accessIp: '203.0.113.7' }, targets: [{ host: '10.0.0.5', user: 'root', agent: true, name: 'web-1', vars: { agentPort: 8081 } }, { host: '10.0.0.6', user: 'root', agent: true, vars: { agentPort: 8082 } }] });
  if (!a.ok) throw new Error(JSON.stringify(a.problems));
  return buildPlan(a.answers, r.profile, []);
}

beforeAll(async () => {
  await i18next.init({ lng: 'en', resources: { en: { translation: en }, fr: { translation: fr }, 'zh-CN': { translation: zh } }, interpolation: { escapeValue: false } });
});

describe('run view titles', () => {
  it("show each host's own values, in every language the profile gives", async () => {
    const p = plan();
    expect(p.steps.find((s) => s.id === 'install')?.title).toBe('Install on {host.name} ({host.address}), port {host.agentPort}');
    const t = i18next.t.bind(i18next) as unknown as (k: string, o?: Record<string, unknown>) => string;
    expect(runStepTitle(t, p, 'install', 'x', 'target0')).toBe('Install on web-1 (10.0.0.5), port 8081');
    expect(runStepTitle(t, p, 'install', 'x', 'target1')).toBe('Install on 10.0.0.6 (10.0.0.6), port 8082');
    await i18next.changeLanguage('fr');
    expect(runStepTitle(t, p, 'install', 'x', 'target0')).toBe('Installer sur web-1, port 8081');
    await i18next.changeLanguage('en');
    // A host the plan does not know keeps the text as written; text without placeholders is untouched.
    expect(fillHostValues('On {host.name}', p, 'target9')).toBe('On {host.name}');
    expect(fillHostValues('Plain', null, 'target0')).toBe('Plain');
  });
});

describe('upload amounts', () => {
  it('are said in the unit that suits the file', () => {
    expect(transferAmounts(0, 312)).toEqual({ done: '0', total: '312', unit: 'bytes' });
    expect(transferAmounts(312, 312)).toEqual({ done: '312', total: '312', unit: 'bytes' });
    expect(transferAmounts(2048, 20_480)).toEqual({ done: '2.0', total: '20.0', unit: 'KiB' });
    expect(transferAmounts(1_048_576, 5 * 1_048_576)).toEqual({ done: '1.0', total: '5.0', unit: 'MiB' });
  });

  it('read so in the run view, in English, French and Chinese', async () => {
    const t = i18next.t.bind(i18next) as unknown as (k: string, o?: Record<string, unknown>) => string;
    expect(transferredText(t, 156, 312)).toBe('156 of 312 bytes (50 %)');
    expect(transferredText(t, 1_048_576, 2 * 1_048_576)).toBe('1.0 of 2.0 MiB (50 %)');
    await i18next.changeLanguage('fr');
    expect(transferredText(t, 312, 312)).toBe('312 sur 312 octets (100 %)');
    await i18next.changeLanguage('zh-CN');
    expect(transferredText(t, 512, 2048)).toBe('0.5 / 2.0 KiB（25%）');
    await i18next.changeLanguage('en');
  });
});

describe('the plan header', () => {
  it('names each target as written, lower case kept', () => {
    const text = formatPlan(plan());
    expect(text).toContain('Target web-1 (root@10.0.0.5:22): agent [target0]');
    expect(text).toContain('Target host 2 (root@10.0.0.6:22): agent [target1]');
    expect(text).not.toMatch(/Web-1|Host 2/);
  });
});
