// Runs a Plan for real. The plan is the schedule: each step runs on its host by its action kind, and
// nothing runs that the plan does not show. Jump servers first (connect, tunnel steps, ports), then the
// per-host job on each target: connect, preflight, the profile's steps, verify. A failing target does
// not stop the others: every target ends in its own state, and the run's outcome summarises them.
// The interactive scheduler runs targets one at a time with a live terminal; the pool scheduler
// (concurrency > 1) runs the same job on many at once.
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AuthInfo, JumpHost, Plan, SecretRef, Step, TargetHost } from '../../common/api/plan';
import type { CheckResult, HostState, MessagePart, RunOutcome, StepStatus } from '../../common/api/run';
import type { EventPayload } from '../../common/api';
import { OutpostError } from '../errors';
import { localExecutor, sshExecutor, type Executor } from '../exec/executor';
import type { Logger } from '../log/logger';
import { describeRef, renderCmdForStdin, renderExec, renderPieces, secretRefs, type Facts, type SecretResolver } from '../plan/render';
import type { SecretRegistry } from '../secrets/registry';
import { ExecError, publicKeyLine, SshPool, type HostKeyPolicy, type KnownHosts, type SshAuth, type SshConnection, type SshTarget } from '../ssh';
import { Journal, Tail } from './journal';
import { readChecksumBeside, sha256File } from '../packages/checksum';
import { listArchive, unpackArchive, type ArchiveListing } from '../packages/unpack';
import { checkEntries, formatEntryProblem } from '../packages/entries';
import { parseTarVerbose } from '../packages/listing';
import { checkLocalPackages, listScript, parseStage, parseZipinfo, placeScript, stageScript, type PackageSums } from './packages';
import { quotePosix } from '../quote';
import { editIniText, localFiles, parseReadOutput, readFileScript, removeScript, replaceFileScript, writeFileScript } from './files';
import { sshAuthFor } from './auth';
import { runProbes } from './probes';
import { RunTerminal } from './terminal';
import { runForward } from './tunnel';

export interface RunOptionsResolved {
  targets?: number[] | undefined;
  acceptNewHostKeys: boolean;
  overridePreflight: boolean;
  reinstall: boolean;
  tunnelOnly: boolean;
  /** Log in and run the read-only preflight checks only (the wizard's "Test connection"). */
  checkOnly?: boolean;
  /** Targets at once (1: the interactive scheduler). */
  concurrency?: number;
}

export type RunEmit = <K extends 'run.step' | 'run.output' | 'run.end' | 'run.host' | 'run.progress' | 'run.paused'>(name: K, payload: EventPayload<K>) => void;

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
}

export interface HostResult {
  hostId: string;
  host: string;
  state: HostState;
  step?: string;
  code?: string;
  reason?: string;
  hint?: string;
  checks?: CheckResult[];
}

export interface RunEnd {
  runId: string;
  outcome: RunOutcome;
  failedStep?: string;
  hostId?: string;
  host?: string;
  code?: string;
  reason?: string;
  hint?: string;
  journal: string;
  hosts: HostResult[];
  summary: Record<string, number>;
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

class StepFailure extends Error {
  constructor(
    readonly stepId: string,
    readonly code: string,
    message: string,
    readonly hint?: string,
    readonly checks?: CheckResult[],
  ) {
    super(message);
  }
}

export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${randomBytes(3).toString('hex')}`;
}

/** Every secret a plan needs, checked before anything runs (CLI: exit 2 when one is missing). */
export function missingSecrets(plan: Plan, resolver: SecretResolver): string[] {
  const refs: Array<{ name: string; ref: SecretRef }> = [];
  for (const s of plan.steps) for (const p of secretRefs(s)) refs.push({ name: p.name, ref: p.secret });
  const auth = (a: AuthInfo, name: string) => {
    if (a.kind === 'password') refs.push({ name: `${name}.password`, ref: a.password });
    if (a.kind === 'privateKey' && a.passphrase) refs.push({ name: `${name}.privateKey.passphrase`, ref: a.passphrase });
  };
  plan.hosts.jumps.forEach((j) => auth(j.ssh.auth, `connectivity.jumpServers[${j.index}].ssh`));
  plan.hosts.proxies?.forEach((p) => auth(p.ssh.auth, `connectivity.jumpServers[${p.index}].proxy.ssh`));
  plan.hosts.targets.forEach((t) => auth(t.ssh.auth, `targets[${t.index}]`));
  const seen = new Set<string>();
  return refs
    .filter((r) => {
      let v: string | undefined;
      try {
        v = resolver(r.ref);
      } catch {
        v = undefined;
      }
      return v === undefined || v === '';
    })
    .map((r) => `${r.name}: the ${describeRef(r.ref)} is not set`)
    .filter((m) => (seen.has(m) ? false : (seen.add(m), true)));
}

/** A step's outcome from its output and exit code: failure markers win; then exit code and success markers. */
export function outcomeOf(a: { success: { exitCode?: number | undefined; markers?: string[] | undefined }; failureMarkers: string[] }, output: string, exitCode: number | null) {
  const failed = a.failureMarkers.find((m) => output.includes(m));
  const exitOk = a.success.exitCode === undefined || exitCode === a.success.exitCode;
  const markers = a.success.markers ?? [];
  const markerOk = markers.length === 0 || markers.some((m) => output.includes(m));
  return { ok: !failed && exitOk && markerOk, exitCode, failed, exitOk, markerOk };
}

const PHASE_STATE: Record<Step['phase'], HostState> = {
  prepare: 'preflight',
  connect: 'connecting',
  tunnel: 'preflight',
  preflight: 'preflight',
  transfer: 'transferring',
  install: 'installing',
  verify: 'verifying',
  remedy: 'installing',
};

/**
 * The pool's pause gate: while closed, no worker takes a new item (items in flight go on). `wait()`
 * resolves at once when open, else when `open()` is called (resume, or cancel: a cancelled run must
 * let its workers through so every item not started ends as cancelled).
 */
export class PauseGate {
  private waiters: Array<() => void> = [];
  private closed = false;
  get paused(): boolean {
    return this.closed;
  }
  /** Closes the gate; false when it was already closed. */
  close(): boolean {
    if (this.closed) return false;
    this.closed = true;
    return true;
  }
  /** Opens the gate and releases every waiting worker; false when it was already open. */
  open(): boolean {
    if (!this.closed) return false;
    this.closed = false;
    for (const w of this.waiters.splice(0)) w();
    return true;
  }
  wait(): Promise<void> {
    return this.closed ? new Promise((resolve) => this.waiters.push(resolve)) : Promise.resolve();
  }
}

/** Runs `fn` over items with at most `n` at once, in order of start; a closed `gate` holds back items not started. */
export async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>, gate?: PauseGate): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      if (gate?.paused) {
        await gate.wait();
        continue;
      }
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
}

export function startRun(plan: Plan, options: RunOptionsResolved, deps: RunDeps): RunHandle {
  const runId = newRunId();
  const journal = new Journal(deps.dataDir, runId, deps.secrets);
  const terminal = new RunTerminal();
  const abort = new AbortController();
  const gate = new PauseGate();
  /** Set when the run's end is written: it can no longer be paused. */
  let ended = false;
  // One connection per jump server for the whole run: its own steps and every target behind it.
  const sshPool = new SshPool(
    { knownHosts: deps.knownHosts, hostKeyPolicy: deps.hostKeyPolicy, readyTimeoutMs: deps.connectTimeoutMs ?? 20_000, keepaliveIntervalMs: 15_000, logger: deps.log },
    { keepJumps: true },
  );
  const home = deps.homeDir ?? os.homedir();
  const redact = (s: string) => deps.secrets.redact(s);
  const facts: Facts = {};
  const workDir = path.join(deps.dataDir, 'work', runId);

  const secret = (ref: SecretRef, name: string): string => {
    const v = deps.resolver(ref);
    if (v === undefined || v === '') throw new OutpostError('secret.missing', `${name}: the ${describeRef(ref)} is not set.`, 'Set it and run again.');
    deps.secrets.add(v);
    return v;
  };
  const sshAuth = (a: AuthInfo, name: string): SshAuth => sshAuthFor(a, name, secret, home);
  const jumpTarget = (j: JumpHost): SshTarget => ({ host: j.ssh.host, port: j.ssh.port, username: j.ssh.user, auth: sshAuth(j.ssh.auth, `connectivity.jumpServers[${j.index}]${j.id.startsWith('proxy') ? '.proxy' : ''}.ssh`) });

  const stepEvent = (s: Step, hostId: string, host: string, status: StepStatus, message?: string, checks?: CheckResult[], parts?: MessagePart[]) =>
    deps.emit('run.step', { runId, stepId: s.id, title: s.title, hostId, host, status, ...(message ? { message: redact(message) } : {}), ...(parts ? { parts } : {}), ...(checks ? { checks } : {}) });
  const part = (key: string, params: Record<string, string | number> = {}): MessagePart => ({ key, params });
  const hostEvent = (r: HostResult) =>
    deps.emit('run.host', { runId, hostId: r.hostId, host: r.host, state: r.state, ...(r.step ? { stepId: r.step } : {}), ...(r.reason ? { reason: redact(r.reason) } : {}), ...(r.hint ? { hint: redact(r.hint) } : {}) });

  const concurrency = Math.max(1, options.concurrency ?? 1);
  const interactive = concurrency === 1;
  // Every in-flight host listens on the run's one abort signal (a few listeners each, removed when done).
  setMaxListeners(Math.max(10, concurrency * 4 + 10), abort.signal);
  let packageSums: PackageSums | undefined;
  // Transfer progress: at most ~4 events a second per host, and always the last one.
  const lastProgress = new Map<string, number>();
  const emitProgress = (s: Step, hostId: string, done: number, total: number) => {
    const key = `${s.id}@${hostId}`;
    const now = Date.now();
    if (done < total && now - (lastProgress.get(key) ?? 0) < 250) return;
    lastProgress.set(key, now);
    deps.emit('run.progress', { runId, stepId: s.id, hostId, done, total });
  };
  const out = (s: Step, hostId: string) => (text: string) => {
    const masked = redact(text);
    if (interactive) terminal.push(masked);
    deps.emit('run.output', { runId, stepId: s.id, hostId, data: masked });
  };
  const banner = (text: string) => {
    if (interactive) terminal.push(`\r\n\x1b[1;36m▶ ${redact(text)}\x1b[0m\r\n`);
  };

  /** One step on one host: events, journal record, failure mapping. */
  async function runStep<T>(s: Step, hostId: string, host: string, fn: (tail: Tail) => Promise<{ status?: StepStatus; message?: string; parts?: MessagePart[]; checks?: CheckResult[]; value?: T }>): Promise<T | undefined> {
    const start = new Date().toISOString();
    const tail = new Tail();
    banner(`${s.title}${s.title.includes(host) ? '' : ` — ${host}`}`);
    stepEvent(s, hostId, host, 'running');
    try {
      const r = await fn(tail);
      const status = r.status ?? 'done';
      stepEvent(s, hostId, host, status, r.message, r.checks, r.parts);
      journal.write({ type: 'step', runId, step: s.id, host: hostId, start, end: new Date().toISOString(), outcome: status, ...(r.message ? { message: r.message } : {}), tail: tail.get() });
      return r.value;
    } catch (err) {
      const cancelled = abort.signal.aborted || (err instanceof OutpostError && err.code === 'cancelled');
      const code = cancelled ? 'cancelled' : err instanceof StepFailure ? err.code : err instanceof OutpostError ? err.code : 'internal';
      const message = err instanceof Error ? err.message : String(err);
      const hint = err instanceof StepFailure ? err.hint : err instanceof OutpostError ? err.hint : undefined;
      if (err instanceof ExecError && err.outputTail) tail.push(err.outputTail.slice(-2000));
      const checks = err instanceof StepFailure ? err.checks : undefined;
      stepEvent(s, hostId, host, cancelled ? 'cancelled' : 'failed', message, checks);
      journal.write({ type: 'step', runId, step: s.id, host: hostId, start, end: new Date().toISOString(), outcome: cancelled ? 'cancelled' : 'failed', message, code, tail: tail.get() });
      if (!(err instanceof OutpostError) && !(err instanceof StepFailure)) deps.log.error(`run ${runId}: step ${s.id} failed unexpectedly`, err);
      throw new StepFailure(s.id, code, message, hint, checks);
    }
  }

  function skip(s: Step, hostId: string, host: string, message: string, parts?: MessagePart[]): void {
    stepEvent(s, hostId, host, 'skipped', message, undefined, parts);
    const now = new Date().toISOString();
    journal.write({ type: 'step', runId, step: s.id, host: hostId, start: now, end: now, outcome: 'skipped', message, tail: [] });
  }

  /**
   * Per-host values ({host.address}, {host.name}): the plan keeps them as written and each host fills
   * in its own. Only plain address characters pass, so a filled-in value needs no quoting anywhere.
   */
  function fillHost(text: string, hostId: string, esc: (v: string) => string = (v) => v): string {
    if (!text.includes('{host.')) return text;
    const t = plan.hosts.targets.find((x) => x.id === hostId);
    const j = plan.hosts.jumps.find((x) => x.id === hostId);
    const vars: Record<string, string> = {
      address: t?.ssh.host ?? j?.privateIp ?? '127.0.0.1',
      name: t ? (t.name ?? t.ssh.host) : j ? j.privateIp : os.hostname(),
    };
    return text.replace(/\{host\.(address|name)\}/g, (_m, k: string) => {
      const v = vars[k] ?? '';
      if (!/^[A-Za-z0-9._:-]+$/.test(v)) throw new OutpostError('host_value_invalid', `{host.${k}} of ${hostId} is "${v}", which has characters a command or file cannot take as they are.`, 'Give the target a plain name (letters, digits, . _ : -).');
      return esc(v);
    });
  }

  /** Probes with per-host values filled in (the values are plain address characters: JSON-safe). */
  function probesFor<T>(probes: T, hostId: string): T {
    const text = JSON.stringify(probes);
    return text.includes('{host.') ? (JSON.parse(fillHost(text, hostId)) as T) : probes;
  }

  /** Executes an exec action and judges it by exit code, markers and the profile's diagnosis. */
  async function runExec(s: Step, ex: Executor, hostId: string, host: string, tail: Tail, sudo: boolean): Promise<{ message?: string }> {
    const a = s.action;
    if (a.kind !== 'exec') throw new Error('not an exec step');
    // cmd (this computer, or a non-interactive step on Windows over SSH): secrets reach cmd on stdin
    // (same-process expansion), never in the text or on a command line.
    const viaStdin = a.shell === 'cmd' && (ex.kind === 'local' || !a.interactive) ? renderCmdForStdin(a, deps.resolver, deps.secrets, facts) : null;
    const text = fillHost(viaStdin ? viaStdin.text : renderExec(a, 'exec', deps.resolver, deps.secrets, facts), hostId);
    if (interactive) terminal.push(`\x1b[2m$ ${fillHost(renderPieces(a.command, a.shell, 'display', undefined, deps.secrets, facts), hostId).replace(/\n/g, '\r\n  ')}\x1b[0m\r\n`);
    const write = out(s, hostId);
    const r = await ex.run(a.shell, text, {
      signal: abort.signal,
      timeoutMs: a.timeoutSec * 1000,
      sudo: sudo && a.root,
      interactive: a.interactive,
      ...(viaStdin?.secrets.length ? { secrets: viaStdin.secrets } : {}),
      onInput: (sink) => terminal.setSink(sink),
      onData: (t) => {
        tail.push(redact(t));
        write(t);
      },
    });
    const o = outcomeOf(a, r.output, r.exitCode);
    // A step on a jump server or proxy may hand a value to a later step (the proxy's tunnel key for the
    // jump server's authorized_keys): `OUTPOST_FACT <kind>.<this host's id> <value>`, one line. Only
    // facts named after the host that printed them are taken.
    if (o.ok && /^(jump|proxy)\d+$/.test(hostId)) {
      for (const m of r.output.matchAll(/^OUTPOST_FACT ([a-z]+)\.([a-z]+\d+) ([A-Za-z0-9+/=@._: -]{1,4000})\r?$/gm)) if (m[2] === hostId) facts[`${m[1]}.${m[2]}`] = (m[3] ?? '').trim();
    }
    if (o.ok) return {};
    const last = tail.get().slice(-5).join(' | ');
    const why = o.failed ? `the output says "${o.failed}"` : !o.exitOk ? `it exited with code ${o.exitCode ?? 'none (killed)'}` : `its success message (${(a.success.markers ?? []).join(' / ')}) did not appear`;
    const diag = a.diagnosis.find((d) => new RegExp(d.pattern).test(r.output));
    const code = diag?.code ?? (s.phase === 'install' ? 'install_failed' : 'step_failed');
    const hint = diag?.hint ?? s.onFailure?.hint ?? 'The output above shows the cause.';
    throw new StepFailure(s.id, code, `${s.title} failed on ${host}: ${why}.${last ? ` Last output: ${last}` : ''}`, hint);
  }

  const listings = new Map<string, Promise<ArchiveListing>>();
  const localListing = (file: string): Promise<ArchiveListing> => {
    let l = listings.get(file);
    if (!l) listings.set(file, (l = listArchive(file, { signal: abort.signal })));
    return l;
  };

  /** writeFile / editIni / upload / unpack on one host (see ./files for how, and why so). */
  async function fileAction(s: Step, ex: Executor, hostId: string, sudo: boolean, tail: Tail): Promise<{ message: string }> {
    const a = s.action;
    const write = out(s, hostId);
    // This computer's view of a host path (a Windows path under Wine is in the prefix's drive_c).
    const lp = (p: string) => (ex.localPath ? ex.localPath(p) : p);
    const say = (t: string) => {
      tail.push(redact(t));
      write(`${t}\r\n`);
    };
    const bash = async (script: string, root: boolean): Promise<string> => {
      const r = await ex.run('bash', script, { signal: abort.signal, timeoutMs: 120_000, sudo: sudo && root });
      if (r.exitCode !== 0) throw new OutpostError('file_action_failed', `${s.title} failed on ${hostId}: ${redact(r.output.trim().split('\n').slice(-3).join(' | ')) || `exit code ${r.exitCode}`}.`, root && !sudo ? 'The step needs root: log in as root or give the user sudo without a password.' : 'Check the path and its permissions.');
      return r.output;
    };
    if (a.kind === 'writeFile') {
      const esc = a.escape === 'json' ? (v: string) => JSON.stringify(v).slice(1, -1) : (v: string) => v;
      const content = a.content.map((c) => (typeof c === 'string' ? fillHost(c, hostId, esc) : esc(secret(c.secret, c.name)))).join('');
      if (ex.kind === 'local') localFiles.write(lp(a.path), content, a.mode);
      else await bash(writeFileScript(a.path, content, a.mode), a.root);
      const message = `wrote ${a.path} (mode ${a.mode.toString(8).padStart(4, '0')}${a.transient ? ', removed after the next step' : ''})`;
      say(message);
      return { message };
    }
    if (a.kind === 'editIni') {
      const before = ex.kind === 'local' ? localFiles.read(lp(a.path)) : parseReadOutput(await bash(readFileScript(a.path), a.root));
      if (before === null) throw new OutpostError('file_missing', `${a.path} does not exist on ${hostId}.`, 'The package that provides it may not be installed: check the install step above.');
      const r = editIniText(
        before,
        a.set.map((x) => ({ ...x, value: fillHost(x.value, hostId) })),
      );
      for (const c of r.changes) say(`[${c.section}] ${c.key} = ${c.to}${c.from === null ? ' (added)' : ` (was ${c.from})`}`);
      if (!r.changes.length) {
        say(`${a.path} already has these values`);
        return { message: `${a.path} unchanged` };
      }
      if (ex.kind === 'local') localFiles.replace(lp(a.path), r.text);
      else await bash(replaceFileScript(a.path, r.text), a.root);
      return { message: `${a.path}: ${r.changes.map((c) => `[${c.section}] ${c.key}`).join(', ')} set (backup: ${path.basename(a.path)}.outpost-backup)` };
    }
    if (a.kind === 'upload') {
      // checkLocalPackages ran before any connection: the file is there and has the expected SHA-256.
      const sum = packageSums?.byLocal.get(a.from) ?? (await sha256File(a.from, abort.signal));
      const progress = (sent: number, total: number) => emitProgress(s, hostId, sent, total);
      if (ex.kind === 'local') {
        const r = await ex.upload(a.from, a.to, { signal: abort.signal, mode: a.mode, onProgress: progress });
        const message = `${path.basename(a.from)} → ${a.to} (${r.bytes} bytes, SHA-256 ${r.sha256.slice(0, 12)}…)`;
        say(message);
        return { message };
      }
      const stage = parseStage(await bash(stageScript(a.to, sum), false));
      if (!stage) throw new OutpostError('upload_failed', `${s.title} failed on ${hostId}: could not prepare the upload folder.`, 'Check that the login user has a writable home folder.');
      if (stage.have) {
        const message = `${a.to} is already on the host with SHA-256 ${sum.slice(0, 12)}…: not sent again`;
        say(message);
        return { message };
      }
      if (stage.left) say('an earlier upload of this package did not finish: sending it again');
      // The place step checks the copy's SHA-256 (sha256sum -c) before anything uses it: no second check here.
      const r = await ex.upload(a.from, stage.part, { signal: abort.signal, mode: 0o600, onProgress: progress, checkRemote: false });
      await bash(placeScript(stage.part, a.to, sum, a.mode), true);
      const message = `${path.basename(a.from)} → ${a.to} (${r.bytes} bytes, SHA-256 ${sum.slice(0, 12)}… checked on the host)`;
      say(message);
      return { message };
    }
    if (a.kind === 'unpack') {
      if (ex.kind === 'local') {
        const sum = a.sha256 ?? packageSums?.byLocal.get(a.archive) ?? (await readChecksumBeside(a.archive));
        const r = await unpackArchive(lp(a.archive), lp(a.dest), { signal: abort.signal, ...(sum ? { sha256: sum } : {}) });
        const message = `unpacked ${path.basename(a.archive)} into ${a.dest} (${r.entries} entries)`;
        say(message);
        return { message };
      }
      const expected = a.sha256 ?? packageSums?.byRemote.get(a.archive) ?? null;
      // An archive this computer holds too (the same SHA-256, checked on the host before anything is
      // unpacked, below) is listed here, once for every host, instead of by one more command on each.
      const twin = expected ? [...(packageSums?.byLocal ?? [])].find(([, sum]) => sum === expected.toLowerCase())?.[0] : undefined;
      const local = twin ? await localListing(twin).catch(() => null) : null;
      const parsed = local && local.kind === a.format ? { entries: local.entries, problems: [] } : await bash(listScript(a.archive, a.format), false).then((listing) => (a.format === 'zip' ? parseZipinfo(listing) : parseTarVerbose(listing)));
      const problems = [...parsed.problems, ...checkEntries(parsed.entries)];
      if (problems.length > 0) {
        const first = problems.slice(0, 3).map(formatEntryProblem).join('; ');
        throw new OutpostError('archive.unsafe', `${a.archive} on ${hostId} was not unpacked: ${first}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}.`, 'The archive could write outside its folder: get the package again from the vendor.');
      }
      const check = expected ? `printf '%s  %s\\n' ${quotePosix(expected.toLowerCase())} "$a" | sha256sum -c --status - || { echo "OUTPOST_FAIL $a does not have the expected SHA-256"; exit 1; }; ` : '';
      const x = a.format === 'zip' ? 'unzip -o -q "$a" -d "$d"' : `tar -x${a.format === 'tar.gz' ? 'z' : ''}f "$a" -C "$d" --no-same-owner`;
      await bash(`set -e; a=${quotePosix(a.archive)}; d=${quotePosix(a.dest)}; ${check}mkdir -p -- "$d"; ${x}; echo "unpacked $a into $d"`, true);
      const message = `unpacked ${path.basename(a.archive)} into ${a.dest}`;
      say(message);
      return { message };
    }
    throw new Error(`not a file action: ${a.kind}`);
  }

  async function guardPasses(s: Step, ex: Executor, hostId: string, peer: string, jump: Executor | undefined): Promise<boolean> {
    if (!s.guard) return false;
    try {
      const r = await runProbes(probesFor(s.guard.probes, hostId), { ex, signal: abort.signal, resolver: deps.resolver, secrets: deps.secrets, facts, jump, peerAddress: peer });
      return r.ok && r.checks.every((c) => c.status === 'pass');
    } catch {
      return false;
    }
  }

  /** The steps of one host, in plan order. */
  async function hostSteps(on: string, hostId: string, host: string, ex: Executor, ctx: { conn?: SshConnection; jumpEx?: Executor; peer?: string; jumpPassword?: string; onState?: (s: HostResult['state'], step: string) => void; only?: ReadonlySet<string>; listenConn?: SshConnection }): Promise<CheckResult[]> {
    let sudo = false;
    let allChecks: CheckResult[] = [];
    const guardCache = new Map<string, boolean>();
    const transient: string[] = [];
    const removeTransient = async (ex2: Executor, asRoot: boolean) => {
      const files = transient.splice(0);
      try {
        if (ex2.kind === 'local') localFiles.remove(files);
        else await ex2.run('bash', removeScript(files), { signal: new AbortController().signal, timeoutMs: 30_000, sudo: asRoot });
      } catch (err) {
        deps.log.warn(`run ${runId}: could not remove ${files.join(', ')} on ${hostId}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    try {
      const steps = plan.steps.filter((s) => s.on === on && s.phase !== 'connect' && (!ctx.only || ctx.only.has(s.id)));
      for (const s of steps) {
        if (abort.signal.aborted) throw new OutpostError('cancelled', 'Cancelled.', 'Run it again when ready.');
        if (s.optional && s.phase === 'remedy') continue; // run before the step whose onFailure names it, when reinstalling
        if (options.tunnelOnly && on === 'targets') continue;
        if (options.checkOnly && s.phase !== 'preflight') continue; // a connection test changes nothing
        ctx.onState?.(PHASE_STATE[s.phase], s.id);
        const a = s.action;
        if (a.kind === 'instruction') {
          skip(s, hostId, host, `Manual step: ${a.text.split('\n')[0] ?? ''}`);
          continue;
        }
        const reinstalling = options.reinstall && s.onFailure?.remedy;
        if (s.guard && !reinstalling) {
          const key = JSON.stringify(s.guard.probes);
          const passes = guardCache.get(key) ?? (await guardPasses(s, ex, hostId, ctx.peer ?? hostId, ctx.jumpEx));
          guardCache.set(key, passes);
          if (passes) {
            skip(s, hostId, host, `${s.guard.says}; step skipped${s.onFailure?.remedy ? ' (reinstall to install it again)' : ''}`, s.phase === 'install' ? [part('run.msg.alreadyInstalled', { agent: plan.profile.name })] : s.phase === 'tunnel' ? [part('run.msg.tunnel.kept')] : undefined);
            continue;
          }
        }
        if (reinstalling && s.onFailure?.remedy) {
          const remedy = plan.steps.find((x) => x.id === s.onFailure?.remedy && x.on === on);
          if (remedy) {
            await runStep(remedy, hostId, host, async (tail) => {
              try {
                await runExec(remedy, ex, hostId, host, tail, sudo);
                return {};
              } catch (err) {
                if (abort.signal.aborted) throw err;
                // Uninstalling what is not there is fine: the point is a clean slate.
                return { status: 'warning', message: `uninstall did not succeed (${err instanceof Error ? err.message.split('.')[0] : ''}); installing anyway` };
              }
            });
          }
        }
        await runStep(s, hostId, host, async (tail) => {
          switch (a.kind) {
            case 'exec':
              return runExec(s, ex, hostId, host, tail, sudo);
            case 'probe': {
              const r = await runProbes(probesFor(a.probes, hostId), { ex, signal: abort.signal, resolver: deps.resolver, secrets: deps.secrets, facts, jump: ctx.jumpEx, ...(ctx.peer ? { peerAddress: ctx.peer } : {}) });
              if (r.sudo !== undefined) sudo = r.sudo;
              // A connection test before the first install: the agent ports are reached through a tunnel
              // that only the install sets up, so not reaching them yet is a warning there, not a failure.
              if (options.checkOnly && plan.mode === 'jump') r.checks = r.checks.map((c) => (c.name === 'ports' && c.status === 'fail' ? { ...c, status: 'warn', hint: 'Reached through the jump server\'s tunnel, which the install sets up; test again after it if this stays.' } : c));
              allChecks = [...allChecks, ...r.checks];
              const write = out(s, hostId);
              for (const c of r.checks) write(`${c.status === 'pass' ? '\x1b[32mpass\x1b[0m' : c.status === 'warn' ? '\x1b[33mwarn\x1b[0m' : '\x1b[31mFAIL\x1b[0m'} ${c.name}: ${c.detail}${c.hint && c.status !== 'pass' ? ` — ${c.hint}` : ''}\r\n`);
              const fails = r.checks.filter((c) => c.status === 'fail');
              const overridable = s.phase === 'preflight' && options.overridePreflight;
              if (fails.length && !overridable) {
                const first = fails[0];
                const what = s.phase === 'preflight' ? 'Preflight' : s.phase === 'verify' ? 'Verify' : s.title;
                throw new StepFailure(
                  s.id,
                  s.phase === 'preflight' ? 'preflight_failed' : s.phase === 'verify' ? 'verify_failed' : 'check_failed',
                  `${what} failed on ${host}: ${fails.map((c) => `${c.name} (${c.detail})`).join('; ')}.`,
                  `${first?.hint ? `${first.hint} ` : ''}${s.phase === 'preflight' ? 'To install anyway, override preflight (--override-preflight).' : ''}`.trim(),
                  r.checks,
                );
              }
              const warns = r.checks.filter((c) => c.status !== 'pass');
              return {
                checks: r.checks,
                status: warns.length ? 'warning' : 'done',
                message: warns.length ? warns.map((c) => `${c.name}: ${c.detail}`).join('; ') : r.checks.map((c) => c.detail).join('; ') || 'all checks passed',
                ...(warns.length || s.phase !== 'preflight' ? {} : { parts: [part('run.msg.preflightOk')] }),
              };
            }
            case 'forward': {
              if (!ctx.conn) throw new OutpostError('local_unsupported', 'Tunnels run on jump servers over SSH.', 'This is a bug in the plan.');
              const r = await runForward({ conn: ctx.conn, ex, action: a, jumpPassword: ctx.jumpPassword, ...(ctx.listenConn ? { listenConn: ctx.listenConn } : {}), output: (t) => { tail.push(redact(t)); out(s, hostId)(t); }, signal: abort.signal });
              out(s, hostId)(`${r.ports.map((p) => `${p.name} ${p.host}:${p.port} ${p.listening ? 'listening' : 'NOT listening'}`).join('\r\n')}\r\n`);
              const what = r.action === 'repaired' ? 'tunnel repaired' : 'tunnel started';
              const how = r.form === 'background' ? 'ssh -f in the background' : r.form === 'systemd' ? `systemd unit ${a.unitName}` : `systemd user unit ${a.unitName}`;
              const head = r.form === 'background' && r.warnings.length ? what : `${what} (${how})`;
              const parts = [part(`run.msg.tunnel.${r.action}`), ...(r.form === 'background' && r.warnings.length ? [] : [part(`run.msg.how.${r.form}`, { unit: a.unitName })]), ...r.warnings.map((w) => part(`run.msg.warn.${w.code}`, w.params))];
              return { status: r.warnings.length ? 'warning' : 'done', message: [head, ...r.warnings.map((w) => w.text)].join('; '), parts };
            }
            case 'writeFile':
            case 'editIni':
            case 'upload':
            case 'unpack': {
              const r = await fileAction(s, ex, hostId, sudo, tail);
              if (a.kind === 'writeFile' && a.transient) transient.push(a.path);
              return r;
            }
          }
        }).finally(async () => {
          // A transient file (register.json, an env file) lives for the step that uses it, whatever happened.
          if (transient.length && a.kind !== 'writeFile') await removeTransient(ex, sudo);
        });
      }
      return allChecks;
    } finally {
      if (transient.length) await removeTransient(ex, sudo);
    }
  }

  const results = new Map<string, HostResult>();
  const FINAL: readonly HostState[] = ['done', 'failed', 'skipped', 'cancelled'];
  const setHost = (r: HostResult) => {
    results.set(r.hostId, r);
    hostEvent(r);
    // A host's final state, with the address it was reached at: `outpost batch --resume` reads these.
    if (FINAL.includes(r.state)) {
      const t = plan.hosts.targets.find((x) => x.id === r.hostId);
      journal.write({ type: 'host', runId, host: r.hostId, at: new Date().toISOString(), state: r.state, ...(t ? { address: `${t.ssh.user}@${t.ssh.host}:${t.ssh.port}` } : {}), ...(r.step ? { step: r.step } : {}), ...(r.reason ? { reason: redact(r.reason) } : {}) });
    }
  };

  async function connect(s: Step, hostId: string, host: string, target: () => SshTarget, jumps: SshTarget[], asJump: boolean): Promise<SshConnection> {
    const conn = await runStep(s, hostId, host, async () => {
      const t = target();
      const c = asJump ? await sshPool.jumpConnection(t, { signal: abort.signal }) : await sshPool.connect(t, jumps, { signal: abort.signal });
      const via = jumps.map((j) => `${j.username}@${j.host}:${j.port ?? 22}`).join(' > ');
      return { value: c, message: `connected${via ? ` through ${via}` : ''}`, parts: [via ? part('run.msg.connectedVia', { via }) : part('run.msg.connected')] };
    });
    if (!conn) throw new StepFailure(s.id, 'internal', 'no connection');
    return conn;
  }

  /** Jump servers: connect, then their steps (tunnel). A failed jump fails the targets behind it. */
  async function jumpPhase(): Promise<Map<string, { conn: SshConnection; ex: Executor } | StepFailure>> {
    const jumps = new Map<string, { conn: SshConnection; ex: Executor } | StepFailure>();
    for (const j of plan.hosts.jumps) {
      const cs = plan.steps.find((s) => s.id === `connect.${j.id}`);
      try {
        if (!cs) throw new StepFailure(`connect.${j.id}`, 'plan.invalid', `The plan has no connect step for ${j.id}.`);
        const conn = await connect(cs, j.id, j.label, () => jumpTarget(j), [], true);
        // The tunnel's own SSH hop checks the key Outpost verified just now.
        const keys = await deps.knownHosts.forHost(j.ssh.host, j.ssh.port);
        if (keys[0]) facts[`hostkey.${j.id}`] = publicKeyLine(keys[0].key);
        const ex = sshExecutor(conn);
        const pw = j.ssh.auth.kind === 'password' ? secret(j.ssh.auth.password, `connectivity.jumpServers[${j.index}].ssh.password`) : undefined;
        const proxy = plan.hosts.proxies?.find((p) => p.index === j.index);
        if (!proxy) await hostSteps(j.id, j.id, j.label, ex, { conn, ...(pw !== undefined ? { jumpPassword: pw } : {}) });
        else {
          // Remote forwards: the proxy runs ssh -R into this jump server. Steps alternate between the two
          // hosts (the proxy's key, then the jump server's authorized_keys, then the proxy's tunnel):
          // run them in plan order, each run of consecutive steps on its own host.
          const ps = plan.steps.find((s) => s.id === `connect.${proxy.id}`);
          if (!ps) throw new StepFailure(`connect.${proxy.id}`, 'plan.invalid', `The plan has no connect step for ${proxy.id}.`);
          const pconn = await connect(ps, proxy.id, proxy.label, () => jumpTarget(proxy), [], true);
          const pex = sshExecutor(pconn);
          const mine = plan.steps.filter((s) => (s.on === j.id || s.on === proxy.id) && s.phase !== 'connect');
          for (let i = 0; i < mine.length; ) {
            const on = mine[i]?.on ?? j.id;
            const only = new Set<string>();
            while (i < mine.length && mine[i]?.on === on) only.add(mine[i++]?.id ?? '');
            if (on === proxy.id) await hostSteps(on, on, proxy.label, pex, { conn: pconn, listenConn: conn, only, ...(pw !== undefined ? { jumpPassword: pw } : {}) });
            else await hostSteps(on, on, j.label, ex, { conn, only, ...(pw !== undefined ? { jumpPassword: pw } : {}) });
          }
          setHost({ hostId: proxy.id, host: proxy.label, state: 'done' });
        }
        jumps.set(j.id, { conn, ex: { ...ex, end: () => undefined } });
        setHost({ hostId: j.id, host: j.label, state: 'done' });
      } catch (err) {
        const f = err instanceof StepFailure ? err : new StepFailure(`connect.${j.id}`, err instanceof OutpostError ? err.code : 'internal', err instanceof Error ? err.message : String(err), err instanceof OutpostError ? err.hint : undefined);
        jumps.set(j.id, f);
        const proxy = plan.hosts.proxies?.find((p) => p.index === j.index);
        if (proxy && plan.steps.find((s) => s.id === f.stepId)?.on === proxy.id) setHost({ hostId: proxy.id, host: proxy.label, state: abort.signal.aborted ? 'cancelled' : 'failed', step: f.stepId, code: f.code, reason: f.message, ...(f.hint ? { hint: f.hint } : {}) });
        setHost({ hostId: j.id, host: j.label, state: abort.signal.aborted ? 'cancelled' : 'failed', step: f.stepId, code: f.code, reason: f.message, ...(f.hint ? { hint: f.hint } : {}) });
      }
    }
    return jumps;
  }

  async function targetJob(t: TargetHost | 'local', jumps: Map<string, { conn: SshConnection; ex: Executor } | StepFailure>): Promise<void> {
    const hostId = t === 'local' ? 'local' : t.id;
    const host = t === 'local' ? 'this computer' : t.label;
    let state: HostResult = { hostId, host, state: 'queued' };
    const onState = (st: HostState, step: string) => {
      if (state.state !== st) {
        state = { ...state, state: st, step };
        hostEvent(state);
      }
    };
    let ex: Executor | undefined;
    try {
      if (abort.signal.aborted) throw new OutpostError('cancelled', 'Cancelled before it started.', 'Run it again when ready.');
      let jumpEx: Executor | undefined;
      if (t === 'local') {
        ex = localExecutor(workDir, deps.localEnv, { os: plan.os });
      } else {
        const via = t.via ? jumps.get(t.via) : undefined;
        if (via instanceof StepFailure) throw new StepFailure(via.stepId, 'jump_failed', `Not tried: ${plan.hosts.jumps.find((j) => j.id === t.via)?.label ?? t.via} failed (${via.message.split('\n')[0]})`, via.hint);
        jumpEx = via?.ex;
        const j = t.via ? plan.hosts.jumps.find((x) => x.id === t.via) : undefined;
        const cs = plan.steps.find((s) => s.id === 'connect');
        if (!cs) throw new StepFailure('connect', 'plan.invalid', 'The plan has no connect step.');
        onState('connecting', 'connect');
        const conn = await connect(cs, hostId, host, () => ({ host: t.ssh.host, port: t.ssh.port, username: t.ssh.user, auth: sshAuth(t.ssh.auth, `targets[${t.index}]`) }), j ? [jumpTarget(j)] : [], false);
        ex = sshExecutor(conn);
      }
      const checks = await hostSteps('targets', hostId, host, ex, { ...(jumpEx ? { jumpEx } : {}), ...(t !== 'local' ? { peer: t.ssh.host } : {}), onState });
      setHost({ hostId, host, state: 'done', checks });
    } catch (err) {
      const f = err instanceof StepFailure ? err : new StepFailure('run', err instanceof OutpostError ? err.code : 'internal', err instanceof Error ? err.message : String(err), err instanceof OutpostError ? err.hint : undefined);
      const cancelled = abort.signal.aborted || f.code === 'cancelled';
      setHost({ hostId, host, state: cancelled ? 'cancelled' : 'failed', step: f.stepId, code: f.code, reason: f.message, ...(f.hint ? { hint: f.hint } : {}), ...(f.checks ? { checks: f.checks } : {}) });
    } finally {
      ex?.end();
    }
  }

  async function main(): Promise<RunEnd> {
    journal.write({ type: 'run.start', runId, at: new Date().toISOString(), profile: plan.profile.id, os: plan.os, mode: plan.mode, targets: plan.hosts.targets.map((t) => t.id), options: { ...options } });
    const chosen = plan.hosts.targets.filter((t) => !options.targets || options.targets.includes(t.index));
    if (options.targets && chosen.length !== options.targets.length) {
      throw new StepFailure('select', 'invalid_input', `targets: ${options.targets.filter((i) => !plan.hosts.targets.some((t) => t.index === i)).join(', ')} not in the answers (${plan.hosts.targets.length} targets).`, 'Pick targets by their index in answers.targets.');
    }
    for (const s of plan.steps.filter((x) => x.on === 'console' || x.on === 'local')) {
      if (s.action.kind === 'instruction' && !options.tunnelOnly && !options.checkOnly) skip(s, s.on, s.on === 'console' ? 'in the cloud console' : 'this computer', 'Manual step: do it in the cloud console (shown on the Review page and by `outpost plan`).');
    }
    for (const t of chosen) setHost({ hostId: t.id, host: t.label, state: 'queued' });
    // A missing or wrong package is refused here, before anything connects or is sent.
    const firstUpload = plan.steps.find((x) => x.action.kind === 'upload');
    if (firstUpload && !options.tunnelOnly && !options.checkOnly) {
      try {
        packageSums = await checkLocalPackages(plan, abort.signal);
      } catch (err) {
        if (err instanceof OutpostError) throw new StepFailure(firstUpload.id, err.code, err.message, err.hint);
        throw err;
      }
    }
    const jumps = await jumpPhase();
    if (!options.tunnelOnly) {
      const all: Array<TargetHost | 'local'> = [...chosen, ...(plan.hosts.thisComputer && !options.targets && !options.checkOnly ? (['local'] as const) : [])];
      await pool(all, concurrency, (t) => targetJob(t, jumps), gate);
    }
    return end();
  }

  function end(f?: StepFailure): RunEnd {
    ended = true;
    const hosts = [...results.values()];
    const targets = hosts.filter((h) => !h.hostId.startsWith('jump') && !h.hostId.startsWith('proxy'));
    const summary: Record<string, number> = {};
    for (const h of targets) summary[h.state] = (summary[h.state] ?? 0) + 1;
    // The first cause: a jump server's failure explains the targets behind it.
    const failedHost = f ? undefined : (hosts.find((h) => (h.hostId.startsWith('jump') || h.hostId.startsWith('proxy')) && h.state === 'failed') ?? hosts.find((h) => h.state === 'failed') ?? hosts.find((h) => h.state === 'cancelled' && h.step));
    const cancelled = abort.signal.aborted || hosts.some((h) => h.state === 'cancelled');
    const outcome: RunOutcome = f ? (abort.signal.aborted ? 'cancelled' : 'failed') : cancelled ? 'cancelled' : failedHost ? 'failed' : 'done';
    const first = f ? { step: f.stepId, hostId: 'local', host: 'this computer', code: f.code, reason: f.message, hint: f.hint } : failedHost ? { ...failedHost } : undefined;
    const e: RunEnd = {
      runId,
      outcome,
      journal: journal.file,
      hosts,
      summary,
      ...(first?.step ? { failedStep: first.step } : {}),
      ...(first ? { hostId: first.hostId, host: first.host } : {}),
      ...(first?.code ? { code: first.code } : {}),
      ...(first?.reason ? { reason: redact(first.reason) } : {}),
      ...(first?.hint ? { hint: redact(first.hint) } : {}),
    };
    journal.write({ type: 'run.end', runId, at: new Date().toISOString(), outcome, ...(first?.step ? { failedStep: first.step, host: first.hostId, ...(first.code ? { code: first.code } : {}), ...(first.reason ? { reason: first.reason } : {}) } : {}), summary });
    return e;
  }

  const done = main()
    .catch((err: unknown) => end(err instanceof StepFailure ? err : new StepFailure('run', err instanceof OutpostError ? err.code : 'internal', err instanceof Error ? err.message : String(err), err instanceof OutpostError ? err.hint : undefined)))
    .then((e) => {
      sshPool.closeAll();
      fs.rmSync(workDir, { recursive: true, force: true });
      const counts = Object.entries(e.summary).map(([k, v]) => `${v} ${k}`).join(', ');
      const line = e.outcome === 'done' ? `\x1b[1;32m✔ done\x1b[0m${counts ? ` (${counts})` : ''}` : e.outcome === 'cancelled' ? '\x1b[1;33m■ cancelled\x1b[0m' : `\x1b[1;31m✖ failed\x1b[0m${counts ? ` (${counts})` : ''}: ${e.failedStep ?? ''} on ${e.host ?? ''}: ${e.reason ?? ''}`;
      terminal.push(`\r\n${line}\r\n`);
      deps.emit('run.end', {
        runId: e.runId,
        outcome: e.outcome,
        journal: e.journal,
        summary: e.summary,
        ...(e.failedStep ? { failedStep: e.failedStep } : {}),
        ...(e.hostId ? { hostId: e.hostId } : {}),
        ...(e.host ? { host: e.host } : {}),
        ...(e.code ? { code: e.code } : {}),
        ...(e.reason ? { reason: e.reason } : {}),
        ...(e.hint ? { hint: e.hint } : {}),
      });
      terminal.end(e.outcome === 'done' ? 0 : 1);
      return e;
    });

  const setPaused = (paused: boolean): boolean => {
    if (ended || abort.signal.aborted) return false;
    if (!(paused ? gate.close() : gate.open())) return false;
    journal.write({ type: paused ? 'run.pause' : 'run.resume', runId, at: new Date().toISOString() });
    deps.emit('run.paused', { runId, paused });
    return true;
  };
  return {
    runId,
    journal: journal.file,
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
