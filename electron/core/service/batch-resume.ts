// A batch the app started can be finished after Outpost (or the machine) died: beside its journal the
// app keeps the answers it ran (`<runId>.batch.json`, 0600; secrets only as references to the secure
// store, as in any saved answers). On reopening, the last batch whose journal has no run.end, or hosts
// not done, is offered for resuming; resuming runs only the hosts the journal does not record as done
// (the rule `outpost batch --resume` follows, by the same journal reading).
import fs from 'node:fs';
import path from 'node:path';
import type { Plan } from '../../common/api/plan';
import type { SecretRegistry } from '../secrets/registry';
import { readJournalState } from '../run/journal';

const SUFFIX = '.batch.json';

export interface BatchRecord {
  version: 1;
  runId: string;
  startedAt: string;
  concurrency: number;
  answers: Record<string, unknown>;
}

export interface BatchTargetSummary {
  host: string;
  port: number;
  user: string;
  name?: string | undefined;
}

export interface InterruptedBatch {
  runId: string;
  journal: string;
  startedAt: string;
  /** Hosts in the batch. */
  total: number;
  /** Hosts not recorded as done. */
  left: number;
  /** The journal has no run.end: the process running it died. */
  killed: boolean;
  /** The hosts left, in order (what resuming runs). */
  targets: BatchTargetSummary[];
}

const addressOf = (t: Plan['hosts']['targets'][number]) => `${t.ssh.user}@${t.ssh.host}:${t.ssh.port}`;

export function batchRecordFile(journal: string): string {
  return journal.replace(/\.jsonl$/, SUFFIX);
}

/** Keeps the answers a batch runs beside its journal. */
export function writeBatchRecord(journal: string, record: BatchRecord, secrets: SecretRegistry): void {
  fs.writeFileSync(batchRecordFile(journal), `${secrets.stringify(record)}\n`, { mode: 0o600 });
}

/** No longer offers a batch for resuming: removes its recorded answers (the journal stays). */
export function forgetBatch(dataDir: string, runId: string): void {
  fs.rmSync(path.join(dataDir, 'journals', `${runId}${SUFFIX}`), { force: true });
}

function readRecord(file: string): BatchRecord | null {
  try {
    const r = JSON.parse(fs.readFileSync(file, 'utf8')) as BatchRecord;
    return r.version === 1 && typeof r.runId === 'string' && typeof r.answers === 'object' && r.answers !== null ? r : null;
  } catch {
    return null;
  }
}

/** The hosts of a recorded batch, split into done (by the journal) and left. */
export function batchToResume(dataDir: string, runId: string, plan: (answers: unknown) => Plan): { record: BatchRecord; journal: string; total: number; doneCount: number; answers: Record<string, unknown>; left: BatchTargetSummary[] } | null {
  const dir = path.join(dataDir, 'journals');
  const record = readRecord(path.join(dir, `${runId}${SUFFIX}`));
  const journal = path.join(dir, `${runId}.jsonl`);
  if (!record || !fs.existsSync(journal)) return null;
  const done = readJournalState(journal).done;
  const p = plan(record.answers);
  const keep = new Set(p.hosts.targets.filter((t) => !done.has(addressOf(t))).map((t) => t.index));
  const targets = Array.isArray(record.answers.targets) ? (record.answers.targets as unknown[]) : [];
  const left = p.hosts.targets.filter((t) => keep.has(t.index)).map((t) => ({ host: t.ssh.host, port: t.ssh.port, user: t.ssh.user, ...(t.name ? { name: t.name } : {}) }));
  return { record, journal, total: targets.length, doneCount: targets.length - keep.size, answers: { ...record.answers, targets: targets.filter((_, i) => keep.has(i)) }, left };
}

/**
 * The last batch the app started (newest record), if it did not finish: no run.end, or hosts not done.
 * Runs this process started (running, or ended before the user's eyes with their own "Retry failed")
 * are not offered.
 */
export function lastInterruptedBatch(dataDir: string, startedHere: ReadonlySet<string>, plan: (answers: unknown) => Plan): InterruptedBatch | null {
  const dir = path.join(dataDir, 'journals');
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith(SUFFIX));
  } catch {
    return null;
  }
  // Run ids start with their UTC start time: the newest sorts last.
  const last = names.sort().pop();
  if (!last) return null;
  const runId = last.slice(0, -SUFFIX.length);
  if (startedHere.has(runId)) return null;
  let r: ReturnType<typeof batchToResume>;
  try {
    r = batchToResume(dataDir, runId, plan);
  } catch {
    return null; // its profile is gone, or the answers no longer plan: nothing to offer
  }
  if (!r) return null;
  if (r.left.length === 0) return null;
  const killed = !readJournalState(r.journal).ended;
  return { runId, journal: r.journal, startedAt: r.record.startedAt, total: r.total, left: r.left.length, killed, targets: r.left };
}
