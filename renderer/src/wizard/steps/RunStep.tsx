// Step 7: the run. Every row the run will report (the core's schedule) with its live status (run.step),
// preflight checks, the embedded terminal attached to the run's terminal, the host key dialog, Cancel.
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { StepStatus } from '../../../../electron/common/api';
import { Callout, StepHeader } from '../fields';
import { RunHostKeys } from '../HostKeyDialog';
import { hostLabel, runStepTitle, stepMessage, transferredText } from '../planText';
import { runReplay, setRunViewMounted, useWizard, type RunStepRow } from '../store';
import { BatchView, useBatch } from '../../batch/BatchView';
import { localCheck } from '../../i18n/checks';
import { useWizardWords } from '../wizard-words';

const TerminalView = lazy(() => import('../../components/Terminal').then((m) => ({ default: m.TerminalView })));

export function StatusIcon({ status }: { status: StepStatus }) {
  return <span className={`status-icon s-${status}`} aria-hidden="true" />;
}

export function RunStep() {
  const { t, i18n } = useTranslation();
  const words = useWizardWords();
  const run = useWizard((s) => s.run);
  const plan = useWizard((s) => s.review.plan);
  const phase = useWizard((s) => s.phase);
  const cancelRun = useWizard((s) => s.cancelRun);
  const pauseRun = useWizard((s) => s.pauseRun);
  const batch = useBatch();
  const [doneByHand, setDoneByHand] = useState<Record<string, boolean>>({});
  const manual = (r: RunStepRow) => r.status === 'skipped' && r.host === 'console';
  useEffect(() => {
    setRunViewMounted(true);
    return () => setRunViewMounted(false);
  }, []);
  const rows: RunStepRow[] = useMemo(() => {
    // The core's schedule of this run (run.schedule): every row it will report, pending until its events come.
    const seen = new Set<string>();
    const out: RunStepRow[] = run.schedule.map((e) => {
      const got = run.steps.find((r) => r.stepId === e.stepId && r.host === e.hostId);
      if (got) seen.add(`${got.stepId}|${got.host}`);
      return got ?? { stepId: e.stepId, host: e.hostId, title: e.title, status: 'pending' as const };
    });
    // Steps the schedule could not know (a remedy after a failure, then the step again) go where they happened.
    for (const r of run.steps) {
      if (seen.has(`${r.stepId}|${r.host}`)) continue;
      const at = out.findIndex((o) => o.host === r.host && o.status === 'pending');
      if (at === -1) out.push(r);
      else out.splice(at, 0, r);
    }
    return out;
  }, [run.schedule, run.steps]);
  const active = rows.find((r) => r.status === 'running');
  const done = rows.filter((r) => r.status !== 'pending' && r.status !== 'running').length;
  const hostKey = run.hostKeys[0];
  const statusText = hostKey
    ? t('run.waitingHostKey', { host: hostKey.host })
    : phase === 'done'
      ? t('run.finished')
      : active
        ? t('run.now', { title: runStepTitle(t, plan, active.stepId, active.title, active.host), host: hostLabel(t, active.host, plan) })
        : t('run.starting');
  // Many hosts: the batch view (progress, counts, the host table) instead of the step list and terminal.
  if (batch.active && batch.live) {
    return (
      <section className="step run">
        <StepHeader title={t('batch.title', { count: batch.hosts.length })} />
        <div className="run-status">
          <p className="status-line" aria-live="polite" data-testid="run-status">
            {hostKey ? t('run.waitingHostKey', { host: hostKey.host }) : phase === 'done' ? t('run.finished') : run.paused ? t('batch.paused', { left: batch.counts.queued }) : t('batch.running')}
          </p>
          {phase === 'running' ? (
            <span className="run-actions">
              {run.paused ? (
                <button type="button" className="primary" onClick={() => void pauseRun(false)} disabled={!run.runId} data-testid="run-resume">
                  {t('batch.resume')}
                </button>
              ) : (
                <button type="button" className="secondary" onClick={() => void pauseRun(true)} disabled={!run.runId} data-testid="run-pause">
                  {t('batch.pause')}
                </button>
              )}
              <button type="button" className="secondary danger" onClick={() => void cancelRun()} disabled={!run.runId} data-testid="run-cancel">
                {t('run.cancel')}
              </button>
            </span>
          ) : null}
        </div>
        {run.error ? <Callout kind="error">{run.error}</Callout> : null}
        <BatchView />
        <RunHostKeys />
      </section>
    );
  }
  return (
    <section className="step run">
      <StepHeader title={run.tunnelOnly ? t('run.titleCheckTunnel') : run.reinstall ? t('run.titleReinstall') : t('run.title')} />
      <div className="run-status">
        <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={rows.length || 1} aria-valuenow={done} aria-label={t('run.progress')}>
          <div className="bar" style={{ width: `${rows.length ? (done / rows.length) * 100 : 0}%` }} />
        </div>
        <p className="status-line" aria-live="polite" data-testid="run-status">
          {statusText}
        </p>
        {phase === 'running' ? (
          <button type="button" className="secondary danger" onClick={() => void cancelRun()} disabled={!run.runId} data-testid="run-cancel">
            {t('run.cancel')}
          </button>
        ) : null}
      </div>
      {run.error ? <Callout kind="error">{run.error}</Callout> : null}
      {Object.values(run.hosts).some((h) => !/^(jump|proxy)\d/.test(h.hostId)) ? (
        <ul className="host-states" aria-label={t('run.hostsLabel')} data-testid="run-hosts">
          {Object.values(run.hosts)
            .filter((h) => !/^(jump|proxy)\d/.test(h.hostId))
            .map((h) => (
              <li key={h.hostId} className={`host-state h-${h.state}`} data-testid={`run-host-${h.hostId}`} data-state={h.state}>
                <span className="host-name">{hostLabel(t, h.hostId, plan)}</span> <span className="badge subtle">{t(`hostState.${h.state}`)}</span>
              </li>
            ))}
        </ul>
      ) : null}
      <div className="run-body">
        <ol className="run-steps" aria-label={t('run.stepsLabel')} data-testid="run-steps">
          {rows.map((r) => (
            <li key={`${r.stepId}|${r.host}`} className={`run-row s-${r.status}`} data-testid={`run-row-${r.stepId}`} data-status={r.status}>
              <StatusIcon status={r.status} />
              <div className="run-row-text">
                <div className="run-row-title">{runStepTitle(t, plan, r.stepId, r.title, r.host)}</div>
                <div className="run-row-host">
                  {hostLabel(t, r.host, plan)} · <span className="status-word">{manual(r) ? t('run.manualTodo') : t(`status.${r.status}`)}</span>
                </div>
                {manual(r) ? (
                  // A step for the admin in the console is not "skipped": they say when it is done.
                  <label className="manual-done">
                    <input type="checkbox" data-testid={`manual-done-${r.stepId}`} checked={Boolean(doneByHand[r.stepId])} onChange={(e) => setDoneByHand((d) => ({ ...d, [r.stepId]: e.target.checked }))} /> {r.stepId === 'sg-rule' ? t('run.sgRuleAdded') : t('run.manualDone')}
                  </label>
                ) : null}
                {r.status === 'running' && r.progress && r.progress.total > 0 ? (
                  <div className="transfer" data-testid={`run-progress-${r.stepId}`}>
                    <progress max={r.progress.total} value={r.progress.done} aria-label={t('run.transfer')} />{' '}
                    <span className="hint">{transferredText(t, r.progress.done, r.progress.total)}</span>
                  </div>
                ) : null}
                {r.message && r.status !== 'running' ? (
                  <div className="run-row-msg">{r.status === 'skipped' && r.host === 'local' ? t('run.manual') : words(stepMessage(t, (k) => i18n.exists(k), r))}</div>
                ) : null}
                {r.checks?.length ? (
                  <ul className="checks" aria-label={t('run.checks')}>
                    {r.checks.map((raw) => {
                      const c = localCheck(t, raw);
                      return (
                        <li key={raw.name} className={`check c-${c.status}`}>
                          <span className="check-status">{t(`check.${c.status}`)}</span> <span className="check-name">{c.name}</span>: {c.detail}
                          {c.hint && c.status !== 'pass' ? <div className="hint">{words(c.hint)}</div> : null}
                        </li>
                      );
                    })}
                  </ul>
                ) : null}
              </div>
            </li>
          ))}
        </ol>
        <div className="run-terminal">
          {run.terminalId ? (
            <Suspense fallback={<div className="terminal placeholder">{t('common.loading')}</div>}>
              <TerminalView terminalId={run.terminalId} label={t('run.terminal')} autoFocus={false} convertEol replay={() => runReplay(run.terminalId ?? '')} />
            </Suspense>
          ) : (
            <div className="terminal placeholder">{t('run.starting')}</div>
          )}
        </div>
      </div>
      <RunHostKeys />
    </section>
  );
}
