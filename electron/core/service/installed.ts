// The app's Installed view, for the core: which answers installed the chosen hosts (the app keeps the
// answers of each install run beside its journal; a CLI run names its answers file), those answers
// narrowed to the chosen hosts, and the plan a "Check now", "Uninstall", "Reinstall" or "Repair" runs.
// The runs themselves are ordinary runs (RunService): the same engine, journal, batch view and report.
import fs from 'node:fs';
import path from 'node:path';
import type { Plan } from '../../common/api/plan';
import { OutpostError } from '../errors';
import { checkPlan, loadAnswersFile, repairPlan, uninstallPlan } from '../plan';
import { readJournal, type JournalRecord } from '../run/journal';
import type { SecretRegistry } from '../secrets/registry';
import { batchRecordFile } from './batch-resume';
import { inventoryOf, type InventoryHost } from './lifecycle';
import type { OutpostService } from './outpost';

export type InstalledAction = 'check' | 'uninstall' | 'reinstall' | 'repair';

const ANSWERS_SUFFIX = '.answers.json';

export function answersRecordFile(journal: string): string {
  return journal.replace(/\.jsonl$/, ANSWERS_SUFFIX);
}

/** An app install run keeps the answers it ran beside its journal (0600; secrets only as references to the secure store). */
export function writeAnswersRecord(journal: string, answers: Record<string, unknown>, secrets: SecretRegistry): void {
  fs.writeFileSync(answersRecordFile(journal), `${secrets.stringify({ version: 1, answers })}\n`, { mode: 0o600 });
}

function readJson(file: string): Record<string, unknown> | null {
  try {
    const r = JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: unknown; answers?: unknown };
    return r.version === 1 && typeof r.answers === 'object' && r.answers !== null ? (r.answers as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The answers an install run ran: the app's record, a batch's record, or the CLI's answers file. */
function answersOfRun(dataDir: string, runId: string): Record<string, unknown> {
  const journal = path.join(dataDir, 'journals', `${runId}.jsonl`);
  const kept = readJson(answersRecordFile(journal)) ?? readJson(batchRecordFile(journal));
  if (kept) return kept;
  let start: Extract<JournalRecord, { type: 'run.start' }> | undefined;
  try {
    start = readJournal(journal).find((r): r is Extract<JournalRecord, { type: 'run.start' }> => r.type === 'run.start');
  } catch {
    start = undefined;
  }
  const file = typeof start?.options.answersFile === 'string' ? start.options.answersFile : null;
  if (!file) throw new OutpostError('installed_answers_missing', `The answers of install run ${runId} were not kept.`, 'Open the answers these hosts were installed with in the wizard and run from there.');
  const loaded = loadAnswersFile(file);
  if (!loaded.ok) throw new OutpostError('installed_answers_unreadable', `The answers file ${file} of install run ${runId} cannot be used: ${loaded.problems.map((p) => `${p.path ? `${p.path}: ` : ''}${p.message}`).join('; ')}`, 'Restore that file, or open the answers in the wizard and run from there.');
  return loaded.answers as unknown as Record<string, unknown>;
}

const addressOf = (t: Plan['hosts']['targets'][number]) => `${t.ssh.user}@${t.ssh.host}:${t.ssh.port}`;

/** Stable text of the answers but their targets: hosts installed by equal answers may run together. */
function rest(a: Record<string, unknown>): string {
  const sort = (v: unknown): unknown => (Array.isArray(v) ? v.map(sort) : typeof v === 'object' && v !== null ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])])) : v);
  const { targets: _t, ...others } = a;
  return JSON.stringify(sort(others));
}

/** The chosen hosts (by profile and address; a jump server's address for "repair": every host behind it), their answers narrowed to them. */
export function installedAnswers(service: OutpostService, dataDir: string, pick: { hosts: Array<{ profile: string; address: string }> } | { jump: string }): { answers: Record<string, unknown>; hosts: InventoryHost[] } {
  const all = inventoryOf(dataDir).hosts;
  const chosen =
    'jump' in pick
      ? all.filter((h) => h.jump === pick.jump && h.state === 'installed')
      : pick.hosts.map((p) => {
          const h = all.find((x) => x.profile === p.profile && x.address === p.address);
          if (!h) throw new OutpostError('installed_host_unknown', `${p.address} (${p.profile}) is not in the inventory.`, 'Refresh the Installed view: the host may have been installed from another data folder.');
          return h;
        });
  if (!chosen.length) throw new OutpostError('installed_none', 'No installed host is chosen.', 'Select hosts in the table first.');
  const runs = [...new Set(chosen.map((h) => h.installRun))];
  const answersByRun = new Map(runs.map((r) => [r, answersOfRun(dataDir, r)]));
  const first = answersByRun.get(runs[0] ?? '') ?? {};
  const same = rest(first);
  if (runs.some((r) => rest(answersByRun.get(r) ?? {}) !== same)) {
    throw new OutpostError('installed_mixed', 'The chosen hosts were installed with different answers (agent, region, jump servers or credentials).', 'Choose hosts of one agent and jump server (the filters help), and run them together.');
  }
  // The targets in the order chosen: the run's target0… are the chosen hosts in that order (the batch view's rows).
  const found = new Map<string, unknown>();
  for (const r of runs) {
    const answers = answersByRun.get(r) ?? {};
    const list = Array.isArray(answers.targets) ? (answers.targets as unknown[]) : [];
    for (const t of service.plan(answers).hosts.targets) if (!found.has(addressOf(t))) found.set(addressOf(t), list[t.index]);
  }
  const lost = chosen.filter((h) => !found.has(h.address));
  if (lost.length) throw new OutpostError('installed_answers_changed', `${lost[0]?.address ?? ''} is no longer in the answers it was installed with.`, 'Open those answers in the wizard and run from there.');
  const seen = new Set<string>();
  const targets = chosen.filter((h) => !seen.has(h.address) && seen.add(h.address)).map((h) => found.get(h.address));
  return { answers: { ...first, targets }, hosts: chosen };
}

/** The plan an Installed view action runs, from the narrowed answers. */
export function installedPlan(service: OutpostService, answers: Record<string, unknown>, action: InstalledAction): Plan {
  const plan = service.plan(answers);
  return action === 'check' ? checkPlan(plan) : action === 'repair' ? repairPlan(plan) : action === 'uninstall' ? uninstallPlan(plan) : plan;
}
