// plan.build / plan.network / profiles.list / regions.list / profiles.importCommand: the Review page and the wizard's
// choices, served by the one service layer.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { CoreContext } from '../../context';
import { OutpostError } from '../../errors';
import { secretHint } from '../../secrets/store';
import { planNetwork, type OutpostService } from '../../service';
import type { Handlers } from '../dispatcher';

export function planHandlers(ctx: CoreContext, service: OutpostService): Pick<Handlers, 'plan.build' | 'plan.network' | 'profiles.list' | 'profiles.openFolder' | 'regions.list' | 'profiles.importCommand'> {
  return {
    'plan.build': ({ answers }) => {
      const plan = service.plan(answers);
      return { plan, warnings: plan.warnings };
    },
    'plan.network': ({ answers }) => planNetwork(service, answers),
    'profiles.list': () => service.profileSummaries(),
    'profiles.openFolder': async () => {
      const folder = service.userProfilesDir;
      try {
        fs.mkdirSync(folder, { recursive: true });
      } catch (err) {
        throw new OutpostError('profiles.folder', `${folder} could not be created: ${err instanceof Error ? err.message : String(err)}`, 'Check the data folder and its permissions.');
      }
      if (!ctx.openPath) return { folder, opened: false };
      const error = await ctx.openPath(folder);
      return error ? { folder, opened: false, error } : { folder, opened: true };
    },
    'regions.list': () => ({ regions: service.regions() }),
    'profiles.importCommand': ({ profile, os, text }) => {
      const r = service.importCommand(profile, os, text);
      if (r.problems.length) throw new OutpostError('command.invalid', r.problems.join('\n'), 'Copy the whole command again from the console.');
      const store = ctx.secretStore;
      const secrets: Array<{ name: string; stored: string; hint: string }> = [];
      const declared = service.profiles().profiles.find((l) => l.profile.id === profile)?.profile.inputs ?? [];
      const inputs: Record<string, unknown> = { ...r.inputs };
      for (const [name, value] of Object.entries(r.secrets)) {
        ctx.secrets.add(value);
        if (!store) throw new OutpostError('secret_store_unavailable', 'There is no secure store to keep the pasted secrets in.', 'Set them as environment variables instead.');
        const key = `${profile}.${name}.${randomUUID().slice(0, 8)}`;
        const hint = secretHint(value, declared.find((i) => i.name === name)?.reveal ?? 'none');
        store.set(key, value, hint);
        secrets.push({ name, stored: key, hint });
        inputs[name] = { stored: key };
      }
      const connectivity: Record<string, string> = {};
      if (r.accessIp) connectivity.accessIp = r.accessIp;
      if (r.dc) connectivity.dc = r.dc;
      // Longest first: a secret that contains another is masked whole.
      const values = Object.values(r.secrets).filter((v) => v.length > 0).sort((a, b) => b.length - a.length);
      let masked = text.trim();
      for (const v of values) masked = masked.split(v).join(`••••${secrets.find((x) => r.secrets[x.name] === v)?.hint.replace(/^…/, '') ?? ''}`);
      return { inputs, ...(r.region ? { region: r.region } : {}), connectivity, secrets, masked };
    },
  };
}
