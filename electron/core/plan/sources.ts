// Glue used by the service layer: pick the answers' profile from the loaded ones, then build.
import type { Plan } from '../../common/api/plan';
import { type Answers } from './answers';
import { buildPlan, PlanError } from './build';
import type { Profile } from '../profiles/schema';
import type { RegionInfo } from './regions';

export interface PlanSources {
  profiles: readonly Profile[];
  regions: readonly RegionInfo[];
}

/** Builds the plan, or throws PlanError (one problem per line) — e.g. for an unknown profile. */
export function planFromAnswers(answers: Answers, sources: PlanSources): Plan {
  const profile = sources.profiles.find((p) => p.id === answers.profile);
  if (!profile) {
    const known = sources.profiles.map((p) => p.id).join(', ') || 'none installed';
    throw new PlanError([{ path: 'profile', message: `unknown profile ${JSON.stringify(answers.profile)} (known: ${known})` }]);
  }
  return buildPlan(answers, profile, sources.regions);
}
