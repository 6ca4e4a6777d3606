// After the install, for every face: the check and the uninstall of the answers' hosts (Plans derived
// from the install plan, run by the one engine), their verdicts per host from the run's own evidence
// (its report and journal), and the inventory: every host Outpost installed, from the journals.
import fs from 'node:fs';
import path from 'node:path';
import type { Plan } from '../../common/api/plan';
import { checkPlan, envResolver, PlanError, formatProblem, uninstallPlan, untunnelPlan, type Answers } from '../plan';
import type { ReportHost, RunEnd } from '../run';
import { readJournal, type JournalRecord } from '../run/journal';
import type { SecretRegistry } from '../secrets/registry';
import { addressOf, batchReport, prepareBatch, type BatchReport, type Prepared } from './batch';
import type { OutpostService } from './outpost';

/** A host's state after `outpost check` (a contract: README, "outpost check"). */
export const CHECK_STATES = ['healthy', 'agent-down', 'tunnel-down', 'unreachable', 'auth-failed', 'cancelled'] as const;
export type CheckState = (typeof CHECK_STATES)[number];

/** A host's state after `outpost uninstall`. */
export const UNINSTALL_STATES = ['removed', 'failed', 'unreachable', 'auth-failed', 'cancelled'] as const;

export type LifecycleKind = 'check' | 'uninstall';

export interface LifecycleInput {
  answers: Answers;
  /** A host list (as `outpost batch --hosts`): replaces the answers' targets. */
  hosts?: { text: string; name: string } | undefined;
  user?: string | undefined;
  port?: number | undefined;
  env: NodeJS.ProcessEnv;
  /** Only to show the plan (`outpost plan --uninstall --hosts`): a default password not set yet is no problem. */
  planOnly?: boolean | undefined;
}

/** The answers' plan (or the list's), turned into a check or an uninstall; the tunnel's removal beside it. */
export function prepareLifecycle(service: OutpostService, i: LifecycleInput, kind: LifecycleKind, o: { removeTunnel?: boolean } = {}): (Prepared & { ok: true; tunnel: Plan | null }) | { ok: false; problems: string[] } {
  let base: Prepared;
  if (i.hosts) base = prepareBatch(service, { answers: i.answers, hosts: i.hosts, user: i.user, port: i.port, env: i.env, planOnly: i.planOnly });
  else {
    try {
      const plan = service.plan(i.answers);
      base = { ok: true, plan, resolver: envResolver(i.env), targets: plan.hosts.targets.map((t) => t.index), skip: new Set() };
    } catch (err) {
      if (err instanceof PlanError) return { ok: false, problems: err.problems.map(formatProblem) };
      throw err;
    }
  }
  if (!base.ok) return base;
  if (!base.plan.hosts.targets.length && !base.plan.hosts.thisComputer) return { ok: false, problems: ['targets: the answers list no target (or give --hosts FILE)'] };
  try {
    const plan = kind === 'check' ? checkPlan(base.plan) : uninstallPlan(base.plan);
    const tunnel = kind === 'uninstall' && o.removeTunnel ? untunnelPlan(base.plan) : null;
    return { ...base, plan, tunnel };
  } catch (err) {
    if (err instanceof PlanError) return { ok: false, problems: err.problems.map(formatProblem) };
    throw err;
  }
}

const AUTH = new Set(['auth_failed', 'auth_config', 'key_passphrase']);
const isLogin = (h: ReportHost) => h.step === 'connect' || /^connect\./.test(h.step ?? '') || h.code === 'jump_failed';

/** Each jump server's tunnel as the check's own step on it found it: null when it was not checked (no tunnel there, or its login failed). */
export function tunnelVerdicts(journal: string): Map<string, { healthy: boolean; message: string }> {
  const out = new Map<string, { healthy: boolean; message: string }>();
  if (!journal || !fs.existsSync(journal)) return out;
  for (const r of readJournal(journal)) {
    if (r.type !== 'step' || !/^check\.tunnel\./.test(r.step)) continue;
    // A remote tunnel's check runs on the proxy of its jump server (proxy0 serves jump0).
    const host = r.host.replace(/^proxy/, 'jump');
    const prev = out.get(host);
    const healthy = r.outcome === 'done';
    // Several tunnels on one jump server (a proxy's too): healthy only when every one is.
    out.set(host, { healthy: (prev?.healthy ?? true) && healthy, message: [prev?.message, healthy ? '' : r.message ?? r.outcome].filter(Boolean).join('; ') });
  }
  return out;
}

/** The check's verdict for each host, from the run's report and the tunnels' evidence. */
export function checkVerdicts(plan: Plan, report: BatchReport): ReportHost[] {
  const tunnels = tunnelVerdicts(report.journal);
  const byAddress = new Map(plan.hosts.targets.map((t) => [addressOf(t.ssh), t]));
  return report.hosts.map((h) => {
    const t = byAddress.get(addressOf(h));
    const jump = t?.via ? plan.hosts.jumps.find((j) => j.id === t.via) : undefined;
    const tunnel = t?.via ? tunnels.get(t.via) : undefined;
    const down = tunnel && !tunnel.healthy ? `the tunnel on ${jump?.label ?? t?.via ?? ''} is down: ${tunnel.message}` : '';
    let state: CheckState;
    let reason = h.reason;
    if (h.state === 'cancelled') state = 'cancelled';
    else if (h.state === 'done') {
      state = down ? 'tunnel-down' : 'healthy';
      reason = down ? `${down} (the agent itself passes its checks here, but cannot report through the tunnel)` : 'the agent passes its checks';
    } else if (isLogin(h)) state = AUTH.has(h.code ?? '') ? 'auth-failed' : 'unreachable';
    else if (down) {
      state = 'tunnel-down';
      reason = `${down}; on the host: ${h.reason ?? ''}`;
    } else state = 'agent-down';
    return { ...h, state, reason };
  });
}

export interface CheckReport extends BatchReport {
  kind: 'check';
  /** When the check ended: the time its verdicts hold for. */
  checkedAt: string;
}

/**
 * The batch report with this computer as a host when the answers install on it (Windows "this
 * computer"): the report lists targets, and a check or uninstall of this computer must say its verdict
 * like any host's (never "all removed" because no host was listed); the reporter makes its row (RunEnd.local).
 */
function reportWithThisComputer(plan: Plan, end: RunEnd | null, meta: { answers: string; hostsFile: string; startedAt: Date }): BatchReport {
  const base = batchReport(plan, end, { ...meta, skip: new Set() });
  if (!end?.local) return base;
  const hosts = [...base.hosts, end.local];
  return { ...base, hosts, totals: totalsOf(hosts) };
}

/** The check's report: the batch report's fields (states are the check's), plus checkedAt. */
export function checkReport(plan: Plan, end: RunEnd | null, meta: { answers: string; hostsFile: string; startedAt: Date }): CheckReport {
  const base = reportWithThisComputer(plan, end, meta);
  const hosts = checkVerdicts(plan, base);
  return { ...base, kind: 'check', checkedAt: base.endedAt, hosts, totals: totalsOf(hosts) };
}

/** The uninstall's report: `removed` when the agent's probes fail there now. */
export function uninstallReport(plan: Plan, end: RunEnd | null, meta: { answers: string; hostsFile: string; startedAt: Date }): BatchReport & { kind: 'uninstall' } {
  const base = reportWithThisComputer(plan, end, meta);
  const hosts = base.hosts.map((h) => ({ ...h, state: h.state === 'done' ? 'removed' : h.state === 'cancelled' ? 'cancelled' : isLogin(h) ? (AUTH.has(h.code ?? '') ? 'auth-failed' : 'unreachable') : 'failed' }));
  return { ...base, kind: 'uninstall', hosts, totals: totalsOf(hosts) };
}

function totalsOf(hosts: ReportHost[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const h of hosts) totals[h.state] = (totals[h.state] ?? 0) + 1;
  return totals;
}

/** The check's verdicts go into its journal too: the inventory's "last check". */
export function recordVerdicts(journal: string, runId: string, hosts: ReportHost[], secrets: SecretRegistry): void {
  if (!journal) return;
  const at = new Date().toISOString();
  // A host the check did not finish (Ctrl-C) has no verdict: its last one stands.
  for (const h of hosts.filter((x) => x.state !== 'cancelled')) fs.appendFileSync(journal, `${secrets.stringify({ type: 'check', runId, at, address: addressOf(h), state: h.state, ...(h.reason ? { reason: h.reason } : {}) })}\n`, { mode: 0o600 });
}

/** A host Outpost installed, as the journals tell it. */
export interface InventoryHost {
  address: string;
  name: string | null;
  profile: string;
  profileVersion: string | null;
  os: string;
  jump: string | null;
  installedAt: string;
  /** The answers file of the install run (when it was given one). */
  answers: string | null;
  lastCheck: { state: string; at: string; reason: string | null } | null;
  uninstalledAt: string | null;
  /** installed, or removed (uninstalled after its last install). */
  state: 'installed' | 'removed';
  /** The install run whose answers hold this host (what the app's Check now / Uninstall run from). */
  installRun: string;
}

/** A jump server the inventory's hosts are reached through, and its tunnel as the newest check that judged it found it. */
export interface InventoryJump {
  address: string;
  hosts: number;
  /** up / down: the tunnel's health check there passed / failed; unknown: no check has judged it yet (or it has no tunnel). */
  tunnel: 'up' | 'down' | 'unknown';
  reason: string | null;
  checkedAt: string | null;
}

type Start = Extract<JournalRecord, { type: 'run.start' }>;

/** Every host Outpost installed, from the journals under <dataDir>/journals (oldest run first, the newest word wins). */
export function inventory(dataDir: string): InventoryHost[] {
  return inventoryOf(dataDir).hosts;
}

/** The inventory's hosts and the jump servers they are reached through, with each tunnel's last judged state. */
export function inventoryOf(dataDir: string): { hosts: InventoryHost[]; jumps: InventoryJump[] } {
  const dir = path.join(dataDir, 'journals');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort() : [];
  const hosts = new Map<string, InventoryHost>();
  const tunnels = new Map<string, { tunnel: 'up' | 'down'; reason: string | null; checkedAt: string }>();
  for (const f of files) {
    let records: JournalRecord[];
    try {
      records = readJournal(path.join(dir, f));
    } catch {
      continue; // a journal cut by a crash mid-line: what it holds is lost, the others still count
    }
    const start = records.find((r): r is Start => r.type === 'run.start');
    if (!start) continue;
    const kind = start.kind ?? 'install';
    const byId = new Map((start.hosts ?? []).map((h) => [h.id, h]));
    const answers = typeof start.options.answersFile === 'string' ? start.options.answersFile : null;
    for (const r of records) {
      if (r.type === 'host' && r.state === 'done' && r.address && !/^(jump|proxy|seed)\d*$/.test(r.host)) {
        const key = `${start.profile}|${r.address}`;
        const h = byId.get(r.host);
        const prev = hosts.get(key);
        // A later install run that finds the agent running keeps the first install's time and answers.
        if (kind === 'install' && r.reason !== 'done in an earlier run') {
          const keep = prev?.state === 'installed';
          hosts.set(key, { address: r.address, name: h?.name ?? prev?.name ?? null, profile: start.profile, profileVersion: start.profileVersion ?? null, os: start.os, jump: h?.jump ?? null, installedAt: keep ? prev.installedAt : r.at, answers: keep ? prev.answers : answers, lastCheck: prev?.lastCheck ?? null, uninstalledAt: prev?.uninstalledAt ?? null, state: 'installed', installRun: keep ? prev.installRun : start.runId });
        } else if (kind === 'uninstall' && prev) hosts.set(key, { ...prev, uninstalledAt: r.at, state: 'removed' });
      }
      if (r.type === 'check') {
        const prev = hosts.get(`${start.profile}|${r.address}`);
        if (prev) prev.lastCheck = { state: r.state, at: r.at, reason: r.reason ?? null };
      }
    }
    // A repair ends in the same check of its tunnel and hosts: its verdicts count as a check's.
    if (kind === 'check' || kind === 'repair') noteTunnels(records, start, tunnels);
  }
  const list = [...hosts.values()].sort((a, b) => a.profile.localeCompare(b.profile) || a.address.localeCompare(b.address));
  const behind = new Map<string, number>();
  for (const h of list) if (h.jump && h.state === 'installed') behind.set(h.jump, (behind.get(h.jump) ?? 0) + 1);
  const jumps = [...behind].map(([address, n]): InventoryJump => {
    const t = tunnels.get(address);
    return { address, hosts: n, tunnel: t?.tunnel ?? 'unknown', reason: t?.reason ?? null, checkedAt: t?.checkedAt ?? null };
  });
  return { hosts: list, jumps: jumps.sort((a, b) => a.address.localeCompare(b.address)) };
}

/** A check run's tunnel steps, by jump server address (a proxy's step counts for its jump server). */
function noteTunnels(records: JournalRecord[], start: Start, out: Map<string, { tunnel: 'up' | 'down'; reason: string | null; checkedAt: string }>): void {
  const address = new Map((start.jumps ?? []).map((j) => [j.id, j.address]));
  const seen = new Map<string, { tunnel: 'up' | 'down'; reason: string | null; checkedAt: string }>();
  for (const r of records) {
    if (r.type !== 'step' || !/^check\.tunnel\./.test(r.step)) continue;
    const a = address.get(r.host.replace(/^proxy/, 'jump'));
    if (!a) continue;
    const prev = seen.get(a);
    const up = r.outcome === 'done' && (prev?.tunnel ?? 'up') === 'up';
    const why = r.outcome === 'done' ? null : (r.message ?? r.outcome);
    seen.set(a, { tunnel: up ? 'up' : 'down', reason: [prev?.reason, why].filter(Boolean).join('; ') || null, checkedAt: r.end });
  }
  for (const [a, v] of seen) out.set(a, v);
}
