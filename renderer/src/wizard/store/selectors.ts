// What the wizard derives from its state, never stores: the chosen profile, the answers the form
// describes, the problems of each step and whether a step is valid or may be opened.
import type { ProfileSummary } from '../../../../electron/common/api';
import { toAnswers, type StepId, type WizardForm } from '../model';
import { problemsByStep, stepEnabled, type StepProblems } from '../validity';
import type { WizardState } from './types';

/** The chosen profile's summary (undefined until the catalog is loaded). */
export function selectProfile(s: Pick<WizardState, 'form' | 'catalog'>): ProfileSummary | undefined {
  return s.catalog.profiles.find((p) => p.id === s.form.agent.profile);
}

/** The answers the form describes, with the chosen profile's inputs only. */
export function selectAnswers(s: Pick<WizardState, 'form' | 'catalog'>): Record<string, unknown> {
  return toAnswers(s.form, selectProfile(s));
}

let lastForm: WizardForm | null = null;
let lastCatalog: WizardState['catalog'] | null = null;
let lastProblems: StepProblems | null = null;
/** Problems by step, recomputed only when the form (or the catalog) changes. */
export function selectProblems(s: Pick<WizardState, 'form' | 'catalog'>): StepProblems {
  if (s.form !== lastForm || s.catalog !== lastCatalog || !lastProblems) {
    lastForm = s.form;
    lastCatalog = s.catalog;
    lastProblems = problemsByStep(s.form, selectProfile(s));
  }
  return lastProblems;
}

export function selectEnabled(s: Pick<WizardState, 'form' | 'catalog' | 'phase'>, step: StepId): boolean {
  return stepEnabled(selectProblems(s), step, s.phase);
}

export function selectStepValid(s: WizardState, step: StepId): boolean {
  if (step === 'review') return Boolean(s.review.plan) && !s.review.error && s.review.forAnswers === JSON.stringify(selectAnswers(s));
  if (step === 'run') return s.phase === 'done';
  return selectProblems(s)[step].length === 0;
}

/** A step the chosen agent does not need: the region for a profile without the region catalog. */
export function stepSkipped(s: Pick<WizardState, 'form' | 'catalog'>, step: StepId): boolean {
  return step === 'region' && selectProfile(s)?.regions === false;
}
