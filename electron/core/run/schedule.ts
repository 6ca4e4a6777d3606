// The schedule of a run, before it runs: the rows (a step on a host) the run will report, in the order
// it reaches them. Pure, from the plan and the run's options, by the rules the engine follows (run.ts:
// console steps, this computer's own steps, jump servers and their proxies, the seed, then the
// targets; host-job.ts: the steps a run leaves out, manual steps, the remedy before its step in a
// reinstall). A guard's skip or a retry's remedy is known only while the run goes on: those rows come
// with the run's events.
import os from 'node:os';
import type { JumpHost, Plan, Step, TargetHost } from '../../common/api/plan';
import type { ScheduleRow } from '../../common/api/run';
import { fillText, hostValues, type HostValues } from '../actions';

/** What of the run's options shapes the schedule (a run's resolved options fit). */
export interface ScheduleOptions {
  /** Only these targets (by index in answers.targets). */
  targets?: readonly number[] | undefined;
  tunnelOnly: boolean;
  checkOnly?: boolean | undefined;
  reinstall?: boolean | undefined;
  /** This computer's name ({host.name} of `local`); the host's name by default. */
  localName?: string | undefined;
}

/** Whether a run with these options leaves `step` out on the host group `on` (`targets`, `jump0`, `proxy0`, `seed`). */
export function leftOut(_plan: Plan, options: Pick<ScheduleOptions, 'tunnelOnly' | 'checkOnly'>, step: Step, on: string): boolean {
  if (step.optional && step.phase === 'remedy') return true; // run by the step whose onFailure names it
  if (options.tunnelOnly && on === 'targets') return true;
  return Boolean(options.checkOnly) && step.phase !== 'preflight'; // a connection test changes nothing
}

/** This computer's {host.name}, as the engine gives it. */
export const localHostName = (): string => os.hostname().replace(/[^A-Za-z0-9._:-]/g, '-');

/** A host's per-host values; a value a command cannot take fails that host in the run: its titles stay as written. */
function valuesOf(hostId: string, v: Record<string, string>): HostValues {
  try {
    return hostValues(hostId, v);
  } catch {
    return {};
  }
}

const localValues = (o: ScheduleOptions): HostValues => valuesOf('local', { address: '127.0.0.1', name: o.localName ?? localHostName() });

interface Host {
  /** The plan's host group whose steps it runs. */
  on: string;
  hostId: string;
  host: string;
  values: HostValues;
}

function row(s: Step, h: Pick<Host, 'hostId' | 'host'>, title: string, remedy = false): ScheduleRow {
  return { stepId: s.id, title, hostId: h.hostId, host: h.host, manual: s.action.kind === 'instruction', remedy };
}

/** One host's steps (host-job.ts runHostSteps): plan order, connect steps apart, left-out steps out, the remedy first in a reinstall. */
function hostSteps(plan: Plan, o: ScheduleOptions, h: Host, only?: ReadonlySet<string>): ScheduleRow[] {
  const out: ScheduleRow[] = [];
  const remedied = new Set<string>();
  for (const s of plan.steps) {
    if (s.on !== h.on || s.phase === 'connect' || (only && !only.has(s.id)) || leftOut(plan, o, s, h.on)) continue;
    const remedy = o.reinstall && s.action.kind !== 'instruction' && s.onFailure?.remedy && !remedied.has(s.onFailure.remedy) ? plan.steps.find((x) => x.id === s.onFailure?.remedy && x.on === h.on) : undefined;
    if (remedy) remedied.add(remedy.id);
    if (remedy) out.push(row(remedy, h, fillText(remedy.title, h.values), true));
    out.push(row(s, h, fillText(s.title, h.values)));
  }
  return out;
}

/** A connect step's row: the title as written (the engine reports it so). */
function connectRow(plan: Plan, id: string, h: Pick<Host, 'hostId' | 'host'>): ScheduleRow[] {
  const s = plan.steps.find((x) => x.id === id);
  return s ? [row(s, h, s.title)] : [];
}

/** A jump server (hosts.ts jumpPhase): log in, then its steps; with a proxy, the proxy's login and both hosts' steps in plan order. */
function jumpRows(plan: Plan, o: ScheduleOptions, j: JumpHost): ScheduleRow[] {
  const values = valuesOf(j.id, { address: j.privateIp, name: j.privateIp });
  const rows = connectRow(plan, `connect.${j.id}`, { hostId: j.id, host: j.label });
  const proxy = plan.hosts.proxies?.find((p) => p.index === j.index);
  if (!proxy) return [...rows, ...hostSteps(plan, o, { on: j.id, hostId: j.id, host: j.label, values })];
  rows.push(...connectRow(plan, `connect.${proxy.id}`, { hostId: proxy.id, host: proxy.label }));
  for (const s of plan.steps.filter((x) => (x.on === j.id || x.on === proxy.id) && x.phase !== 'connect')) {
    const h = s.on === proxy.id ? { on: proxy.id, hostId: proxy.id, host: proxy.label, values } : { on: j.id, hostId: j.id, host: j.label, values };
    rows.push(...hostSteps(plan, o, h, new Set([s.id])));
  }
  return rows;
}

/** A target (hosts.ts targetJob): its login through its jump server (not for this computer, nor a host the seed installs), then its steps. */
function targetRows(plan: Plan, o: ScheduleOptions, t: TargetHost | 'local'): ScheduleRow[] {
  if (t === 'local') return hostSteps(plan, o, { on: 'targets', hostId: 'local', host: 'this computer', values: localValues(o) });
  const h: Host = { on: 'targets', hostId: t.id, host: t.label, values: valuesOf(t.id, { ...t.vars, address: t.ssh.host, name: t.name ?? t.ssh.host }) };
  return [...(t.by === 'seed' ? [] : connectRow(plan, 'connect', h)), ...hostSteps(plan, o, h)];
}

/** The rows a run of `plan` with these options reports, in order (one host at a time: the interactive run's order). */
export function scheduleOf(plan: Plan, options: ScheduleOptions): ScheduleRow[] {
  const o = options;
  const changes = !o.tunnelOnly && !o.checkOnly;
  const rows: ScheduleRow[] = [];
  // Manual steps in the cloud console (or on this computer): reported at the start, for the user to do.
  if (changes) for (const s of plan.steps) if ((s.on === 'console' || s.on === 'local') && s.action.kind === 'instruction') rows.push(row(s, { hostId: s.on, host: s.on === 'console' ? 'in the cloud console' : 'this computer' }, s.title));
  // This computer's own steps (an installer fetched for the targets), before anything connects.
  const local = new Set(plan.steps.filter((s) => s.on === 'local' && s.action.kind !== 'instruction').map((s) => s.id));
  if (changes && local.size) rows.push(...hostSteps(plan, o, { on: 'local', hostId: 'local', host: 'this computer', values: localValues(o) }, local));
  for (const j of plan.hosts.jumps) rows.push(...jumpRows(plan, o, j));
  if (o.tunnelOnly) return rows;
  const seed = plan.hosts.seed;
  if (seed) {
    const values = valuesOf('seed', { address: seed.ssh.host, name: seed.name ?? seed.ssh.host });
    rows.push(...connectRow(plan, 'inherited-connect', { hostId: 'seed', host: seed.label }), ...hostSteps(plan, o, { on: 'seed', hostId: 'seed', host: seed.label, values }));
  }
  const chosen = plan.hosts.targets.filter((t) => !o.targets || o.targets.includes(t.index));
  const all: Array<TargetHost | 'local'> = [...chosen, ...(plan.hosts.thisComputer && !o.targets && !o.checkOnly ? (['local'] as const) : [])];
  for (const t of all) rows.push(...targetRows(plan, o, t));
  return rows;
}
