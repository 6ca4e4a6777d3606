// `outpost batch ANSWERS --hosts FILE`: the answers' plan on every host of a list, several at once, each
// host ending in its own state; with `--inherit-from` the vendor's inherited installation instead. The
// service prepares the plan and writes the report (a contract, see README); this command reads the
// flags and files and shows progress. Exit 0 every host done, 1 any not, 2 invalid input, 130/143/129
// stopped by Ctrl-C / SIGTERM / SIGHUP (report and journal written first).
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Plan } from '../../common/api/plan';
import { isFinalState } from '../../common/api/run';
import { showControls } from '../../common/visible';
import { OutpostError } from '../../core/errors';
import { secrets } from '../../core/secrets/registry';
import { addressOf, batchReport, doneInReport, formatProblem, loadAnswersFile, missingSecrets, OutpostService, prepareBatch, prepareInherited, readJournalState, recordDoneEarlier, writeAnswersRecord, writeReport, type Answers, type BatchReport, type Prepared } from '../../core/service';
import { cliContext } from '../context';
import { EXIT } from '../exit';
import { BatchProgress } from '../progress';
import { onStop } from '../signals';

export type { BatchReport };

export interface BatchCliOptions {
  hosts: string;
  concurrency?: string;
  report?: string;
  resume?: string;
  retryFailed?: string;
  user?: string;
  port?: string;
  acceptNewHostkeys?: boolean;
  knownHosts?: string;
  profiles?: string;
  /** The vendor's inherited installation from this host. */
  inheritFrom?: string;
}

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export function registerBatchCommand(program: Command): void {
  program
    .command('batch')
    .description('Install on every host of a list (iplist.cfg: "IP [password]" per line, or CSV host,port,user,password,privateKey,name,jump), several at once.')
    .argument('<answers>', 'answers file: the agent, region and connectivity (its targets are replaced by the list)')
    .requiredOption('--hosts <file>', 'host list: iplist.cfg or CSV with a header row; ranges (10.0.0.10-20) and CIDR (10.0.0.0/28) allowed')
    .option('--concurrency <n>', 'hosts at once (default 16)')
    .option('--report <file>', 'write the JSON report there (one object per host; mode 0600)')
    .option('--resume <journal>', 'finish an interrupted batch: hosts this journal records as done are not touched again')
    .option('--retry-failed <report>', 'run only the hosts a previous report does not show as done')
    .option('--user <name>', 'login user for lines that give none (default: the answers\' first target, else root)')
    .option('--port <n>', 'SSH port for lines that give none (default 22)')
    .option('--accept-new-hostkeys', 'accept host keys seen for the first time (changed keys are always refused)')
    .option('--known-hosts <file>', 'known_hosts file to check and record host keys in (default: Outpost\'s own)')
    .option('--profiles <dir>', 'your profiles folder (default: <data folder>/profiles)')
    .option(
      '--inherit-from <user@host[:port]>',
      "inherited installation: this host already runs the agent and installs it on the list with the vendor's script (profile's `inherited` section; the hosts must share its VPC and subnet; passwords typed into its PTY, the list written 0600 and removed)",
    )
    .action(async (file: string, opts: BatchCliOptions) => {
      process.exitCode = await runBatchCommand(file, opts, { stdout: process.stdout, stderr: process.stderr, env: process.env });
    });
}

/** `user@host[:port]` (IPv6 in brackets); null when it is not that. */
export function parseInheritFrom(s: string): { user: string; host: string; port: number } | null {
  const m = /^([A-Za-z0-9_][A-Za-z0-9_.-]{0,63})@(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]{0,252})(?::(\d{1,5}))?$/.exec(s.trim());
  if (!m) return null;
  const port = m[3] === undefined ? 22 : Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { user: m[1] as string, host: (m[2] as string).replace(/^\[|\]$/g, ''), port };
}

type Parsed = { answers: Answers; hostsText: string; concurrency: number; port: number; skip: Set<string> };

/** The flags and files, checked; a list of problems (exit 2) otherwise. */
function parse(file: string, opts: BatchCliOptions): Parsed | string[] {
  const loaded = loadAnswersFile(file);
  if (!loaded.ok) return loaded.problems.map(formatProblem);
  if (opts.inheritFrom !== undefined) {
    const unused = (['resume', 'retryFailed', 'concurrency', 'user', 'port'] as const).filter((k) => opts[k] !== undefined);
    if (unused.length) return [`--inherit-from: ${unused.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} cannot be used with it (the vendor's script installs the whole list in one go, as root on port 22)`];
    if (!parseInheritFrom(opts.inheritFrom)) return [`--inherit-from: "${opts.inheritFrom}" is not user@host[:port]`];
  }
  const concurrency = opts.concurrency === undefined ? 16 : Number(opts.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) return [`--concurrency: "${opts.concurrency}" is not a number of hosts from 1 to 1000`];
  const port = opts.port === undefined ? 22 : Number(opts.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return [`--port: "${opts.port}" is not a TCP port (1-65535)`];
  let hostsText: string;
  try {
    hostsText = fs.readFileSync(opts.hosts, 'utf8');
  } catch {
    return [`--hosts: ${opts.hosts} cannot be read`];
  }
  const skip = new Set<string>();
  if (opts.retryFailed) {
    const done = fs.existsSync(opts.retryFailed) ? doneInReport(fs.readFileSync(opts.retryFailed, 'utf8')) : null;
    if (!done) return [`--retry-failed: ${opts.retryFailed} is not a report written by outpost batch --report`];
    for (const a of done) skip.add(a);
  }
  if (opts.resume) {
    try {
      for (const a of readJournalState(opts.resume).done) skip.add(a);
    } catch {
      return [`--resume: ${opts.resume} cannot be read`];
    }
  }
  return { answers: loaded.answers, hostsText, concurrency, port, skip };
}

export async function runBatchCommand(file: string, opts: BatchCliOptions, io: Io): Promise<number> {
  const fail = (lines: string[]) => {
    for (const l of lines) io.stderr.write(`${l}\n`);
    return EXIT.invalid;
  };
  const p = parse(file, opts);
  if (Array.isArray(p)) return fail(p);
  const ctx = cliContext('browser');
  const service = new OutpostService(ctx, { profilesDir: opts.profiles });
  const hosts = { text: p.hostsText, name: path.basename(opts.hosts) };
  const seed = opts.inheritFrom ? parseInheritFrom(opts.inheritFrom) : null;
  const prepared: Prepared = seed ? prepareInherited(service, { answers: p.answers, hosts, env: io.env, seed }) : prepareBatch(service, { answers: p.answers, hosts, user: opts.user, port: p.port, env: io.env, skip: p.skip });
  if (!prepared.ok) return fail(prepared.problems);
  const { plan } = prepared;
  const missing = missingSecrets(plan, prepared.resolver);
  if (missing.length) return fail([...missing, 'Set these environment variables in the shell that runs outpost.']);
  if (prepared.skip.size) io.stderr.write(`${plan.hosts.targets.length - prepared.targets.length} host(s) already done are left alone; ${prepared.targets.length} to run.\n`);
  if (seed) {
    io.stderr.write(`Inherited installation from ${seed.user}@${seed.host}:${seed.port}${plan.hosts.seed?.via ? ` (through ${plan.hosts.seed.via})` : ''}: ${plan.hosts.targets.length} host(s).\n`);
    for (const w of plan.warnings) io.stderr.write(`Note: ${w}\n`);
  }
  return run(service, plan, prepared, { file, opts, io, concurrency: seed ? Math.max(1, plan.hosts.targets.length) : p.concurrency, inherited: Boolean(seed) });
}

async function run(service: OutpostService, plan: Plan, prepared: Prepared & { ok: true }, c: { file: string; opts: BatchCliOptions; io: Io; concurrency: number; inherited: boolean }): Promise<number> {
  const { opts, io } = c;
  const startedAt = new Date();
  const total = prepared.targets.length;
  const label = (hostId: string) => {
    const t = plan.hosts.targets.find((x) => x.id === hostId);
    return t ? showControls(`${addressOf(t.ssh)}${t.name ? ` (${t.name})` : ''}`) : hostId;
  };
  let finished = 0;
  const progress = new BatchProgress(io.stderr, total);
  const knownHostsFile = opts.knownHosts ? path.resolve(opts.knownHosts) : path.join(service.ctx.dataDir, 'known_hosts');
  if (!total) io.stderr.write('Every host is already done.\n');
  const handle = total
    ? service.startRun(
        plan,
        { targets: prepared.targets, concurrency: c.concurrency, acceptNewHostKeys: Boolean(opts.acceptNewHostkeys), overridePreflight: false, reinstall: false, tunnelOnly: false, answersFile: path.resolve(c.file) },
        {
          knownHostsFile,
          resolver: prepared.resolver,
          hostKeyPolicy: async (info) => {
            if (opts.acceptNewHostkeys) return 'accept';
            progress.note(`Unknown host key for ${info.host}:${info.port}: ${info.keyType} ${info.fingerprint}. Refused: check it and pass --accept-new-hostkeys, or add it to ${knownHostsFile}.`);
            return 'reject';
          },
          emit: (name, payload) => {
            // The inherited installation's installer speaks for every host: its output is shown as it comes.
            if (name === 'run.output' && c.inherited) return void io.stderr.write((payload as { data: string }).data);
            // A host waiting for something (its jump server to come back) says so while it waits.
            if (name === 'run.step') {
              const st = payload as { hostId: string; status: string; message?: string };
              if (st.status === 'running' && st.message) progress.note(`${label(st.hostId)}: ${st.message}`);
              return;
            }
            if (name !== 'run.host') return;
            const h = payload as { hostId: string; state: string; reason?: string };
            if (!/^target\d+$/.test(h.hostId)) return;
            if (!isFinalState(h.state)) return progress.host(h.hostId, h.state);
            finished++;
            progress.host(h.hostId, h.state, `[${finished}/${total}] ${label(h.hostId)}: ${h.state}${h.reason ? ` — ${h.reason}` : ''}`);
          },
        },
      )
    : null;
  if (handle) {
    // Said first, so a batch whose process dies can be resumed from it.
    progress.note(`Journal: ${handle.journal}${c.inherited ? '' : ' (if this batch is interrupted: --resume with this file)'}`);
    progress.start();
    recordDoneEarlier(handle.journal, handle.runId, plan, prepared.skip, secrets);
    // The hosts of --hosts are not in the answers file: keep the answers with them, so the app's Installed
    // view can check, reinstall and uninstall these hosts later (secrets stay references).
    if (prepared.answers) writeAnswersRecord(handle.journal, prepared.answers, secrets);
  }
  const stop = onStop(() => handle?.cancel(), (l) => progress.note(`${progress.isLive ? '' : '\n'}${l}`));
  try {
    const end = handle ? await handle.done : null;
    progress.stop();
    const report = batchReport(plan, end, { answers: c.file, hostsFile: opts.hosts, skip: prepared.skip, startedAt });
    if (opts.report) writeReport(opts.report, report, secrets);
    io.stdout.write(`${Object.entries(report.totals).map(([k, v]) => `${v} ${k}`).join(', ')}${end ? `; journal: ${end.journal}` : ''}${opts.report ? `; report: ${opts.report}` : ''}\n`);
    if (end?.outcome === 'cancelled') return stop.code ?? EXIT.cancelled;
    return report.hosts.every((h) => h.state === 'done') ? EXIT.ok : EXIT.failed;
  } catch (err) {
    io.stderr.write(`outpost batch: ${secrets.redact(err instanceof OutpostError ? err.message : String(err))}\n`);
    return EXIT.failed;
  } finally {
    progress.stop();
    stop.dispose();
  }
}
