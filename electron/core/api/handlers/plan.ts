// plan.build / profiles.list / regions.list: the Review page and the wizard's choices.
import path from 'node:path';
import type { CoreContext } from '../../context';
import { OutpostError } from '../../errors';
import { formatProblem, loadProfiles, loadRegions, planFromAnswers, profileDirs, validateAnswers } from '../../plan';
import type { Handlers } from '../dispatcher';

export function planHandlers(ctx: CoreContext): Pick<Handlers, 'plan.build' | 'profiles.list' | 'regions.list'> {
  // Read on each request: the files are small, and a profile dropped into the user's folder shows up at once.
  const profiles = () => loadProfiles(profileDirs(ctx.resourcesDir, ctx.dataDir));
  const regions = () => loadRegions(path.join(ctx.resourcesDir, 'regions.yaml'));
  return {
    'plan.build': ({ answers }) => {
      const r = validateAnswers(answers);
      if (!r.ok) {
        throw new OutpostError('answers.invalid', r.problems.map(formatProblem).join('\n'), 'Correct the fields named above and try again.');
      }
      const loaded = profiles();
      for (const p of loaded.problems) ctx.log.warn(`profile skipped: ${p}`);
      const plan = planFromAnswers(r.answers, { profiles: loaded.profiles, regions: regions() });
      return { plan, warnings: plan.warnings };
    },
    'profiles.list': () => {
      const loaded = profiles();
      return {
        profiles: loaded.profiles.map((p) => ({
          id: p.id,
          name: p.name,
          description: p.description,
          os: p.os,
          connectivity: p.connectivity,
          ports: p.ports.map((x) => ({ name: x.name, port: x.port, to: x.to, download: x.download })),
        })),
        problems: loaded.problems,
      };
    },
    'regions.list': () => ({ regions: regions() }),
  };
}
