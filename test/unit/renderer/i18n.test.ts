// The three locales: same keys, same placeholders, no empty text; every key the code uses exists;
// every plan title key and every validator message the wizard translates has a text.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import en from '../../../renderer/src/i18n/en.json';
import fr from '../../../renderer/src/i18n/fr.json';
import zh from '../../../renderer/src/i18n/zh-CN.json';
import checksEn from '../../../renderer/src/i18n/checks/en.json';
import checksFr from '../../../renderer/src/i18n/checks/fr.json';
import checksZh from '../../../renderer/src/i18n/checks/zh-CN.json';
import { describeProblem, PROBLEM_KEYS } from '../../../renderer/src/wizard/problems';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
type Tree = { [k: string]: string | Tree };

function flatten(t: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(t)) {
    if (typeof v === 'string') out.set(prefix + k, v);
    else for (const [kk, vv] of flatten(v, `${prefix}${k}.`)) out.set(kk, vv);
  }
  return out;
}

// The check words live in their own files, under checkWords (renderer/src/i18n/index.ts).
const withChecks = (base: object, checks: object): Tree => ({ ...(base as Tree), checkWords: checks as Tree });
const locales = { en: flatten(withChecks(en, checksEn)), 'zh-CN': flatten(withChecks(zh, checksZh)), fr: flatten(withChecks(fr, checksFr)) };
const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
const has = (key: string) => locales.en.has(key) || locales.en.has(`${key}_one`) || locales.en.has(`${key}_other`);

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

describe('locales', () => {
  it('have the same keys in English, Chinese and French', () => {
    const keys = [...locales.en.keys()].sort();
    expect([...locales['zh-CN'].keys()].sort()).toEqual(keys);
    expect([...locales.fr.keys()].sort()).toEqual(keys);
  });

  it('use the same placeholders in every language and have no empty text', () => {
    for (const [key, text] of locales.en) {
      for (const other of [locales['zh-CN'], locales.fr]) {
        const t = other.get(key) ?? '';
        expect(t, key).not.toBe('');
        expect(placeholders(t), key).toEqual(placeholders(text));
      }
    }
  });

  it('contain every literal key the renderer asks for', () => {
    const missing: string[] = [];
    for (const file of sources(path.join(ROOT, 'renderer', 'src'))) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z][\w.]*)'/g)) if (!has(m[1]!)) missing.push(`${path.relative(ROOT, file)}: ${m[1]}`);
      // Template keys: every value the code can put in the ${…} must exist; checked for the known families.
      for (const m of text.matchAll(/\bt\(\s*`([a-zA-Z][\w.]*)\.\$\{/g)) {
        const family = m[1]!;
        expect([...locales.en.keys()].some((k) => k.startsWith(`${family}.`)), `${file}: ${family}.*`).toBe(true);
      }
    }
    expect(missing).toEqual([]);
  });

  it('cover the families built from values: steps, rail states, run statuses, OS, modes, hosts modes', () => {
    const need = [
      ...['agent', 'region', 'connectivity', 'credentials', 'hosts', 'review', 'run', 'result'].map((s) => `steps.${s}`),
      ...['current', 'done', 'error', 'todo', 'locked'].map((s) => `rail.${s}`),
      ...['pending', 'running', 'done', 'failed', 'skipped', 'warning', 'cancelled'].map((s) => `status.${s}`),
      ...['pass', 'warn', 'fail'].map((s) => `check.${s}`),
      ...['linux', 'windows', 'linuxDesc', 'windowsDesc'].map((s) => `agent.os.${s}`),
      ...['jump', 'bastion', 'vpcep', 'direct', 'jumpDesc', 'bastionDesc', 'vpcepDesc', 'directDesc'].map((s) => `conn.mode.${s}`),
      ...['single', 'list', 'thisComputer', 'singleDesc', 'listDesc', 'thisComputerDesc'].map((s) => `hosts.mode.${s}`),
      ...['done', 'failed', 'cancelled'].flatMap((s) => [`result.title.${s}`, `result.lead.${s}`]),
      ...PROBLEM_KEYS,
    ];
    expect(need.filter((k) => !has(k))).toEqual([]);
  });

  it('translate every plan step title the plan engine emits (titleKey)', () => {
    const dir = path.join(ROOT, 'electron', 'core', 'plan');
    const src = fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n');
    const keys = [...new Set([...src.matchAll(/'(plan\.step\.\w+)'/g)].map((m) => m[1]!))];
    expect(keys.length).toBeGreaterThan(5);
    expect(keys.filter((k) => !has(k))).toEqual([]);
  });
});

describe('describeProblem', () => {
  const t = (key: string, p?: Record<string, unknown>) => `${key}|${String(p?.value ?? '')}`;
  it('maps the shared validators\' messages to keys with the offending value', () => {
    expect(describeProblem('"1.2.3" is not an IPv4 or IPv6 address', t)).toBe('err.ip|"1.2.3"');
    expect(describeProblem('70000 is not a TCP port (1-65535)', t)).toBe('err.port|70000');
    expect(describeProblem('is required', t)).toBe('err.required|');
    expect(describeProblem('"a b" is not a project ID (letters, digits, _ and -)', t)).toBe('err.projectId|"a b"');
    expect(describeProblem('needs one of password, privateKey or agent: true', t)).toBe('err.auth|');
  });
  it('falls back to the schema\'s English text for an unknown shape', () => {
    expect(describeProblem('something new', t)).toBe('something new');
  });
});
