// A profile's per-host values (`hostInputs`: the host list's extra columns, answers `targets[].vars.<name>`)
// in the wizard: what a target's vars are in the answers, what they are read back from, and their
// problems as the core finds them (the same rules, on the same paths). Pure, unit-tested in Node.
import type { Problem } from '../../../electron/common/answers';
import type { HostInputSummary, ProfileSummary } from '../../../electron/common/api';
import { checkInputValue } from '../../../electron/common/inputs';

/** One host's per-host values as typed, by name (empty or missing: the profile's default). */
export type HostVars = Record<string, string>;

/** The per-host value names a profile takes (its host list columns, for a pasted CSV's header). */
export const hostColumns = (profile?: Pick<ProfileSummary, 'hostInputs'>): string[] => (profile?.hostInputs ?? []).map((h) => h.name);

/**
 * A target's `vars` for the answers: only what was given (an empty value is left to the profile's
 * default) and, with `columns`, only what the profile takes: another agent's values stay in the form.
 */
export function varsPart(vars: HostVars | undefined, columns?: readonly string[]): { vars?: HostVars } {
  const out: HostVars = {};
  for (const [k, v] of Object.entries(vars ?? {})) if (v.trim() && (!columns || columns.includes(k))) out[k] = v.trim();
  return Object.keys(out).length ? { vars: out } : {};
}

/** A target's `vars` read back from answers: text and numbers, as text; anything else is left out (the schema says so). */
export function varsFrom(v: unknown): HostVars {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
  const out: HostVars = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (typeof x === 'string' || typeof x === 'number') out[k] = String(x);
  return out;
}

/** A host input's label and help in the UI's language (English, then its name, where it gives none). */
export function hostInputWords(h: Pick<HostInputSummary, 'name' | 'label' | 'help'>, lang: string): { label: string; help: string } {
  const pick = (t: Record<string, string>) => t[lang] ?? t[lang.split('-')[0] ?? ''] ?? t.en ?? '';
  return { label: pick(h.label) || h.name, help: pick(h.help) };
}

/** The placeholder of a host input's cell: its default, when it has one. */
export const hostInputPlaceholder = (h: Pick<HostInputSummary, 'default'>): string | undefined => (h.default !== undefined && h.default !== '' ? String(h.default) : undefined);

/**
 * Each target's per-host values against the profile, as the core checks them (type, pattern, choices;
 * the default where none is given; required), on the core's paths `targets[N].vars.<name>`.
 */
export function hostVarProblems(perTarget: readonly (HostVars | undefined)[], profile: Pick<ProfileSummary, 'hostInputs'>): Problem[] {
  const out: Problem[] = [];
  perTarget.forEach((vars, n) => {
    for (const h of profile.hostInputs) {
      const path = `targets[${n}].vars.${h.name}`;
      const raw = vars?.[h.name]?.trim() || (h.default !== undefined ? String(h.default) : '');
      if (!raw) {
        if (h.required) out.push({ path, message: 'is required' });
        continue;
      }
      const c = checkInputValue(h, raw);
      if ('problem' in c) out.push({ path, message: c.problem });
    }
  });
  return out;
}
