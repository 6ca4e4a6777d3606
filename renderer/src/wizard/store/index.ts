// The wizard's one store, split by concern: the form and its steps (form.ts), its secrets (secrets.ts),
// the draft kept across a reload (draft.ts), the run (run.ts); the state's shape in types.ts. Whether
// a step is valid or enabled is derived (selectors.ts), never stored. Cross-step rules (changing the
// OS…) are applied in actions through the pure functions of model.ts.
import { create } from 'zustand';
import type { WizardForm } from '../model';
import { keepDraft } from './draft';
import { formActions } from './form';
import { runActions } from './run';
import { secretActions } from './secrets';
import { keepSession, showLastRun } from './session';
import { initialState, type Store } from './types';

export const useWizard = create<Store>()((set, get) => {
  const setForm = (fn: (f: WizardForm) => WizardForm) => set((s) => ({ form: fn(s.form), dirty: true }));
  return {
    ...initialState(),
    ...formActions(set, get, setForm),
    ...secretActions(set, get, setForm),
    ...runActions(set, get),
    showLastRun: () => showLastRun(useWizard),
  };
});

keepDraft(useWizard);
keepSession(useWizard);

export { runReplay, setRunViewMounted } from './run';
export { selectAnswers, selectEnabled, selectProblems, selectProfile, selectStepValid, stepSkipped } from './selectors';
export type { HostKeyRequest, Phase, RunEnd, RunStepRow, SlotAddr, Store, WizardActions, WizardState } from './types';
