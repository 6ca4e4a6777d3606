// The UI never shows answers-file paths: every path the core puts in a message (problems, warnings,
// hints, failures) is said as the step and the field the wizard shows, in the UI's language.
import i18next, { type i18n } from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatProblem, validateAnswers } from '../../../electron/common/answers';
import { planFromAnswers, PlanError } from '../../../electron/core/plan';
import { inWizardWords, pathWords } from '../../../renderer/src/wizard/answer-paths';
import en from '../../../renderer/src/i18n/en.json';
import zh from '../../../renderer/src/i18n/zh-CN.json';
import fr from '../../../renderer/src/i18n/fr.json';
import { example, profiles, regions } from '../plan/helpers';

type T = (k: string, o?: Record<string, unknown>) => string;
let inst: i18n;
const tIn = (lng: string): T => inst.getFixedT(lng) as unknown as T;
/** What an answers path looks like in a message. */
const PATHISH = /targets\[\d|connectivity\.[a-z]|inputs\.[a-z]|options\.[a-z]|package\.path|tunnel: persistent|\bjump0\b|in the answers|portOverrides/i;

beforeAll(async () => {
  inst = i18next.createInstance();
  await inst.init({ lng: 'en', resources: { en: { translation: en }, 'zh-CN': { translation: zh }, fr: { translation: fr } }, interpolation: { escapeValue: false } });
});

const ctx = { hostName: (i: number) => (i === 0 ? 'web-1' : undefined), inputLabel: (n: string) => (n === 'ak' ? 'Access key ID (AK)' : undefined) };

describe('pathWords', () => {
  it('names the step, the host or jump server by its name, and the field', () => {
    const t = tIn('en');
    expect(pathWords(t, 'targets[0].password', ctx)).toBe('Hosts › web-1 › Password');
    expect(pathWords(t, 'targets[3].privateKey.path', ctx)).toBe('Hosts › host 4 › Private key file');
    expect(pathWords(t, 'connectivity.jumpServers[0].ssh.host', ctx)).toBe('Connectivity › Jump server 1 › SSH address');
    expect(pathWords(t, 'connectivity.jumpServers[1].ssh', ctx)).toBe('Connectivity › Jump server 2');
    expect(pathWords(t, 'connectivity.jumpServers[0].proxy.ssh.password', ctx)).toBe('Connectivity › Jump server 1 › Proxy › Password');
    expect(pathWords(t, 'connectivity.portOverrides.80.listen', ctx)).toBe('Connectivity › Advanced: ports › Listen port for 80');
    expect(pathWords(t, 'inputs.ak', ctx)).toBe('Credentials › Access key ID (AK)');
    expect(pathWords(t, 'options.installDir', ctx)).toBe('Connectivity › Install folder');
    expect(pathWords(tIn('zh-CN'), 'targets[0].password', ctx)).toBe('主机 › web-1 › 密码');
  });
});

describe("inWizardWords on the core's own messages", () => {
  const plan = (a: unknown) => {
    const r = validateAnswers(a);
    if (!r.ok) return r.problems.map(formatProblem);
    try {
      return planFromAnswers(r.answers, { profiles, regions }).warnings;
    } catch (e) {
      if (e instanceof PlanError) return e.problems.map(formatProblem);
      throw e;
    }
  };

  it('leaves no answers path in plan problems and warnings, in any language', () => {
    const jump = structuredClone(example('linux-jump.yaml')) as unknown as Record<string, Record<string, unknown> & { jumpServers: Array<Record<string, unknown>> }>;
    jump.connectivity!.tunnel = 'vendor';
    jump.connectivity!.jumpServers[0]!.privateIp = 'not an address';
    jump.connectivity!.portOverrides = { '9999': { listen: 1 } };
    const aops = structuredClone(example('aops-agent.yaml')) as unknown as Record<string, Record<string, unknown>>;
    delete aops.connectivity!.accessIp;
    const vendor = structuredClone(example('linux-jump.yaml')) as unknown as Record<string, Record<string, unknown>>;
    vendor.connectivity!.tunnel = 'vendor';
    const messages = [...plan(jump), ...plan(aops), ...plan(vendor), 'Another program or user holds a port the tunnel needs: find it on the jump server (ss -ltnpe) and stop it, or move the tunnel with portOverrides.'];
    expect(messages.filter((m) => PATHISH.test(m)).length).toBeGreaterThan(3);
    for (const lang of ['en', 'zh-CN', 'fr']) {
      for (const m of messages) expect(inWizardWords(tIn(lang), m, ctx), m).not.toMatch(PATHISH);
    }
    const said = inWizardWords(tIn('en'), 'the vendor tunnel (ssh -f -N …) stops when the jump server reboots; run it again after a restart, or use tunnel: persistent', ctx);
    expect(said).toContain('choose the Persistent (systemd) tunnel in Connectivity');
  });

  it('keeps text that is not a path as it is', () => {
    expect(inWizardWords(tIn('en'), 'Preflight failed on web-1: clock (40 s ahead).', ctx)).toBe('Preflight failed on web-1: clock (40 s ahead).');
  });
});
