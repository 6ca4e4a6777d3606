// The wizard's one store: a slice per step (the form slices live in `form`, see model.ts), the review's
// plan, the run's live state and its result, and the top-level phase wizard → running → done.
// Whether a step is valid or enabled is derived (selectors below), never stored. Cross-step rules
// (changing the OS…) are applied in actions through the pure functions of model.ts.
import { create } from 'zustand';
import i18next from 'i18next';
import type { EventPayload, Plan, ProfileSummary, RegionInfo, RequestOutput, StepStatus, SystemInfo } from '../../../electron/common/api';
import { api, ApiRequestError } from '../api/client';
import { BATCH_CONCURRENCY, BATCH_MIN_TARGETS, batchRun, type BatchTarget } from '../batch/model';
import {
  applyOs,
  applyProfile,
  defaultProfile,
  emptyForm,
  fieldId,
  fieldOfFailure,
  fromAnswers,
  fieldFrom,
  inputField,
  inputSecretKey,
  secretDraftProblem,
  type InputField,
  readHostList,
  type ListHost,
  problemsByStep,
  slot,
  STEPS,
  stepEnabled,
  stepOfPath,
  toAnswers,
  type JumpForm,
  type Os,
  type SecretSlot,
  type SshLoginForm,
  type StepId,
  type StepProblems,
  type WizardForm,
} from './model';

export type Phase = 'wizard' | 'running' | 'done';

export interface RunStepRow {
  stepId: string;
  host: string;
  title: string;
  status: StepStatus;
  message?: string | undefined;
  parts?: EventPayload<'run.step'>['parts'];
  checks?: EventPayload<'run.step'>['checks'];
  /** A transfer's bytes (uploads), while the step runs. */
  progress?: { done: number; total: number };
}

export type HostKeyRequest = EventPayload<'hostkey.unknown'>;
export type RunEnd = EventPayload<'run.end'>;

/** Where a secret slot lives in the form. */
export type SlotAddr = `input.${string}` | `jump.${number}` | `proxy.${number}` | 'target.single' | 'target.default' | `list.${number}`;

export interface WizardState {
  phase: Phase;
  current: StepId;
  form: WizardForm;
  /** Fields the user has left (or every field of a step after a Next that was refused): their errors show. */
  touched: Record<string, true>;
  revealed: Partial<Record<StepId, true>>;
  catalog: { profiles: ProfileSummary[]; regions: RegionInfo[]; loaded: boolean; error: string | null };
  /** The user's profiles folder: where it is, what its files' problems are (file:line: field: message), a reload in flight. */
  userProfiles: { folder: string; problems: string[]; reloading: boolean; openError: string | null };
  system: SystemInfo | null;
  banner: string | null;
  /** The banner as an i18n key (shown in the UI's language when known). */
  bannerText: { key: string; params: Record<string, string | number> } | null;
  storage: { kind: 'os' | 'memory'; warning: string | null };
  /** The profile's forwarded ports (from a probe plan): port overrides and the security-group table. */
  ports: { key: string; list: Array<{ name: string; port: number; target: string }> } | null;
  review: { plan: Plan | null; warnings: string[]; error: string | null; loading: boolean; forAnswers: string };
  run: { runId: string | null; terminalId: string | null; journal: string | null; steps: RunStepRow[]; hosts: Record<string, EventPayload<'run.host'>>; hostKeys: HostKeyRequest[]; error: string | null; reinstall: boolean; tunnelOnly: boolean; startedAt: number | null; /** A batch's pool is paused (run.paused). */ paused?: boolean };
  result: RunEnd | null;
  notice: string | null;
  /** Answers changed since they were opened, saved or started afresh (Open / Start over ask first). */
  dirty: boolean;
  /** The furthest step reached: a valid step up to it stays "Complete" when the user goes back. */
  furthest: number;
}

export interface WizardActions {
  init(): Promise<void>;
  go(step: StepId): void;
  next(): void;
  back(): void;
  touch(path: string): void;
  setAgent(profile: ProfileSummary): void;
  /** Reads the profiles again (shipped and the user's folder): new files are offered, problems shown. */
  reloadProfiles(): Promise<void>;
  /** Creates the user's profiles folder and opens it (desktop app). */
  openProfilesFolder(): Promise<void>;
  setOs(os: Os): void;
  setRegion(patch: Partial<WizardForm['region']>): void;
  setConnectivity(patch: Partial<WizardForm['connectivity']>): void;
  setJump(i: number, patch: Partial<Omit<JumpForm, 'ssh'>>, ssh?: Partial<SshLoginForm>): void;
  /** The login of jump server i's proxy (profiles with remote forwards); created on the first change. */
  setProxy(i: number, ssh: Partial<SshLoginForm>): void;
  addJump(): void;
  removeJump(i: number): void;
  setOverride(port: string, patch: Partial<{ listen: string; target: string }>): void;
  /** A non-secret profile input (secrets go through the slot actions, `input.<name>`). */
  setInput(name: string, field: InputField): void;
  /** What profiles.importCommand read from a pasted console command: inputs, region, access address. */
  applyImport(r: RequestOutput<'profiles.importCommand'>): void;
  setHosts(patch: Partial<Omit<WizardForm['hosts'], 'single'>>, single?: Partial<SshLoginForm>): void;
  addListText(text: string): number;
  removeListHost(i: number): void;
  setSecretDraft(addr: SlotAddr, value: string): void;
  commitSecret(addr: SlotAddr): Promise<void>;
  /** Saves every typed secret, so the answers hold only references (before a run or a connection test). */
  commitSecrets(): Promise<void>;
  forgetSecret(addr: SlotAddr): Promise<void>;
  loadAnswers(answers: unknown, opts?: { dirty?: boolean }): void;
  /** The answers were saved to a file: nothing is unsaved any more. */
  markSaved(): void;
  loadPorts(): Promise<void>;
  buildPlan(): Promise<void>;
  /** tunnelOnly: the "check tunnel" action (checks and repairs the tunnel, installs nothing). */
  startRun(opts?: { reinstall?: boolean; overridePreflight?: boolean; tunnelOnly?: boolean }): Promise<void>;
  cancelRun(): Promise<void>;
  /** Runs the hosts of an interrupted batch its journal does not record as done; an error message when it cannot. */
  resumeBatch(runId: string, targets: BatchTarget[]): Promise<string | null>;
  /** Pause (true) or resume (false) a batch: no new host starts while paused. */
  pauseRun(paused: boolean): Promise<void>;
  decideHostKey(requestId: string, decision: 'accept' | 'reject'): Promise<void>;
  startOver(): void;
  /** After a failed run: back to the answers, every value kept, on the field the failure points at. */
  editAnswers(): void;
  moreHosts(): void;
  setNotice(n: string | null): void;
}

export type Store = WizardState & WizardActions;

const message = (e: unknown) => (e instanceof ApiRequestError ? `${e.message}${e.hint ? `\n${e.hint}` : ''}` : e instanceof Error ? e.message : String(e));

function initialState(): WizardState {
  return {
    phase: 'wizard',
    current: 'agent',
    form: emptyForm(),
    touched: {},
    revealed: {},
    catalog: { profiles: [], regions: [], loaded: false, error: null },
    userProfiles: { folder: '', problems: [], reloading: false, openError: null },
    system: null,
    banner: null,
    bannerText: null,
    storage: { kind: 'memory', warning: null },
    ports: null,
    review: { plan: null, warnings: [], error: null, loading: false, forAnswers: '' },
    run: { runId: null, terminalId: null, journal: null, steps: [], hosts: {}, hostKeys: [], error: null, reinstall: false, tunnelOnly: false, startedAt: null },
    result: null,
    notice: null,
    dirty: false,
    furthest: 0,
  };
}

// ---- selectors (derived, never stored) -------------------------------------------------------------

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

// ---- slot helpers ----------------------------------------------------------------------------------

function getSlot(f: WizardForm, addr: SlotAddr): SecretSlot | null {
  if (addr.startsWith('input.')) {
    const name = addr.slice('input.'.length);
    const field = inputField(f, { name, type: 'secret' });
    return field.kind === 'secret' ? field.slot : null;
  }
  if (addr === 'target.single') return f.hosts.single.password;
  if (addr === 'target.default') return f.hosts.listDefaultPassword;
  const [kind, n] = addr.split('.');
  const i = Number(n);
  if (kind === 'jump') return f.connectivity.jumpServers[i]?.ssh.password ?? null;
  if (kind === 'proxy') return f.connectivity.jumpServers[i]?.proxy?.password ?? null;
  if (kind === 'list') return f.hosts.list[i]?.password ?? null;
  return null;
}

function putSlot(f: WizardForm, addr: SlotAddr, s: SecretSlot): WizardForm {
  if (addr.startsWith('input.')) return { ...f, inputs: { ...f.inputs, [addr.slice('input.'.length)]: { kind: 'secret', slot: s } } };
  if (addr === 'target.single') return { ...f, hosts: { ...f.hosts, single: { ...f.hosts.single, password: s } } };
  if (addr === 'target.default') return { ...f, hosts: { ...f.hosts, listDefaultPassword: s } };
  const [kind, n] = addr.split('.');
  const i = Number(n);
  if (kind === 'jump') {
    return { ...f, connectivity: { ...f.connectivity, jumpServers: f.connectivity.jumpServers.map((j, k) => (k === i ? { ...j, ssh: { ...j.ssh, password: s } } : j)) } };
  }
  if (kind === 'proxy') {
    return { ...f, connectivity: { ...f.connectivity, jumpServers: f.connectivity.jumpServers.map((j, k) => (k === i && j.proxy ? { ...j, proxy: { ...j.proxy, password: s } } : j)) } };
  }
  return { ...f, hosts: { ...f.hosts, list: f.hosts.list.map((l, k) => (k === i ? { ...l, password: s } : l)) } };
}

function allSlots(f: WizardForm): SlotAddr[] {
  const out: SlotAddr[] = ['target.single', 'target.default'];
  for (const [name, field] of Object.entries(f.inputs)) if (field.kind === 'secret') out.push(`input.${name}`);
  f.connectivity.jumpServers.forEach((j, i) => {
    out.push(`jump.${i}`);
    if (j.proxy) out.push(`proxy.${i}`);
  });
  f.hosts.list.forEach((_, i) => out.push(`list.${i}`));
  return out;
}

/** Unique key for a new slot, so removing a row never makes two slots share a stored secret. */
let slotSeq = 0;
const freshKey = (base: string) => `${base}.${Date.now().toString(36)}${(slotSeq++).toString(36)}`;

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

// ---- the store -------------------------------------------------------------------------------------

export const useWizard = create<Store>()((set, get) => {
  const setForm = (fn: (f: WizardForm) => WizardForm) => set((s) => ({ form: fn(s.form), dirty: true }));

  /** Saves every typed secret (secrets.set) so the answers only hold references. */
  async function commitAll(): Promise<void> {
    for (const addr of allSlots(get().form)) {
      const s = getSlot(get().form, addr);
      if (s?.draft) await get().commitSecret(addr);
    }
  }

  const unsubs: Array<() => void> = [];
  function listen(): void {
    unsubs.splice(0).forEach((u) => u());
    const mine = (runId: string) => {
      const cur = get().run.runId;
      return get().phase === 'running' && (cur === null || cur === runId);
    };
    unsubs.push(
      api.on('run.step', (e) => {
        if (!mine(e.runId)) return;
        // A batch keeps its per-host state in batchRun (hundreds of hosts: no list of every step here).
        if (batchRun.active) return batchRun.onStep(e);
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
        if (!mine(e.runId) || batchRun.active) return;
        set((s) => ({ run: { ...s.run, steps: s.run.steps.map((r) => (r.stepId === e.stepId && r.host === e.hostId ? { ...r, progress: { done: e.done, total: e.total } } : r)) } }));
      }),
      api.on('run.host', (e) => {
        if (!mine(e.runId)) return;
        if (batchRun.active) return batchRun.onHost(e);
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
        batchRun.onEnd(e);
        set((s) => ({ phase: 'done', current: 'result', result: e, run: { ...s.run, hostKeys: [], journal: e.journal, paused: false } }));
      }),
    );
  }

  return {
    ...initialState(),

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
      if (initial.status === 'fulfilled' && initial.value.answers) get().loadAnswers(initial.value.answers);
      else {
        // A reload (F5) or a crash does not lose what was typed: the answers (references only, never a
        // secret value) are kept in this origin's storage as the user goes.
        const draft = readDraft();
        if (draft) {
          get().loadAnswers(draft, { dirty: true });
          set({ notice: i18next.t('app.draftRestored') });
        }
      }
      draftReady = true;
    },

    go(step) {
      const s = get();
      if (step === s.current || !selectEnabled(s, step)) return;
      set({ current: step });
      if (step === 'review') void get().buildPlan();
      if (step === 'connectivity') void get().loadPorts();
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
      const to = STEPS[i + 1];
      if (s.current === 'credentials' || s.current === 'hosts' || s.current === 'connectivity') void commitAll();
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
      const to = STEPS[i - 1];
      if (to) set({ current: to });
    },

    touch(path) {
      if (!get().touched[path]) set((s) => ({ touched: { ...s.touched, [path]: true } }));
    },

    setAgent(profile) {
      setForm((f) => applyProfile(f, { id: profile.id, os: profile.os, connectivity: profile.connectivity }));
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
      setForm((f) => {
        const inputs = { ...f.inputs };
        // Read as an answers file's inputs are; the pasted secrets come back as stored references with their hints.
        const hints = Object.fromEntries(r.secrets.map((x) => [x.stored, x.hint]));
        for (const [name, v] of Object.entries(r.inputs)) {
          const field = fieldFrom(inputSecretKey(f.agent.profile, name), v, hints);
          if (field) inputs[name] = field;
        }
        const c = { ...f.connectivity };
        const ip = r.connectivity.accessIp;
        if (ip) {
          // The console's -accessip is the address agents reach: the jump server (jump), the endpoint, or the access point.
          if (c.mode === 'jump') c.connectionIp = ip;
          else if (c.mode === 'vpcep') c.vpcepAccessIp = ip;
          else c.directAccessIp = ip;
        }
        if (r.connectivity.dc) c.dc = r.connectivity.dc;
        const listed = r.region !== undefined && (regionIds.length === 0 || regionIds.includes(r.region));
        const region = r.region === undefined ? f.region : listed ? { ...f.region, id: r.region, other: false, otherId: '' } : { ...f.region, id: '', other: true, otherId: r.region };
        return { ...f, inputs, connectivity: c, region };
      });
    },
    setHosts(patch, single) {
      setForm((f) => ({ ...f, hosts: { ...f.hosts, ...patch, single: { ...f.hosts.single, ...single } } }));
    },
    addListText(text) {
      // The CLI's formats (iplist.cfg, CSV with a header row, ranges, CIDR); the lines with a problem are not added.
      const h0 = get().form.hosts;
      const defaults = { user: h0.listUser.trim() || 'root', port: Number(h0.listPort) || 22 };
      const lines = readHostList(text, defaults).hosts;
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
          }));
        return { ...f, hosts: { ...f.hosts, list: [...f.hosts.list, ...add] } };
      });
      return lines.length;
    },
    removeListHost(i) {
      setForm((f) => ({ ...f, hosts: { ...f.hosts, list: f.hosts.list.filter((_, k) => k !== i) } }));
    },

    setSecretDraft(addr, value) {
      setForm((f) => {
        const s = getSlot(f, addr);
        return s ? putSlot(f, addr, { ...s, draft: value }) : f;
      });
    },
    async commitSecrets() {
      await commitAll();
    },

    async commitSecret(addr) {
      const s = getSlot(get().form, addr);
      if (!s?.draft) return;
      // Only an input the profile marks as an identifier (an access key ID) may show its last 4 characters.
      const input = addr.startsWith('input.') ? selectProfile(get())?.inputs.find((i) => i.name === addr.slice('input.'.length)) : undefined;
      // A profile's secret is stored trimmed, and only once it has the profile's format (a stored
      // value is never shown again, so it could not be checked later).
      if (input && secretDraftProblem(input, s.draft)) return;
      const typed = s.draft;
      const value = input ? typed.trim() : typed;
      const reveal = input?.reveal ?? 'none';
      try {
        const r = await api.request('secrets.set', { key: s.key, value, reveal });
        setForm((f) => {
          const cur = getSlot(f, addr);
          // Only if the user has not typed something else meanwhile.
          return cur && cur.draft === typed ? putSlot(f, addr, { ...cur, ref: { stored: r.key }, hint: r.hint, draft: '' }) : f;
        });
      } catch (e) {
        set({ notice: message(e) });
      }
    },
    async forgetSecret(addr) {
      const s = getSlot(get().form, addr);
      if (!s) return;
      if (s.ref && 'stored' in s.ref) await api.request('secrets.forget', { key: s.ref.stored }).catch(() => undefined);
      setForm((f) => putSlot(f, addr, { ...s, ref: null, hint: '', draft: '' }));
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
          set({ form, touched: {}, revealed: {}, current: 'agent', phase: 'wizard', result: null, ports: null, dirty: opts?.dirty ?? false, furthest: 0 });
        });
    },

    async loadPorts() {
      const f = get().form;
      const region = f.region.other ? f.region.otherId.trim() : f.region.id;
      const regionOk = selectProblems(get()).region.length === 0 && region !== '';
      const key = `${f.agent.profile}|${f.agent.os}|${regionOk ? region : ''}`;
      if (get().ports?.key === key) return;
      // The profile lists its ports; a forward's host template is filled with the region's OBS domain.
      const profile = get().catalog.profiles.find((p) => p.id === f.agent.profile);
      const known = get().catalog.regions.find((r) => r.id === region);
      const obsDomain = (f.region.other && f.region.obsDomain.trim()) || known?.obsDomain || `obs.${region || 'cn-north-4'}.myhuaweicloud.com`;
      const fill = (to: string) => to.replace('{region}', region || 'cn-north-4').replace('{obsDomain}', obsDomain);
      const list = (profile?.ports ?? []).map((p) => ({ name: p.name, port: p.port, target: p.to === 'elb' ? 'ELB' : fill(p.to) }));
      set({ ports: { key, list } });
    },

    async buildPlan() {
      await commitAll();
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

    async startRun(opts = {}) {
      await commitAll();
      const s = get();
      const answers = selectAnswers(s);
      listen();
      runOutput.chunks.clear();
      // Many targets: the pool (several at once) and the batch view instead of one live terminal.
      const targets = Array.isArray(answers.targets) ? (answers.targets as Array<Record<string, unknown>>) : [];
      const batch = targets.length >= BATCH_MIN_TARGETS && !opts.tunnelOnly;
      if (batch) batchRun.begin(targets.map((t): BatchTarget => ({ host: String(t.host ?? ''), port: typeof t.port === 'number' ? t.port : 22, user: typeof t.user === 'string' ? t.user : 'root', name: typeof t.name === 'string' ? t.name : undefined })));
      else batchRun.clear();
      set({
        phase: 'running',
        current: 'run',
        result: null,
        run: { runId: null, terminalId: null, journal: null, steps: [], hosts: {}, hostKeys: [], error: null, reinstall: Boolean(opts.reinstall), tunnelOnly: Boolean(opts.tunnelOnly), startedAt: Date.now() },
      });
      try {
        const r = await api.request('run.start', {
          answers,
          options: { acceptNewHostKeys: false, overridePreflight: Boolean(opts.overridePreflight), reinstall: Boolean(opts.reinstall), tunnelOnly: Boolean(opts.tunnelOnly), ...(batch ? { concurrency: BATCH_CONCURRENCY } : {}) },
        });
        // Output of other terminals (the local shell) collected before the id was known is dropped.
        for (const id of [...runOutput.chunks.keys()]) if (id !== r.terminalId) runOutput.chunks.delete(id);
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
      listen();
      runOutput.chunks.clear();
      // The batch view first: the run's first events come before the request's answer.
      batchRun.begin(targets);
      set({ phase: 'running', current: 'run', result: null, run: { ...initialState().run, startedAt: Date.now() } });
      try {
        const r = await api.request('batch.resume', { runId });
        if (r.targets.length !== targets.length) batchRun.begin(r.targets);
        for (const id of [...runOutput.chunks.keys()]) if (id !== r.terminalId) runOutput.chunks.delete(id);
        set((st) => ({ run: { ...st.run, runId: r.runId, terminalId: r.terminalId, journal: r.journal } }));
        // The wizard holds the answers that run (the hosts left): Try again / Edit answers work on them.
        const hints = await api
          .request('secrets.list', {})
          .then((l) => Object.fromEntries(l.secrets.map((x) => [x.key, x.hint])))
          .catch(() => ({}) as Record<string, string>);
        set({ form: fromAnswers(r.answers, hints, get().catalog.regions.map((x) => x.id), get().catalog.profiles), dirty: false });
        return null;
      } catch (e) {
        unsubs.splice(0).forEach((u) => u());
        batchRun.clear();
        set({ phase: 'wizard', current: before, run: initialState().run });
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

    startOver() {
      batchRun.clear();
      clearDraft();
      unsubs.splice(0).forEach((u) => u());
      const keep = get();
      set({ ...initialState(), system: keep.system, catalog: keep.catalog, userProfiles: keep.userProfiles, storage: keep.storage, banner: keep.banner, bannerText: keep.bannerText });
      const first = keep.catalog.profiles.find((p) => p.id === defaultProfile(keep.catalog.profiles));
      if (first) get().setAgent(first);
      set({ dirty: false });
    },

    editAnswers() {
      const s = get();
      const path = s.result ? fieldOfFailure(s.form, s.result) : null;
      unsubs.splice(0).forEach((u) => u());
      set({ phase: 'wizard', current: path ? stepOfPath(path) : 'review', result: null, run: initialState().run });
      if (s.current === 'review' || !path) void get().buildPlan();
      if (!path) return;
      // Once the step has rendered: the field itself, or the Replace button of a saved secret.
      window.setTimeout(() => {
        const el = document.getElementById(fieldId(path)) ?? document.querySelector<HTMLElement>(`[data-testid="secret-${path}"] button`);
        el?.scrollIntoView({ block: 'center' });
        el?.focus();
      }, 60);
    },

    moreHosts() {
      batchRun.clear();
      // Same agent, region, connectivity and credentials; new hosts.
      unsubs.splice(0).forEach((u) => u());
      const f = get().form;
      const os = f.agent.os;
      const fresh = emptyForm().hosts;
      set({
        phase: 'wizard',
        current: 'hosts',
        result: null,
        touched: {},
        revealed: {},
        run: initialState().run,
        review: initialState().review,
        form: { ...f, hosts: { ...fresh, mode: os === 'windows' ? 'thisComputer' : 'single', single: { ...fresh.single, user: f.hosts.single.user, password: slot(freshKey('target.password')) }, listUser: f.hosts.listUser } },
      });
    },

    setNotice(n) {
      set({ notice: n });
    },
  };
});

// ---- the draft: answers kept across a reload --------------------------------------------------------

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

function readDraft(): unknown {
  const raw = storage()?.getItem(DRAFT_KEY);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return null;
  }
}

function clearDraft(): void {
  storage()?.removeItem(DRAFT_KEY);
}

// Saved a moment after each change while the wizard is being filled in (not during or after a run).
useWizard.subscribe((s, prev) => {
  if (!draftReady || s.form === prev.form || s.phase !== 'wizard') return;
  if (draftTimer) clearTimeout(draftTimer);
  draftTimer = setTimeout(() => {
    draftTimer = null;
    storage()?.setItem(DRAFT_KEY, JSON.stringify(selectAnswers(useWizard.getState())));
  }, 300);
});

// The rail remembers how far the user got: going back does not turn finished steps into "Not started".
useWizard.subscribe((s) => {
  const i = STEPS.indexOf(s.current);
  if (i > s.furthest) useWizard.setState({ furthest: i });
});
