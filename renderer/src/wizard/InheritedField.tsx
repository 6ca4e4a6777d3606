// The vendor's inherited installation in the Hosts step (ICAgent's second method; answers `inheritFrom`):
// a host that already runs the agent installs it on the listed hosts with its own script. Offered only
// for a profile that describes one, on Linux. The hosts are then addresses and root passwords for that
// script (it logs in as root on port 22); Outpost logs in only to the host that has the agent, and
// checks there, before anything runs, that the script and its package are in place.
import { useTranslation } from 'react-i18next';
import { Callout, SecretField, TextField, useFieldError } from './fields';
import { login, type SshLoginForm } from './model';
import { useWizard } from './store';
import { selectProfile } from './store/selectors';

export function InheritedField() {
  const { t, i18n } = useTranslation();
  const profile = useWizard(selectProfile);
  const os = useWizard((s) => s.form.agent.os);
  const mode = useWizard((s) => s.form.hosts.mode);
  const inherit = useWizard((s) => s.form.hosts.inherit) ?? { on: false, seed: login('inherit.seed.password') };
  const setHosts = useWizard((s) => s.setHosts);
  const err = useFieldError('hosts');
  if (!profile?.inherited || os !== 'linux' || mode === 'thisComputer') return null;
  const seed = inherit.seed;
  const set = (patch: Partial<{ on: boolean; seed: Partial<SshLoginForm> }>) => setHosts({ inherit: { on: patch.on ?? inherit.on, seed: { ...seed, ...patch.seed } } });
  const constraint = profile.inherited.constraint[i18n.language] || profile.inherited.constraint.en;
  return (
    <fieldset className="group" data-testid="inherited">
      <legend>{t('hosts.inherit.legend')}</legend>
      <label className="check">
        <input type="checkbox" checked={inherit.on} onChange={(e) => set({ on: e.target.checked })} data-testid="inherit-on" /> {t('hosts.inherit.on', { agent: profile.name })}
      </label>
      {inherit.on ? (
        <>
          <p className="hint block">{t('hosts.inherit.how', { package: profile.inherited.package ?? '' })}</p>
          {constraint ? <Callout kind="warn">{constraint}</Callout> : null}
          <div className="row">
            <TextField path="inheritFrom.host" label={t('hosts.inherit.host')} value={seed.host} onChange={(v) => set({ seed: { host: v } })} error={err('inheritFrom.host')} placeholder="10.1.0.20" mono width="m" />
            <TextField path="inheritFrom.port" label={t('common.port')} value={seed.port} onChange={(v) => set({ seed: { port: v } })} error={err('inheritFrom.port')} mono width="xs" />
            <TextField path="inheritFrom.user" label={t('common.user')} value={seed.user} onChange={(v) => set({ seed: { user: v } })} error={err('inheritFrom.user')} mono width="s" />
          </div>
          <SecretField addr="seed" path="inheritFrom.password" label={t('auth.passwordFor', { user: seed.user || 'root' })} value={seed.password} error={err(['inheritFrom.password', 'inheritFrom'])} width="m" />
        </>
      ) : null}
    </fieldset>
  );
}
