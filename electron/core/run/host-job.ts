// One host's steps, in plan order: per-host values filled in, guards (a step already done is skipped),
// the vendor's remedy (before a step in a reinstall; after a failure, then the step once more, when
// the profile says `retry: once`), each action run by its module, failures mapped to a code, a message
// and a hint, transient files removed whatever happened. Jump servers, proxies and targets all run
// through here; the scheduler decides only when.
import { leftOut } from './schedule';
import type { Plan, SecretRef, Step } from '../../common/api/plan';
import type { CheckResult, HostState } from '../../common/api/run';
import { fillStep, probeOn, runAction, scQueryService, servicesNotRunning, StepFailure, type HostValues, type StepContext, type StepOutcome } from '../actions';
import { OutpostError } from '../errors';
import type { Executor } from '../exec';
import type { Logger } from '../log/logger';
import type { PackageSums } from '../packages/plan-packages';
import type { ArchiveListing } from '../packages/unpack';
import type { Facts, SecretResolver } from '../render';
import type { SecretRegistry } from '../secrets/registry';
import { ExecError, type SshConnection } from '../ssh';
import { Tail } from './journal';
import type { Reporter } from './reporter';
import type { RunTerminal } from './terminal';

export interface RunOptionsResolved {
  targets?: number[] | undefined;
  acceptNewHostKeys: boolean;
  overridePreflight: boolean;
  reinstall: boolean;
  tunnelOnly: boolean;
  /** Log in and run the read-only preflight checks only (the wizard's "Test connection"). */
  checkOnly?: boolean;
  /** Targets at once (1: the interactive run with its live terminal). */
  concurrency?: number;
  /** The answers file the run came from (journaled: `outpost inventory` says it). */
  answersFile?: string;
}

/** What every host job of a run shares. */
export interface RunContext {
  readonly plan: Plan;
  readonly options: RunOptionsResolved;
  readonly reporter: Reporter;
  readonly terminal: RunTerminal;
  readonly interactive: boolean;
  readonly signal: AbortSignal;
  readonly secrets: SecretRegistry;
  readonly resolver: SecretResolver;
  readonly log: Logger;
  readonly facts: Facts;
  packages: PackageSums | undefined;
  /** This computer's private cache folder (downloads). */
  readonly cacheDir?: string | undefined;
  listing(file: string): Promise<ArchiveListing>;
  secret(ref: SecretRef, name: string): string;
}

export interface HostJob {
  /** The plan's host group whose steps this host runs (`targets`, `jump0`, `proxy0`, `seed`). */
  on: string;
  hostId: string;
  host: string;
  ex: Executor;
  values: HostValues;
  jump?: Executor | undefined;
  peer?: string | undefined;
  /** SSH targets: a second login as another user with a private key (keyLogin probes). */
  relogin?: ((user: string, keyPath: string) => Promise<void>) | undefined;
  tunnel?: { conn: SshConnection; listenConn?: SshConnection | undefined; jumpPassword?: string | undefined } | undefined;
  onState?: (state: HostState, step: string) => void;
  /** Only these step ids (a jump server's steps interleaved with its proxy's). */
  only?: ReadonlySet<string>;
  /** Remedies a reinstall already ran on this host (once each: the unpack and the install share one). */
  remedied?: Set<string>;
}

export const PHASE_STATE: Record<Step['phase'], HostState> = {
  prepare: 'preflight',
  connect: 'connecting',
  tunnel: 'preflight',
  preflight: 'preflight',
  transfer: 'transferring',
  install: 'installing',
  verify: 'verifying',
  remedy: 'installing',
};

const cancelledError = () => new OutpostError('cancelled', 'Cancelled.', 'Run it again when ready.');

/** Any failure as the step's failure: its code, message and hint (library errors never reach the user as they are). */
export function toFailure(err: unknown, stepId: string, cancelled: boolean): StepFailure {
  if (cancelled || (err instanceof OutpostError && err.code === 'cancelled')) return new StepFailure(err instanceof StepFailure ? err.stepId : stepId, 'cancelled', err instanceof Error ? err.message : 'Cancelled.', 'Run it again when ready.');
  if (err instanceof StepFailure) return err;
  if (err instanceof OutpostError) return new StepFailure(stepId, err.code, err.message, err.hint);
  return new StepFailure(stepId, 'internal', `Outpost failed unexpectedly at step ${stepId}: ${err instanceof Error ? err.message : String(err)}`, 'This is a bug in Outpost: the journal has the details.');
}

function context(rc: RunContext, job: HostJob, s: Step, out: { write(t: string): void }): StepContext {
  return {
    step: s,
    hostId: job.hostId,
    host: job.host,
    ex: job.ex,
    signal: rc.signal,
    secrets: rc.secrets,
    resolver: rc.resolver,
    facts: rc.facts,
    secret: (ref, name) => rc.secret(ref, name),
    output: (t) => out.write(t),
    say: (line) => out.write(`${line}\r\n`),
    echo: (d) => rc.reporter.echo(d),
    progress: (done, total) => rc.reporter.progress(s, job.hostId, done, total),
    ...(rc.interactive ? { onInput: (sink) => rc.terminal.setSink(sink) } : {}),
    jump: job.jump,
    peer: job.peer,
    relogin: job.relogin,
    tunnel: job.tunnel,
    packages: rc.packages,
    cacheDir: rc.cacheDir,
    listing: (f) => rc.listing(f),
    run: { checkOnly: Boolean(rc.options.checkOnly), overridePreflight: rc.options.overridePreflight, reinstall: rc.options.reinstall, mode: rc.plan.mode, profileName: rc.plan.profile.name },
  };
}

/**
 * One step on one host: events, journal, failure mapping. With `tolerate`, a failure (not a cancel) is
 * reported as a warning with the words `tolerate` gives, and null is returned instead of throwing.
 */
export async function runStep(rc: RunContext, job: HostJob, s: Step, tolerate?: (f: StepFailure) => string): Promise<StepOutcome | null> {
  const start = new Date().toISOString();
  const tail = new Tail();
  rc.reporter.banner(s, job.host);
  rc.reporter.step(s, job.hostId, job.host, 'running');
  const out = rc.reporter.output(s, job.hostId, tail);
  try {
    const r = await runAction(s.action, context(rc, job, s, out));
    out.end();
    rc.reporter.stepEnded(s, job.hostId, job.host, start, r, tail);
    return r;
  } catch (err) {
    out.end();
    let f = toFailure(err, s.id, rc.signal.aborted);
    f = await withServiceStates(rc, job, s, f);
    if (err instanceof ExecError && err.outputTail) tail.push(rc.secrets.redact(err.outputTail.slice(-2000)));
    if (f.code === 'internal') rc.log.error(`run ${rc.reporter.runId}: step ${s.id} failed unexpectedly`, err);
    // A lost connection is no failure of the step itself: nothing is retried over it.
    const tolerated = tolerate && !['cancelled', 'connection_lost'].includes(f.code) && !rc.signal.aborted;
    rc.reporter.stepEnded(s, job.hostId, job.host, start, { status: f.code === 'cancelled' ? 'cancelled' : tolerated ? 'warning' : 'failed', message: tolerated ? tolerate(f) : f.message, code: f.code, ...(f.checks ? { checks: f.checks } : {}) }, tail);
    if (tolerated) return null;
    throw f;
  }
}

/** The services a Windows host's verify asks `sc query` about. */
function verifiedServices(rc: RunContext, job: HostJob): string[] {
  const names: string[] = [];
  for (const v of rc.plan.steps.filter((x) => x.on === job.on && x.phase === 'verify' && x.action.kind === 'probe')) {
    if (v.action.kind !== 'probe') continue;
    for (const p of v.action.probes) if (p.kind === 'command' && p.shell === 'cmd') names.push(...[scQueryService(p.command)].filter((n): n is string => n !== null));
  }
  return names;
}

/**
 * A failed install step on Windows: what the service control manager says of each verified service
 * (STATE, WIN32_EXIT_CODE and SERVICE_EXIT_CODE in words) is added to the failure, before the profile's
 * hint. A .bat file that hid sc's output, or an sc that printed nothing, still leaves these.
 */
async function withServiceStates(rc: RunContext, job: HostJob, s: Step, f: StepFailure): Promise<StepFailure> {
  if (job.ex.os !== 'windows' || s.phase !== 'install' || s.action.kind !== 'exec' || rc.signal.aborted || ['cancelled', 'connection_lost'].includes(f.code)) return f;
  const services = verifiedServices(rc, job);
  if (!services.length) return f;
  const said = await servicesNotRunning(job.ex, services, rc.signal).catch(() => []);
  if (!said.length) return f;
  return new StepFailure(f.stepId, f.code, `${f.message.replace(/\.?$/, '.')} ${said.join(' ')}`, f.hint, f.checks);
}

async function guardPasses(rc: RunContext, job: HostJob, s: Step, cache: Map<string, boolean>): Promise<boolean> {
  if (!s.guard) return false;
  const key = JSON.stringify(s.guard.probes);
  const known = cache.get(key);
  if (known !== undefined) return known;
  let passes: boolean;
  try {
    const r = await probeOn(s.guard.probes, context(rc, job, s, { write: () => undefined }));
    passes = r.ok && r.checks.every((c) => c.status === 'pass');
  } catch {
    passes = false;
  }
  cache.set(key, passes);
  return passes;
}

/** A message's first sentence (a host label like "host (u@10.0.0.1:22)" keeps its dots). */
const firstSentence = (m: string) => m.split(/\.(?:\s|$)/)[0] ?? m;

/** The vendor's remedy for `s` (uninstall), on this host; its own failure is a warning: the point is a clean slate. */
async function remedy(rc: RunContext, job: HostJob, s: Step, why: 'reinstall' | 'retry'): Promise<void> {
  const raw = rc.plan.steps.find((x) => x.id === s.onFailure?.remedy && x.on === job.on);
  if (!raw) return;
  await runStep(rc, job, fillStep(raw, job.values), (f) => `uninstall did not succeed (${firstSentence(f.message)}); ${why === 'retry' ? `trying ${s.id} again anyway` : 'installing anyway'}`);
}

/** A step with its guard, remedy and retry. Returns its outcome, or null when it was skipped. */
async function oneStep(rc: RunContext, job: HostJob, s: Step, guards: Map<string, boolean>): Promise<StepOutcome | null> {
  if (s.action.kind === 'instruction') {
    rc.reporter.skipped(s, job.hostId, job.host, `Manual step: ${s.action.text.split('\n')[0] ?? ''}`);
    return null;
  }
  const reinstalling = rc.options.reinstall && Boolean(s.onFailure?.remedy);
  if (!reinstalling && (await guardPasses(rc, job, s, guards))) {
    const says = s.guard?.says ?? '';
    const parts = s.phase === 'install' ? [{ key: 'run.msg.alreadyInstalled', params: { agent: rc.plan.profile.name } }] : s.phase === 'tunnel' ? [{ key: 'run.msg.tunnel.kept', params: {} }] : undefined;
    rc.reporter.skipped(s, job.hostId, job.host, `${says}; step skipped${s.onFailure?.remedy ? ' (reinstall to install it again)' : ''}`, parts);
    return null;
  }
  // A reinstall runs the remedy once, before the first step that names it (the unpack, so the service
  // is stopped and removed before its files are replaced; then the install).
  const remedyId = s.onFailure?.remedy ?? '';
  job.remedied ??= new Set();
  if (reinstalling && !job.remedied.has(remedyId)) {
    job.remedied.add(remedyId);
    await remedy(rc, job, s, 'reinstall');
  }
  // A check whose failure is evidence, not the end (a check's tunnel health: the targets behind it go on).
  if (s.warnOnly) return runStep(rc, job, s, (f) => f.message);
  // A preflight check written as a command (the VPC endpoint's ping) is overridden as the probes are.
  if (s.phase === 'preflight' && s.action.kind !== 'probe' && rc.options.overridePreflight) return runStep(rc, job, s, (f) => `${f.message} (preflight overridden: installing anyway)`);
  if (s.onFailure?.retry !== 'once' || !s.onFailure.remedy) return runStep(rc, job, s);
  // The profile's own recovery (the ICAgent guide: "if the installation fails, uninstall and reinstall"):
  // a first failure is a warning, the remedy runs, and the step's second try decides.
  const first = await runStep(rc, job, s, (f) => `${f.message} Running the remedy (${s.onFailure?.remedy ?? ''}), then trying once more.`);
  if (first) return first;
  await remedy(rc, job, s, 'retry');
  return runStep(rc, job, s);
}

async function removeTransient(rc: RunContext, job: HostJob, files: Array<{ path: string; root: boolean }>): Promise<void> {
  for (const root of [false, true]) {
    const paths = files.filter((f) => f.root === root).map((f) => f.path);
    if (!paths.length) continue;
    await job.ex.files.remove(paths, { signal: new AbortController().signal, root }).catch((err: unknown) => rc.log.warn(`run ${rc.reporter.runId}: could not remove ${paths.join(', ')} on ${job.hostId}: ${err instanceof Error ? err.message : String(err)}`));
  }
}

/** The steps of one host, in plan order; returns every check made (verify's evidence). */
export async function runHostSteps(rc: RunContext, job: HostJob): Promise<CheckResult[]> {
  let checks: CheckResult[] = [];
  const guards = new Map<string, boolean>();
  // A transient file (register.json, an env file) lives for the step that uses it, whatever happened.
  const transient: Array<{ path: string; root: boolean }> = [];
  try {
    for (const raw of rc.plan.steps.filter((s) => s.on === job.on && s.phase !== 'connect' && (!job.only || job.only.has(s.id)))) {
      if (rc.signal.aborted) throw cancelledError();
      if (leftOut(rc.plan, rc.options, raw, job.on)) continue;
      job.onState?.(PHASE_STATE[raw.phase], raw.id);
      const s = fillStep(raw, job.values);
      try {
        const r = await oneStep(rc, job, s, guards);
        if (r?.checks) checks = [...checks, ...r.checks];
      } finally {
        if (s.action.kind === 'writeFile' && s.action.transient) transient.push({ path: s.action.path, root: s.action.root });
        else if (transient.length) await removeTransient(rc, job, transient.splice(0));
      }
    }
    return checks;
  } finally {
    if (transient.length) await removeTransient(rc, job, transient.splice(0));
  }
}
