// Plan warnings reach the Review in the UI's language: each carries an i18n key with its parameters
// (the English text stays for the CLI), and every key the plan engine can give exists in all three locales.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planFromAnswers, type Answers } from '../../../electron/core/plan';
import en from '../../../renderer/src/i18n/en.json';
import fr from '../../../renderer/src/i18n/fr.json';
import zh from '../../../renderer/src/i18n/zh-CN.json';
import { example, profiles, regions, ROOT } from './helpers';

describe('plan warnings', () => {
  it('carry their key and parameters beside the English text', () => {
    const a = example('linux-jump.yaml');
    const conn = { ...(a.connectivity as Extract<Answers['connectivity'], { mode: 'jump' }>), tunnel: 'vendor' as const };
    const plan = planFromAnswers({ ...a, connectivity: conn, targets: [], options: { download: 'tunnel' } }, { profiles, regions });
    const parts = plan.warnings.map((w, i) => ({ w, part: plan.warningParts?.[i] }));
    expect(parts.find((p) => p.w.startsWith('the vendor tunnel'))?.part).toEqual({ key: 'planWarn.vendorTunnel', params: {} });
    expect(parts.find((p) => p.w.startsWith('no targets are listed'))?.part).toEqual({ key: 'planWarn.noTargets', params: {} });
    expect(parts.find((p) => p.w.startsWith('the installer is downloaded over plain HTTP'))?.part).toMatchObject({ key: 'planWarn.plainHttp', params: { url: expect.stringMatching(/^http:\/\//) } });
  });

  it('every key the plan engine gives has a text in English, Chinese and French', () => {
    const source = fs.readFileSync(path.join(ROOT, 'electron', 'core', 'plan', 'build.ts'), 'utf8');
    const keys = [...source.matchAll(/'planWarn\.(\w+)'/g)].map((m) => m[1] ?? '');
    expect(keys.length).toBeGreaterThanOrEqual(5);
    for (const locale of [en, zh, fr] as Array<{ planWarn: Record<string, string> }>) for (const k of keys) expect(locale.planWarn[k], k).toBeTruthy();
  });
});
