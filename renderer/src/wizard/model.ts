// The wizard's state shape and the pure functions over it: building the answers object, reading one
// back (a saved recipe, `wizard.initial`) and cross-step rules (which problems belong to which step:
// validity.ts). No API access here, so everything in this file is unit-tested in Node.
import type { InputSummary, ProfileSummary, SecretRef } from '../../../electron/common/api';
import { listWords } from '../../../electron/common/inputs';
import { hostColumns, varsPart, type HostVars } from './host-inputs';

export type StepId = 'agent' | 'region' | 'connectivity' | 'credentials' | 'hosts' | 'review' | 'run' | 'result';
export const STEPS: readonly StepId[] = ['agent', 'region', 'connectivity', 'credentials', 'hosts', 'review', 'run', 'result'];
/** The steps whose answers feed the plan (review and after only show or run it). */
export const INPUT_STEPS: readonly StepId[] = ['agent', 'region', 'connectivity', 'credentials', 'hosts'];

export type Os = 'linux' | 'windows';
export type Mode = 'jump' | 'bastion' | 'vpcep' | 'direct';
export type AuthKind = 'password' | 'privateKey' | 'agent';

/** A secret the user typed (draft, not yet stored) or a reference to where it is kept. */
export interface SecretSlot {
  /** Key in the app's secure storage this slot is saved under. */
  key: string;
  ref: SecretRef | null;
  /** Non-revealing hint of the stored value (e.g. `…1234`). */
  hint: string;
  draft: string;
}

export interface SshLoginForm {
  host: string;
  port: string;
  user: string;
  auth: AuthKind;
  password: SecretSlot;
  keyPath: string;
}

export interface JumpForm {
  privateIp: string;
  ssh: SshLoginForm;
  /** A profile with remote forwards: the proxy that runs ssh -R into this jump server (from an answers file; kept as given). */
  proxy?: SshLoginForm;
}

export interface ListHost {
  host: string;
  password: SecretSlot | null;
  /** From a CSV line that gives its own (else the list's port and user apply). */
  port?: number;
  user?: string;
  name?: string;
  /** A private key file (CSV `privateKey` column) instead of a password. */
  keyPath?: string;
  /** A jump server by index or name (CSV `jump` column). */
  jump?: number | string;
  /** A target from an opened recipe that the list form cannot show (own port, user, key…): kept verbatim (its `vars` aside, below). */
  raw?: Record<string, unknown>;
  /** The profile's per-host values for this host (CSV columns, answers `vars`); empty: the profile's default. */
  vars?: HostVars;
}

/**
 * One profile input as the form holds it. The profile's declaration (type, pattern, default) lives in
 * the catalog; the form keeps only what the user gave, so switching profiles loses nothing typed.
 */
export type InputField =
  | { kind: 'secret'; slot: SecretSlot }
  | { kind: 'flag'; on: boolean }
  | { kind: 'list'; text: string }
  | { kind: 'text'; text: string; numeric?: boolean };

/** What belongs to one agent: how its hosts reach the cloud, its ports, its folder, its inputs. */
export interface AgentSettings {
  mode: Mode;
  portOverrides: Record<string, { listen: string; target: string }>;
  installDir: string;
  inputs: Record<string, InputField>;
}

export interface WizardForm {
  agent: { profile: string; os: Os };
  region: { id: string; other: boolean; otherId: string; obsDomain: string; query: string };
  connectivity: {
    mode: Mode;
    traffic: '' | 'test' | 'production';
    jumpServers: JumpForm[];
    elbIp: string;
    connectionIp: string;
    dc: string;
    tunnel: 'persistent' | 'vendor';
    /** Sources allowed by the security-group rule: CIDRs separated by commas or spaces (empty: anywhere). */
    allowFrom: string;
    /** By the profile's port number (as text): listen port and `host:port` target. */
    portOverrides: Record<string, { listen: string; target: string }>;
    installDir: string;
    /** SHA-256 of the installer the profile downloads (checked on each target before it runs). */
    downloadSha256: string;
    vpcepDomain: string;
    vpcepAccessIp: string;
    directAccessIp: string;
  };
  /** The profile's inputs by name (what the "credentials" step asks). */
  inputs: Record<string, InputField>;
  /** Answers that no longer fit a choice (an install folder of the other OS, the host list mode…), kept to restore when the choice comes back. */
  aside: Record<string, string>;
  /** Each agent's own settings while another agent is chosen, restored when it comes back. */
  perAgent: Record<string, AgentSettings>;
  hosts: {
    mode: 'single' | 'list' | 'thisComputer';
    single: SshLoginForm;
    /** The single host's per-host values (the profile's `hostInputs`). */
    singleVars?: HostVars;
    list: ListHost[];
    listPort: string;
    listUser: string;
    listDefaultPassword: SecretSlot;
    packagePath: string;
    packageSha256: string;
    /** Hosts at once for a list (a run option, not an answer): empty is the default for this machine. */
    concurrency: string;
    /** The vendor's inherited installation (a profile with one, Linux): this host, which has the agent, installs the others. */
    inherit?: { on: boolean; seed: SshLoginForm };
  };
}

export const slot = (key: string): SecretSlot => ({ key, ref: null, hint: '', draft: '' });

export function defaultUser(os: Os): string {
  return os === 'windows' ? 'Administrator' : 'root';
}

export function login(passwordKey: string, user = 'root'): SshLoginForm {
  return { host: '', port: '22', user, auth: 'password', password: slot(passwordKey), keyPath: '' };
}

/** A blank form; the profile is the catalog's recommended one once it is known (see defaultProfile). */
export function emptyForm(profile = ''): WizardForm {
  return {
    agent: { profile, os: 'linux' },
    region: { id: '', other: false, otherId: '', obsDomain: '', query: '' },
    connectivity: {
      mode: 'jump',
      traffic: '',
      jumpServers: [{ privateIp: '', ssh: login('jump.0.password') }],
      elbIp: '',
      connectionIp: '',
      dc: '',
      tunnel: 'persistent',
      allowFrom: '',
      portOverrides: {},
      installDir: '',
      downloadSha256: '',
      vpcepDomain: '',
      vpcepAccessIp: '',
      directAccessIp: '',
    },
    inputs: {},
    aside: {},
    perAgent: {},
    hosts: { mode: 'single', single: login('target.0.password'), list: [], listPort: '22', listUser: 'root', listDefaultPassword: slot('target.default.password'), packagePath: '', packageSha256: '', concurrency: '', inherit: { on: false, seed: login('inherit.seed.password') } },
  };
}

/** The profile a blank form starts with: the recommended one, else the first. */
export function defaultProfile(profiles: readonly Pick<ProfileSummary, 'id' | 'recommended'>[]): string {
  return (profiles.find((p) => p.recommended) ?? profiles[0])?.id ?? '';
}

// ---- answers ------------------------------------------------------------------------------------

/** Optional text: present only when filled in. */
const opt = <K extends string>(k: K, v: string): Partial<Record<K, string>> => (v.trim() ? ({ [k]: v.trim() } as Record<K, string>) : {});
/** A number field typed as text: a number when it is one, else the text (the schema then says what is wrong). */
const num = (v: string): number | string | undefined => {
  const s = v.trim();
  if (!s) return undefined;
  return /^\d+$/.test(s) ? Number(s) : s;
};

export function secretRef(s: SecretSlot): SecretRef | undefined {
  if (s.draft) return { stored: s.key };
  return s.ref ?? undefined;
}

function sshLogin(f: SshLoginForm, fallbackHost = ''): Record<string, unknown> {
  const host = f.host.trim() || fallbackHost.trim();
  const out: Record<string, unknown> = { ...(host ? { host } : {}), port: num(f.port) ?? 22, ...opt('user', f.user) };
  if (f.auth === 'password') {
    const ref = secretRef(f.password);
    if (ref) out.password = ref;
  } else if (f.auth === 'privateKey') {
    // An empty key path still says "private key" so the problem lands on the path field.
    out.privateKey = { path: f.keyPath.trim() || undefined };
  } else {
    out.agent = true;
  }
  return out;
}

function connectivity(c: WizardForm['connectivity'], withProxy = true): Record<string, unknown> {
  if (c.mode === 'vpcep') return { mode: 'vpcep', ...opt('traffic', c.traffic), ...opt('vpcepDomain', c.vpcepDomain), ...opt('accessIp', c.vpcepAccessIp), ...opt('dc', c.dc) };
  if (c.mode === 'direct') return { mode: 'direct', ...opt('traffic', c.traffic), ...opt('accessIp', c.directAccessIp), ...opt('dc', c.dc) };
  // A bastion carries SSH only: its logins (no private IP, no proxy: nothing is forwarded) and, when the
  // profile uses one, the address agents report to.
  if (c.mode === 'bastion') return { mode: 'bastion', ...opt('traffic', c.traffic), jumpServers: c.jumpServers.map((j) => ({ ssh: sshLogin(j.ssh) })), ...opt('accessIp', c.directAccessIp), ...opt('dc', c.dc) };
  const overrides: Record<string, Record<string, unknown>> = {};
  for (const [port, o] of Object.entries(c.portOverrides)) {
    const listen = num(o.listen);
    const target = o.target.trim();
    if (listen === undefined && !target) continue;
    overrides[port] = { ...(listen !== undefined ? { listen } : {}), ...(target ? { target } : {}) };
  }
  return {
    mode: 'jump',
    ...opt('traffic', c.traffic),
    jumpServers: c.jumpServers.map((j) => ({ ...opt('privateIp', j.privateIp), ssh: sshLogin(j.ssh, j.privateIp), ...(j.proxy && withProxy ? { proxy: { ssh: sshLogin(j.proxy) } } : {}) })),
    ...opt('elbIp', c.elbIp),
    ...opt('connectionIp', c.connectionIp),
    ...opt('dc', c.dc),
    tunnel: c.tunnel,
    ...(Object.keys(overrides).length ? { portOverrides: overrides } : {}),
    ...(splitList(c.allowFrom).length ? { allowFrom: splitList(c.allowFrom) } : {}),
  };
}

export const splitList = (v: string): string[] => v.split(/[\s,]+/).filter(Boolean);

/** The answers' targets the Hosts step describes; with `columns` (the profile's per-host values), only those. */
export function targets(f: WizardForm, columns?: readonly string[]): Record<string, unknown>[] {
  const h = f.hosts;
  if (h.mode === 'thisComputer') return [];
  if (h.mode === 'single') return [{ ...sshLogin(h.single), ...varsPart(h.singleVars, columns) }];
  return h.list.map((l) => {
    if (l.raw) return { ...l.raw, ...varsPart(l.vars, columns) };
    const ref = (l.password && secretRef(l.password)) ?? secretRef(h.listDefaultPassword);
    const auth = l.keyPath ? { privateKey: { path: l.keyPath } } : ref ? { password: ref } : {};
    return { host: l.host, port: l.port ?? num(h.listPort) ?? 22, ...(l.user ? { user: l.user } : opt('user', h.listUser)), ...(l.name ? { name: l.name } : {}), ...(typeof l.jump === 'number' ? { jump: l.jump } : {}), ...auth, ...varsPart(l.vars, columns) };
  });
}

/** Where a secret input is kept in secure storage: per profile, so two agents' keys never mix. */
export const inputSecretKey = (profile: string, name: string): string => `${profile}.${name}`;

/** The field for an input, empty when the user has not given it yet. */
export function inputField(f: { agent: Pick<WizardForm['agent'], 'profile'>; inputs: WizardForm['inputs'] }, i: Pick<InputSummary, 'name' | 'type'>): InputField {
  const have = f.inputs[i.name];
  // A secret input never shows a value that is not a reference (a literal read from a file).
  if (have && (i.type === 'secret') === (have.kind === 'secret')) return have;
  if (i.type === 'secret') return { kind: 'secret', slot: slot(inputSecretKey(f.agent.profile, i.name)) };
  if (i.type === 'boolean') return { kind: 'flag', on: false };
  if (i.type === 'list') return { kind: 'list', text: '' };
  return { kind: 'text', text: '', numeric: i.type === 'port' };
}

/** An input's answers value (undefined when not given). */
export function inputValue(v: InputField): unknown {
  if (v.kind === 'secret') return secretRef(v.slot);
  if (v.kind === 'flag') return v.on;
  if (v.kind === 'list') return listWords(v.text).length ? listWords(v.text) : undefined;
  const t = v.text.trim();
  if (!t) return undefined;
  return v.numeric && /^\d+$/.test(t) ? Number(t) : t;
}

/**
 * The inputs part of the answers: what was given, and with a profile only what it declares (the
 * fields of another profile the user visited stay in the form, out of the answers).
 */
function inputsOf(f: WizardForm, profile?: ProfileSummary): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const declared = profile ? new Set(profile.inputs.map((i) => i.name)) : null;
  for (const [name, field] of Object.entries(f.inputs)) {
    if (declared && !declared.has(name)) continue;
    const v = inputValue(field);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** The answers object the form describes (secrets as `{ stored }` / `{ env }` references only). */
export function toAnswers(f: WizardForm, profile?: ProfileSummary): Record<string, unknown> {
  const installDir = f.connectivity.installDir.trim();
  const options = { ...(installDir ? { installDir } : {}), ...opt('downloadSha256', f.connectivity.downloadSha256) };
  return {
    profile: f.agent.profile,
    os: f.agent.os,
    ...opt('region', f.region.other ? f.region.otherId : f.region.id),
    ...(f.region.other ? opt('obsDomain', f.region.obsDomain) : {}),
    // A proxy only for a profile with remote forwards (kept in the form when the agent changes back).
    connectivity: connectivity(f.connectivity, !profile || profile.ports.some((x) => x.direction === 'remote')),
    inputs: inputsOf(f, profile),
    targets: targets(f, profile ? hostColumns(profile) : undefined),
    ...(f.hosts.mode === 'thisComputer' ? { thisComputer: true } : {}),
    ...(f.hosts.inherit?.on && profile?.inherited && f.agent.os === 'linux' && f.hosts.mode !== 'thisComputer' ? { inheritFrom: sshLogin(f.hosts.inherit.seed) } : {}),
    ...(f.hosts.packagePath.trim() && (!profile || (profile.offline ?? []).includes(f.agent.os)) ? { package: { path: f.hosts.packagePath.trim(), ...opt('sha256', f.hosts.packageSha256) } } : {}),
    ...(Object.keys(options).length ? { options } : {}),
  };
}

// ---- cross-step rules -----------------------------------------------------------------------------

const isWindowsPath = (p: string) => /^[A-Za-z]:\\/.test(p);

/** Changing the OS clears what no longer fits: Windows → "this computer", paths of the other OS, the package. */
export function applyOs(f: WizardForm, os: Os): WizardForm {
  if (f.agent.os === os) return f;
  const other = defaultUser(f.agent.os);
  const fixUser = (u: string) => (u === other || u === '' ? defaultUser(os) : u);
  const dir = f.connectivity.installDir;
  const fits = (d: string) => !d || (os === 'windows' ? isWindowsPath(d) : d.startsWith('/'));
  // What the old OS had is kept aside; what the new one had before comes back.
  const aside: Record<string, string> = { ...f.aside, [`installDir.${f.agent.os}`]: dir, [`hostsMode.${f.agent.os}`]: f.hosts.mode, [`packagePath.${f.agent.os}`]: f.hosts.packagePath, [`packageSha256.${f.agent.os}`]: f.hosts.packageSha256 };
  const before = aside[`hostsMode.${os}`];
  const restoredMode = before === 'single' || before === 'list' ? before : undefined;
  return {
    ...f,
    aside,
    agent: { ...f.agent, os },
    connectivity: { ...f.connectivity, installDir: dir && fits(dir) ? dir : (aside[`installDir.${os}`] ?? '') },
    hosts: {
      ...f.hosts,
      mode: os === 'windows' ? (restoredMode ?? (f.hosts.mode === 'list' ? 'list' : 'thisComputer')) : (restoredMode ?? (f.hosts.mode === 'thisComputer' ? 'single' : f.hosts.mode)),
      single: { ...f.hosts.single, user: fixUser(f.hosts.single.user) },
      listUser: fixUser(f.hosts.listUser),
      // A package is for one OS (a .zip service build, a Linux .tar.gz): each OS keeps its own.
      packagePath: aside[`packagePath.${os}`] ?? '',
      packageSha256: aside[`packageSha256.${os}`] ?? '',
    },
  };
}

/** A profile that does not offer the chosen connectivity or OS moves the form to its first choices. */
/**
 * Another agent: the one left keeps its settings (connectivity mode, port overrides, install folder,
 * inputs) aside, and the one chosen gets back its own, or for a first choice its profile's defaults
 * (no port overrides, its own folder) with the inputs typed so far (same names, same values).
 */
export function switchAgent(f: WizardForm, profile: { id: string; os: Os[]; connectivity: Mode[] }): WizardForm {
  const from = f.agent.profile;
  if (!from || from === profile.id) return applyProfile(f, profile);
  const c = f.connectivity;
  const perAgent = { ...f.perAgent, [from]: { mode: c.mode, portOverrides: c.portOverrides, installDir: c.installDir, inputs: f.inputs } };
  const back = perAgent[profile.id];
  const next: WizardForm = {
    ...f,
    perAgent,
    connectivity: back ? { ...c, mode: back.mode, portOverrides: back.portOverrides, installDir: back.installDir } : { ...c, portOverrides: {}, installDir: '' },
    inputs: back ? back.inputs : f.inputs,
  };
  return applyProfile(next, profile);
}

export function applyProfile(f: WizardForm, profile: { id: string; os: Os[]; connectivity: Mode[] }): WizardForm {
  let next: WizardForm = { ...f, agent: { ...f.agent, profile: profile.id } };
  const firstOs = profile.os[0];
  if (!profile.os.includes(next.agent.os) && firstOs) next = applyOs(next, firstOs);
  const firstMode = profile.connectivity[0];
  if (!profile.connectivity.includes(next.connectivity.mode) && firstMode) next = { ...next, connectivity: { ...next.connectivity, mode: firstMode, portOverrides: {} } };
  return next;
}

export { parseIpList, readHostList, type ParsedLine } from './host-list';
export type { HostVars } from './host-inputs';
