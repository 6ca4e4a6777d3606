// Step 8: what happened. What was installed where, how to verify it, the journal, and what next:
// uninstall and reinstall (the vendor's remedy) after a failed install, start over, more hosts.
import { InstalledResult } from '../../installed/InstalledResult';
import { useInstalledView } from '../../installed/view';
import { useTranslation } from 'react-i18next';
import { useWizardWords } from '../wizard-words';
import { Callout, ChecksList, CopyButton, StepHeader } from '../fields';
import { hostLabel, runStepTitle, stepMessage } from '../planText';
import { HostTerminals } from '../HostTerminal';
import { useWizard } from '../store';
import { StatusIcon } from './RunStep';
import { BatchSummary, BatchView, ProofText, useBatch } from '../../batch/BatchView';
import { proofOf, proofStepIds } from '../../batch/proof';
import type { RunStepRow } from '../store';
import type { Plan } from '../../../../electron/common/api';
import { runnableText } from '../../../../electron/common/copy-text';

/** Every host's own steps with what their checks found (clock, ports, the agent). */
function StepsTable({ rows, plan, testId }: { rows: RunStepRow[]; plan: Plan | null; testId: string }) {
  const { t, i18n } = useTranslation();
  const words = useWizardWords();
  return (
    <table className="data" data-testid={testId}>
      <thead>
        <tr>
          <th scope="col">{t('result.host')}</th>
          <th scope="col">{t('result.step')}</th>
          <th scope="col">{t('result.status')}</th>
          <th scope="col">{t('result.details')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={`${r.stepId}|${r.host}`}>
            <td>{hostLabel(t, r.host, plan)}</td>
            <td>{runStepTitle(t, plan, r.stepId, r.title, r.host)}</td>
            <td>
              <span className={`pill s-${r.status}`}>{t(`status.${r.status}`)}</span>
            </td>
            <td className="muted">
              {r.message ? words(stepMessage(t, (k) => i18n.exists(k), r)) : r.stepId === 'install' && r.status === 'done' ? plan?.values.installDir : ''}
              {r.checks?.length ? <ChecksList checks={r.checks} testId={`${testId === 'result-table' ? 'result' : testId}-checks-${r.stepId}-${r.host}`} /> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The profile's own words for where its console shows the agent, in the UI's language. */
function consoleCheck(c: { en: string; 'zh-CN'?: string | undefined; fr?: string | undefined } | undefined, lang: string): string {
  if (!c) return '';
  return (lang === 'zh-CN' ? c['zh-CN'] : lang === 'fr' ? c.fr : undefined) ?? c.en;
}

export function ResultStep() {
  const { t, i18n } = useTranslation();
  const words = useWizardWords();
  const result = useWizard((s) => s.result);
  const plan = useWizard((s) => s.review.plan);
  const steps = useWizard((s) => s.run.steps);
  const tunnelCheck = useWizard((s) => s.run.tunnelOnly);
  const thisComputer = useWizard((s) => s.form.hosts.mode === 'thisComputer');
  const startRun = useWizard((s) => s.startRun);
  const startOver = useWizard((s) => s.startOver);
  const moreHosts = useWizard((s) => s.moreHosts);
  const editAnswers = useWizard((s) => s.editAnswers);
  const batch = useBatch();
  const previous = useWizard((s) => s.previous);
  const installedRun = useInstalledView((s) => s.run);
  if (!result) return null;
  // A run the Installed view started ends on its own page (its retry is the same action, not an install).
  if (installedRun) return <InstalledResult />;
  // Several hosts: one result model, each host in its own state (no "the installation failed" for a fleet of which most is installed).
  const fleet = batch.active && batch.live && !tunnelCheck;
  const retryable = fleet && batch.counts.done > 0 && batch.hosts.some((h) => h.state !== 'done');
  const outcome = result.outcome;
  // Every host's own steps (a failed login shows here too), with what their checks found: clock, ports, the agent.
  const installs = steps.filter((r) => r.host !== 'console' && r.status !== 'pending');
  const proofIds = new Set(proofStepIds(plan?.steps));
  const proofs = fleet || tunnelCheck ? [] : steps.flatMap((r) => (proofIds.has(r.stepId) && r.host !== 'console' ? [{ host: r.host, ...(proofOf(r.status, r.checks) ?? { proof: null, evidence: '' }) }] : [])).filter((p): p is { host: string; proof: 'waiting' | 'seen' | 'missing'; evidence: string } => p.proof !== null);
  // The agent was already there (the install step skipped by its guard): offer the vendor's reinstall.
  const alreadyInstalled = outcome === 'done' && !tunnelCheck && steps.some((r) => r.status === 'skipped' && plan?.steps.find((x) => x.id === r.stepId)?.phase === 'install' && r.host !== 'console');
  const verify = plan?.steps.find((s) => s.phase === 'verify');
  // The checks as commands to run on a host (test/pgrep/ss lines), not the plan's description of them.
  const verifyText = verify && plan ? runnableText(verify, plan) : '';
  // The vendor's remedy fits a failed installer, not a download that never reached the host.
  const installFailed = !fleet && outcome === 'failed' && (result.code === 'install_failed' || (result.failedStep === 'verify' && result.code === 'verify_failed'));
  const preflightFailed = outcome === 'failed' && result.code === 'preflight_failed';
  // A failure before any step (a missing secret, a package refused) has no step or host to name.
  const failedStep = result.failedStep && plan?.steps.some((s) => s.id === result.failedStep) ? result.failedStep : undefined;
  const failedTitle = failedStep ? runStepTitle(t, plan, failedStep, failedStep, result.hostId ?? '') : '';
  return (
    <section className="step result">
      <StepHeader title={tunnelCheck && outcome === 'done' ? t('result.tunnelTitle') : fleet ? t('result.fleetTitle', { count: batch.hosts.length }) : t(`result.title.${outcome}`)} />
      <div className={`outcome o-${outcome}`} data-testid="run-outcome" data-outcome={outcome} role="status">
        <StatusIcon status={outcome === 'done' ? 'done' : outcome === 'failed' ? 'failed' : 'cancelled'} />
        <div>
          {fleet ? (
            <div className="outcome-title">
              <BatchSummary s={batch} />
            </div>
          ) : (
            <div className="outcome-title">{tunnelCheck && outcome === 'done' ? t('result.tunnelOk') : t(`result.lead.${outcome}`, { agent: plan?.profile.name ?? '' })}</div>
          )}
          {outcome === 'failed' && !fleet ? (
            <div className="outcome-detail">
              {failedStep ? t('result.failedAt', { step: failedTitle, host: hostLabel(t, result.hostId ?? '', plan) }) : null}
              {result.reason ? <pre className="plain">{words(result.reason)}</pre> : null}
              {result.hint ? <p className="hint block">{words(result.hint)}</p> : null}
            </div>
          ) : null}
        </div>
      </div>
      {proofs.length ? (
        // One host (the batch view shows each host's in its table): the live proof from its verify step.
        <ul className="plain-list result-proof" data-testid="result-proof" aria-label={t('proof.title')}>
          {proofs.map((p) => (
            <li key={p.host}>
              <strong>{hostLabel(t, p.host, plan)}</strong> <ProofText proof={p.proof} evidence={p.evidence} testId={`result-proof-${p.host}`} full />
            </li>
          ))}
        </ul>
      ) : null}
      {installs.length ? (
        <>
          <h2>{tunnelCheck ? t('result.tunnelWhere') : t('result.where')}</h2>
          <StepsTable rows={installs} plan={plan} testId="result-table" />
        </>
      ) : null}
      {tunnelCheck && (previous || batch.active) ? (
        // The install's results stay beside the tunnel check's (it does not replace them).
        <section className="previous-run" data-testid="install-results">
          <h2>{t('result.installResults')}</h2>
          {previous ? (
            <>
              <p className="hint block">{t(`result.lead.${previous.result.outcome}`, { agent: plan?.profile.name ?? '' })}</p>
              <StepsTable rows={previous.steps.filter((r) => r.host !== 'console' && r.status !== 'pending')} plan={plan} testId="previous-table" />
            </>
          ) : null}
          {batch.active ? <BatchView /> : null}
        </section>
      ) : null}
      {batch.active && !tunnelCheck ? <BatchView /> : null}
      {outcome === 'done' ? (
        <>
          <h2>{t('result.verifyTitle')}</h2>
          <ol className="plain-list numbered">
            <li data-testid="verify-console">{consoleCheck(plan?.profile.consoleCheck, i18n.language) || t('result.verifyConsole')}</li>
            {verify ? (
              <li>
                {t('result.verifyCommand')}
                <div className="cmd-line">
                  <pre className="command" data-testid="verify-command">{verifyText}</pre>
                  <CopyButton text={verifyText} testId="copy-verify" />
                </div>
              </li>
            ) : null}
          </ol>
          {thisComputer ? <Callout>{t('result.thisComputer')}</Callout> : null}
        </>
      ) : null}
      {plan && !thisComputer ? <HostTerminals plan={plan} /> : null}
      <h2>{t('result.journal')}</h2>
      <div className="cmd-line">
        <code className="path" data-testid="journal-path">
          {result.journal}
        </code>
        <CopyButton text={result.journal} />
      </div>
      <p className="hint block">{t('result.journalHint')}</p>
      <div className="actions-row end">
        {installFailed ? (
          <button type="button" className="primary" onClick={() => void startRun({ reinstall: true })} data-testid="reinstall">
            {t('result.reinstall')}
          </button>
        ) : preflightFailed ? (
          <>
            <button type="button" className="primary" onClick={() => void startRun()} data-testid="retry">
              {t('result.retry')}
            </button>
            <button type="button" className="secondary" onClick={() => void startRun({ overridePreflight: true })} data-testid="override-preflight">
              {t('result.overridePreflight')}
            </button>
          </>
        ) : outcome !== 'done' ? (
          <button type="button" className={retryable ? 'secondary' : 'primary'} onClick={() => void startRun()} data-testid="retry">
            {t('result.retry')}
          </button>
        ) : null}
        {retryable ? (
          <button type="button" className="primary" onClick={() => void startRun({ retryFailed: true })} data-testid="retry-failed" title={t('result.retryFailedHint')}>
            {t('result.retryFailed', { count: batch.hosts.filter((h) => h.state !== 'done').length })}
          </button>
        ) : null}
        {outcome === 'failed' ? (
          <button type="button" className="secondary" onClick={editAnswers} data-testid="edit-answers">
            {t('result.editAnswers')}
          </button>
        ) : null}
        {alreadyInstalled ? (
          <button type="button" className="secondary" onClick={() => void startRun({ reinstall: true })} data-testid="reinstall">
            {t('result.reinstallAgain')}
          </button>
        ) : null}
        {plan?.mode === 'jump' ? (
          <button type="button" className="secondary" onClick={() => void startRun({ tunnelOnly: true })} data-testid="check-tunnel">
            {t('result.checkTunnel')}
          </button>
        ) : null}
        <button type="button" className="secondary" onClick={moreHosts} data-testid="more-hosts">
          {t('result.moreHosts')}
        </button>
        <button type="button" className="secondary" onClick={() => (!useWizard.getState().dirty || window.confirm(t('app.confirmReplace'))) && startOver()} data-testid="start-over">
          {t('result.startOver')}
        </button>
      </div>
    </section>
  );
}
