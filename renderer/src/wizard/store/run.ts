// A run from the wizard: its schedule (the core's pending rows), its live events (steps, hosts, host
// key questions, the terminal's output), pausing and cancelling, resuming an interrupted batch, and
// what comes after its end (edit the answers at the field the core names, more hosts).
import { api } from '../../api/client';
import { addressKey, BATCH_MIN_TARGETS, batchRun, defaultConcurrency, type BatchTarget } from '../../batch/model';
import { proofStepIds } from '../../batch/proof';
import { useInstalledView } from '../../installed/view';
import { emptyForm, slot } from '../model';
import { fromAnswers } from '../from-answers';
import { fieldId, stepOfPath } from '../validity';
import { commitAll, freshKey } from './secrets';
import { selectAnswers } from './selectors';
import { initialRun, initialState, message, type GetState, type RunStepRow, type SetState, type WizardActions } from './types';

// ---- the run's terminal output --------------------------------------------------------------------
// Kept outside the state (no re-render per chunk) so the run's terminal view can be (re)mounted at any
// time (lazy chunk, back from the result page) and still show everything from the start.
const OUTPUT_CAP = 2_000_000;
const runOutput = { chunks: new Map<string, string>(), viewMounted: false };

export function runReplay(terminalId: string): string {
  return runOutput.chunks.get(terminalId) ?? '';
}

/** The run's terminal view acknowledges what it renders; while none is mounted the store does (flow control). */
export function setRunViewMounted(mounted: boolean): void {
  runOutput.viewMounted = mounted;
}

/** Keeps only the output of the run's own terminal (other terminals' output that came before its id was known is dropped). */
function keepOutputOf(terminalId: string): void {
  for (const id of [...runOutput.chunks.keys()]) if (id !== terminalId) runOutput.chunks.delete(id);
}

// ---- the run's events -----------------------------------------------------------------------------

const unsubs: Array<() => void> = [];

/** No more run events for the wizard (start over, more hosts, back to the answers). */
export function stopListening(): void {
  unsubs.splice(0).forEach((u) => u());
}

/** A batch's final host states and reasons: the core's report of the ended run. */
function finalStates(runId: string): void {
  api.request('run.report', { runId }).then(
    (r) => batchRun.applyReport(runId, r.hosts),
    () => undefined,
  );
}

function listen(set: SetState, get: GetState): void {
  stopListening();
  const mine = (runId: string) => {
    const cur = get().run.runId;
    return get().phase === 'running' && (cur === null || cur === runId);
  };
  unsubs.push(
    api.on('run.step', (e) => {
      if (!mine(e.runId)) return;
      // A batch keeps its per-host state in batchRun (hundreds of hosts: no list of every step here).
      if (batchRun.live) return batchRun.onStep(e);
      set((s) => {
        const rows = [...s.run.steps];
        const i = rows.findIndex((r) => r.stepId === e.stepId && r.host === e.hostId);
        const row: RunStepRow = { stepId: e.stepId, host: e.hostId, title: e.title, status: e.status, message: e.message, parts: e.parts, checks: e.checks ?? rows[i]?.checks };
        if (i === -1) rows.push(row);
        else rows[i] = row;
        return { run: { ...s.run, runId: s.run.runId ?? e.runId, steps: rows } };
      });
    }),
    api.on('run.progress', (e) => {
      if (!mine(e.runId) || batchRun.live) return;
      set((s) => ({ run: { ...s.run, steps: s.run.steps.map((r) => (r.stepId === e.stepId && r.host === e.hostId ? { ...r, progress: { done: e.done, total: e.total } } : r)) } }));
    }),
    api.on('run.host', (e) => {
      if (!mine(e.runId)) return;
      if (batchRun.live) return batchRun.onHost(e);
      set((s) => ({ run: { ...s.run, hosts: { ...s.run.hosts, [e.hostId]: e } } }));
    }),
    api.on('run.paused', (e) => {
      if (!mine(e.runId)) return;
      set((s) => ({ run: { ...s.run, paused: e.paused } }));
    }),
    api.on('hostkey.unknown', (e) => {
      if (!mine(e.runId)) return;
      set((s) => ({ run: { ...s.run, hostKeys: [...s.run.hostKeys, e] } }));
    }),
    api.on('hostkey.changed', (e) => {
      if (!mine(e.runId)) return;
      // Told before the targets start and again by the host's own login: once is enough.
      const same = (k: typeof e) => k.host === e.host && k.port === e.port && k.fingerprint === e.fingerprint;
      set((s) => (s.run.changedKeys.some(same) ? {} : { run: { ...s.run, changedKeys: [...s.run.changedKeys, e] } }));
    }),
    api.on('terminal.data', ({ id, data }) => {
      const s = get();
      if (s.phase === 'wizard') return;
      const known = s.run.terminalId;
      if (known && id !== known) return;
      const prev = runOutput.chunks.get(id) ?? '';
      const next = prev + data;
      runOutput.chunks.set(id, next.length > OUTPUT_CAP ? next.slice(-OUTPUT_CAP) : next);
      if (known && !runOutput.viewMounted) void api.request('terminal.ack', { id, chars: data.length }).catch(() => undefined);
    }),
    api.on('run.end', (e) => {
      if (!mine(e.runId)) return;
      if (batchRun.live) {
        batchRun.onEnd(e);
        finalStates(e.runId);
      }
      set((s) => ({ phase: 'done', current: 'result', result: e, run: { ...s.run, hostKeys: [], journal: e.journal, paused: false } }));
    }),
  );
}

// ---- the actions ----------------------------------------------------------------------------------

type RunActions = Pick<WizardActions, 'startRun' | 'cancelRun' | 'resumeBatch' | 'runInstalled' | 'pauseRun' | 'decideHostKey' | 'editAnswers' | 'moreHosts'>;

export function runActions(set: SetState, get: GetState): RunActions {
  return {
    async startRun(opts = {}) {
      await commitAll(get);
      useInstalledView.setState({ run: null });
      const s = get();
      const answers = selectAnswers(s);
      listen(set, get);
      runOutput.chunks.clear();
      // Two hosts or more: the pool (several at once) and the batch view, one result model for any number of hosts.
      const targets = Array.isArray(answers.targets) ? (answers.targets as Array<Record<string, unknown>>) : [];
      const batch = targets.length >= BATCH_MIN_TARGETS && !opts.tunnelOnly;
      const list = targets.map((t): BatchTarget => ({ host: String(t.host ?? ''), port: typeof t.port === 'number' ? t.port : 22, user: typeof t.user === 'string' ? t.user : s.form.agent.os === 'windows' ? 'Administrator' : 'root', name: typeof t.name === 'string' ? t.name : undefined }));
      // Retry failed hosts: the hosts done in the last batch (by address) are left alone, not reconnected (the CLI's --retry-failed).
      const only = batch && opts.retryFailed ? batchRun.retry(list) : undefined;
      if (only && only.length === 0) return;
      if (batch && !only) batchRun.begin(list);
      if (batch) batchRun.setProofSteps(proofStepIds(s.review.plan?.steps));
      // "Check tunnel" keeps the install's results (its batch) beside its own.
      else if (!batch && opts.tunnelOnly) batchRun.hold();
      else if (!batch) batchRun.clear();
      const startedAt = Date.now();
      // Check tunnel keeps the install's results to show beside its own; any other run starts afresh.
      const previous = opts.tunnelOnly ? (s.result && !s.run.tunnelOnly ? { steps: s.run.steps, result: s.result } : s.previous) : null;
      set({ phase: 'running', current: 'run', result: null, editingHost: null, previous, run: { ...initialRun(), reinstall: Boolean(opts.reinstall), tunnelOnly: Boolean(opts.tunnelOnly), startedAt } });
      const wanted = Number(s.form.hosts.concurrency);
      const concurrency = Math.min(targets.length, Number.isInteger(wanted) && wanted >= 1 ? Math.min(wanted, 1000) : defaultConcurrency());
      const options = { acceptNewHostKeys: false, overridePreflight: Boolean(opts.overridePreflight), reinstall: Boolean(opts.reinstall), tunnelOnly: Boolean(opts.tunnelOnly), ...(batch ? { concurrency: Math.max(2, concurrency) } : {}), ...(only ? { targets: only } : {}) };
      // The rows the run will report, from the core, shown pending from the start (not for a batch: its view is per host).
      if (!batch) {
        api.request('run.schedule', { answers, options }).then(
          (r) => set((st) => (st.run.startedAt === startedAt && st.phase !== 'wizard' ? { run: { ...st.run, schedule: r.rows } } : {})),
          () => undefined,
        );
      }
      try {
        const r = await api.request('run.start', { answers, options });
        keepOutputOf(r.terminalId);
        set((st) => ({ run: { ...st.run, runId: r.runId, terminalId: r.terminalId, journal: r.journal } }));
      } catch (e) {
        set((st) => ({ phase: 'wizard', current: 'review', run: { ...st.run, error: message(e) }, review: { ...st.review, error: message(e) } }));
      }
    },

    async cancelRun() {
      const id = get().run.runId;
      if (!id) return;
      await api.request('run.cancel', { runId: id }).catch((e: unknown) => set({ notice: message(e) }));
    },

    async resumeBatch(runId, targets) {
      const before = get().current;
      useInstalledView.setState({ run: null });
      listen(set, get);
      runOutput.chunks.clear();
      // The batch view first: the run's first events come before the request's answer.
      batchRun.begin(targets);
      set({ phase: 'running', current: 'run', result: null, run: { ...initialRun(), startedAt: Date.now() } });
      try {
        const r = await api.request('batch.resume', { runId });
        if (r.targets.length !== targets.length) batchRun.begin(r.targets);
        keepOutputOf(r.terminalId);
        set((st) => ({ run: { ...st.run, runId: r.runId, terminalId: r.terminalId, journal: r.journal } }));
        // The wizard holds the answers that run (the hosts left): Try again / Edit answers work on them.
        const hints = await api
          .request('secrets.list', {})
          .then((l) => Object.fromEntries(l.secrets.map((x) => [x.key, x.hint])))
          .catch(() => ({}) as Record<string, string>);
        set({ form: fromAnswers(r.answers, hints, get().catalog.regions.map((x) => x.id), get().catalog.profiles), dirty: false });
        return null;
      } catch (e) {
        stopListening();
        batchRun.clear();
        set({ phase: 'wizard', current: before, run: initialRun() });
        return message(e);
      }
    },

    async runInstalled(input, targets) {
      const before = get().current;
      listen(set, get);
      runOutput.chunks.clear();
      // The batch view first (the core runs the chosen hosts in this order): the run's first events come before the answer.
      batchRun.begin(targets);
      useInstalledView.setState({ open: false, error: null, run: 'jump' in input ? { action: input.action, hosts: [], jump: input.jump } : { action: input.action, hosts: input.hosts } });
      set({ phase: 'running', current: 'run', result: null, run: { ...initialRun(), reinstall: input.action === 'reinstall', tunnelOnly: input.action === 'repair', startedAt: Date.now() } });
      try {
        const r = await api.request('installed.run', input);
        if (r.targets.length !== targets.length) batchRun.begin(r.targets);
        keepOutputOf(r.terminalId);
        set((st) => ({ run: { ...st.run, runId: r.runId, terminalId: r.terminalId, journal: r.journal } }));
        return null;
      } catch (e) {
        stopListening();
        batchRun.clear();
        useInstalledView.setState({ open: true, run: null, error: message(e) });
        set({ phase: 'wizard', current: before, run: initialRun() });
        return message(e);
      }
    },

    async pauseRun(paused) {
      const id = get().run.runId;
      if (!id) return;
      try {
        const r = await api.request(paused ? 'run.pause' : 'run.resume', { runId: id });
        set((s) => ({ run: { ...s.run, paused: r.paused } }));
      } catch (e) {
        set({ notice: message(e) });
      }
    },

    async decideHostKey(requestId, decision) {
      set((s) => ({ run: { ...s.run, hostKeys: s.run.hostKeys.filter((h) => h.requestId !== requestId) } }));
      await api.request('hostkey.decide', { requestId, decision }).catch((e: unknown) => set({ notice: message(e) }));
    },

    editAnswers() {
      const s = get();
      // A batch: the first host that did not end done, its row in the host list open for editing.
      const failed = batchRun.active ? batchRun.notDone()[0] : undefined;
      if (failed && s.form.hosts.mode === 'list') {
        stopListening();
        const row = s.form.hosts.list.findIndex((l, i) => addressKey({ host: l.host, port: l.port ?? (Number(s.form.hosts.listPort) || 22), user: l.user ?? (s.form.hosts.listUser.trim() || 'root') }) === addressKey(failed) || (l.raw && i === failed.index));
        set({ phase: 'wizard', current: 'hosts', result: null, run: initialRun(), editingHost: row === -1 ? null : row });
        window.setTimeout(() => {
          const el = document.querySelector<HTMLElement>('[data-testid="host-edit"] input');
          el?.scrollIntoView({ block: 'center' });
          el?.focus();
        }, 60);
        return;
      }
      // The core says which answers field the failure points at (run.end's field).
      const path = s.result?.field ?? null;
      stopListening();
      set({ phase: 'wizard', current: path ? stepOfPath(path) : 'review', result: null, run: initialRun() });
      if (s.current === 'review' || !path) void get().buildPlan();
      if (!path) return;
      // Once the step has rendered: the Replace button of a saved secret, else the field itself.
      window.setTimeout(() => {
        const el = document.querySelector<HTMLElement>(`[data-testid="secret-${path}"] button`) ?? document.getElementById(fieldId(path));
        el?.scrollIntoView({ block: 'center' });
        el?.focus();
      }, 60);
    },

    moreHosts() {
      batchRun.clear();
      // Same agent, region, connectivity and credentials; new hosts.
      stopListening();
      const f = get().form;
      const os = f.agent.os;
      const fresh = emptyForm().hosts;
      set({
        phase: 'wizard',
        current: 'hosts',
        result: null,
        touched: {},
        revealed: {},
        run: initialRun(),
        review: initialState().review,
        form: { ...f, hosts: { ...fresh, mode: os === 'windows' ? 'thisComputer' : 'single', single: { ...fresh.single, user: f.hosts.single.user, password: slot(freshKey('target.password')) }, listUser: f.hosts.listUser } },
      });
    },
  };
}
