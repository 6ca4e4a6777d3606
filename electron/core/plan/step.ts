// What the plan builders share: the build context and a step with its display text (said by the
// action's module, the same one that runs it).
import type { Action, SecretPiece, Shell, Step } from '../../common/api/plan';
import { displayAction } from '../actions';
import type { Profile } from '../profiles/schema';
import type { Answers } from './answers';

export interface Ctx {
  answers: Answers;
  profile: Profile;
  values: Record<string, string>;
  secrets: Record<string, SecretPiece>;
  lists: Record<string, string[]>;
  flags: Record<string, boolean>;
  shell: Shell;
  warnings: string[];
}

/** A Step with display text derived from its action. */
export function step(s: Omit<Step, 'display' | 'params' | 'titleKey'> & { params?: Step['params']; titleKey?: string; display?: string }): Step {
  return { ...s, params: s.params ?? {}, titleKey: s.titleKey ?? '', display: s.display ?? displayOf(s.action) };
}

/** The step's display text: its action module says it (core/actions). */
export const displayOf = (a: Action): string => displayAction(a);

/** `{name}` and `{region.field}` replaced by their values ('' when unset). */
export function subst(t: string, values: Record<string, string>): string {
  // Per-host values ({host.<column>}) stay as written: the runner fills them in on each host.
  return t.replace(/\{([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_-]*)?)\}/g, (m, name: string) => values[name] ?? (name.startsWith('host.') ? m : ''));
}
