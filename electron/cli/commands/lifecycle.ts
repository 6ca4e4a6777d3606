// After the install: `outpost check` (read-only health of the answers' hosts and their jump servers'
// tunnels, once or every N seconds), `outpost uninstall` (the profile's uninstall steps, proved by the
// verify probes failing; with --remove-tunnel the jump servers as before the first install) and
// `outpost inventory` (every host Outpost installed, from the journals). Plans and verdicts are the
// service's; runs go through the one engine. Exit 0 all healthy / removed, 1 any not, 2 invalid input.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Plan } from '../../common/api/plan';
import { showControls } from '../../common/visible';
import { OutpostError } from '../../core/errors';
import { secrets } from '../../core/secrets/registry';
import { addressOf, checkReport, formatProblem, inventory, loadAnswersFile, missingSecrets, OutpostService, prepareLifecycle, recordVerdicts, uninstallReport, writeReport, type BatchReport, type LifecycleKind, type Prepared, type RunEnd } from '../../core/service';

type SecretResolver = Extract<Prepared, { ok: true }>['resolver'];
import { cliContext } from '../context';
import { EXIT } from '../exit';
import { onStop, type Stopper } from '../signals';

export interface LifecycleCliOptions {
  hosts?: string;
  concurrency?: string;
  report?: string;
  watch?: string;
  removeTunnel?: boolean;
  user?: string;
  port?: string;
  acceptNewHostkeys?: boolean;
  knownHosts?: string;
  profiles?: string;
}

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

const common = (c: Command) =>
  c
    .argument('<answers>', 'the answers file the hosts were installed with (YAML or JSON)')
    .option('--hosts <file>', 'host list (as outpost batch): these hosts instead of the answers\' targets')
    .option('--concurrency <n>', 'hosts at once (default 16)')
    .option('--report <file>', 'write the JSON report there (mode 0600)')
    .option('--user <name>', 'login user for list lines that give none')
    .option('--port <n>', 'SSH port for list lines that give none (default 22)')
    .option('--accept-new-hostkeys', 'accept host keys seen for the first time (changed keys are always refused)')
    .option('--known-hosts <file>', "known_hosts file to check host keys in (default: Outpost's own)")
    .option('--profiles <dir>', 'your profiles folder (default: <data folder>/profiles)');

export function registerLifecycleCommands(program: Command): void {
  common(program.command('check').description("Read-only: each jump server's tunnel (ours, healthy) and each host's agent (the profile's verify probes). States: healthy, agent-down, tunnel-down, unreachable, auth-failed."))
    .option('--watch <seconds>', 'check again every N seconds and print only what changed, until Ctrl-C (nothing is installed anywhere for it)')
    .action(async (file: string, opts: LifecycleCliOptions) => {
      process.exitCode = await runCheckCommand(file, opts, { stdout: process.stdout, stderr: process.stderr, env: process.env });
    });
  common(program.command('uninstall').description("Take the agent off the hosts with the profile's uninstall steps, then prove it gone (its verify probes fail: removed)."))
    .option('--remove-tunnel', "then, once every host is removed, take Outpost's tunnel off each jump server (unit, authorized_keys line, key files, known_hosts)")
    .action(async (file: string, opts: LifecycleCliOptions) => {
      process.exitCode = await runUninstallCommand(file, opts, { stdout: process.stdout, stderr: process.stderr, env: process.env });
    });
  program
    .command('inventory')
    .description('Every host Outpost installed, from the journals: agent, OS, jump server, installed at, answers file, last check, last uninstall.')
    .option('--json', 'print JSON (one object per host)')
    .action((opts: { json?: boolean }) => {
      process.exitCode = runInventoryCommand(opts, { stdout: process.stdout, stderr: process.stderr, env: process.env });
    });
}

interface Parsed {
  file: string;
  service: OutpostService;
  plan: Plan;
  tunnel: Plan | null;
  resolver: SecretResolver;
  concurrency: number;
  knownHostsFile: string;
}

function parse(file: string, opts: LifecycleCliOptions, io: Io, kind: LifecycleKind): Parsed | string[] {
  const loaded = loadAnswersFile(file);
  if (!loaded.ok) return loaded.problems.map(formatProblem);
  const concurrency = opts.concurrency === undefined ? 16 : Number(opts.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) return [`--concurrency: "${opts.concurrency}" is not a number of hosts from 1 to 1000`];
  const port = opts.port === undefined ? 22 : Number(opts.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return [`--port: "${opts.port}" is not a TCP port (1-65535)`];
  if (opts.watch !== undefined && !(/^\d+$/.test(opts.watch) && Number(opts.watch) >= 1 && Number(opts.watch) <= 86400)) return [`--watch: "${opts.watch}" is not a number of seconds from 1 to 86400`];
  let hosts: { text: string; name: string } | undefined;
  if (opts.hosts) {
    try {
      hosts = { text: fs.readFileSync(opts.hosts, 'utf8'), name: path.basename(opts.hosts) };
    } catch {
      return [`--hosts: ${opts.hosts} cannot be read`];
    }
  }
  const service = new OutpostService(cliContext('browser'), { profilesDir: opts.profiles });
  const p = prepareLifecycle(service, { answers: loaded.answers, hosts, user: opts.user, port, env: io.env }, kind, { removeTunnel: Boolean(opts.removeTunnel) });
  if (!p.ok) return p.problems;
  const missing = [...missingSecrets(p.plan, p.resolver), ...(p.tunnel ? missingSecrets(p.tunnel, p.resolver) : [])];
  if (missing.length) return [...new Set(missing), 'Set these environment variables in the shell that runs outpost.'];
  const knownHostsFile = opts.knownHosts ? path.resolve(opts.knownHosts) : path.join(service.ctx.dataDir, 'known_hosts');
  return { file, service, plan: p.plan, tunnel: p.tunnel, resolver: p.resolver, concurrency, knownHostsFile };
}

/** One run of a lifecycle plan through the engine; resolves with its end (null when it could not start). */
async function runPlan(p: Parsed, plan: Plan, opts: LifecycleCliOptions, io: Io, o: { tunnelOnly: boolean; onCancel: (cancel: () => void) => void }): Promise<RunEnd> {
  const handle = p.service.startRun(
    plan,
    { concurrency: p.concurrency, acceptNewHostKeys: Boolean(opts.acceptNewHostkeys), overridePreflight: false, reinstall: false, tunnelOnly: o.tunnelOnly, answersFile: path.resolve(p.file) },
    {
      knownHostsFile: p.knownHostsFile,
      resolver: p.resolver,
      hostKeyPolicy: async (info) => {
        if (opts.acceptNewHostkeys) return 'accept';
        io.stderr.write(`Unknown host key for ${info.host}:${info.port}: ${info.keyType} ${info.fingerprint}. Refused: check it and pass --accept-new-hostkeys, or add it to ${p.knownHostsFile}.\n`);
        return 'reject';
      },
      emit: (name, payload) => {
        // Jump servers' own steps (the tunnel's check or removal) say how they ended.
        if (name !== 'run.step') return;
        const s = payload as { hostId: string; status: string; title: string; message?: string };
        if (/^jump\d+$/.test(s.hostId) && ['done', 'warning', 'failed'].includes(s.status)) io.stderr.write(`${s.title}: ${s.status}${s.message ? ` — ${s.message}` : ''}\n`);
      },
    },
  );
  o.onCancel(() => handle.cancel());
  return handle.done;
}

const line = (h: { host: string; port: number; user: string; name: string | null; state: string; reason: string | null }) => `${showControls(addressOf(h))}${h.name ? ` (${showControls(h.name)})` : ''}: ${h.state}${h.reason ? ` — ${h.reason}` : ''}`;

function fail(io: Io, lines: string[]): number {
  for (const l of lines) io.stderr.write(`${l}\n`);
  return EXIT.invalid;
}

export async function runCheckCommand(file: string, opts: LifecycleCliOptions, io: Io): Promise<number> {
  const p = parse(file, opts, io, 'check');
  if (Array.isArray(p)) return fail(io, p);
  let cancel = () => undefined as void;
  let stopped = false;
  let wake = () => undefined as void;
  const stop: Stopper = onStop(
    () => {
      stopped = true;
      cancel();
      wake();
    },
    (l) => io.stderr.write(`\n${l}\n`),
  );
  const last = new Map<string, string>();
  let code: number = EXIT.ok;
  try {
    for (let round = 0; !stopped; round++) {
      const startedAt = new Date();
      const end = await runPlan(p, p.plan, opts, io, { tunnelOnly: false, onCancel: (c) => (cancel = c) });
      const report = checkReport(p.plan, end, { answers: file, hostsFile: opts.hosts ?? '', startedAt });
      recordVerdicts(end.journal, end.runId, report.hosts, secrets);
      if (opts.report) writeReport(opts.report, report, secrets);
      for (const h of report.hosts) {
        const key = addressOf(h);
        const now = `${h.state}|${h.reason ?? ''}`;
        // --watch: only what changed since the last round (the first round says everything).
        if (last.get(key) !== now && !(stopped && h.state === 'cancelled')) io.stdout.write(`${opts.watch ? `${report.checkedAt} ` : ''}${line(h)}\n`);
        last.set(key, now);
      }
      if (!opts.watch || round === 0) io.stdout.write(`${Object.entries(report.totals).map(([k, v]) => `${v} ${k}`).join(', ')}; journal: ${end.journal}${opts.report ? `; report: ${opts.report}` : ''}\n`);
      if (end.outcome === 'cancelled' || stopped) return stop.code ?? EXIT.cancelled;
      code = report.hosts.length > 0 && report.hosts.every((h) => h.state === 'healthy') ? EXIT.ok : EXIT.failed;
      if (!opts.watch) return code;
      await new Promise<void>((r) => {
        const t = setTimeout(r, Number(opts.watch) * 1000);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
    return stop.code ?? code;
  } catch (err) {
    io.stderr.write(`outpost check: ${secrets.redact(err instanceof OutpostError ? err.message : String(err))}\n`);
    return EXIT.failed;
  } finally {
    stop.dispose();
  }
}

export async function runUninstallCommand(file: string, opts: LifecycleCliOptions, io: Io): Promise<number> {
  const p = parse(file, opts, io, 'uninstall');
  if (Array.isArray(p)) return fail(io, p);
  let cancel = () => undefined as void;
  const stop = onStop(
    () => cancel(),
    (l) => io.stderr.write(`\n${l}\n`),
  );
  try {
    const startedAt = new Date();
    const end = await runPlan(p, p.plan, opts, io, { tunnelOnly: false, onCancel: (c) => (cancel = c) });
    const report: BatchReport & { kind: 'uninstall'; tunnel?: Record<string, string> } = uninstallReport(p.plan, end, { answers: file, hostsFile: opts.hosts ?? '', startedAt });
    for (const h of report.hosts) io.stdout.write(`${line(h)}\n`);
    if (end.outcome === 'cancelled') {
      if (opts.report) writeReport(opts.report, report, secrets);
      return stop.code ?? EXIT.cancelled;
    }
    // No host in the report is no evidence of a removal.
    const allRemoved = report.hosts.length > 0 && report.hosts.every((h) => h.state === 'removed');
    let tunnelOk = true;
    if (p.tunnel) {
      if (!allRemoved) {
        // A host whose agent is still there still needs its tunnel.
        io.stderr.write(`The tunnel is kept: ${report.hosts.filter((h) => h.state !== 'removed').length} host(s) were not removed and still need it.\n`);
        tunnelOk = false;
      } else {
        const t = await runPlan(p, p.tunnel, opts, io, { tunnelOnly: true, onCancel: (c) => (cancel = c) });
        report.tunnel = Object.fromEntries(t.hosts.filter((h) => /^jump\d+$/.test(h.hostId)).map((h) => [h.host, h.state === 'done' ? 'removed' : `${h.state}${h.reason ? `: ${h.reason}` : ''}`]));
        for (const [j, s] of Object.entries(report.tunnel)) io.stdout.write(`tunnel on ${showControls(j)}: ${s}\n`);
        io.stdout.write(`Journal of the tunnel's removal: ${t.journal}\n`);
        tunnelOk = t.outcome === 'done';
      }
    }
    if (opts.report) writeReport(opts.report, report, secrets);
    io.stdout.write(`${Object.entries(report.totals).map(([k, v]) => `${v} ${k}`).join(', ')}; journal: ${end.journal}${opts.report ? `; report: ${opts.report}` : ''}\n`);
    return allRemoved && tunnelOk ? EXIT.ok : EXIT.failed;
  } catch (err) {
    io.stderr.write(`outpost uninstall: ${secrets.redact(err instanceof OutpostError ? err.message : String(err))}\n`);
    return EXIT.failed;
  } finally {
    stop.dispose();
  }
}

export function runInventoryCommand(opts: { json?: boolean }, io: Io): number {
  const hosts = inventory(cliContext('browser').dataDir);
  if (opts.json) {
    io.stdout.write(`${JSON.stringify({ version: 1, hosts }, null, 2)}\n`);
    return EXIT.ok;
  }
  if (!hosts.length) {
    io.stdout.write('No host was installed by Outpost yet (the journals record none).\n');
    return EXIT.ok;
  }
  const rows = hosts.map((h) => [showControls(h.address), h.profile + (h.profileVersion ? ` ${h.profileVersion}` : ''), h.os, h.jump ?? '-', h.installedAt, h.lastCheck ? `${h.lastCheck.state} ${h.lastCheck.at}` : '-', h.uninstalledAt ?? '-', h.answers ?? '-']);
  const head = ['HOST', 'AGENT', 'OS', 'JUMP SERVER', 'INSTALLED', 'LAST CHECK', 'UNINSTALLED', 'ANSWERS'];
  const widths = head.map((t, i) => Math.max(t.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const r of [head, ...rows]) io.stdout.write(`${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')}\n`);
  return EXIT.ok;
}
