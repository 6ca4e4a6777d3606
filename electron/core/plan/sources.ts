// Glue used by the service layer: pick the answers' profile from the loaded ones, then build.
import type { Plan } from '../../common/api/plan';
import { type Answers } from './answers';
import { buildPlan, PlanError } from './build';
import type { Profile } from '../profiles/schema';
import type { RegionInfo } from './regions';

export interface PlanSources {
  profiles: readonly Profile[];
  regions: readonly RegionInfo[];
  /** Profile files that did not load (`file:line: field: message`): said when the answers' profile is not found. */
  problems?: readonly string[];
}

/** Builds the plan, or throws PlanError (one problem per line) — e.g. for an unknown profile. */
export function planFromAnswers(answers: Answers, sources: PlanSources): Plan {
  const profile = sources.profiles.find((p) => p.id === answers.profile);
  if (!profile) {
    const known = sources.profiles.map((p) => p.id).join(', ') || 'none installed';
    // A profile file with a problem is not loaded: its problems are likely why (a user's profile with a typo).
    const broken = sources.problems ?? [];
    throw new PlanError([
      { path: 'profile', message: broken.length ? `no loaded profile is ${JSON.stringify(answers.profile)}; profile files that did not load (fix them, then try again):\n  ${broken.join('\n  ')}\n(loaded: ${known})` : `unknown profile ${JSON.stringify(answers.profile)} (known: ${known})` },
    ]);
  }
  return buildPlan(answers, profile, sources.regions);
}
