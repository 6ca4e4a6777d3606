// The draft: the answers being filled in (references only, never a secret value), kept in this
// origin's storage a moment after each change, so a reload (F5) or a crash does not lose them.
import type { StoreApi } from 'zustand';
import { STEPS } from '../model';
import { selectAnswers } from './selectors';
import type { Store } from './types';

const DRAFT_KEY = 'outpost.draft.v1';
let draftReady = false;
let draftTimer: ReturnType<typeof setTimeout> | null = null;

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export function readDraft(): unknown {
  const raw = storage()?.getItem(DRAFT_KEY);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return null;
  }
}

export function clearDraft(): void {
  storage()?.removeItem(DRAFT_KEY);
}

/** From now on changes are saved (after the start has read the draft, not before). */
export function draftStarted(): void {
  draftReady = true;
}

/** Saves the draft a moment after each change while the wizard is filled in (not during or after a run); remembers how far the user got. */
export function keepDraft(store: StoreApi<Store>): void {
  store.subscribe((s, prev) => {
    if (!draftReady || s.form === prev.form || s.phase !== 'wizard') return;
    if (draftTimer) clearTimeout(draftTimer);
    draftTimer = setTimeout(() => {
      draftTimer = null;
      storage()?.setItem(DRAFT_KEY, JSON.stringify(selectAnswers(store.getState())));
    }, 300);
  });
  // The rail remembers how far the user got: going back does not turn finished steps into "Not started".
  store.subscribe((s) => {
    const i = STEPS.indexOf(s.current);
    if (i > s.furthest) store.setState({ furthest: i });
  });
}
