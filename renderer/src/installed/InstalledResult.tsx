// The end of a run the Installed view started (Check now, Reinstall, Uninstall, Repair): the batch view
// with its report exports, "Retry failed" (the same action on the hosts that did not end done) and the
// way back to the Installed view, which shows the hosts' new states from the journals.
import { useTranslation } from 'react-i18next';
import { BatchView, useBatch } from '../batch/BatchView';
import { useWizard } from '../wizard/store';
import { useInstalledView } from './view';

export function InstalledResult() {
  const { t } = useTranslation();
  const run = useInstalledView((s) => s.run);
  const result = useWizard((s) => s.result);
  const runInstalled = useWizard((s) => s.runInstalled);
  const batch = useBatch();
  if (!run || !result) return null;
  const failed = run.action === 'repair' ? [] : batch.hosts.filter((h) => h.state !== 'done');
  return (
    <section className="step result" data-testid="installed-result" data-action={run.action}>
      <h1>{t(`installed.result.${run.action}`)}</h1>
      <div className={`outcome o-${result.outcome}`} data-testid="run-outcome" data-outcome={result.outcome} role="status">
        <div className="outcome-title" data-testid="installed-summary">
          {t(`installed.summary.${run.action}`, { done: batch.counts.done, other: batch.hosts.length - batch.counts.done })}
        </div>
      </div>
      <BatchView />
      <div className="actions-row end">
        {failed.length ? (
          <button
            type="button"
            className="primary"
            data-testid="installed-retry-failed"
            onClick={() => {
              const hosts = failed.map((h) => run.hosts[h.index]).filter((h) => h !== undefined);
              void runInstalled({ action: run.action as 'check' | 'uninstall' | 'reinstall', hosts }, failed.map((h) => ({ host: h.host, port: h.port, user: h.user, ...(h.name ? { name: h.name } : {}) })));
            }}
          >
            {t('result.retryFailed', { count: failed.length })}
          </button>
        ) : null}
        <button type="button" className="secondary" data-testid="back-to-installed" onClick={() => useInstalledView.setState({ open: true })}>
          {t('installed.back')}
        </button>
      </div>
    </section>
  );
}
