// The installer frame: the steps rail (state of each step, derived), the content pane, and the footer
// with Back / Next. Next is refused (aria-disabled) until the step is valid; pressing it then shows
// every problem of the step.
import { useInstalledView } from '../installed/view';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { STEPS, type StepId } from './model';
import { describeProblem } from './problems';
import { selectEnabled, selectProblems, selectStepValid, stepSkipped, useWizard } from './store';
import { AgentStep } from './steps/AgentStep';
import { ConnectivityStep } from './steps/ConnectivityStep';
import { CredentialsStep } from './steps/CredentialsStep';
import { HostsStep } from './steps/HostsStep';
import { RegionStep } from './steps/RegionStep';
import { ResultStep } from './steps/ResultStep';
import { ReviewStep } from './steps/ReviewStep';
import { RunStep } from './steps/RunStep';

const VIEWS: Record<StepId, () => React.JSX.Element | null> = {
  agent: AgentStep,
  region: RegionStep,
  connectivity: ConnectivityStep,
  credentials: CredentialsStep,
  hosts: HostsStep,
  review: ReviewStep,
  run: RunStep,
  result: ResultStep,
};

type RailState = 'current' | 'done' | 'error' | 'todo' | 'locked' | 'failed' | 'prefilled' | 'skipped';

function Rail() {
  const { t } = useTranslation();
  const state = useWizard();
  const problems = selectProblems(state);
  return (
    <nav className="rail" aria-label={t('rail.label')}>
      <ol>
        {STEPS.map((id, i) => {
          const skipped = stepSkipped(state, id);
          const enabled = !skipped && (id === state.current || selectEnabled(state, id));
          const valid = selectStepValid(state, id);
          const revealed = Boolean(state.revealed[id]);
          // The install and its result say how the run ended; other steps are done once valid and reached.
          const ran = state.result ? (state.result.outcome === 'done' ? 'done' : 'failed') : null;
          const rs: RailState = skipped
            ? 'skipped' // not asked of this agent (no region catalog)
            : (id === 'run' || id === 'result') && ran && state.phase === 'done'
              ? ran
              : id === state.current
                ? 'current'
                : !enabled
                  ? state.phase !== 'wizard' && valid && i < STEPS.indexOf('run')
                    ? 'done' // answered before the run; not editable while it runs or is shown
                    : 'locked'
                  : revealed && problems[id].length
                    ? 'error'
                    : valid && (STEPS.indexOf(state.current) > i || state.furthest >= i)
                      ? 'done'
                      : valid && state.prefilled && i < STEPS.indexOf('review')
                        ? 'prefilled' // filled in from the answers file or the demo, not looked at yet
                        : 'todo';
          return (
            <li key={id}>
              <button
                type="button"
                className={`rail-item r-${rs}`}
                aria-current={id === state.current ? 'step' : undefined}
                disabled={!enabled}
                onClick={() => state.go(id)}
                data-testid={`rail-${id}`}
                data-state={rs}
              >
                <span className="rail-dot" aria-hidden="true">
                  {rs === 'done' ? '' : rs === 'failed' ? '!' : rs === 'skipped' ? '–' : i + 1}
                </span>
                <span className="rail-text">
                  <span className="rail-title">{t(`steps.${id}`)}</span>
                  <span className="rail-sub">{t(`rail.${rs}`)}</span>
                </span>
              </button>
            </li>
          );
        })}
      </ol>
      {state.phase === 'wizard' && state.lastRun ? (
        // The last run as it ended, kept across a reload: its results and a batch's view with its export.
        <button type="button" className="secondary small rail-last-run" onClick={() => state.showLastRun()} data-testid="show-last-run">
          {t('rail.showLastRun')}
        </button>
      ) : null}
    </nav>
  );
}

/**
 * A refused Next says why where the eye goes: the first error of the step is scrolled to and its field
 * focused, opening the collapsed section (Advanced…) that hides it.
 */
function showFirstError(): void {
  const err = [...document.querySelectorAll<HTMLElement>('.pane-scroll .error')].find((e) => e.textContent?.trim());
  if (!err) return;
  let d = err.closest('details');
  while (d) {
    d.open = true;
    d = d.parentElement?.closest('details') ?? null;
  }
  const field = err.id.endsWith('-err') ? document.getElementById(err.id.slice(0, -'-err'.length)) : null;
  (field ?? err).scrollIntoView({ block: 'center' });
  field?.focus({ preventScroll: true });
}

function Footer() {
  const { t } = useTranslation();
  const state = useWizard();
  const { current, phase } = state;
  if (phase !== 'wizard') return null;
  const i = STEPS.indexOf(current);
  const valid = current === 'review' ? selectStepValid(state, 'review') && !state.review.loading : selectProblems(state)[current].length === 0;
  const thisComputer = state.form.hosts.mode === 'thisComputer';
  const cannotRun = current === 'review' && thisComputer && state.form.connectivity.mode !== 'jump';
  const nextLabel = current === 'review' ? (thisComputer ? t('footer.setupTunnel') : t('footer.install')) : t('footer.next');
  const problems = selectProblems(state)[current];
  const count = problems.length;
  const firstProblem = problems[0];
  return (
    <footer className="footer">
      <button type="button" className="secondary" onClick={state.back} disabled={i === 0} data-testid="back">
        {t('footer.back')}
      </button>
      <div className="footer-status" aria-live="polite" data-testid="footer-status">
        {!valid && state.revealed[current] && count && firstProblem ? `${t('footer.problems', { count })}: ${describeProblem(firstProblem.message, t)}` : ''}
      </div>
      {cannotRun ? null : (
        <button
          type="button"
          className="primary"
          aria-disabled={!valid}
          onClick={() => {
            if (current === 'review' && !valid) return;
            state.next();
            if (!valid) requestAnimationFrame(showFirstError);
          }}
          data-testid="next"
        >
          {nextLabel}
        </button>
      )}
    </footer>
  );
}

export function Wizard() {
  const current = useWizard((s) => s.current);
  const View = VIEWS[current];
  const pane = useRef<HTMLDivElement>(null);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    // A new step: scroll to its top and move focus to its heading (screen readers announce it).
    pane.current?.scrollTo({ top: 0 });
    pane.current?.querySelector<HTMLElement>('[data-step-heading]')?.focus();
  }, [current]);
  const installedRun = useInstalledView((s) => s.run !== null && s.open === false);
  return (
    <div className="wizard">
      {/* A run the Installed view started is not a wizard step: no steps rail beside it. */}
      {installedRun ? null : <Rail />}
      <div className="pane">
        <div className="pane-scroll" ref={pane} data-testid={`step-${current}`}>
          <View />
        </div>
        <Footer />
      </div>
    </div>
  );
}
