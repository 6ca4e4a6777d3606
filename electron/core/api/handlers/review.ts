// plan.runbook: the Review page's copy texts and runbook download. Revealing resolves the secrets from
// the secure store only when the user asked for it on that page; the masked form is the default. Both
// forms run as they are (common/copy-text.ts): a jump server's host key Outpost has verified (the one
// key its known_hosts holds for it) is filled in; otherwise the text says to fill it in.
import type { Plan, Step } from '../../../common/api/plan';
import { runnableText } from '../../../common/copy-text';
import type { CoreContext } from '../../context';
import { OutpostError } from '../../errors';
import { describeRef, renderStep, secretRefs } from '../../render';
import { runbook } from '../../plan/runbook';
import { storeResolver } from '../../secrets/store';
import { publicKeyLine } from '../../ssh/known-hosts';
import type { OutpostService } from '../../service';
import type { Handlers } from '../dispatcher';

/** `hostkey.<jump id>` → the key line, for jump servers the app's known_hosts holds exactly one key for. */
async function verifiedKeys(service: OutpostService, plan: Plan): Promise<Record<string, string>> {
  const known = service.knownHosts();
  const out: Record<string, string> = {};
  for (const j of plan.hosts.jumps) {
    const entries = (await known.forHost(j.ssh.host, j.ssh.port).catch(() => [])).filter((e) => e.marker === '');
    const [only] = entries;
    if (only && entries.length === 1) out[`hostkey.${j.id}`] = publicKeyLine(only.key);
  }
  return out;
}

export function reviewHandlers(ctx: CoreContext, service: OutpostService): Pick<Handlers, 'plan.runbook'> {
  return {
    'plan.runbook': async ({ answers, reveal }) => {
      const plan = service.plan(answers);
      const known = await verifiedKeys(service, plan);
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
          // A value known only during a run stays <name>: the runnable text makes it a variable to fill in.
          if (err instanceof OutpostError && err.code === 'plan.fact_missing') return s.display;
          throw err;
        }
      };
      const texts = Object.fromEntries(plan.steps.map((s) => [s.id, text(s)]));
      const steps = Object.fromEntries(plan.steps.map((s) => [s.id, runnableText(s, plan, texts[s.id] ?? s.display, known)]));
      return { steps, files: runbook(plan, (s) => texts[s.id] ?? s.display, known), missing: [...missing] };
    },
  };
}
