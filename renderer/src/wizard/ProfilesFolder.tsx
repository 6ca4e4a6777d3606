// The user's own agent profiles: where the folder is (open it in the desktop app; in browser mode,
// the path to copy), Reload to read the profiles again, and each file's problems as file:line.
import { useTranslation } from 'react-i18next';
import { Callout, CopyButton } from './fields';
import { useWizard } from './store';

export function ProfilesFolder() {
  const { t } = useTranslation();
  const folder = useWizard((s) => s.userProfiles.folder);
  const problems = useWizard((s) => s.userProfiles.problems);
  const reloading = useWizard((s) => s.userProfiles.reloading);
  const openError = useWizard((s) => s.userProfiles.openError);
  const desktop = useWizard((s) => s.system?.mode === 'electron');
  const reload = useWizard((s) => s.reloadProfiles);
  const open = useWizard((s) => s.openProfilesFolder);
  if (!folder) return null;
  return (
    <div className="profiles-folder" data-testid="profiles-folder">
      <p className="hint block">
        {t('agent.folder.lead')} <code data-testid="profiles-folder-path">{folder}</code>
      </p>
      <div className="actions-row">
        {desktop ? (
          <button type="button" className="secondary" onClick={() => void open()} data-testid="profiles-open">
            {t('agent.folder.open')}
          </button>
        ) : (
          <CopyButton text={folder} label={t('agent.folder.copy')} testId="profiles-copy" />
        )}
        <button type="button" className="secondary" onClick={() => void reload()} disabled={reloading} data-testid="profiles-reload">
          {reloading ? t('agent.folder.reloading') : t('agent.folder.reload')}
        </button>
      </div>
      {openError ? <Callout kind="error">{openError}</Callout> : null}
      {problems.length ? (
        <Callout kind="warn" title={t('agent.folder.problems', { count: problems.length })}>
          <ul className="problems" data-testid="profiles-problems">
            {problems.map((p) => (
              <li key={p}>
                <code>{p}</code>
              </li>
            ))}
          </ul>
        </Callout>
      ) : null}
    </div>
  );
}
