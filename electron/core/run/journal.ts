// The run journal: one JSON object per line under <dataDir>/journals/, written as the run goes so a
// crash or a dropped host still leaves a complete record up to that point. Every text is redacted.
import fs from 'node:fs';
import path from 'node:path';
import type { SecretRegistry } from '../secrets/registry';

export const TAIL_LINES = 20;

export type JournalRecord =
  | {
      type: 'run.start';
      runId: string;
      at: string;
      profile: string;
      /** The profile's version and what the run does (install, check, uninstall); absent in journals before them. */
      profileVersion?: string;
      kind?: 'install' | 'check' | 'uninstall' | 'repair';
      os: string;
      mode: string;
      targets: string[];
      /** Each target's address and jump server (`user@host:port`). */
      hosts?: Array<{ id: string; address: string; name?: string; jump?: string }>;
      /** Each jump server's plan id and address: whose tunnel a check's `check.tunnel.*` step judged. */
      jumps?: Array<{ id: string; address: string }>;
      options: Record<string, unknown>;
    }
  /** `outpost check`'s verdict for a host (healthy, agent-down, tunnel-down, unreachable, auth-failed), written after the run. */
  | { type: 'check'; runId: string; at: string; address: string; state: string; reason?: string }
  /** `step` is the plan's step id; `host` the plan's host id (`jump0`, `target3`, `local`, `console`). */
  | { type: 'step'; runId: string; step: string; host: string; start: string; end: string; outcome: string; message?: string; code?: string; tail: string[] }
  /** A host's final state; `address` is `user@host:port` (what a resumed batch matches hosts by). */
  | { type: 'host'; runId: string; host: string; at: string; state: string; address?: string; step?: string; code?: string; reason?: string; hint?: string }
  /** The pool paused (no new host started) / resumed. */
  | { type: 'run.pause' | 'run.resume'; runId: string; at: string }
  | { type: 'run.end'; runId: string; at: string; outcome: string; failedStep?: string; host?: string; code?: string; reason?: string; summary?: Record<string, number> };

export class Journal {
  readonly file: string;
  private readonly secrets: SecretRegistry;

  constructor(dataDir: string, runId: string, secrets: SecretRegistry) {
    const dir = path.join(dataDir, 'journals');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = path.join(dir, `${runId}.jsonl`);
    this.secrets = secrets;
  }

  write(record: JournalRecord): void {
    const line = this.secrets.stringify(record); // masked before serialising: escaped secrets too
    fs.appendFileSync(this.file, line + '\n', { mode: 0o600 });
  }
}

/** Keeps the last lines of a stream of text (for the journal and error messages). */
export class Tail {
  private lines: string[] = [''];
  constructor(private readonly max = TAIL_LINES) {}
  push(text: string): void {
    const parts = text.replace(/\r\n/g, '\n').replace(/\r/g, '\n').split('\n');
    this.lines[this.lines.length - 1] += parts[0] ?? '';
    for (const p of parts.slice(1)) this.lines.push(p);
    if (this.lines.length > this.max + 1) this.lines = this.lines.slice(-(this.max + 1));
  }
  get(): string[] {
    // eslint-disable-next-line no-control-regex
    const clean = this.lines.map((l) => l.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''));
    return (clean[clean.length - 1] === '' ? clean.slice(0, -1) : clean).slice(-this.max);
  }
}

export function readJournal(file: string): JournalRecord[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JournalRecord);
}

/** What a journal says about a batch, read the same way by `outpost batch --resume` and the app. */
export interface JournalState {
  runId: string | null;
  /** A run.end record is there (the run was not killed). */
  ended: boolean;
  outcome: string | null;
  /** Each host's last final state, by `user@host:port`. */
  states: Map<string, string>;
  /** Addresses recorded as done: a resumed batch leaves them alone. */
  done: Set<string>;
}

/** Reads a journal leniently: a last line cut by the crash that interrupted the run is skipped. */
export function readJournalState(file: string): JournalState {
  const st: JournalState = { runId: null, ended: false, outcome: null, states: new Map(), done: new Set() };
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let r: { type?: string; runId?: string; state?: string; address?: string; outcome?: string };
    try {
      r = JSON.parse(line) as typeof r;
    } catch {
      continue;
    }
    if (r.type === 'run.start' && typeof r.runId === 'string') st.runId = r.runId;
    if (r.type === 'run.end') {
      st.ended = true;
      st.outcome = typeof r.outcome === 'string' ? r.outcome : null;
    }
    if (r.type === 'host' && typeof r.address === 'string' && typeof r.state === 'string') {
      st.states.set(r.address, r.state);
      if (r.state === 'done') st.done.add(r.address);
    }
  }
  return st;
}
