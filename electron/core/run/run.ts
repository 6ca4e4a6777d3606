// Runs a Plan for real. The plan is the schedule: jump servers first (log in, their tunnel steps), then
// the per-host job on each target, at most `concurrency` at once; nothing runs that the plan does not
// show. A failing target does not stop the others: each ends in its own state, and the run's outcome
// summarises them. The same path serves one host with a live terminal and a thousand in a pool.
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Plan, SecretRef, TargetHost } from '../../common/api/plan';
import { StepFailure } from '../actions';
import { OutpostError } from '../errors';
import type { Logger } from '../log/logger';
import { checkLocalPackages } from '../packages/plan-packages';
import { listArchive, type ArchiveListing } from '../packages/unpack';
import { describeRef, type SecretResolver } from '../render';
import type { SecretRegistry } from '../secrets/registry';
import { SshPool, type HostKeyChanged, type HostKeyPolicy, type KnownHosts } from '../ssh';
import { rememberRejections, startTargetKeyScans, type KeyScanDeps } from './host-keys';
import { toFailure, type RunContext, type RunOptionsResolved } from './host-job';
import { jumpPhase, localPhase, seedPhase, targetJob, type Reach } from './hosts';
import { Reporter, type RunEmit, type RunEnd } from './reporter';
import { pool, PauseGate } from './scheduler';
import { RunTerminal } from './terminal';

export interface RunDeps {
  dataDir: string;
  secrets: SecretRegistry;
  log: Logger;
  knownHosts: KnownHosts;
  resolver: SecretResolver;
  hostKeyPolicy: HostKeyPolicy;
  emit: RunEmit;
  connectTimeoutMs?: number;
  /** Where ~ in private key paths points (tests). */
  homeDir?: string;
  /** Environment for local steps (secret variables stripped). */
  localEnv?: NodeJS.ProcessEnv;
  /** How long targets wait for a dropped jump server (tests). */
  jumpWaitMs?: number;
  /** Told of a changed host key (the host is refused all the same). */
  onHostKeyChanged?: HostKeyChanged;
  /** Ask about every target's unknown host key together, before the targets start (the app's one dialog: host-keys.ts). */
  askHostKeysTogether?: boolean;
}

export interface RunHandle {
  runId: string;
  journal: string;
  terminal: RunTerminal;
  cancel(): void;
  /** Starts no new host (hosts in flight finish; the others stay queued). False when already paused. */
  pause(): boolean;
  /** Lets the pool start hosts again. False when not paused. */
  resume(): boolean;
  readonly paused: boolean;
  done: Promise<RunEnd>;
}

export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${randomBytes(3).toString('hex')}`;
}

function context(plan: Plan, options: RunOptionsResolved, deps: RunDeps, reporter: Reporter, terminal: RunTerminal, signal: AbortSignal): RunContext {
  const listings = new Map<string, Promise<ArchiveListing>>();
  return {
    plan,
    options,
    reporter,
    terminal,
    interactive: Math.max(1, options.concurrency ?? 1) === 1,
    signal,
    secrets: deps.secrets,
    resolver: deps.resolver,
    log: deps.log,
    facts: {},
    packages: undefined,
    cacheDir: path.join(deps.dataDir, 'cache'),
    listing(file) {
      let l = listings.get(file);
      if (!l) listings.set(file, (l = listArchive(file, { signal })));
      return l;
    },
    secret(ref: SecretRef, name: string) {
      const v = deps.resolver(ref);
      if (v === undefined || v === '') throw new OutpostError('secret.missing', `${name}: the ${describeRef(ref)} is not set.`, 'Set it and run again.');
      deps.secrets.add(v);
      return v;
    },
  };
}

async function main(rc: RunContext, reach: Reach, gate: PauseGate, keys: KeyScanDeps | null): Promise<void> {
  const { plan, options } = rc;
  rc.reporter.start({ ...options });
  const chosen = plan.hosts.targets.filter((t) => !options.targets || options.targets.includes(t.index));
  if (options.targets && chosen.length !== options.targets.length) {
    throw new StepFailure('select', 'invalid_input', `targets: ${options.targets.filter((i) => !plan.hosts.targets.some((t) => t.index === i)).join(', ')} not in the answers (${plan.hosts.targets.length} targets).`, 'Pick targets by their index in answers.targets.');
  }
  const changes = !options.tunnelOnly && !options.checkOnly;
  for (const s of plan.steps.filter((x) => (x.on === 'console' || x.on === 'local') && x.action.kind === 'instruction' && changes)) {
    rc.reporter.skipped(s, s.on, s.on === 'console' ? 'in the cloud console' : 'this computer', 'Manual step: do it in the cloud console (shown on the Review page and by `outpost plan`).');
  }
  for (const t of chosen) rc.reporter.queued(t.id, t.label);
  // A missing or wrong package is refused here, before anything connects or is sent.
  const firstUpload = plan.steps.find((x) => x.action.kind === 'upload');
  if (firstUpload && changes) rc.packages = await checkLocalPackages(plan, rc.signal).catch((err: unknown) => Promise.reject(toFailure(err, firstUpload.id, rc.signal.aborted)));
  // This computer's own steps (an installer fetched over HTTPS for the targets), before anything connects.
  if (changes) await localPhase(rc, reach);
  const jumps = await jumpPhase(rc, reach);
  if (options.tunnelOnly) return;
  const seed = await seedPhase(rc, reach, jumps);
  // Every target's key asked about at once (one dialog); each login waits for its own host's scan only.
  const scans = keys ? startTargetKeyScans(rc, keys, chosen, jumps) : new Map<string, Promise<OutpostError | null>>();
  const all: Array<TargetHost | 'local'> = [...chosen, ...(plan.hosts.thisComputer && !options.targets && !options.checkOnly ? (['local'] as const) : [])];
  await pool(all, Math.max(1, options.concurrency ?? 1), (t) => targetJob(rc, reach, t, jumps, seed, t === 'local' ? undefined : scans.get(t.id)), gate);
}

export function startRun(plan: Plan, options: RunOptionsResolved, deps: RunDeps): RunHandle {
  const runId = newRunId();
  const terminal = new RunTerminal();
  const abort = new AbortController();
  const gate = new PauseGate();
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const reporter = new Reporter(runId, plan, { emit: deps.emit, secrets: deps.secrets, dataDir: deps.dataDir, terminal, interactive: concurrency === 1 });
  // Every in-flight host listens on the run's one abort signal (a few listeners each, removed when done).
  setMaxListeners(Math.max(10, concurrency * 4 + 10), abort.signal);
  // One connection per jump server for the whole run: its own steps and every target behind it.
  const hostKeyPolicy = rememberRejections(deps.hostKeyPolicy);
  const keys: KeyScanDeps = { knownHosts: deps.knownHosts, hostKeyPolicy, onHostKeyChanged: deps.onHostKeyChanged };
  const sshPool = new SshPool({ knownHosts: deps.knownHosts, hostKeyPolicy, ...(deps.onHostKeyChanged ? { onHostKeyChanged: deps.onHostKeyChanged } : {}), readyTimeoutMs: deps.connectTimeoutMs ?? 20_000, keepaliveIntervalMs: 15_000, logger: deps.log }, { keepJumps: true });
  const workDir = path.join(deps.dataDir, 'work', runId);
  const reach: Reach = { pool: sshPool, home: deps.homeDir ?? os.homedir(), workDir, localEnv: deps.localEnv, ...(deps.jumpWaitMs !== undefined ? { jumpWaitMs: deps.jumpWaitMs } : {}) };
  const rc = context(plan, options, deps, reporter, terminal, abort.signal);
  let ended = false;
  const done = main(rc, reach, gate, deps.askHostKeysTogether ? keys : null)
    .then(() => reporter.end(abort.signal.aborted))
    .catch((err: unknown) => {
      const f = toFailure(err, 'run', abort.signal.aborted);
      return reporter.end(abort.signal.aborted, { step: f.stepId, code: f.code, reason: f.message, hint: f.hint });
    })
    .then((e) => {
      ended = true;
      sshPool.closeAll();
      fs.rmSync(workDir, { recursive: true, force: true });
      reporter.announce(e);
      return e;
    });
  const setPaused = (paused: boolean): boolean => {
    if (ended || abort.signal.aborted || !(paused ? gate.close() : gate.open())) return false;
    reporter.paused(paused);
    return true;
  };
  return {
    runId,
    journal: reporter.journal.file,
    terminal,
    // Cancel opens the gate: the workers then take every host not started, and each ends cancelled.
    cancel: () => {
      abort.abort();
      if (gate.open()) deps.emit('run.paused', { runId, paused: false });
    },
    pause: () => setPaused(true),
    resume: () => setPaused(false),
    get paused() {
      return gate.paused;
    },
    done,
  };
}
