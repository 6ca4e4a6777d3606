// The run's check words in the UI's language (renderer/src/i18n/checks.ts): the core's own sentences
// (its preflight judge, its scripts' hints, its probe descriptions) each map to a key, so a check shown
// in Chinese or French is not English; a sentence the core changes without a rule here fails.
import fs from 'node:fs';
import path from 'node:path';
import i18next, { type i18n } from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Probe } from '../../../electron/common/api';
import { judgePreflight, type JudgeContext } from '../../../electron/core/actions/probe/preflight';
import { probeText } from '../../../electron/core/actions/probe';
import { NOT_ATTRIBUTABLE } from '../../../electron/core/actions/probe/traffic';
import { checkDetail, checkHint, checkName, DETAIL_RULES, GUARD_RULES, guardSays, HINT_RULES, matchRule, NAME_RULES, probeLabel } from '../../../renderer/src/i18n/checks';
import { stepMessage } from '../../../renderer/src/wizard/planText';
import en from '../../../renderer/src/i18n/en.json';
import zh from '../../../renderer/src/i18n/zh-CN.json';
import fr from '../../../renderer/src/i18n/fr.json';
import checksEn from '../../../renderer/src/i18n/checks/en.json';
import checksZh from '../../../renderer/src/i18n/checks/zh-CN.json';
import checksFr from '../../../renderer/src/i18n/checks/fr.json';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
type T = (k: string, o?: Record<string, unknown>) => string;
let inst: i18n;
const tIn = (lng: string): T => inst.getFixedT(lng) as unknown as T;

beforeAll(async () => {
  inst = i18next.createInstance();
  await inst.init({
    lng: 'en',
    resources: { en: { translation: { ...en, checkWords: checksEn } }, 'zh-CN': { translation: { ...zh, checkWords: checksZh } }, fr: { translation: { ...fr, checkWords: checksFr } } },
    interpolation: { escapeValue: false },
  });
});

const CJK = /[\u4e00-\u9fff]/;
const base: JudgeContext = { localNowSec: 1_000_000, localTzMinutes: 480, supportedArch: ['x86_64', 'aarch64'], reach: [{ name: 'icagent-30200', host: '10.0.0.5', port: 30200 }], minFreeMiB: 200, installDir: '/opt/oss', tools: [['bash'], ['curl', 'wget']] };
/** Facts that walk every branch of the judge (a pass, a warning and a failure of each check). */
const FACT_SETS: Array<[Record<string, string>, Partial<JudgeContext>]> = [
  [{ now: '1000000', tz: '+0800', os: 'Linux', arch: 'x86_64', diskfree_kb: '900000', diskdir: '/opt', uid: '0', user: 'root', tool_bash: 'yes', tool_curl: 'yes', tool_timeout: 'yes', reach_30200: 'open' }, {}],
  [{ now: '1000100', tz: '+0000', os: 'Linux', arch: 'mips', diskfree_kb: '1000', diskdir: '/opt', uid: '1000', user: 'ops', sudo: 'password', tool_bash: 'yes', tool_timeout: 'yes', reach_30200: 'closed' }, {}],
  [{ now: '999000', os: 'FreeBSD', arch: 'amd64', uid: '1000', user: 'ops', sudo: 'no' }, {}],
  [{ now: '1000040', tz: '+0800', os: 'Linux', arch: 'x86_64', diskfree_kb: '900000', uid: '1000', user: 'ops', sudo: 'yes', tool_bash: 'yes', tool_curl: 'yes' }, {}],
  [{}, {}],
  [{ now: '1000000', os: 'Windows', arch: 'AMD64', diskfree_kb: '900000' }, { os: 'windows' }],
  [{ now: '1000000', os: '?', arch: '?' }, { os: 'windows' }],
  [{ now: '1000000', os: 'Windows', arch: 'ARM' }, { os: 'windows' }],
];
/** Findings that are values, not words (a system and its architecture, a time zone, the tools found, root). */
const VALUES = /^[A-Za-z?]+ [\w?]+$|^UTC[+-]\d{4}$|^root$|^[a-z]+(, [a-z]+)*$/;

describe('the preflight judge, said in every language', () => {
  const results = FACT_SETS.flatMap(([facts, c]) => judgePreflight(new Map(Object.entries(facts)), { ...base, ...c }));

  it('walks pass, warn and fail of its checks (the sets cover its sentences)', () => {
    expect(new Set(results.map((r) => r.status))).toEqual(new Set(['pass', 'warn', 'fail']));
    expect(results.length).toBeGreaterThan(30);
  });

  it('has a rule for every name, finding and hint it gives', () => {
    for (const r of results) {
      expect(matchRule(NAME_RULES, r.name), r.name).not.toBeNull();
      if (!VALUES.test(r.detail)) expect(matchRule(DETAIL_RULES, r.detail), r.detail).not.toBeNull();
      if (r.hint) expect(matchRule(HINT_RULES, r.hint), r.hint).not.toBeNull();
    }
  });

  it('says them in Chinese and French, and in English as the core wrote them', () => {
    const zhT = tIn('zh-CN');
    const frT = tIn('fr');
    const enT = tIn('en');
    for (const r of results) {
      expect(checkName(enT, r.name)).toBe(r.name);
      expect(checkDetail(enT, r.detail)).toBe(r.detail);
      expect(CJK.test(checkName(zhT, r.name)), r.name).toBe(true);
      if (!VALUES.test(r.detail)) {
        expect(CJK.test(checkDetail(zhT, r.detail)), r.detail).toBe(true);
        expect(checkDetail(frT, r.detail), r.detail).not.toBe(r.detail);
      }
      if (r.hint) {
        expect(CJK.test(checkHint(zhT, r.hint)), r.hint).toBe(true);
        expect(checkHint(frT, r.hint), r.hint).not.toBe(r.hint);
      }
    }
  });

  it('keeps the values of a sentence as written', () => {
    const zhT = tIn('zh-CN');
    expect(checkDetail(zhT, '412 MiB free in /opt/oss')).toBe('/opt/oss 可用 412 MiB');
    expect(checkDetail(zhT, 'could not check: neither ss nor netstat is available')).toBe('无法检查：ss 和 netstat 都不可用');
    expect(checkDetail(zhT, 'listening on 10.0.0.5:30200 (ssh pid 42)')).toBe('正在 10.0.0.5:30200 上监听 (ssh pid 42)');
    expect(checkDetail(tIn('en'), 'listening on 10.0.0.5:30200')).toBe('listening on 10.0.0.5:30200');
    // A sentence no rule knows stays as the core wrote it.
    expect(checkDetail(zhT, 'something new')).toBe('something new');
  });
});

describe("the core's hints and its scripts' sentences", () => {
  /** Every hint sentence written in the probe modules (string literals ending in a full stop), values removed. */
  function hintsIn(file: string): string[] {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    const lits = [...text.matchAll(/(?:hint: |HINT = |q\()(['"])((?:(?!\1).)+?\.)\1/g)].map((m) => m[2] ?? '');
    return lits.filter((s) => /^[A-Z]/.test(s) && !s.includes('${') && !s.includes("' + "));
  }

  it('has a rule for every hint of the run checks, the port and traffic scripts', () => {
    const files = ['electron/core/actions/probe/run.ts', 'electron/core/actions/probe/index.ts', 'electron/core/actions/probe/ports.ts', 'electron/core/actions/probe/traffic.ts', 'electron/core/actions/probe/preflight.ts'];
    const hints = files.flatMap((f) => hintsIn(f).map((h) => ({ f, h: h.replace(/\\'/g, "'") })));
    expect(hints.length).toBeGreaterThan(12);
    const unknown = hints.filter(({ h }) => !matchRule(HINT_RULES, h) && !h.startsWith('Log in as root') && !h.startsWith('Run Outpost elevated') && !h.startsWith('The uninstall did not') && !h.startsWith('Every check still'));
    expect(unknown).toEqual([]);
  });

  it('says the traffic verdicts (not attributable at the jump server) in Chinese', () => {
    const zhT = tIn('zh-CN');
    const nat = `${NOT_ATTRIBUTABLE} (the forwarded ports carry traffic from 10.0.0.9, none from 10.0.0.7: NAT or a load balancer)`;
    expect(checkDetail(zhT, nat)).toContain('10.0.0.9');
    expect(CJK.test(checkDetail(zhT, nat))).toBe(true);
    expect(CJK.test(checkDetail(zhT, `${NOT_ATTRIBUTABLE} (no connection on the forwarded ports seen here: another jump server behind the load balancer may carry it)`))).toBe(true);
  });

  it('says the guards of the plan in the UI language', () => {
    const zhT = tIn('zh-CN');
    expect(guardSays(zhT, 'Huawei Cloud LTS ICAgent is already installed and running')).toBe('Huawei Cloud LTS ICAgent 已安装并在运行');
    for (const r of GUARD_RULES) expect(checksZh.guard[r.key as keyof typeof checksZh.guard], r.key).toBeTruthy();
  });
});

describe('Review: the probes of a plan', () => {
  const fwd = { name: 'icagent-30200', listenHost: '10.0.0.2', listenPort: 30200, targetHost: '100.125.1.1', targetPort: 30200 };
  const probes: Probe[] = [
    { kind: 'login' },
    { kind: 'clock' },
    { kind: 'platform', os: 'linux', arch: ['x86_64', 'aarch64'] },
    { kind: 'disk', path: '/opt/oss', minFreeMiB: 200 },
    { kind: 'tools', anyOf: [['bash'], ['curl', 'wget']] },
    { kind: 'privilege' },
    { kind: 'privilege', os: 'windows' },
    { kind: 'reach', targets: [{ name: 'icagent-30200', host: '10.0.0.2', port: 30200 }] },
    { kind: 'listening', forwards: [fwd] },
    { kind: 'tunnelHealthy', forwards: [fwd] },
    { kind: 'tunnelTraffic', forwards: [fwd], ports: [30200, 30201] },
    { kind: 'process', name: 'icagent', match: '/opt/oss/ICAgent/bin/' },
    { kind: 'service', name: 'nova-agent', expect: 'active' },
    { kind: 'http', name: 'api', url: 'http://127.0.0.1:11000/', status: [200, 401] },
    { kind: 'connections', name: 'icagent connections', process: 'icagent', ports: [30200, 30201] },
    { kind: 'confirmed', step: 'run-script', address: '10.0.0.9' },
  ];

  it('in English word for word as the core describes them, in Chinese in Chinese', () => {
    for (const p of probes) {
      expect(probeLabel(tIn('en'), p)).toBe(probeText(p));
      const zhText = probeLabel(tIn('zh-CN'), p);
      if (p.kind !== 'platform') expect(CJK.test(zhText), zhText).toBe(true);
      expect(probeLabel(tIn('fr'), p)).not.toBe(p.kind === 'platform' ? '' : probeText(p));
    }
  });
});

describe('a check step message', () => {
  it('is its checks said in the UI language when it is their findings', () => {
    const checks = [
      { name: 'clock', status: 'warn' as const, detail: '40 s ahead of this computer' },
      { name: 'disk', status: 'pass' as const, detail: '412 MiB free in /opt' },
    ];
    const zhT = tIn('zh-CN');
    expect(stepMessage(zhT, () => false, { message: 'clock: 40 s ahead of this computer', checks })).toBe('时钟：比本机快 40 秒');
    expect(stepMessage(zhT, () => false, { message: '40 s ahead of this computer; 412 MiB free in /opt', checks })).toBe('比本机快 40 秒；/opt 可用 412 MiB');
    expect(stepMessage(zhT, () => false, { message: 'something else', checks })).toBe('something else');
  });
});
