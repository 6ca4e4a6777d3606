// Per-host values ({host.address}, {host.name}) in a step: the plan keeps them as written, so one plan
// serves a whole batch, and this one function fills them into every string field of an action — paths,
// contents, values, words of a command, probes — for the runner (each host's own values) and for the
// export (Ansible's per-host variables) alike. Shell syntax a profile wrote (`op` pieces), secret
// references and run-time facts are not templates and are left alone.
import type { Action, Probe, Step } from '../../common/api/plan';
import { OutpostError } from '../errors';

/** Keys whose string values are not template text. */
const NOT_TEXT = new Set(['kind', 'shell', 'format', 'direction', 'form', 'escape', 'op', 'fact', 'assign', 'expect']);

const PLACEHOLDER = /\{(host\.[a-z][A-Za-z0-9_]*)\}/g;

function walk(v: unknown, fill: (s: string) => string): unknown {
  if (typeof v === 'string') return fill(v);
  if (Array.isArray(v)) return v.map((x) => walk(x, fill));
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  // A secret piece ({ secret, name }) is a reference, not text.
  if ('secret' in o && typeof o.secret === 'object') return o;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) out[k] = NOT_TEXT.has(k) ? x : walk(x, fill);
  return out;
}

/** Applies `fill` to every template string of an action (or probes). */
export function mapTemplates<T extends Action | Probe[]>(a: T, fill: (s: string) => string): T {
  return walk(a, fill) as T;
}

/** Whether any template string of the action names a per-host value. */
export function usesHostValues(a: Action | Probe[]): boolean {
  let found = false;
  mapTemplates(a, (s) => {
    if (s.includes('{host.')) found = true;
    return s;
  });
  return found;
}

export type HostValues = Readonly<Record<string, string>>;

/** A value that needs no quoting anywhere: a command word, a path, a file's content, JSON. */
const PLAIN = /^[A-Za-z0-9._:-]+$/;

/** The per-host values of a host, each checked plain (a host a command or file cannot take as it is is refused, naming it). */
export function hostValues(hostId: string, values: Readonly<Record<string, string>>): HostValues {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) {
    if (!PLAIN.test(v)) throw new OutpostError('host_value_invalid', `{host.${k}} of ${hostId} is "${v}", which has characters a command or file cannot take as they are.`, 'Give the target a plain name (letters, digits, . _ : -).');
    out[`host.${k}`] = v;
  }
  return out;
}

/** Fills `{host.*}` placeholders in one string; an unknown one is left as written. */
export function fillText(s: string, values: HostValues): string {
  return s.includes('{host.') ? s.replace(PLACEHOLDER, (m, k: string) => values[k] ?? m) : s;
}

/** The action with this host's values in every template string. */
export function fillAction<A extends Action>(a: A, values: HostValues): A {
  return usesHostValues(a) ? mapTemplates(a, (s) => fillText(s, values)) : a;
}

/** A step as it runs on one host: its action, guard probes and title filled in. */
export function fillStep(s: Step, values: HostValues): Step {
  return {
    ...s,
    title: fillText(s.title, values),
    // The titles in each language too: the run view and the journal show them per host.
    ...(s.titles ? { titles: Object.fromEntries(Object.entries(s.titles).map(([l, t]) => [l, fillText(t, values)])) } : {}),
    action: fillAction(s.action, values),
    ...(s.guard ? { guard: { ...s.guard, probes: mapTemplates(s.guard.probes, (t) => fillText(t, values)) } } : {}),
  };
}
