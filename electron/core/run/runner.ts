// Runs a Plan for real: the tunnel on each jump server, then on each target preflight, install and
// verify, streaming everything (masked) to the run terminal and the events, journaling as it goes.
// Every run ends in exactly one of done / failed / cancelled, with the failing step and reason.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ClientChannel } from 'ssh2';
import type { AuthInfo, Plan, SecretRef, Step, TunnelInfo } from '../../common/api/plan';
import type { CheckResult, MessagePart, RunOutcome, StepStatus } from '../../common/api/run';
import type { EventPayload } from '../../common/api';
import { OutpostError } from '../errors';
import type { Logger } from '../log/logger';
import { describeRef, renderStep, secretRefs, type SecretResolver } from '../plan/render';
import type { SecretRegistry } from '../secrets/registry';
import { exec, ExecError, publicKeyLine, SshPool, type HostKeyPolicy, type KnownHosts, type SshAuth, type SshConnection, type SshTarget } from '../ssh';
import { Journal, Tail } from './journal';
import { runLocal } from './local';
import { judgePreflight, needsSudo, parseFacts, preflightScript, type ReachTarget } from './preflight';
import { RunTerminal } from './terminal';
import { ensureTunnel } from './tunnel';

export interface RunOptionsResolved {
  targets?: number[] | undefined;
  acceptNewHostKeys: boolean;
  overridePreflight: boolean;
  reinstall: boolean;
  tunnelOnly: boolean;
}

export type RunEmit = <K extends 'run.step' | 'run.output' | 'run.end'>(name: K, payload: EventPayload<K>) => void;

export interface RunDeps {
  dataDir: string;
  secrets: SecretRegistry;
  log: Logger;
  knownHosts: KnownHosts;
  resolver: SecretResolver;
  hostKeyPolicy: HostKeyPolicy;
  emit: RunEmit;
  /** Architectures the agent supports (preflight). */
  supportedArch?: string[];
  minFreeMiB?: number;
  connectTimeoutMs?: number;
  /** Where ~ in private key paths points (tests). */
  homeDir?: string;
}

export interface RunEnd {
  runId: string;
  outcome: RunOutcome;
  failedStep?: string;
  host?: string;
  code?: string;
  reason?: string;
  hint?: string;
  journal: string;
}

export interface RunHandle {
  runId: string;
  journal: string;
  terminal: RunTerminal;
  cancel(): void;
  done: Promise<RunEnd>;
}

class StepFailure extends Error {
  constructor(
    readonly stepId: string,
    readonly host: string,
    readonly code: string,
    message: string,
    readonly hint?: string,
    /** Preflight's checks, shown with the failure so the user sees which failed. */
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
  for (const s of [...plan.steps, plan.remedies.uninstall]) for (const p of secretRefs(s)) refs.push({ name: p.name, ref: p.secret });
  const auth = (a: AuthInfo, name: string) => {
    if (a.kind === 'password') refs.push({ name: `${name}.password`, ref: a.password });
    if (a.kind === 'privateKey' && a.passphrase) refs.push({ name: `${name}.privateKey.passphrase`, ref: a.passphrase });
  };
  plan.jumpServers.forEach((j) => auth(j.ssh.auth, `connectivity.jumpServers[${j.index}].ssh`));
  plan.targets.forEach((t) => auth(t.auth, `targets[${t.index}]`));
  const seen = new Set<string>();
  return refs
    .filter((r) => {
      const v = resolverSafe(resolver, r.ref);
      return v === undefined || v === '';
    })
    .map((r) => `${r.name}: the ${describeRef(r.ref)} is not set`)
    .filter((m) => (seen.has(m) ? false : (seen.add(m), true)));
}

function resolverSafe(resolver: SecretResolver, ref: SecretRef): string | undefined {
  try {
    return resolver(ref);
  } catch {
    return undefined;
  }
}

/** A step's outcome from its output and exit code: failure markers win; then exit code and success markers. */
export function outcomeOf(s: Step, output: string, exitCode: number | null) {
  const failed = s.failureMarkers.find((m) => output.includes(m));
  const exitOk = s.success.exitCode === undefined || exitCode === s.success.exitCode;
  const markers = s.success.markers ?? [];
  const markerOk = markers.length === 0 || markers.some((m) => output.includes(m));
  return { ok: !failed && exitOk && markerOk, exitCode, failed, exitOk, markerOk };
}

function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p;
}

export function startRun(plan: Plan, options: RunOptionsResolved, deps: RunDeps): RunHandle {
  const runId = newRunId();
  const journal = new Journal(deps.dataDir, runId, deps.secrets);
  const terminal = new RunTerminal();
  const abort = new AbortController();
  // One connection per jump server for the whole run: its own steps and every target behind it.
  const pool = new SshPool(
    {
      knownHosts: deps.knownHosts,
      hostKeyPolicy: deps.hostKeyPolicy,
      readyTimeoutMs: deps.connectTimeoutMs ?? 20_000,
      keepaliveIntervalMs: 15_000,
      logger: deps.log,
    },
    { keepJumps: true },
  );
  const home = deps.homeDir ?? os.homedir();
  const redact = (s: string) => deps.secrets.redact(s);

  const secret = (ref: SecretRef, name: string): string => {
    const v = deps.resolver(ref);
    if (v === undefined || v === '') throw new OutpostError('secret.missing', `${name}: the ${describeRef(ref)} is not set.`, 'Set it and run again.');
    deps.secrets.add(v);
    return v;
  };
  const sshAuth = (a: AuthInfo, name: string): SshAuth => {
    if (a.kind === 'password') return { password: secret(a.password, `${name}.password`) };
    if (a.kind === 'agent') return { agent: true };
    const file = expandHome(a.path, home);
    let key: Buffer;
    try {
      key = fs.readFileSync(file);
    } catch {
      throw new OutpostError('key_unreadable', `${name}.privateKey.path: ${a.path} cannot be read.`, 'Check the path and its permissions.');
    }
    return { privateKey: key, ...(a.passphrase ? { passphrase: secret(a.passphrase, `${name}.privateKey.passphrase`) } : {}) };
  };
  const jumpTarget = (i: number): SshTarget => {
    const j = plan.jumpServers[i];
    if (!j) throw new OutpostError('plan.invalid', `There is no jump server ${i}.`, 'Check the answers.');
    return { host: j.ssh.host, port: j.ssh.port, username: j.ssh.user, auth: sshAuth(j.ssh.auth, `connectivity.jumpServers[${i}].ssh`) };
  };
  const jumpLabel = (i: number) => {
    const j = plan.jumpServers[i];
    return j ? `jump${i} (${j.ssh.user}@${j.ssh.host}:${j.ssh.port})` : `jump${i}`;
  };

  const stepEvent = (stepId: string, title: string, host: string, status: StepStatus, message?: string, checks?: CheckResult[], parts?: MessagePart[]) =>
    deps.emit('run.step', { runId, stepId, title, host, status, ...(message ? { message: redact(message) } : {}), ...(parts ? { parts } : {}), ...(checks ? { checks } : {}) });
  const part = (key: string, params: Record<string, string | number> = {}): MessagePart => ({ key, params });

  const out = (stepId: string, host: string) => (text: string) => {
    const masked = redact(text);
    terminal.push(masked);
    deps.emit('run.output', { runId, stepId, host, data: masked });
  };
  const banner = (text: string) => terminal.push(`\r\n\x1b[1;36m▶ ${redact(text)}\x1b[0m\r\n`);

  /** Runs one unit of work as a step: events, journal record, failure mapping. */
  async function step<T>(stepId: string, title: string, host: string, fn: (tail: Tail) => Promise<{ status?: StepStatus; message?: string; parts?: MessagePart[]; checks?: CheckResult[]; value?: T }>): Promise<T | undefined> {
    const start = new Date().toISOString();
    const tail = new Tail();
    banner(title.includes(host) ? title : `${title} — ${host}`);
    stepEvent(stepId, title, host, 'running');
    try {
      const r = await fn(tail);
      const status = r.status ?? 'done';
      stepEvent(stepId, title, host, status, r.message, r.checks, r.parts);
      journal.write({ type: 'step', runId, step: stepId, host, start, end: new Date().toISOString(), outcome: status, ...(r.message ? { message: r.message } : {}), tail: tail.get() });
      return r.value;
    } catch (err) {
      const cancelled = abort.signal.aborted || (err instanceof OutpostError && err.code === 'cancelled');
      const code = cancelled ? 'cancelled' : err instanceof StepFailure ? err.code : err instanceof OutpostError ? err.code : 'internal';
      const message = err instanceof Error ? err.message : String(err);
      const hint = err instanceof StepFailure ? err.hint : err instanceof OutpostError ? err.hint : undefined;
      if (err instanceof ExecError && err.outputTail) tail.push(err.outputTail.slice(-2000));
      stepEvent(stepId, title, host, cancelled ? 'cancelled' : 'failed', message, err instanceof StepFailure ? err.checks : undefined);
      journal.write({ type: 'step', runId, step: stepId, host, start, end: new Date().toISOString(), outcome: cancelled ? 'cancelled' : 'failed', message, code, tail: tail.get() });
      if (!(err instanceof OutpostError) && !(err instanceof StepFailure)) deps.log.error(`run ${runId}: step ${stepId} failed unexpectedly`, err);
      throw new StepFailure(stepId, host, code, message, hint);
    }
  }

  /**
   * A step's output as it runs: the masked command shown first (as the console's "Copy Command"
   * would have), then each chunk to the tail, the terminal and the events; kept for marker checks.
   */
  function stepOutput(s: Step, host: string, tail: Tail, quiet: boolean) {
    if (!quiet) terminal.push(`\x1b[2m$ ${s.display.replace(/\n/g, '\r\n  ')}\x1b[0m\r\n`);
    const write = quiet ? () => undefined : out(s.id, host);
    let seen = '';
    return {
      onData: (t: string) => {
        tail.push(redact(t));
        seen = (seen + t).slice(-1_000_000);
        write(t);
      },
      judged: (exitCode: number | null) => ({ ...outcomeOf(s, seen, exitCode), output: seen }),
    };
  }

  /** Executes a plan step's command on a connection and judges it by exit code and markers. */
  async function runCommand(s: Step, conn: SshConnection, host: string, tail: Tail, opts: { sudo?: boolean; quiet?: boolean } = {}) {
    const text = renderStep(s, 'exec', deps.resolver, deps.secrets);
    if (text === null) return { ...outcomeOf(s, '', 0), output: '' };
    // POSIX steps are fed on stdin to a shell, so secrets never appear in a process's arguments
    // beyond what the vendor's own installer takes. Interactive steps get a PTY and the user's typing.
    const posix = (s.shell === 'bash' || s.shell === 'sh') && !s.interactive;
    const command = posix ? `${opts.sudo ? 'sudo -n ' : ''}${s.shell} -s` : text;
    const output = stepOutput(s, host, tail, Boolean(opts.quiet));
    let channel: ClientChannel | null = null;
    try {
      const r = await exec(conn, command, {
        signal: abort.signal,
        timeoutMs: s.timeoutSec * 1000,
        ...(posix ? { stdin: text + '\n' } : {}),
        ...(s.interactive ? { pty: { cols: 120, rows: 30 } } : {}),
        onChannel: (ch: ClientChannel) => {
          channel = ch;
          // A script fed on stdin takes no typing; interactive (PTY) steps do.
          terminal.setSink({ write: (d) => (posix ? undefined : ch.write(d)), pause: () => ch.pause(), resume: () => ch.resume() });
        },
        onData: output.onData,
      });
      return output.judged(r.exitCode);
    } finally {
      if (channel) terminal.setSink(null);
    }
  }

  function judge(s: Step, host: string, r: { ok: boolean; exitCode: number | null; failed?: string | undefined; exitOk?: boolean; markerOk?: boolean }, tail: Tail): void {
    if (r.ok) return;
    const last = tail.get().slice(-5).join(' | ');
    const why = r.failed
      ? `the output says "${r.failed}"`
      : !r.exitOk
        ? `it exited with code ${r.exitCode ?? 'none (killed)'}`
        : `its success message (${(s.success.markers ?? []).join(' / ')}) did not appear`;
    // A download that never got the installer is a network problem, not one the vendor's
    // uninstall-and-reinstall remedy would fix.
    const download = /curl: \(\d+\)|wget: |failed: Connection refused|Unable to establish SSL/.test(tail.get().join('\n'));
    const code = download ? 'download_failed' : s.kind === 'install' ? 'install_failed' : 'step_failed';
    const hint = download
      ? plan.mode === 'jump'
        ? 'The installer could not be downloaded through the jump server: check the tunnel (outpost run --check-tunnel), its download port forward and the security group rule.'
        : 'The installer could not be downloaded: check that the target reaches the download address (DNS, proxy, firewall).'
      : s.kind === 'install'
        ? 'Run again with reinstall (the vendor remedy: uninstall, then install), e.g. `outpost run --reinstall`.'
        : 'The output above shows the cause.';
    throw new StepFailure(s.id, host, code, `${s.title} failed on ${host}: ${why}.${last ? ` Last output: ${last}` : ''}`, hint);
  }

  /** Steps that do not run on a target, in plan order: instructions, jump server steps, local steps. */
  async function prePhase(): Promise<void> {
    const jumpConns = new Map<number, SshConnection>();
    try {
      for (const s of plan.steps) {
        if (s.where.kind === 'target') continue;
        if (options.tunnelOnly && s.where.kind !== 'jump') continue;
        const host = s.where.kind === 'jump' ? jumpLabel(s.where.index) : 'local';
        if (s.kind === 'instruction') {
          manual(s, host);
          continue;
        }
        if (s.where.kind === 'local') {
          const local = localExecutor();
          await step(s.id, s.title, 'local', async (tail) => {
            judge(s, 'local', await local.run(s, tail, {}), tail);
            return {};
          });
          continue;
        }
        const i = s.where.index;
        let conn = jumpConns.get(i);
        if (!conn || conn.closed) {
          conn = await connect(`connect.jump${i}`, host, jumpTarget(i), [], true);
          jumpConns.set(i, conn);
        }
        const c = conn;
        if (s.kind === 'tunnel' && s.tunnel) {
          const tunnel: TunnelInfo = s.tunnel;
          const j = plan.jumpServers[i];
          await step(s.id, s.title, host, async (tail) => {
            const keys = await deps.knownHosts.forHost(j?.ssh.host ?? '', j?.ssh.port ?? 22);
            const hostKeyLine = keys[0] ? publicKeyLine(keys[0].key) : '';
            const pw = j?.ssh.auth.kind === 'password' ? secret(j.ssh.auth.password, `connectivity.jumpServers[${i}].ssh.password`) : undefined;
            const selfPort = j && j.ssh.host === j.privateIp ? j.ssh.port : 22;
            const r = await ensureTunnel({
              conn: c,
              step: { ...s, tunnel },
              selfPort,
              jumpUser: j?.ssh.user ?? 'root',
              ...(pw !== undefined ? { jumpPassword: pw } : {}),
              hostKeyLine,
              output: (t) => {
                tail.push(redact(t));
                out(s.id, host)(t);
              },
              signal: abort.signal,
            });
            const ports = r.ports.map((p) => `${p.name} ${p.host}:${p.port} ${p.listening ? 'listening' : 'NOT listening'}`).join('\r\n');
            const what = r.action === 'kept' ? 'healthy tunnel kept' : r.action === 'repaired' ? 'tunnel repaired' : 'tunnel started';
            const how = r.form === 'background' ? 'ssh -f in the background' : r.form === 'systemd' ? `systemd unit ${tunnel.unitName}` : `systemd user unit ${tunnel.unitName}`;
            out(s.id, host)(`${ports}\r\n`);
            // The background form's warning already says how it runs; do not say it twice.
            const head = r.form === 'background' && r.warnings.length ? what : `${what} (${how})`;
            const parts = [
              part(`run.msg.tunnel.${r.action}`),
              ...(r.form === 'background' && r.warnings.length ? [] : [part(`run.msg.how.${r.form}`, { unit: tunnel.unitName })]),
              ...r.warnings.map((w) => part(`run.msg.warn.${w.code}`, w.params)),
            ];
            return { status: r.warnings.length ? 'warning' : 'done', message: [head, ...r.warnings.map((w) => w.text)].join('; '), parts };
          });
        } else {
          await step(s.id, s.title, host, async (tail) => {
            const r = await runCommand(s, c, host, tail);
            judge(s, host, r, tail);
            return {};
          });
        }
      }
    } finally {
      // Jump connections stay open for the targets behind them; pool.closeAll() ends them with the run.
      jumpConns.clear();
    }
  }

  function manual(s: Step, host: string): void {
    stepEvent(s.id, s.title, host, 'skipped', 'Manual step: do it in the cloud console (shown on the Review page and by `outpost plan`).');
    journal.write({ type: 'step', runId, step: s.id, host, start: new Date().toISOString(), end: new Date().toISOString(), outcome: 'skipped', message: 'manual step', tail: [] });
  }

  async function connect(stepId: string, host: string, target: SshTarget, jumps: SshTarget[], asJump = false): Promise<SshConnection> {
    const conn = await step(stepId, `Connect to ${host}`, host, async () => {
      const c = asJump ? await pool.jumpConnection(target, { signal: abort.signal }) : await pool.connect(target, jumps, { signal: abort.signal });
      const via = jumps.map((j) => `${j.username}@${j.host}:${j.port ?? 22}`).join(' > ');
      return { value: c, message: `connected${via ? ` through ${via}` : ''}`, parts: [via ? part('run.msg.connectedVia', { via }) : part('run.msg.connected')] };
    });
    if (!conn) throw new StepFailure(stepId, host, 'internal', 'no connection', undefined);
    return conn;
  }

  function reachFor(): ReachTarget[] {
    if (plan.mode === 'jump') {
      const tunnel = plan.steps.find((s) => s.tunnel)?.tunnel;
      return (tunnel?.forwards ?? []).map((f) => ({ name: f.name, host: plan.accessIp, port: f.listenPort }));
    }
    return plan.reach ?? [];
  }

  /** Where target steps run: an SSH connection, or this computer's own shell. */
  interface Executor {
    run(s: Step, tail: Tail, opts: { sudo?: boolean; quiet?: boolean }): Promise<ReturnType<typeof outcomeOf> & { output: string }>;
    /** Runs a read-only POSIX script and returns its output. */
    script(text: string): Promise<string>;
    end(): void;
  }

  function sshExecutor(conn: SshConnection, host: string): Executor {
    return {
      run: (s, tail, opts) => runCommand(s, conn, host, tail, opts),
      script: async (text) => (await exec(conn, 'sh -s', { signal: abort.signal, timeoutMs: 60_000, stdin: text })).output,
      end: () => conn.end(),
    };
  }

  function localExecutor(): Executor {
    // Local steps work in a folder of their own (the installer downloads into the working folder).
    const cwd = path.join(deps.dataDir, 'work', runId);
    fs.mkdirSync(cwd, { recursive: true, mode: 0o700 });
    return {
      run: async (s, tail, opts) => {
        const text = renderStep(s, 'exec', deps.resolver, deps.secrets);
        if (text === null || !s.shell) return { ...outcomeOf(s, '', 0), output: '' };
        const output = stepOutput(s, 'local', tail, Boolean(opts.quiet));
        const r = await runLocal(s.shell, text, { signal: abort.signal, timeoutMs: s.timeoutSec * 1000, sudo: Boolean(opts.sudo), cwd, onData: output.onData });
        return output.judged(r.exitCode);
      },
      script: async (text) => {
        let output = '';
        await runLocal('sh', text, { signal: abort.signal, timeoutMs: 60_000, cwd, onData: (t) => (output += t) });
        return output;
      },
      end: () => undefined,
    };
  }

  async function targetPhase(t: Plan['targets'][number]): Promise<void> {
    const host = `target${t.index} (${t.user}@${t.host}:${t.port})`;
    const jumps = t.jump !== null ? [jumpTarget(t.jump)] : [];
    const conn = await connect(`connect.target${t.index}`, host, { host: t.host, port: t.port, username: t.user, auth: sshAuth(t.auth, `targets[${t.index}]`) }, jumps);
    await installOn(sshExecutor(conn, host), host);
  }

  /** Preflight, then the target steps (install skipped when the agent is already healthy), on one host. */
  async function installOn(ex: Executor, host: string): Promise<void> {
    try {
      let sudo = false;
      if (plan.os === 'linux') {
        await step('preflight', 'Preflight checks (nothing is changed)', host, async (tail) => {
          const reach = reachFor();
          const t0 = Date.now();
          const output = await ex.script(preflightScript({ installDir: plan.installDir, reach }));
          const t1 = Date.now();
          tail.push(redact(output));
          const facts = parseFacts(output);
          sudo = needsSudo(facts);
          const checks = judgePreflight(facts, {
            localNowSec: (t0 + t1) / 2000,
            localTzMinutes: -new Date().getTimezoneOffset(),
            supportedArch: deps.supportedArch ?? ['x86_64', 'aarch64'],
            reach,
            minFreeMiB: deps.minFreeMiB ?? 200,
            installDir: plan.installDir,
          });
          const write = out('preflight', host);
          for (const c of checks) write(`${c.status === 'pass' ? '\x1b[32mpass\x1b[0m' : c.status === 'warn' ? '\x1b[33mwarn\x1b[0m' : '\x1b[31mFAIL\x1b[0m'} ${c.name}: ${c.detail}${c.hint && c.status !== 'pass' ? ` — ${c.hint}` : ''}\r\n`);
          const fails = checks.filter((c) => c.status === 'fail');
          if (fails.length && !options.overridePreflight) {
            const first = fails[0];
            throw new StepFailure(
              'preflight',
              host,
              'preflight_failed',
              `Preflight failed on ${host}: ${fails.map((c) => `${c.name} (${c.detail})`).join('; ')}.`,
              `${first?.hint ? `${first.hint} ` : ''}To install anyway, override preflight (--override-preflight).`,
              checks,
            );
          }
          const warns = checks.filter((c) => c.status !== 'pass');
          return {
            checks,
            status: warns.length ? 'warning' : 'done',
            message: warns.length ? warns.map((c) => `${c.name}: ${c.detail}`).join('; ') : 'all checks passed',
            ...(warns.length ? {} : { parts: [part('run.msg.preflightOk')] }),
          };
        });
      }
      const verify = plan.steps.find((s) => s.where.kind === 'target' && s.kind === 'verify');
      for (const s of plan.steps) {
        if (s.where.kind !== 'target') continue;
        if (s.kind === 'instruction') {
          manual(s, host);
          continue;
        }
        if (s.kind === 'install') {
          let healthy = false;
          if (verify && !options.reinstall) {
            const r = await ex.run(verify, new Tail(), { sudo, quiet: true }).catch(() => null);
            healthy = Boolean(r?.ok);
          }
          if (healthy) {
            stepEvent(s.id, s.title, host, 'skipped', `${plan.profile.name} is already installed and running on ${host}; run with reinstall to install it again.`, undefined, [part('run.msg.alreadyInstalled', { agent: plan.profile.name })]);
            journal.write({ type: 'step', runId, step: s.id, host, start: new Date().toISOString(), end: new Date().toISOString(), outcome: 'skipped', message: 'already installed and healthy', tail: [] });
            continue;
          }
          if (options.reinstall) {
            const u = plan.remedies.uninstall;
            await step(u.id, u.title, host, async (tail) => {
              const r = await ex.run(u, tail, { sudo });
              // Uninstalling what is not there is fine: the point is a clean slate.
              return r.ok ? {} : { status: 'warning', message: `uninstall exited with code ${r.exitCode}; installing anyway` };
            });
          }
        }
        await step(s.id, s.title, host, async (tail) => {
          const r = await ex.run(s, tail, { sudo });
          judge(s, host, r, tail);
          return {};
        });
      }
    } finally {
      ex.end();
    }
  }

  async function main(): Promise<RunEnd> {
    journal.write({
      type: 'run.start',
      runId,
      at: new Date().toISOString(),
      profile: plan.profile.id,
      os: plan.os,
      mode: plan.mode,
      targets: plan.targets.map((t) => `${t.user}@${t.host}:${t.port}`),
      options: { ...options },
    });
    const chosen = plan.targets.filter((t) => !options.targets || options.targets.includes(t.index));
    if (options.targets && chosen.length !== options.targets.length) {
      throw new StepFailure('select', 'local', 'invalid_input', `targets: ${options.targets.filter((i) => !plan.targets.some((t) => t.index === i)).join(', ')} not in the answers (${plan.targets.length} targets).`, 'Pick targets by their index in answers.targets.');
    }
    await prePhase();
    if (options.tunnelOnly) return end('done');
    for (const t of chosen) await targetPhase(t);
    if (plan.thisComputer && !options.targets) await installOn(localExecutor(), 'local');
    return end('done');
  }

  function end(outcome: RunOutcome, f?: StepFailure): RunEnd {
    const e: RunEnd = {
      runId,
      outcome,
      journal: journal.file,
      ...(f ? { failedStep: f.stepId, host: f.host, code: f.code, reason: redact(f.message), ...(f.hint ? { hint: redact(f.hint) } : {}) } : {}),
    };
    journal.write({ type: 'run.end', runId, at: new Date().toISOString(), outcome, ...(f ? { failedStep: f.stepId, host: f.host, code: f.code, reason: f.message } : {}) });
    return e;
  }

  const done = main()
    .catch((err: unknown) => {
      const f = err instanceof StepFailure ? err : new StepFailure('run', 'local', err instanceof OutpostError ? err.code : 'internal', err instanceof Error ? err.message : String(err), err instanceof OutpostError ? err.hint : undefined);
      return end(abort.signal.aborted || f.code === 'cancelled' ? 'cancelled' : 'failed', f);
    })
    .then((e) => {
      pool.closeAll();
      fs.rmSync(path.join(deps.dataDir, 'work', runId), { recursive: true, force: true });
      const line = e.outcome === 'done' ? '\x1b[1;32m✔ done\x1b[0m' : e.outcome === 'cancelled' ? '\x1b[1;33m■ cancelled\x1b[0m' : `\x1b[1;31m✖ failed\x1b[0m at ${e.failedStep} on ${e.host}: ${e.reason}`;
      terminal.push(`\r\n${line}\r\n`);
      deps.emit('run.end', { runId: e.runId, outcome: e.outcome, journal: e.journal, ...(e.failedStep ? { failedStep: e.failedStep } : {}), ...(e.host ? { host: e.host } : {}), ...(e.code ? { code: e.code } : {}), ...(e.reason ? { reason: e.reason } : {}), ...(e.hint ? { hint: e.hint } : {}) });
      terminal.end(e.outcome === 'done' ? 0 : 1);
      return e;
    });

  return {
    runId,
    journal: journal.file,
    terminal,
    cancel: () => abort.abort(),
    done,
  };
}
