// Where the user was, kept across a reload (F5) beside the draft (draft.ts): the step, how far the steps
// were reached (the rail's marks), the answers the demo started from (so its edits win over its initial
// answers), and the last run as it ended — its result, step rows and, for a batch, its hosts, output and
// report (masked, as the core gives them: never a secret) — offered again by "Show last run".
import type { StoreApi } from 'zustand';
import { api } from '../../api/client';
import { batchRun, type SavedBatch } from '../../batch/model';
import { STEPS, type StepId } from '../model';
import { initialRun, type RunEnd, type RunStepRow, type Store } from './types';

const KEY = 'outpost.session.v1';

export interface LastRun {
  result: RunEnd;
  steps: RunStepRow[];
  batch: SavedBatch | null;
}

interface Saved {
  /** The initial answers (demo, --answers) the draft was edited from: JSON, or null. */
  base: string | null;
  current: StepId;
  furthest: number;
  lastRun: LastRun | null;
}

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export function readSession(): Saved | null {
  const raw = storage()?.getItem(KEY);
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as Partial<Saved>;
    if (typeof v.current !== 'string' || !STEPS.includes(v.current) || typeof v.furthest !== 'number') return null;
    return { base: typeof v.base === 'string' ? v.base : null, current: v.current, furthest: v.furthest, lastRun: v.lastRun ?? null };
  } catch {
    return null;
  }
}

let saved: Saved = { base: null, current: 'agent', furthest: 0, lastRun: null };
let ready = false;

function write(patch: Partial<Saved>): void {
  saved = { ...saved, ...patch };
  try {
    storage()?.setItem(KEY, JSON.stringify(saved));
  } catch {
    // Storage full (a huge batch's output): keep the place without the last run rather than nothing.
    storage()?.setItem(KEY, JSON.stringify({ ...saved, lastRun: null }));
  }
}

/** After the start has read the session: from now on the place and the runs are kept (base: the initial answers' JSON). */
export function sessionStarted(base: string | null, restored: Saved | null): void {
  saved = { base, current: 'agent', furthest: 0, lastRun: restored?.lastRun ?? null };
  ready = true;
}

export function clearSession(): void {
  saved = { ...saved, current: 'agent', furthest: 0, lastRun: null };
  storage()?.removeItem(KEY);
}

/** The last run as it ended, shown again (Result page, batch view with its export). */
export function showLastRun(store: StoreApi<Store>): void {
  const last = store.getState().lastRun;
  if (!last) return;
  if (last.batch) batchRun.restore(last.batch);
  else batchRun.clear();
  store.setState({ phase: 'done', current: 'result', result: last.result, run: { ...initialRun(), steps: last.steps, journal: last.result.journal ?? null } });
  // The plan of these answers: the Review step stays marked as it was, the Result page's commands read it.
  void store.getState().buildPlan();
}

export function keepSession(store: StoreApi<Store>): void {
  store.subscribe((s, prev) => {
    if (!ready) return;
    if (s.phase === 'wizard' && (s.current !== prev.current || s.furthest !== prev.furthest || s.phase !== prev.phase)) write({ current: s.current, furthest: s.furthest });
    // A run ended: keep it (a batch with the core's report, for its export after a reload).
    if (s.phase === 'done' && s.result && s.result !== prev.result && s.run.runId) {
      const result = s.result;
      const steps = s.run.steps;
      const runId = s.run.runId;
      const keep = (report: { json: string; csv: string } | null) => {
        const lastRun: LastRun = { result, steps, batch: batchRun.active ? batchRun.save(report) : null };
        store.setState({ lastRun });
        write({ current: 'result', furthest: s.furthest, lastRun });
      };
      if (!batchRun.active) keep(null);
      else
        void api.request('run.report', { runId }).then(
          (r) => keep({ json: r.json, csv: r.csv }),
          () => keep(null),
        );
    }
  });
}
