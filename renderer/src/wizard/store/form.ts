// The form and its steps: loading the catalog, moving between steps, every edit of the answers (with the
// cross-step rules of model.ts), opening saved answers, the network the Connectivity step shows and the
// plan the Review page shows, both from the core.
import i18next from 'i18next';
import { api } from '../../api/client';
import { batchRun } from '../../batch/model';
import { forgetPaste, importedForm } from '../paste-changes';
import { applyOs, defaultProfile, switchAgent, readHostList, slot, STEPS, type JumpForm, type ListHost, type WizardForm } from '../model';
import { fromAnswers } from '../from-answers';
import { hostColumns } from '../host-inputs';
import { clearDraft, draftStarted, readDraft } from './draft';
import { clearSession, readSession, sessionStarted } from './session';
import { stopListening } from './run';
import { commitAll, freshKey } from './secrets';
import { selectAnswers, selectEnabled, selectProblems, selectProfile, stepSkipped } from './selectors';
import { initialState, message, type GetState, type SetState, type WizardActions } from './types';

type FormActions = Omit<WizardActions, 'showLastRun' | 'setSecretDraft' | 'commitSecret' | 'commitSecrets' | 'forgetSecret' | 'startRun' | 'cancelRun' | 'resumeBatch' | 'runInstalled' | 'pauseRun' | 'decideHostKey' | 'editAnswers' | 'moreHosts'>;

/** The answers a plan.network request in flight is for (one at a time per answers). */
let networkFor: string | null = null;

export function formActions(set: SetState, get: GetState, setForm: (fn: (f: WizardForm) => WizardForm) => void): FormActions {
  return {
    async reloadProfiles() {
      set((s) => ({ userProfiles: { ...s.userProfiles, reloading: true } }));
      try {
        const r = await api.request('profiles.list', {});
        set((s) => ({ catalog: { ...s.catalog, profiles: r.profiles, error: null }, userProfiles: { ...s.userProfiles, folder: r.folder, problems: r.problems, reloading: false } }));
      } catch (e) {
        set((s) => ({ catalog: { ...s.catalog, error: message(e) }, userProfiles: { ...s.userProfiles, reloading: false } }));
      }
    },

    async openProfilesFolder() {
      try {
        const r = await api.request('profiles.openFolder', {});
        set((s) => ({ userProfiles: { ...s.userProfiles, folder: r.folder, openError: r.error ?? null } }));
      } catch (e) {
        set((s) => ({ userProfiles: { ...s.userProfiles, openError: message(e) } }));
      }
    },

    async init() {
      const [info, profiles, regions, secrets, initial] = await Promise.allSettled([
        api.request('system.info', {}),
        api.request('profiles.list', {}),
        api.request('regions.list', {}),
        api.request('secrets.list', {}),
        api.request('wizard.initial', {}),
      ]);
      const errors = [profiles, regions].filter((r) => r.status === 'rejected').map((r) => message((r as PromiseRejectedResult).reason));
      set((s) => ({
        system: info.status === 'fulfilled' ? info.value : null,
        catalog: {
          profiles: profiles.status === 'fulfilled' ? profiles.value.profiles : [],
          regions: regions.status === 'fulfilled' ? regions.value.regions : [],
          loaded: true,
          error: errors.length ? errors.join('\n') : null,
        },
        userProfiles: profiles.status === 'fulfilled' ? { ...s.userProfiles, folder: profiles.value.folder, problems: profiles.value.problems } : s.userProfiles,
        storage: secrets.status === 'fulfilled' ? { kind: secrets.value.storage, warning: secrets.value.warning ?? null } : s.storage,
        banner: initial.status === 'fulfilled' ? initial.value.banner : null,
        bannerText: initial.status === 'fulfilled' ? (initial.value.bannerText ?? null) : null,
      }));
      const first = get().catalog.profiles.find((p) => p.id === defaultProfile(get().catalog.profiles));
      if (first && !get().form.agent.profile) get().setAgent(first);
      set({ dirty: false });
      // A reload (F5) or a crash does not lose what was typed: the answers (references only, never a
      // secret value) are kept in this origin's storage as the user goes, and win over the initial
      // answers (the demo's, --answers) they were edited from.
      const base = initial.status === 'fulfilled' && initial.value.answers ? JSON.stringify(initial.value.answers) : null;
      const session = readSession();
      const draft = readDraft();
      const editedFromBase = draft !== null && session !== null && session.base === base;
      // Back where the user was: the same step, the steps marked as they were, the last run reachable.
      const restore = () => {
        draftStarted();
        sessionStarted(base, session);
        if (!session || session.base !== base) return;
        set({ lastRun: session.lastRun, furthest: session.furthest });
        if ((session.current === 'result' || session.current === 'run') && session.lastRun) get().showLastRun();
        else if (session.current !== 'run' && session.current !== 'result' && selectEnabled(get(), session.current)) {
          set({ current: session.current });
          if (session.current === 'review') void get().buildPlan();
          if (session.current === 'connectivity') void get().loadNetwork();
        }
      };
      if (base !== null && !editedFromBase && initial.status === 'fulfilled' && initial.value.answers) get().loadAnswers(initial.value.answers, { then: restore });
      else if (draft) {
        get().loadAnswers(draft, { dirty: true, then: restore });
        set({ notice: i18next.t('app.draftRestored') });
      } else restore();
    },

    go(step) {
      const s = get();
      if (step === s.current || !selectEnabled(s, step) || stepSkipped(s, step)) return;
      set({ current: step });
      if (step === 'review') void get().buildPlan();
      if (step === 'connectivity') void get().loadNetwork();
    },

    next() {
      const s = get();
      const problems = selectProblems(s)[s.current];
      if (problems.length) {
        // Next stays refused; show every problem of this step, not only those of visited fields.
        set({ revealed: { ...s.revealed, [s.current]: true } });
        return;
      }
      const i = STEPS.indexOf(s.current);
      // A step the agent does not need (a region for an agent without one) is passed over.
      const to = STEPS.slice(i + 1).find((x) => !stepSkipped(s, x));
      if (s.current === 'credentials' || s.current === 'hosts' || s.current === 'connectivity') void commitAll(get);
      if (s.current === 'review') {
        void get().startRun();
        return;
      }
      if (to) get().go(to);
    },

    back() {
      const s = get();
      if (s.phase !== 'wizard') return;
      const i = STEPS.indexOf(s.current);
      const to = STEPS.slice(0, i).reverse().find((x) => !stepSkipped(s, x));
      if (to) set({ current: to });
    },

    touch(path) {
      if (!get().touched[path]) set((s) => ({ touched: { ...s.touched, [path]: true } }));
    },

    setAgent(profile) {
      const from = get().form.agent.profile;
      setForm((f) => switchAgent(f, { id: profile.id, os: profile.os, connectivity: profile.connectivity }));
      // Another agent changes what the later steps hold: none of them stays "Complete" until visited again.
      if (from && from !== profile.id) set((s) => ({ furthest: Math.min(s.furthest, STEPS.indexOf(s.current)) }));
    },
    setOs(os) {
      const localWindows = get().system?.localWindows ?? false;
      setForm((f) => {
        const g = applyOs(f, os);
        // Windows installs on this computer only where Outpost runs on Windows; elsewhere over SSH.
        return g.hosts.mode === 'thisComputer' && !localWindows ? { ...g, hosts: { ...g.hosts, mode: 'single' } } : g;
      });
    },
    setRegion(patch) {
      setForm((f) => ({ ...f, region: { ...f.region, ...patch } }));
    },
    setConnectivity(patch) {
      setForm((f) => ({ ...f, connectivity: { ...f.connectivity, ...patch } }));
    },
    setJump(i, patch, ssh) {
      setForm((f) => ({
        ...f,
        connectivity: { ...f.connectivity, jumpServers: f.connectivity.jumpServers.map((j, k) => (k === i ? { ...j, ...patch, ssh: { ...j.ssh, ...ssh } } : j)) },
      }));
    },
    setProxy(i, ssh) {
      setForm((f) => ({
        ...f,
        connectivity: {
          ...f.connectivity,
          jumpServers: f.connectivity.jumpServers.map((j, k) => (k === i ? { ...j, proxy: { ...(j.proxy ?? { host: '', port: '22', user: 'root', auth: 'password', password: slot(freshKey('proxy.password')), keyPath: '' }), ...ssh } } : j)),
        },
      }));
    },
    addJump() {
      setForm((f) => {
        const prev = f.connectivity.jumpServers.at(-1);
        const j: JumpForm = { privateIp: '', ssh: { host: '', port: prev?.ssh.port ?? '22', user: prev?.ssh.user ?? 'root', auth: prev?.ssh.auth ?? 'password', password: slot(freshKey('jump.password')), keyPath: prev?.ssh.keyPath ?? '' } };
        return { ...f, connectivity: { ...f.connectivity, jumpServers: [...f.connectivity.jumpServers, j] } };
      });
    },
    removeJump(i) {
      setForm((f) => ({ ...f, connectivity: { ...f.connectivity, jumpServers: f.connectivity.jumpServers.filter((_, k) => k !== i) } }));
    },
    setOverride(port, patch) {
      setForm((f) => {
        const cur = f.connectivity.portOverrides[port] ?? { listen: '', target: '' };
        return { ...f, connectivity: { ...f.connectivity, portOverrides: { ...f.connectivity.portOverrides, [port]: { ...cur, ...patch } } } };
      });
    },
    setInput(name, field) {
      setForm((f) => ({ ...f, inputs: { ...f.inputs, [name]: field } }));
    },
    applyImport(r) {
      const regionIds = get().catalog.regions.map((x) => x.id);
      setForm((f) => importedForm(f, r, regionIds));
    },
    setHosts(patch, single) {
      setForm((f) => ({ ...f, hosts: { ...f.hosts, ...patch, single: { ...f.hosts.single, ...single } } }));
    },
    addListText(text) {
      // The CLI's formats (iplist.cfg, CSV with a header row, ranges, CIDR); the lines with a problem are not added.
      const h0 = get().form.hosts;
      const defaults = { user: h0.listUser.trim() || 'root', port: Number(h0.listPort) || 22 };
      const lines = readHostList(text, defaults, hostColumns(selectProfile(get()))).hosts;
      setForm((f) => {
        const key = (host: string, port: number | undefined) => `${host}|${port ?? (Number(f.hosts.listPort) || 22)}`;
        const known = new Set(f.hosts.list.map((l) => key(l.host, l.port)));
        const add = lines
          .filter((l) => !known.has(key(l.host, l.port)) && (known.add(key(l.host, l.port)), true))
          .map((l): ListHost => ({
            host: l.host,
            password: l.password !== undefined ? { ...slot(freshKey('target.password')), draft: l.password } : null,
            ...(l.port !== defaults.port ? { port: l.port } : {}),
            ...(l.user !== defaults.user ? { user: l.user } : {}),
            ...(l.name ? { name: l.name } : {}),
            ...(l.privateKey ? { keyPath: l.privateKey } : {}),
            ...(l.jump !== undefined ? { jump: l.jump } : {}),
            ...(l.vars && Object.keys(l.vars).length ? { vars: l.vars } : {}),
          }));
        return { ...f, hosts: { ...f.hosts, list: [...f.hosts.list, ...add] } };
      });
      return lines.length;
    },
    removeListHost(i) {
      setForm((f) => ({ ...f, hosts: { ...f.hosts, list: f.hosts.list.filter((_, k) => k !== i) } }));
      set({ editingHost: null });
    },
    updateListHost(i, patch, drop = []) {
      setForm((f) => ({
        ...f,
        hosts: {
          ...f.hosts,
          list: f.hosts.list.map((l, k) => {
            if (k !== i) return l;
            const next: ListHost = { ...l, ...patch };
            for (const d of drop) {
              if (d === 'password') next.password = null;
              else delete next[d];
            }
            return next;
          }),
        },
      }));
    },
    editHost(i) {
      set({ editingHost: i });
    },

    markSaved() {
      set({ dirty: false });
    },

    loadAnswers(answers, opts) {
      void api
        .request('secrets.list', {})
        .then((r) => Object.fromEntries(r.secrets.map((x) => [x.key, x.hint])))
        .catch(() => ({}) as Record<string, string>)
        .then((hints) => {
          const form = fromAnswers(answers, hints, get().catalog.regions.map((r) => r.id), get().catalog.profiles);
          set({ form, touched: {}, revealed: {}, current: 'agent', phase: 'wizard', result: null, network: null, dirty: opts?.dirty ?? false, furthest: 0, prefilled: !opts?.dirty });
          opts?.then?.();
        });
    },

    async loadNetwork() {
      // The core builds the plan from the answers as they are (what is missing stood in for) and says
      // what it forwards and which security-group rule it asks for.
      // The rule's sources default to the targets' addresses: the hosts go too; the package does not matter here.
      const { package: _package, ...answers } = selectAnswers(get());
      const key = JSON.stringify(answers);
      if (get().network?.key === key || networkFor === key) return;
      networkFor = key;
      try {
        const value = await api.request('plan.network', { answers });
        if (networkFor === key) set({ network: { key, value } });
      } catch {
        // Shown again with the next change; the plan itself says what is wrong on the Review page.
      } finally {
        if (networkFor === key) networkFor = null;
      }
    },

    async buildPlan() {
      await commitAll(get);
      const answers = selectAnswers(get());
      const forAnswers = JSON.stringify(answers);
      set((s) => ({ review: { ...s.review, loading: true, error: null } }));
      try {
        const r = await api.request('plan.build', { answers });
        set({ review: { plan: r.plan, warnings: r.warnings, error: null, loading: false, forAnswers } });
      } catch (e) {
        set({ review: { plan: null, warnings: [], error: message(e), loading: false, forAnswers } });
      }
    },

    startOver() {
      batchRun.clear();
      forgetPaste();
      clearDraft();
      // A fresh start: no place to return to, and the last run (of other answers) is no longer offered.
      clearSession();
      stopListening();
      const keep = get();
      set({ ...initialState(), system: keep.system, catalog: keep.catalog, userProfiles: keep.userProfiles, storage: keep.storage, banner: keep.banner, bannerText: keep.bannerText });
      const first = keep.catalog.profiles.find((p) => p.id === defaultProfile(keep.catalog.profiles));
      if (first) get().setAgent(first);
      set({ dirty: false });
    },

    setNotice(n) {
      set({ notice: n });
    },
  };
}
