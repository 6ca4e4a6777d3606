// One profile input's value rules (type, pattern on the trimmed value, choices), shared by the core
// (answers → plan) and the wizard (errors as you type), so both say the same thing.
import { checkHost, checkIp, checkPort } from './validate';

export type InputType = 'string' | 'host' | 'ip' | 'port' | 'path' | 'enum' | 'boolean' | 'secret' | 'list';

/** What the check needs of an input declaration (a profile's input or its summary). */
export interface InputRule {
  type: InputType;
  pattern?: string | undefined;
  patternHint?: string | undefined;
  choices?: string[] | undefined;
}

// eslint-disable-next-line no-control-regex
export const CONTROL = /[\u0000-\u001f\u007f]/;

/** Checks one non-secret value against an input's rules; returns a problem or the normalised text. */
export function checkInputValue(i: InputRule, raw: unknown): { value: string } | { problem: string } {
  if (i.type === 'boolean') {
    if (typeof raw !== 'boolean') return { problem: 'must be true or false' };
    return { value: raw ? 'true' : '' };
  }
  if (i.type === 'port') {
    const n = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
    if (typeof n !== 'number') return { problem: 'must be a port number' };
    const bad = checkPort(n);
    return bad ? { problem: bad } : { value: String(n) };
  }
  if (typeof raw !== 'string' && typeof raw !== 'number') return { problem: 'must be text' };
  const v = String(raw).trim();
  if (CONTROL.test(v)) return { problem: 'must be one line without control characters' };
  if (i.type === 'ip') {
    const bad = checkIp(v);
    if (bad) return { problem: bad };
  }
  if (i.type === 'host') {
    const bad = checkHost(v);
    if (bad) return { problem: bad };
  }
  if (i.type === 'enum' && !i.choices?.includes(v)) return { problem: `must be one of ${(i.choices ?? []).join(', ')}` };
  if (i.pattern && !new RegExp(i.pattern).test(v)) return { problem: `${JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v)} is not valid${i.patternHint ? `: ${i.patternHint}` : ''}` };
  return { value: v };
}

/** A list input's words as the wizard's text box holds them: one per line or separated by commas. */
export function listWords(text: string): string[] {
  return text.split(/[\n,]+/).map((s) => s.trim()).filter(Boolean);
}
