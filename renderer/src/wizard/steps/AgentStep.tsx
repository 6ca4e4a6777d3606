// Step 1: which agent, and the OS of the hosts it goes on.
import { useTranslation } from 'react-i18next';
import { Callout, RadioCards, StepHeader } from '../fields';
import { PasteCommand } from '../PasteCommand';
import { ProfilesFolder } from '../ProfilesFolder';
import { useWizard } from '../store';

export function AgentStep() {
  const { t, i18n } = useTranslation();
  const profiles = useWizard((s) => s.catalog.profiles);
  const loaded = useWizard((s) => s.catalog.loaded);
  const error = useWizard((s) => s.catalog.error);
  const agent = useWizard((s) => s.form.agent);
  const setAgent = useWizard((s) => s.setAgent);
  const setOs = useWizard((s) => s.setOs);
  const profile = profiles.find((p) => p.id === agent.profile);
  const osOptions = (['linux', 'windows'] as const).map((os) => ({
    value: os,
    label: t(`agent.os.${os}`),
    description: t(`agent.os.${os}Desc`),
    disabled: profile ? !profile.os.includes(os) : false,
  }));
  return (
    <section className="step">
      <StepHeader title={t('agent.title')} lead={t('agent.lead')} />
      {error ? <Callout kind="error" title={t('agent.catalogError')}>{error}</Callout> : null}
      {loaded && profiles.length === 0 && !error ? <Callout kind="warn">{t('agent.noProfiles')}</Callout> : null}
      <RadioCards
        name="profile"
        legend={t('agent.profile')}
        columns={1}
        value={agent.profile}
        onChange={(id) => {
          const p = profiles.find((x) => x.id === id);
          if (p) setAgent(p);
        }}
        // The recommended profile first, then the catalog's order.
        options={[...profiles].sort((a, b) => Number(b.recommended) - Number(a.recommended)).map((p) => ({
          value: p.id,
          label: p.name,
          description: p.descriptions[i18n.language] ?? p.descriptions[i18n.language.split('-')[0] ?? ''] ?? p.description,
          // A profile from the user's folder is marked as such (and which shipped one it replaces).
          badge: p.source === 'user' ? (p.replaces ? t('agent.replaces', { id: p.replaces }) : t('agent.userProfile')) : p.recommended ? t('agent.recommended') : undefined,
        }))}
      />
      <ProfilesFolder />
      <RadioCards name="os" legend={t('agent.osLegend')} value={agent.os} onChange={setOs} options={osOptions} />
      {agent.os === 'windows' ? <Callout>{t('agent.windowsNote')}</Callout> : null}
      {/* Before Region and Connectivity: the console's command fills them too. */}
      {profile?.consoleCommand.includes(agent.os) ? <PasteCommand profile={profile} where="agent" /> : null}
    </section>
  );
}
