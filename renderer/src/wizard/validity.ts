// Which problems of the form belong to which wizard step, and whether a step may be opened: the shared
// schema's problems (validateAnswers on the answers the form describes) plus what only the wizard asks.
// Pure, unit-tested in Node.
import { validateAnswers, type Problem } from '../../../electron/common/answers';
import { checkPosixAbsPath, checkWindowsAbsPath } from '../../../electron/common/validate';
import type { InputSummary, ProfileSummary } from '../../../electron/common/api';
import { checkInputValue, CONTROL } from '../../../electron/common/inputs';
import { hostVarProblems } from './host-inputs';
import { INPUT_STEPS, inputField, inputValue, secretRef, targets, toAnswers, type SshLoginForm, type StepId, type WizardForm } from './model';

/** The DOM id of an answers field's input (`targets[0].host` → `f-targets-0--host`). */
export function fieldId(path: string): string {
  return `f-${path.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

export function stepOfPath(path: string): StepId {
  if (path.startsWith('region') || path.startsWith('obsDomain')) return 'region';
  if (path.startsWith('connectivity') || path.startsWith('options')) return 'connectivity';
  if (path.startsWith('credentials') || path.startsWith('inputs')) return 'credentials';
  if (path.startsWith('targets') || path.startsWith('package') || path.startsWith('inheritFrom')) return 'hosts';
  return 'agent';
}

export type StepProblems = Record<StepId, Problem[]>;

/** Every problem of the form, by step: the shared schema's, plus what only the wizard requires. */
export function problemsByStep(f: WizardForm, profile?: ProfileSummary): StepProblems {
  const by: StepProblems = { agent: [], region: [], connectivity: [], credentials: [], hosts: [], review: [], run: [], result: [] };
  const r = validateAnswers(toAnswers(f, profile));
  if (!r.ok) for (const p of r.problems) by[stepOfPath(p.path)].push(p);
  if (profile) {
    if (profile.regions && !(f.region.other ? f.region.otherId : f.region.id).trim() && !by.region.length) by.region.push({ path: 'region', message: 'is required' });
    // The answers format leaves the direct access address optional: the plan requires it of an agent that reports to it.
    if (f.connectivity.mode === 'direct' && profile.uses.accessIp && !f.connectivity.directAccessIp.trim() && !by.connectivity.some((p) => p.path === 'connectivity.accessIp')) by.connectivity.push({ path: 'connectivity.accessIp', message: 'is required' });
    for (const p of inputProblems(f, profile)) if (!by.credentials.some((q) => q.path === p.path)) by.credentials.push(p);
    // Each host's per-host values (the cells of the host list), as the core will check them.
    if (f.hosts.mode !== 'thisComputer') for (const p of hostVarProblems(f.hosts.mode === 'single' ? [f.hosts.singleVars] : f.hosts.list.map((l) => l.vars), profile)) if (!by.hosts.some((q) => q.path === p.path)) by.hosts.push(p);
  }
  // The schema checks the sign-in only once the rest of the login is valid; the wizard says it at once.
  const noAuth = (path: string, l: SshLoginForm) => {
    const missing = l.auth === 'password' ? !secretRef(l.password) : l.auth === 'privateKey' ? !l.keyPath.trim() : false;
    const list = stepOfPath(path) === 'hosts' ? by.hosts : by.connectivity;
    if (missing && !list.some((p) => p.path === path || p.path.startsWith(`${path}.password`) || p.path.startsWith(`${path}.privateKey`))) {
      list.push({ path: l.auth === 'password' ? path : `${path}.privateKey.path`, message: l.auth === 'password' ? 'needs one of password, privateKey or agent: true' : 'is required' });
    }
  };
  const dir = f.connectivity.installDir.trim();
  if (dir && !by.connectivity.some((p) => p.path === 'options.installDir')) {
    const problem = f.agent.os === 'windows' ? checkWindowsAbsPath(dir) : checkPosixAbsPath(dir);
    if (problem) by.connectivity.push({ path: 'options.installDir', message: problem });
  }
  if (f.connectivity.mode === 'jump' || f.connectivity.mode === 'bastion') f.connectivity.jumpServers.forEach((j, i) => noAuth(`connectivity.jumpServers[${i}].ssh`, j.ssh));
  if (f.hosts.mode === 'single') noAuth('targets[0]', f.hosts.single);
  if (f.hosts.mode !== 'thisComputer' && targets(f).length === 0) by.hosts.push({ path: 'targets', message: 'add at least one host' });
  if (f.hosts.mode === 'thisComputer' && f.agent.os !== 'windows') by.hosts.push({ path: 'targets', message: 'this computer is only offered for Windows' });
  return by;
}

/** A typed secret against its input's format (trimmed, one line): the problem without the value, or null. */
export function secretDraftProblem(i: Pick<InputSummary, 'pattern' | 'patternHint'>, draft: string): string | null {
  const v = draft.trim();
  if (CONTROL.test(v)) return 'must be one line without control characters';
  if (i.pattern && !new RegExp(i.pattern).test(v)) return i.patternHint ? `is not valid: ${i.patternHint}` : 'is not valid';
  return null;
}

/** The profile's rules for each input that applies to the chosen OS (as the core checks them). */
export function inputProblems(f: WizardForm, profile: ProfileSummary): Problem[] {
  const out: Problem[] = [];
  for (const i of profile.inputs) {
    if (i.os && !i.os.includes(f.agent.os)) continue;
    const path = `inputs.${i.name}`;
    const field = inputField(f, i);
    if (field.kind === 'secret' && field.slot.draft) {
      // Checked as typed, before it is stored (the store never gives a value back); never quoted.
      const bad = secretDraftProblem(i, field.slot.draft);
      if (bad) out.push({ path, message: bad });
      continue;
    }
    const v = inputValue(field);
    if (v === undefined || (i.type === 'boolean' && v === false && !i.required)) {
      if (i.required && v === undefined) out.push({ path, message: 'is required' });
      continue;
    }
    if (i.type === 'secret' || i.type === 'list') continue;
    const c = checkInputValue(i, v);
    if ('problem' in c) out.push({ path, message: c.problem });
  }
  return out;
}

export function stepValid(by: StepProblems, step: StepId): boolean {
  return by[step].length === 0;
}

/** A step can be opened when every input step before it is valid. */
export function stepEnabled(by: StepProblems, step: StepId, phase: 'wizard' | 'running' | 'done'): boolean {
  if (step === 'run') return phase !== 'wizard';
  if (step === 'result') return phase === 'done';
  if (phase !== 'wizard') return false;
  const i = INPUT_STEPS.indexOf(step);
  const before = i === -1 ? INPUT_STEPS : INPUT_STEPS.slice(0, i);
  return before.every((s) => stepValid(by, s));
}

/** Problems for one field: its own path and, for auth choices, the login object's path. */
export function problemsAt(problems: readonly Problem[], paths: readonly string[]): Problem[] {
  return problems.filter((p) => paths.includes(p.path));
}
