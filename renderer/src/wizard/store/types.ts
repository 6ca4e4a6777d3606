// The wizard store's shape: its state (a slice per concern: the form and its steps, the review's plan,
// the run's live state and its result) and its actions, with the blank state everything starts from.
import type { LastRun } from './session';
import type { StoreApi } from 'zustand';
import type { EventPayload, Network, Plan, ProfileSummary, RegionInfo, RequestInput, RequestOutput, ScheduleRow, StepStatus, SystemInfo } from '../../../../electron/common/api';
import { ApiRequestError } from '../../api/client';
import type { BatchTarget } from '../../batch/model';
import { emptyForm, type InputField, type JumpForm, type ListHost, type Os, type SshLoginForm, type StepId, type WizardForm } from '../model';

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
export type HostKeyChange = EventPayload<'hostkey.changed'>;
export type RunEnd = EventPayload<'run.end'>;

/** Where a secret slot lives in the form. */
export type SlotAddr = `input.${string}` | `jump.${number}` | `proxy.${number}` | 'target.single' | 'target.default' | 'seed' | `list.${number}`;

export interface RunState {
  runId: string | null;
  terminalId: string | null;
  journal: string | null;
  /** The rows the run will report, in order, from the core (run.schedule): shown pending from the start. */
  schedule: ScheduleRow[];
  steps: RunStepRow[];
  hosts: Record<string, EventPayload<'run.host'>>;
  hostKeys: HostKeyRequest[];
  /** Keys that differ from the ones on record (those hosts are refused): shown apart, never trusted from the dialog. */
  changedKeys: HostKeyChange[];
  /** How many of changedKeys the person has closed (told again by a host's login, a key stays closed). */
  changedSeen: number;
  error: string | null;
  reinstall: boolean;
  tunnelOnly: boolean;
  startedAt: number | null;
  /** A batch's pool is paused (run.paused). */
  paused?: boolean;
}

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
  /** The plan's forwarded ports and security-group rule for the answers as they are (plan.network), and the answers they are for. */
  network: { key: string; value: Network } | null;
  review: { plan: Plan | null; warnings: string[]; error: string | null; loading: boolean; forAnswers: string };
  run: RunState;
  result: RunEnd | null;
  notice: string | null;
  /** Answers changed since they were opened, saved or started afresh (Open / Start over ask first). */
  dirty: boolean;
  /** The furthest step reached: a valid step up to it stays "Complete" when the user goes back. */
  furthest: number;
  /** The answers came from a file or the demo (not typed here): their valid steps not visited yet say "Pre-filled". */
  prefilled: boolean;
  /** The host list row open for editing in place (Hosts step), by index in the list. */
  editingHost: number | null;
  /** The install run's results a "Check tunnel" run keeps beside its own (one host: its step rows and end). */
  previous: { steps: RunStepRow[]; result: RunEnd } | null;
  /** The last run as it ended, kept across a reload (session.ts): "Show last run" shows it again. */
  lastRun: LastRun | null;
}

export interface WizardActions {
  init(): Promise<void>;
  /** The last run's Result page again (after a reload, or from the steps): its rows, and a batch's view with its export. */
  showLastRun(): void;
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
  /** Edits a host list row in place (address, port, user, name, key); its password goes through the slot actions (`list.<i>`). */
  updateListHost(i: number, patch: Partial<Omit<ListHost, 'raw'>>, drop?: ReadonlyArray<'port' | 'user' | 'name' | 'keyPath' | 'password'>): void;
  /** Opens (a row index) or closes (null) a host list row's editor. */
  editHost(i: number | null): void;
  setSecretDraft(addr: SlotAddr, value: string): void;
  commitSecret(addr: SlotAddr): Promise<void>;
  /** Saves every typed secret, so the answers hold only references (before a run or a connection test). */
  commitSecrets(): Promise<void>;
  forgetSecret(addr: SlotAddr): Promise<void>;
  /** `then`: runs once the answers are in the form (they load after the stored secrets' hints). */
  loadAnswers(answers: unknown, opts?: { dirty?: boolean; then?: () => void }): void;
  /** The answers were saved to a file: nothing is unsaved any more. */
  markSaved(): void;
  /** Asks the core for the network of the answers as they are (forwarded ports, security-group rule). */
  loadNetwork(): Promise<void>;
  buildPlan(): Promise<void>;
  /** tunnelOnly: the "check tunnel" action (checks and repairs the tunnel, installs nothing). */
  startRun(opts?: { reinstall?: boolean; overridePreflight?: boolean; tunnelOnly?: boolean; retryFailed?: boolean }): Promise<void>;
  cancelRun(): Promise<void>;
  /** Runs the hosts of an interrupted batch its journal does not record as done; an error message when it cannot. */
  resumeBatch(runId: string, targets: BatchTarget[]): Promise<string | null>;
  /** The Installed view's Check now / Reinstall / Uninstall / Repair: an ordinary run in the batch view; an error message when it cannot start. */
  runInstalled(input: RequestInput<'installed.run'>, targets: BatchTarget[]): Promise<string | null>;
  /** Pause (true) or resume (false) a batch: no new host starts while paused. */
  pauseRun(paused: boolean): Promise<void>;
  decideHostKey(requestId: string, decision: 'accept' | 'reject'): Promise<void>;
  startOver(): void;
  /** After a failed run: back to the answers, every value kept, on the field the core says the failure points at. */
  editAnswers(): void;
  moreHosts(): void;
  setNotice(n: string | null): void;
}

export type Store = WizardState & WizardActions;
export type SetState = StoreApi<Store>['setState'];
export type GetState = StoreApi<Store>['getState'];

export const message = (e: unknown) => (e instanceof ApiRequestError ? `${e.message}${e.hint ? `\n${e.hint}` : ''}` : e instanceof Error ? e.message : String(e));

export function initialRun(): RunState {
  return { runId: null, terminalId: null, journal: null, schedule: [], steps: [], hosts: {}, hostKeys: [], changedKeys: [], changedSeen: 0, error: null, reinstall: false, tunnelOnly: false, startedAt: null };
}

export function initialState(): WizardState {
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
    network: null,
    review: { plan: null, warnings: [], error: null, loading: false, forAnswers: '' },
    run: initialRun(),
    result: null,
    notice: null,
    dirty: false,
    furthest: 0,
    prefilled: false,
    lastRun: null,
    editingHost: null,
    previous: null,
  };
}
