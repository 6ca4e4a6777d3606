// Step 6: the plan, every command masked, grouped by where it runs, each with a copy button (the
// console's "Copy Command" without its limits). Instructions and their tables; warnings.
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { Plan, Step } from '../../../../electron/common/api';
import { runnableText } from '../../../../electron/common/copy-text';
import { Callout, CopyButton, DataTable, StepHeader, tableText } from '../fields';
import { ExportPanel } from '../ExportPanel';
import { ReviewHostVars } from '../HostInputFields';
import { runStepTitle, stepTitle, tableRows } from '../planText';
import { guardSays, probeLabel } from '../../i18n/checks';
import { useWizardWords } from '../wizard-words';
import { RunbookBar, useCopyText } from '../Runbook';
import { useWizard } from '../store';
import { BatchSummary, useBatch } from '../../batch/BatchView';

function PlanStep({ step, n }: { step: Step; n: number }) {
  const { t } = useTranslation();
  const words = useWizardWords();
  const plan = useWizard((s) => s.review.plan);
  // A jump server's connect step names it as the rest of the UI does ("Jump server 1 · root@…"), in the UI's language.
  const title = step.phase === 'connect' && /^jump\d+$/.test(step.on) ? runStepTitle(t, plan, step.id, step.title, step.on) : step.phase === 'connect' && step.on === 'targets' ? t('review.connectTargets') : stepTitle(t, step);
  const a = step.action;
  const table = a.kind === 'instruction' ? a.table : undefined;
  // Commands, logins and checks are copied as bash that runs (ssh, pgrep/ss/test lines); console instructions as shown.
  const columns = table?.columns.map((c) => t(`review.col.${c}`, { defaultValue: c }));
  const rows = table ? tableRows(t, table) : undefined;
  const copyText = useCopyText(step.id, columns && rows ? tableText(columns, rows) : plan ? runnableText(step, plan) : step.display);
  const isCommand = a.kind === 'exec' || a.kind === 'forward';
  return (
    <li className="plan-step" data-testid={`plan-step-${step.id}`}>
      <div className="plan-step-head">
        <span className="num" aria-hidden="true">
          {n}
        </span>
        <h3>{title}</h3>
        {a.kind === 'exec' ? <span className="badge subtle">{a.shell}</span> : a.kind === 'instruction' ? <span className="badge subtle">{t('review.manual')}</span> : <span className="badge subtle">{t(`review.kind.${a.kind}`, { defaultValue: a.kind })}</span>}
        {step.inferred ? (
          <span className="badge subtle" title={step.description} data-testid={`inferred-${step.id}`}>
            {t('review.inferred')}
          </span>
        ) : null}
        <CopyButton text={copyText} label={t('review.copyStep', { title })} testId={`copy-${step.id}`} />
      </div>
      {columns && rows ? <DataTable columns={columns} rows={rows} /> : null}
      {step.guard ? <p className="hint">{t('review.guard', { says: guardSays(t, step.guard.says), defaultValue: `Skipped when ${step.guard.says}` })}</p> : null}
      <OnFailure step={step} />
      {isCommand || !table ? (
        <pre className={isCommand ? 'command' : 'instruction'} tabIndex={0} aria-label={title}>
          {a.kind === 'probe' ? probeLines(t, a, step.display) : step.display}
        </pre>
      ) : null}
      {step.secrets?.length ? (
        <p className="hint secret-sources" data-testid={`secrets-${step.id}`}>
          {step.secrets.map((s) => t('review.secretFrom', { name: words(s.name), from: secretSource(t, s.from) })).join(' · ')}
        </p>
      ) : null}
    </li>
  );
}

/** A check step's lines in the UI's language (a profile's own command checks as the plan shows them). */
function probeLines(t: (k: string, p?: Record<string, unknown>) => string, a: Extract<Step['action'], { kind: 'probe' }>, display: string): string {
  const absent = a.expect === 'absent';
  const shown = display.split('\n').slice(absent ? 1 : 0);
  const same = shown.length === a.probes.length;
  const lines = a.probes.map((p, i) => (p.kind === 'command' ? (same ? (shown[i] ?? p.name) : p.name) : probeLabel(t, p)));
  return (absent ? [t('checkWords.probe.gone'), ...lines] : lines).join('\n');
}

/** Where a masked secret comes from: an environment variable as written, the secure store in words. */
function secretSource(t: (k: string, p?: Record<string, unknown>) => string, from: string): string {
  const m = /^stored "(.*)"$/.exec(from);
  return m ? t('review.secretStored', { key: m[1] }) : from;
}

/** When the vendor's remedy of a step runs (as `outpost plan` says it): by itself after a failure, then the step once more (retry: once), or only in a reinstall. */
function OnFailure({ step }: { step: Step }) {
  const { t } = useTranslation();
  const plan = useWizard((s) => s.review.plan);
  const f = step.onFailure;
  if (!f?.remedy) return null;
  const remedy = plan?.steps.find((x) => x.id === f.remedy);
  const name = remedy ? stepTitle(t, remedy) : f.remedy;
  return (
    <p className="hint on-failure" data-testid={`on-failure-${step.id}`} data-retry={f.retry}>
      {f.retry === 'once' ? t('review.onFailure.retry', { remedy: name }) : t('review.onFailure.reinstall', { remedy: name })}
    </p>
  );
}

function groups(plan: Plan, thisComputer: boolean, t: (k: string, p?: Record<string, unknown>) => string) {
  const out: Array<{ id: string; title: string; sub?: string; steps: Step[] }> = [];
  const visible = plan.steps.filter((s) => !s.optional);
  const manual = visible.filter((s) => (s.on === 'console' || s.on === 'local') && s.action.kind === 'instruction');
  if (manual.length) out.push({ id: 'console', title: t('review.where.console'), steps: manual });
  // What Outpost itself does here, before anything connects (the installer fetched over HTTPS).
  const here = visible.filter((s) => s.on === 'local' && s.action.kind !== 'instruction');
  if (here.length) out.push({ id: 'local', title: t('review.where.thisComputer'), steps: here });
  plan.hosts.jumps.forEach((j) => {
    const steps = visible.filter((s) => s.on === j.id);
    if (steps.length) out.push({ id: j.id, title: t('review.where.jump', { n: j.index + 1 }), sub: `${j.ssh.user}@${j.ssh.host}:${j.ssh.port} · ${j.privateIp}`, steps });
    // Remote forwards: the proxy that runs ssh -R into this jump server has steps of its own.
    const p = plan.hosts.proxies?.find((x) => x.index === j.index);
    const proxySteps = p ? visible.filter((s) => s.on === p.id) : [];
    if (p && proxySteps.length) out.push({ id: p.id, title: t('review.where.proxy', { n: j.index + 1 }), sub: `${p.ssh.user}@${p.ssh.host}:${p.ssh.port}`, steps: proxySteps });
  });
  // The inherited installation: the host that has the agent runs the vendor's script for the others.
  const seed = plan.hosts.seed;
  const seedSteps = visible.filter((s) => s.on === 'seed');
  if (seed && seedSteps.length) out.push({ id: 'seed', title: t('review.where.seed'), sub: `${seed.ssh.user}@${seed.ssh.host}:${seed.ssh.port}`, steps: seedSteps });
  const target = visible.filter((s) => s.on === 'targets');
  if (target.length) {
    out.push({
      id: 'target',
      title: thisComputer ? t('review.where.thisComputer') : t('review.where.targets', { count: plan.hosts.targets.length }),
      sub: thisComputer ? undefined : plan.hosts.targets.map((x) => `${x.ssh.user}@${x.ssh.host}:${x.ssh.port}`).join(', '),
      steps: target,
    });
  }
  return out;
}

/** After a batch with failed hosts (and Edit answers): its summary, and Retry failed hosts — the hosts done are left alone. */
function LastBatch() {
  const { t } = useTranslation();
  const batch = useBatch();
  const startRun = useWizard((s) => s.startRun);
  const left = batch.hosts.filter((h) => h.state !== 'done').length;
  if (!batch.active || !batch.live || batch.endedAt === null || !left || !batch.counts.done) return null;
  return (
    <div data-testid="last-batch">
      <Callout title={t('review.lastBatch')}>
        <BatchSummary s={batch} />
        <p className="hint block">{t('result.retryFailedHint')}</p>
        <button type="button" className="primary" data-testid="review-retry-failed" onClick={() => void startRun({ retryFailed: true })}>
          {t('result.retryFailed', { count: left })}
        </button>
      </Callout>
    </div>
  );
}

export function ReviewStep() {
  const { t, i18n } = useTranslation();
  const words = useWizardWords();
  const zh = i18n.language.startsWith('zh');
  const review = useWizard((s) => s.review);
  const thisComputer = useWizard((s) => s.form.hosts.mode === 'thisComputer');
  const buildPlan = useWizard((s) => s.buildPlan);
  const plan = review.plan;
  // With "this computer" there are no SSH targets on purpose: the plan's warning about it does not apply.
  const warnings = thisComputer ? review.warnings.filter((w) => !w.startsWith('no targets are listed')) : review.warnings;
  useEffect(() => {
    // The run's terminal comes next: fetch its code now so the run view shows at once.
    void import('../../components/Terminal');
  }, []);
  let n = 0;
  return (
    <section className="step" aria-busy={review.loading}>
      <StepHeader title={t('review.title')} lead={t('review.lead')} />
      <LastBatch />
      {review.error ? (
        <Callout kind="error" title={t('review.error')}>
          <pre className="plain">{words(review.error)}</pre>
          <button type="button" className="secondary small" onClick={() => void buildPlan()}>
            {t('common.retry')}
          </button>
        </Callout>
      ) : null}
      {!plan && review.loading ? <p className="hint block">{t('common.loading')}</p> : null}
      {plan ? (
        <>
          <dl className="summary" data-testid="plan-summary">
            <div>
              <dt>{t('review.agent')}</dt>
              <dd>{plan.profile.name}</dd>
            </div>
            <div>
              <dt>{t('review.os')}</dt>
              <dd>{t(`agent.os.${plan.os}`)}</dd>
            </div>
            {plan.region ? (
            <div>
              <dt>{t('review.region')}</dt>
              <dd>
                {plan.region ? (
                  <>
                    {plan.region.id} <span className="muted">{zh ? plan.region.nameZh : plan.region.nameEn}</span>
                  </>
                ) : (
                  '—'
                )}
              </dd>
            </div>
            ) : null}
            <div>
              <dt>{t('review.mode')}</dt>
              <dd>{t(`conn.mode.${plan.mode}`)}</dd>
            </div>
            {plan.values.accessIp ? (
              <div>
                <dt>{t('review.accessIp')}</dt>
                <dd>
                  <code>{plan.values.accessIp}</code>
                </dd>
              </div>
            ) : null}
            <div>
              <dt>{t('review.installDir')}</dt>
              <dd>
                <code>{plan.values.installDir}</code>
              </dd>
            </div>
            <ReviewHostVars plan={plan} />
          </dl>
          <RunbookBar />
          {warnings.length ? (
            <Callout kind="warn" title={t('review.warnings')}>
              <ul className="plain-list" data-testid="plan-warnings">
                {warnings.map((w) => {
                  // In the UI's language when the plan gives the warning's key; the English text otherwise.
                  const part = plan.warningParts?.[plan.warnings.indexOf(w)];
                  return <li key={w}>{part && i18n.exists(part.key) ? t(part.key, part.params) : words(w)}</li>;
                })}
              </ul>
            </Callout>
          ) : null}
          {groups(plan, thisComputer, t).map((g) => (
            <section key={g.id} className="plan-group" aria-labelledby={`g-${g.id}`} data-testid={`plan-group-${g.id}`}>
              <h2 id={`g-${g.id}`}>
                {g.title}
                {g.sub ? <span className="sub">{g.sub}</span> : null}
              </h2>
              <ol className="plan-steps">
                {g.steps.map((s) => (
                  <PlanStep key={s.id} step={s} n={++n} />
                ))}
              </ol>
            </section>
          ))}
          {plan.steps.some((s) => s.optional) ? (
            <details className="advanced">
              <summary>{t('review.remedy')}</summary>
              <ol className="plan-steps">
                {plan.steps
                  .filter((s) => s.optional)
                  .map((s, k) => (
                    <PlanStep key={s.id} step={s} n={n + 1 + k} />
                  ))}
              </ol>
            </details>
          ) : null}
          {thisComputer ? <Callout>{plan.mode === 'jump' ? t('review.thisComputerJump') : t('review.thisComputerCopy')}</Callout> : null}
          {plan.hosts.targets.length ? <ExportPanel /> : null}
        </>
      ) : null}
    </section>
  );
}
