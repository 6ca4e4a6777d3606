// A batch: the answers' plan on every host of a list (iplist.cfg or CSV, ranges and CIDR expanded),
// each host ending in its own state, and the vendor's inherited installation from a list. This file
// turns a list into a plan and a secret resolver (passwords stay in memory as references), decides
// which hosts run (`--retry-failed`, `--resume`) and writes the report — a contract for scripts, with
// each host's code and hint as the journal has them. Faces (CLI, app) only show progress.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Plan, SecretRef } from '../../common/api/plan';
import { formatProblems, parseHostList, type HostEntry } from '../../common/hosts';
import type { Answers } from '../plan';
import { buildInheritedPlan, iplistProblems, INHERITED_PORT, INHERITED_USER, PlanError, formatProblem } from '../plan';
import type { ReportHost, RunEnd } from '../run';
import type { SecretRegistry } from '../secrets/registry';
import type { SecretResolver } from '../render';
import { hostColumnsOf } from '../profiles';
import type { OutpostService } from './outpost';

/** Default password for list lines without one: `OUTPOST_DEFAULT_PASSWORD`, documented. */
export const DEFAULT_PASSWORD_ENV = 'OUTPOST_DEFAULT_PASSWORD';

/** The report: one object per host, plus totals. A contract for scripts (README, "Batch report"). */
export interface BatchReport {
  version: 1;
  answers: string;
  hostsFile: string;
  journal: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  totals: Record<string, number>;
  hosts: ReportHost[];
}

export const addressOf = (h: { user: string; host: string; port: number }) => `${h.user}@${h.host}:${h.port}`;

/** A batch ready to run, or the problems (one line each) that keep it from running. */
/** `answers`: the answers file's with the list's hosts as its targets (what the Installed view reruns later). */
export type Prepared = { ok: true; plan: Plan; resolver: SecretResolver; targets: number[]; skip: Set<string>; answers?: Record<string, unknown> } | { ok: false; problems: string[] };

export interface BatchInput {
  answers: Answers;
  /** The host list's text and the name its problems are reported under. */
  hosts: { text: string; name: string };
  user?: string | undefined;
  port?: number | undefined;
  env: NodeJS.ProcessEnv;
  /** Addresses (`user@host:port`) done already: a previous report's or journal's. */
  skip?: ReadonlySet<string> | undefined;
  /** Only to show the plan (`outpost plan --hosts`): a default password that is not set yet is not a problem. */
  planOnly?: boolean | undefined;
}

const ReportFile = z.object({ hosts: z.array(z.object({ host: z.string(), port: z.number(), user: z.string(), state: z.string() }).passthrough()) }).passthrough();

/** The hosts a previous report shows as done (`--retry-failed`); null when the file is not such a report. */
export function doneInReport(text: string): Set<string> | null {
  try {
    const r = ReportFile.parse(JSON.parse(text));
    return new Set(r.hosts.filter((h) => h.state === 'done').map(addressOf));
  } catch {
    return null;
  }
}

/** Passwords from the list live in memory only, as references resolved here; lines without one use the default. */
function listTargets(list: readonly HostEntry[], model: Answers['targets'][number] | undefined, env: NodeJS.ProcessEnv, memory: Map<string, string>, secrets: SecretRegistry, planOnly = false): Answers['targets'] {
  return list.map((h, i) => {
    const base = { host: h.host, port: h.port, user: h.user, ...(h.name ? { name: h.name } : {}), ...(typeof h.jump === 'number' ? { jump: h.jump } : {}), ...(h.vars ? { vars: h.vars } : {}) };
    if (h.password !== undefined) {
      memory.set(`batch.${i}.password`, h.password);
      secrets.add(h.password);
      return { ...base, password: { stored: `batch.${i}.password` } };
    }
    if (h.privateKey) return { ...base, privateKey: { path: h.privateKey } };
    if (env[DEFAULT_PASSWORD_ENV] || planOnly) return { ...base, password: { env: DEFAULT_PASSWORD_ENV } };
    if (model?.password) return { ...base, password: model.password };
    if (model?.privateKey) return { ...base, privateKey: model.privateKey };
    return { ...base, agent: true as const };
  });
}

const resolverOf = (memory: Map<string, string>, env: NodeJS.ProcessEnv): SecretResolver => (ref: SecretRef) => ('stored' in ref ? memory.get(ref.stored) : env[ref.env]);

export function prepareBatch(service: OutpostService, i: BatchInput): Prepared {
  const model = i.answers.targets[0];
  // The profile's per-host values are the extra columns the list may have ({host.<column>}).
  const profile = service.profiles().profiles.find((l) => l.profile.id === i.answers.profile)?.profile;
  const list = parseHostList(i.hosts.text, { defaults: { user: i.user ?? model?.user ?? 'root', port: i.port ?? 22 }, hostColumns: profile ? hostColumnsOf(profile) : [] });
  if (list.problems.length) return { ok: false, problems: [...formatProblems(i.hosts.name, list.problems), 'Nothing was run: fix these lines first.'] };
  if (!list.hosts.length) return { ok: false, problems: [`--hosts: ${i.hosts.name} lists no host`] };
  const lacking = list.hosts.filter((h) => h.usesDefaultPassword).length;
  if (lacking && !(model?.password ?? model?.privateKey ?? model?.agent) && !i.env[DEFAULT_PASSWORD_ENV] && !i.planOnly) {
    return { ok: false, problems: [`--hosts: ${lacking} line(s) give no password or key: set ${DEFAULT_PASSWORD_ENV}, or give the answers' first target a password or key`] };
  }
  const memory = new Map<string, string>();
  const targets = listTargets(list.hosts, model, i.env, memory, service.ctx.secrets, i.planOnly);
  let plan: Plan;
  const { thisComputer: _local, ...rest } = i.answers;
  void _local;
  const answers = { ...rest, targets } as Record<string, unknown>;
  try {
    plan = service.plan(answers);
  } catch (err) {
    if (err instanceof PlanError) return { ok: false, problems: err.problems.map(formatProblem) };
    throw err;
  }
  const skip = new Set(i.skip ?? []);
  const chosen = plan.hosts.targets.filter((t) => !skip.has(addressOf(t.ssh))).map((t) => t.index);
  return { ok: true, plan, resolver: resolverOf(memory, i.env), targets: chosen, skip, answers };
}

export interface InheritedBatchInput extends BatchInput {
  seed: { user: string; host: string; port: number };
}

/** The vendor's inherited installation from `seed` onto the list: its own plan (plan/inherited.ts). */
export function prepareInherited(service: OutpostService, i: InheritedBatchInput): Prepared {
  const profile = service.profiles().profiles.find((l) => l.profile.id === i.answers.profile)?.profile;
  if (!profile) return { ok: false, problems: [`profile: there is no profile ${i.answers.profile} (outpost profile list shows them)`] };
  if (!profile.inherited) return { ok: false, problems: [`--inherit-from: the profile ${profile.id} (${profile.name}) has no \`inherited\` section: it does not describe an inherited installation. Run outpost batch without --inherit-from.`] };
  const list = parseHostList(i.hosts.text, { defaults: { user: INHERITED_USER, port: INHERITED_PORT } });
  const problems = list.problems.length ? list.problems : iplistProblems(list.hosts);
  if (problems.length) return { ok: false, problems: [...formatProblems(i.hosts.name, problems), 'Nothing was run: fix these lines first.'] };
  if (!list.hosts.length) return { ok: false, problems: [`--hosts: ${i.hosts.name} lists no host`] };
  const lacking = list.hosts.filter((h) => h.password === undefined).length;
  if (lacking && !i.env[DEFAULT_PASSWORD_ENV] && !i.planOnly) return { ok: false, problems: [`--hosts: ${lacking} line(s) give no password: set ${DEFAULT_PASSWORD_ENV} (typed at the script's "default password" question, never on a command line)`] };
  const memory = new Map<string, string>();
  const hosts = list.hosts.map((h, n) => {
    if (h.password !== undefined) {
      memory.set(`inherit.${n}.password`, h.password);
      service.ctx.secrets.add(h.password);
    }
    return { ip: h.host, ...(h.name ? { name: h.name } : {}), ...(h.password !== undefined ? { password: { stored: `inherit.${n}.password` } } : {}) };
  });
  try {
    const plan = buildInheritedPlan({ answers: i.answers, profile, regions: service.regions(), seed: i.seed, hosts, ...(i.env[DEFAULT_PASSWORD_ENV] || (i.planOnly && lacking) ? { defaultPassword: { env: DEFAULT_PASSWORD_ENV } } : {}) });
    return { ok: true, plan, resolver: resolverOf(memory, i.env), targets: plan.hosts.targets.map((t) => t.index), skip: new Set() };
  } catch (err) {
    if (err instanceof PlanError) return { ok: false, problems: err.problems.map(formatProblem) };
    throw err;
  }
}

/** The batch report of a run: every host of the plan, hosts done in an earlier run said so. */
export function batchReport(plan: Plan, end: RunEnd | null, meta: { answers: string; hostsFile: string; skip: ReadonlySet<string>; startedAt: Date }): BatchReport {
  const endedAt = new Date();
  const byAddress = new Map((end?.report ?? []).map((h) => [addressOf(h), h]));
  const hosts: ReportHost[] = plan.hosts.targets.map((t) => {
    const address = addressOf(t.ssh);
    if (meta.skip.has(address)) return { host: t.ssh.host, port: t.ssh.port, user: t.ssh.user, name: t.name ?? null, state: 'done', step: null, code: null, reason: 'done in an earlier run', hint: null, startedAt: null, endedAt: null, durationMs: null };
    return byAddress.get(address) ?? { host: t.ssh.host, port: t.ssh.port, user: t.ssh.user, name: t.name ?? null, state: 'cancelled', step: null, code: 'cancelled', reason: null, hint: null, startedAt: null, endedAt: null, durationMs: null };
  });
  const totals: Record<string, number> = {};
  for (const h of hosts) totals[h.state] = (totals[h.state] ?? 0) + 1;
  return { version: 1, answers: path.resolve(meta.answers), hostsFile: path.resolve(meta.hostsFile), journal: end?.journal ?? '', startedAt: meta.startedAt.toISOString(), endedAt: endedAt.toISOString(), durationMs: endedAt.getTime() - meta.startedAt.getTime(), totals, hosts };
}

/** Writes a report: mode 0600 whatever an existing file had (it names hosts and reasons), masked. */
export function writeReport(file: string, report: BatchReport, secrets: SecretRegistry): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${secrets.stringify(report)}\n`, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

/** Hosts done in an earlier run are recorded as done in this journal too: resuming a resumed batch leaves them alone as well. */
export function recordDoneEarlier(journal: string, runId: string, plan: Plan, skip: ReadonlySet<string>, secrets: SecretRegistry): void {
  const at = new Date().toISOString();
  for (const t of plan.hosts.targets.filter((x) => skip.has(addressOf(x.ssh)))) {
    fs.appendFileSync(journal, `${secrets.stringify({ type: 'host', runId, host: t.id, at, state: 'done', address: addressOf(t.ssh), reason: 'done in an earlier run' })}\n`, { mode: 0o600 });
  }
}
