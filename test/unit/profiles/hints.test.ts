// Every hint names a command or button that exists (issue 22): each `outpost <command> --flag` a
// shipped profile's hint (or the core's Windows messages) tells the admin to run is a command with
// those flags, and each button it names in the app is a label the app shows. The hints the Windows
// tests follow to `done` (test/integration/windows) use these same words.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram } from '../../../electron/cli/main';
import { ROOT } from '../plan/helpers';

const PROFILES = path.join(ROOT, 'resources', 'profiles');
const en = JSON.parse(fs.readFileSync(path.join(ROOT, 'renderer', 'src', 'i18n', 'en.json'), 'utf8')) as Record<string, unknown>;

/** Every string under a `hint` key, anywhere in a parsed YAML document. */
function hintsOf(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) hintsOf(x, out);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'hint' && typeof x === 'string') out.push(x);
      else if (k === 'hint' && x && typeof x === 'object') out.push(...Object.values(x).filter((s): s is string => typeof s === 'string'));
      else hintsOf(x, out);
    }
  }
  return out;
}

const labels = (v: unknown, out = new Set<string>()): Set<string> => {
  if (typeof v === 'string') out.add(v);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) labels(x, out);
  return out;
};

/** The hints of the shipped profiles, and the core's own (written as string literals beside `hint`). */
const hints: Array<{ from: string; text: string }> = [
  ...fs.readdirSync(PROFILES).filter((f) => f.endsWith('.yaml')).flatMap((f) => hintsOf(YAML.parse(fs.readFileSync(path.join(PROFILES, f), 'utf8'))).map((text) => ({ from: f, text }))),
  ...['electron/core/exec/ssh-windows.ts', 'electron/core/actions/unpack.ts'].flatMap((f) => [...fs.readFileSync(path.join(ROOT, f), 'utf8').matchAll(/'([^'\n]*outpost [a-z][^'\n]*)'|"([^"\n]*outpost [a-z][^"\n]*)"|`([^`\n]*outpost [a-z][^`\n]*)`/g)].map((m) => ({ from: f, text: m[1] ?? m[2] ?? m[3] ?? '' }))),
];

describe('hints name what exists', () => {
  const program = buildProgram();
  const command = (name: string): Command | undefined => program.commands.find((c) => c.name() === name);

  it('there are hints to check, Windows ones among them', () => {
    expect(hints.length).toBeGreaterThan(20);
    expect(hints.filter((h) => /--reinstall/.test(h.text)).length).toBeGreaterThan(3);
  });

  it('every `outpost <command> --flag` in a hint is a command with that flag', () => {
    const wrong: string[] = [];
    let seen = 0;
    for (const h of hints) {
      for (const m of h.text.matchAll(/\boutpost ([a-z][a-z-]*)((?: --[a-z][a-z-]*)*)/g)) {
        seen++;
        const c = command(m[1] ?? '');
        if (!c) {
          wrong.push(`${h.from}: "outpost ${m[1]}" is not a command`);
          continue;
        }
        const flags = (m[2] ?? '').trim().split(/\s+/).filter(Boolean);
        const known = new Set(c.options.map((o) => o.long));
        for (const f of flags) if (!known.has(f)) wrong.push(`${h.from}: outpost ${m[1]} has no ${f}`);
      }
    }
    expect(seen).toBeGreaterThan(5);
    expect(wrong).toEqual([]);
  });

  it("every button a hint names in the app is a label the app shows", () => {
    const shown = labels(en);
    const wrong: string[] = [];
    let seen = 0;
    for (const h of hints) {
      for (const m of h.text.matchAll(/\bor ([A-Z][^(),.:;]*?) (?:on|in) the app(?:'s| )/g)) {
        seen++;
        if (!shown.has(m[1] ?? '')) wrong.push(`${h.from}: "${m[1]}" is no button of the app`);
      }
    }
    expect(seen).toBeGreaterThan(3);
    expect(wrong).toEqual([]);
  });
});
