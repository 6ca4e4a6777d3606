// The runner (core) sends run.step messages as i18n keys with parameters; every key it can send must
// exist in every locale, or the UI falls back to English.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
// Every source of the run engine and the actions (where run.step messages are made).
const sources = ['electron/core/run', 'electron/core/actions']
  .flatMap((d) => fs.readdirSync(path.join(root, d), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => path.join(root, d, f)))
  .map((f) => fs.readFileSync(f, 'utf8'))
  .join('\n');

function get(obj: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

const literal = [...new Set([...sources.matchAll(/(?:part\(|key: )'(run\.msg\.[a-zA-Z.]+)'/g)].map((m) => m[1] ?? ''))].filter((k) => !k.endsWith('.'));
const actions = ['kept', 'started', 'repaired'].map((a) => `run.msg.tunnel.${a}`);
const forms = ['systemd', 'systemd-user', 'background'].map((f) => `run.msg.how.${f}`);
const codes = [...new Set([...sources.matchAll(/code: '([a-zA-Z]+)', params/g)].map((m) => `run.msg.warn.${m[1]}`))];

describe('run messages from the core are translated', () => {
  it('finds the keys the runner and tunnel send', () => {
    expect(literal).toEqual(expect.arrayContaining(['run.msg.connected', 'run.msg.connectedVia', 'run.msg.alreadyInstalled', 'run.msg.preflightOk']));
    expect(codes).toEqual(expect.arrayContaining(['run.msg.warn.noSystemd', 'run.msg.warn.vendor', 'run.msg.warn.linger']));
  });

  for (const lang of ['en', 'zh-CN', 'fr']) {
    it(`${lang} has every key`, () => {
      const messages = JSON.parse(fs.readFileSync(path.join(root, `renderer/src/i18n/${lang}.json`), 'utf8')) as unknown;
      for (const key of [...literal, ...actions, ...forms, ...codes]) expect(typeof get(messages, key), `${lang}: ${key}`).toBe('string');
    });
  }
});
