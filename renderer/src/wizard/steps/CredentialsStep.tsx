// Step 4: the access key pair and project ID. The keys go to secure storage at once (secrets.set);
// afterwards only their hint is shown, with Forget.
import { useTranslation } from 'react-i18next';
import { Callout, SecretField, StepHeader, TextField, useFieldError } from '../fields';
import { useWizard } from '../store';

export function CredentialsStep() {
  const { t } = useTranslation();
  const cred = useWizard((s) => s.form.credentials);
  const storage = useWizard((s) => s.storage);
  const mode = useWizard((s) => s.system?.mode ?? 'browser');
  const setProjectId = useWizard((s) => s.setProjectId);
  const err = useFieldError('credentials');
  return (
    <section className="step">
      <StepHeader title={t('cred.title')} lead={t('cred.lead')} />
      <SecretField addr="cred.ak" path="credentials.ak" label={t('cred.ak')} value={cred.ak} error={err('credentials.ak')} hint={t('cred.akHint')} width="m" />
      <SecretField addr="cred.sk" path="credentials.sk" label={t('cred.sk')} value={cred.sk} error={err('credentials.sk')} width="m" />
      <TextField path="credentials.projectId" label={t('cred.projectId')} value={cred.projectId} onChange={setProjectId} error={err('credentials.projectId')} hint={t('cred.projectIdHint')} placeholder="2a473356cca5487f8373be891bffc1cf" mono width="l" />
      <Callout kind={storage.warning ? 'warn' : 'info'} title={t('cred.whereTitle')}>
        <span data-testid="secret-storage">{storage.kind === 'os' ? t('cred.whereOs') : mode === 'browser' ? t('cred.whereMemoryBrowser') : t('cred.whereMemory')}</span>
        {storage.warning ? <span className="block">{storage.warning}</span> : null}
      </Callout>
    </section>
  );
}
