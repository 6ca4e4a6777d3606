// A profile's inputs, checked against the answers: required, type, pattern (on the trimmed value),
// choices; secrets only as references. The same rules serve the CLI (problem list), the API and the
// wizard (which gets them through profiles.list).
import type { SecretPiece } from '../../common/api/plan';
import { LITERAL_SECRET, type Answers, type Problem } from '../../common/answers';
import { checkInputValue, CONTROL } from '../../common/inputs';
import type { Profile, ProfileInput } from '../profiles/schema';

export interface ResolvedInputs {
  /** Non-secret values as template text ('' when unset; booleans as 'true' / ''). */
  values: Record<string, string>;
  secrets: Record<string, SecretPiece>;
  lists: Record<string, string[]>;
  problems: Problem[];
}

const isRef = (v: unknown): v is { env: string } | { stored: string } =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && ('env' in v || 'stored' in v);

export function inputApplies(i: ProfileInput, os: Answers['os']): boolean {
  return !i.os || i.os.includes(os);
}

export { checkInputValue };

export function resolveInputs(profile: Profile, answers: Answers): ResolvedInputs {
  const given: Record<string, unknown> = { ...(answers.credentials ?? {}), ...(answers.inputs ?? {}) };
  const base = answers.inputs ? 'inputs' : 'credentials';
  const out: ResolvedInputs = { values: {}, secrets: {}, lists: {}, problems: [] };
  const declared = new Set(profile.inputs.map((i) => i.name));
  for (const key of Object.keys(given)) {
    if (!declared.has(key)) {
      out.problems.push({ path: `${key in (answers.inputs ?? {}) ? 'inputs' : 'credentials'}.${key}`, message: `is not an input of ${profile.name} (inputs: ${[...declared].join(', ') || 'none'})` });
    }
  }
  for (const i of profile.inputs) {
    const at = `${key(answers, i.name, base)}.${i.name}`;
    const raw = given[i.name];
    const applies = inputApplies(i, answers.os);
    if (raw === undefined || raw === '' || raw === null) {
      if (i.required && applies) out.problems.push({ path: at, message: 'is required' });
      if (i.type === 'list') out.lists[i.name] = [];
      else if (i.type !== 'secret') out.values[i.name] = i.default === undefined ? '' : i.type === 'boolean' ? (i.default ? 'true' : '') : String(i.default);
      continue;
    }
    if (i.type === 'secret') {
      if (!isRef(raw)) {
        out.problems.push({ path: at, message: LITERAL_SECRET });
        continue;
      }
      out.secrets[i.name] = { secret: 'env' in raw ? { env: raw.env } : { stored: raw.stored }, name: at, ...(i.pattern !== undefined ? { pattern: i.pattern } : {}), ...(i.patternHint !== undefined ? { patternHint: i.patternHint } : {}) };
      continue;
    }
    if (isRef(raw)) {
      out.problems.push({ path: at, message: 'is not a secret: write the value itself' });
      continue;
    }
    if (i.type === 'list') {
      if (!Array.isArray(raw) || raw.some((x) => typeof x !== 'string' || CONTROL.test(x))) {
        out.problems.push({ path: at, message: 'must be a list of words (one line each)' });
        continue;
      }
      out.lists[i.name] = raw as string[];
      continue;
    }
    const r = checkInputValue(i, raw);
    if ('problem' in r) out.problems.push({ path: at, message: r.problem });
    else out.values[i.name] = r.value;
  }
  return out;
}

function key(answers: Answers, name: string, base: string): string {
  if (answers.inputs && name in answers.inputs) return 'inputs';
  if (answers.credentials && name in answers.credentials) return 'credentials';
  return base;
}
