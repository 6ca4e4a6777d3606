// plan.runbook: the Review page's copy texts and runbook download. Revealing resolves the secrets from
// the secure store only when the user asked for it on that page; the masked form is the default.
import type { Step } from '../../../common/api/plan';
import type { CoreContext } from '../../context';
import { OutpostError } from '../../errors';
import { describeRef, renderStep, secretRefs } from '../../render';
import { runbook } from '../../plan/runbook';
import { storeResolver } from '../../secrets/store';
import type { OutpostService } from '../../service';
import type { Handlers } from '../dispatcher';

export function reviewHandlers(ctx: CoreContext, service: OutpostService): Pick<Handlers, 'plan.runbook'> {
  return {
    'plan.runbook': ({ answers, reveal }) => {
      const plan = service.plan(answers);
      const resolve = storeResolver(ctx.secretStore);
      const missing = new Set<string>();
      const text = (s: Step): string => {
        if (!reveal) return s.display;
        const unset = secretRefs(s).filter((p) => !resolve(p.secret));
        for (const p of unset) missing.add(`${p.name} (${describeRef(p.secret)})`);
        if (unset.length) return s.display;
        try {
          return renderStep(s, 'exec', resolve, ctx.secrets) ?? s.display;
        } catch (err) {
          // A value known only during a run (the host key Outpost verified) stays <name>.
          if (err instanceof OutpostError && err.code === 'plan.fact_missing') return s.display;
          throw err;
        }
      };
      const steps = Object.fromEntries(plan.steps.map((s) => [s.id, text(s)]));
      return { steps, files: runbook(plan, (s) => steps[s.id] ?? s.display), missing: [...missing] };
    },
  };
}
