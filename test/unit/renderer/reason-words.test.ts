// A host's failure in the UI's language (renderer/src/i18n/reasons.ts): the SSH layer's own error
// builders run here, so a sentence changed there without a rule fails; the run's and the check's frames
// are said with their values (hosts, fingerprints, output) kept as written.
import i18next, { type i18n } from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { authFailed, hostKeyChanged, hostKeyRejected, mapForwardError, mapSshError } from '../../../electron/core/ssh/errors';
import type { OutpostError } from '../../../electron/core/errors';
import { failureWords, REASON_HINT_RULES, REASON_RULES, reasonHintWords, reasonWords } from '../../../renderer/src/i18n/reasons';
import { matchRule } from '../../../renderer/src/i18n/checks';
import en from '../../../renderer/src/i18n/en.json';
import zh from '../../../renderer/src/i18n/zh-CN.json';
import fr from '../../../renderer/src/i18n/fr.json';
import checksEn from '../../../renderer/src/i18n/checks/en.json';
import checksZh from '../../../renderer/src/i18n/checks/zh-CN.json';
import checksFr from '../../../renderer/src/i18n/checks/fr.json';

type T = (k: string, o?: Record<string, unknown>) => string;
let inst: i18n;
const tIn = (lng: string): T => inst.getFixedT(lng) as unknown as T;
const CJK = /[\u4e00-\u9fff]/;

beforeAll(async () => {
  inst = i18next.createInstance();
  await inst.init({
    lng: 'en',
    resources: { en: { translation: { ...en, checkWords: checksEn } }, 'zh-CN': { translation: { ...zh, checkWords: checksZh } }, fr: { translation: { ...fr, checkWords: checksFr } } },
    interpolation: { escapeValue: false },
  });
});

const direct = { host: '10.0.0.7', port: 22, username: 'ops', tried: ['publickey', 'password'] };
const behind = { ...direct, via: 'root@198.51.100.4:22' };
/** Every error the SSH layer builds for a host (direct and through a jump server). */
const sshErrors = (): OutpostError[] => [
  ...[direct, behind].flatMap((ctx) => [
    ...['ECONNREFUSED', 'EHOSTUNREACH', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET'].map((code) => mapSshError(Object.assign(new Error(code), { code }), ctx)),
    ...['client-timeout', 'client-authentication', 'client-dns'].map((level) => mapSshError(Object.assign(new Error('x'), { level }), ctx)),
    mapSshError(new Error('Unsupported algorithm'), ctx),
    authFailed({ ...ctx, serverMethods: ['publickey'] }),
    authFailed(ctx),
    hostKeyRejected(`${ctx.host}:${ctx.port}`, 'ssh-ed25519', 'SHA256:abcDEF123'),
    hostKeyChanged(`${ctx.host}:${ctx.port}`, ctx.host, 2222, { keyType: 'ssh-ed25519', fingerprint: 'SHA256:old' }, { keyType: 'ssh-rsa', fingerprint: 'SHA256:new' }, '/home/me/.ssh/known_hosts'),
  ]),
  ...['connect ECONNREFUSED', 'No route to host', 'Name not known', 'administratively prohibited', 'Connection timed out', 'Channel open failure'].map((msg) => mapForwardError(new Error(msg), { ...direct, via: 'root@198.51.100.4:22' })),
];

/** The run's and the check's frames, as the core writes them (exec.ts failure(), probe failures, lifecycle verdicts). */
const FRAMES = [
  'Install ICAgent failed on web-1: it exited with code 3. Last output: curl: (7) Failed to connect',
  'Install ICAgent failed on web-1: it exited with code none (killed).',
  'Install ICAgent failed on ops@10.0.0.7:22: ERROR: AK/SK invalid (the output says "ERROR").',
  'Install ICAgent failed on web-1: its success message (Install success) did not appear.',
  'Check that ICAgent runs failed on web-1: process icagent (no process matching icagent); icagent-30200 (nothing listens on 127.0.0.1:30200).',
  'Not tried: jump 1 failed (Connection refused by 198.51.100.4:22.)',
  'the agent passes its checks',
  'the tunnel on jump 1 is down: Check the tunnel on jump 1 failed on jump 1: it exited with code 1. (the agent itself passes its checks here, but cannot report through the tunnel)',
  'the tunnel on jump 1 is down: Check the tunnel on jump 1 failed on jump 1: it exited with code 1.; on the host: Connection refused by 10.0.0.7:22.',
  'Cancelled.',
];

describe('why a host failed, said in every language', () => {
  const errors = sshErrors();

  it('has a rule for every reason and hint the SSH layer gives', () => {
    for (const e of errors) {
      expect(matchRule(REASON_RULES, e.message), e.message).not.toBeNull();
      expect(matchRule(REASON_HINT_RULES, e.hint ?? ''), e.hint).not.toBeNull();
    }
  });

  it('says them in Chinese and French, keeping hosts and fingerprints, and in English as the core wrote them', () => {
    for (const e of errors) {
      expect(reasonWords(tIn('en'), e.message)).toBe(e.message);
      expect(reasonHintWords(tIn('en'), e.hint ?? '')).toBe(e.hint);
      const z = reasonWords(tIn('zh-CN'), e.message);
      expect(CJK.test(z), e.message).toBe(true);
      expect(reasonWords(tIn('fr'), e.message), e.message).not.toBe(e.message);
      expect(CJK.test(reasonHintWords(tIn('zh-CN'), e.hint ?? '')), e.hint).toBe(true);
      // The values stay: the address (and the jump server it went through), fingerprints.
      for (const v of e.message.match(/\d+\.\d+\.\d+\.\d+:\d+|SHA256:\w+/g) ?? []) expect(z, e.message).toContain(v);
    }
  });

  it('says the run and check frames, their checks through the check words, the output kept', () => {
    for (const f of FRAMES) {
      expect(matchRule(REASON_RULES, f), f).not.toBeNull();
      expect(reasonWords(tIn('en'), f)).toBe(f);
      expect(CJK.test(reasonWords(tIn('zh-CN'), f)), f).toBe(true);
    }
    const zhT = tIn('zh-CN');
    const probe = reasonWords(zhT, FRAMES[4] as string);
    expect(probe).toContain('icagent');
    expect(probe).not.toContain('nothing listens');
    expect(reasonWords(zhT, FRAMES[0] as string)).toContain('curl: (7) Failed to connect');
    expect(reasonWords(zhT, FRAMES[0] as string)).toContain('退出码为 3');
    // A step title the plan knows is said as the plan says it.
    expect(reasonWords(zhT, FRAMES[0] as string, { stepTitle: (e) => (e === 'Install ICAgent' ? '安装 ICAgent' : undefined) })).toMatch(/^“安装 ICAgent”在 web-1 上失败/);
    // Nested: the jump's own failure inside "Not tried".
    expect(reasonWords(tIn('fr'), FRAMES[5] as string)).toBe('Non essayé : jump 1 a échoué (Connexion refusée par 198.51.100.4:22.)');
  });

  it('leaves a sentence it does not know as written', () => {
    const s = 'The vendor script printed something new.';
    expect(failureWords(tIn('zh-CN'), s)).toBe(s);
  });
});
