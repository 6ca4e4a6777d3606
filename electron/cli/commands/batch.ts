// `outpost batch ANSWERS --hosts FILE`: the answers' plan on every host of a list (iplist.cfg or CSV,
// ranges and CIDR expanded), several at once, each host ending in its own state. A JSON report (a
// contract, see README) says what happened to each host; `--retry-failed REPORT` runs only the hosts
// that did not end done, `--resume JOURNAL` finishes a batch that was interrupted.
// Exit 0 every host done, 1 any failed, 2 invalid input, 130 cancelled.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import type { SecretRef } from '../../common/api/plan';
import type { Answers } from '../../core/plan';
import { formatProblem, loadAnswersFile, PlanError } from '../../core/plan';
import { formatProblems, parseHostList, type HostEntry } from '../../core/hosts/parse';
import { missingSecrets } from '../../core/run/runner';
import { readJournalState } from '../../core/run/journal';
import { secrets } from '../../core/secrets/registry';
import { OutpostService } from '../../core/service';
import { OutpostError } from '../../core/errors';
import { cliContext } from '../context';
import { EXIT } from '../exit';
import { BatchProgress } from '../progress';
import { runInheritCommand } from './inherit';

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
  /** The vendor's inherited installation from this host (see ./inherit.ts). */
  inheritFrom?: string;
}

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** The report: one object per host, plus totals. A contract for scripts (README, "Batch report"). */
export interface BatchReport {
  version: 1;
  answers: string;
  hostsFile: string;
  journal: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  totals: Record<string, number>;
  hosts: Array<{ host: string; port: number; user: string; name: string | null; state: string; step: string | null; reason: string | null; startedAt: string | null; endedAt: string | null; durationMs: number | null }>;
}

const ReportFile = z.object({ hosts: z.array(z.object({ host: z.string(), port: z.number(), user: z.string(), state: z.string() }).passthrough()) }).passthrough();

/** Default password for list lines without one: `OUTPOST_DEFAULT_PASSWORD`, documented. */
export const DEFAULT_PASSWORD_ENV = 'OUTPOST_DEFAULT_PASSWORD';

export function registerBatchCommand(program: Command): void {
  program
    .command('batch')
    .description('Install on every host of a list (iplist.cfg: "IP [password]" per line, or CSV host,port,user,password,privateKey,name,jump), several at once.')
    .argument('<answers>', 'answers file: the agent, region and connectivity (its targets are replaced by the list)')
    .requiredOption('--hosts <file>', 'host list: iplist.cfg or CSV with a header row; ranges (10.0.0.10-20) and CIDR (10.0.0.0/28) allowed')
    .option('--concurrency <n>', 'hosts at once (default 16)')
    .option('--report <file>', 'write the JSON report there (one object per host)')
    .option('--resume <journal>', 'finish an interrupted batch: hosts this journal records as done are not touched again')
    .option('--retry-failed <report>', 'run only the hosts a previous report does not show as done')
    .option('--user <name>', 'login user for lines that give none (default: the answers\' first target, else root)')
    .option('--port <n>', 'SSH port for lines that give none (default 22)')
    .option('--accept-new-hostkeys', 'accept host keys seen for the first time (changed keys are always refused)')
    .option('--known-hosts <file>', 'known_hosts file to check and record host keys in (default: Outpost\'s own)')
    .option('--profiles <dir>', 'your profiles folder (default: <data folder>/profiles)')
    .option(
      '--inherit-from <user@host[:port]>',
      "inherited installation: this host already runs the agent and installs it on the list with the vendor's script (profile's `inherited` section; the hosts must share its VPC and subnet; passwords typed into its PTY, the list uploaded 0600 and removed)",
    )
    .action(async (file: string, opts: BatchCliOptions) => {
      process.exitCode = await runBatchCommand(file, opts, { stdout: process.stdout, stderr: process.stderr, env: process.env });
    });
}

const addressOf = (h: { user: string; host: string; port: number }) => `${h.user}@${h.host}:${h.port}`;

export async function runBatchCommand(file: string, opts: BatchCliOptions, io: Io): Promise<number> {
  const fail = (lines: string[]) => {
    for (const l of lines) io.stderr.write(`${l}\n`);
    return EXIT.invalid;
  };
  if (opts.inheritFrom !== undefined) return runInheritCommand(file, { ...opts, inheritFrom: opts.inheritFrom }, io);
  const loaded = loadAnswersFile(file);
  if (!loaded.ok) return fail(loaded.problems.map(formatProblem));
  const answers = loaded.answers;
  const concurrency = opts.concurrency === undefined ? 16 : Number(opts.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) return fail([`--concurrency: "${opts.concurrency}" is not a number of hosts from 1 to 1000`]);
  const port = opts.port === undefined ? 22 : Number(opts.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return fail([`--port: "${opts.port}" is not a TCP port (1-65535)`]);
  const model = answers.targets[0];
  const user = opts.user ?? model?.user ?? 'root';

  let text: string;
  try {
    text = fs.readFileSync(opts.hosts, 'utf8');
  } catch {
    return fail([`--hosts: ${opts.hosts} cannot be read`]);
  }
  const list = parseHostList(text, { defaults: { user, port } });
  if (list.problems.length) return fail([...formatProblems(path.basename(opts.hosts), list.problems), 'Nothing was run: fix these lines first.']);
  if (!list.hosts.length) return fail([`--hosts: ${opts.hosts} lists no host`]);

  // Passwords from the list live in memory only, as references; lines without one use the default.
  const memory = new Map<string, string>();
  const defaultAuth = model?.password ?? model?.privateKey ?? (model?.agent ? true : undefined);
  const needsDefault = list.hosts.some((h) => h.usesDefaultPassword);
  if (needsDefault && defaultAuth === undefined && !io.env[DEFAULT_PASSWORD_ENV]) {
    return fail([`--hosts: ${list.hosts.filter((h) => h.usesDefaultPassword).length} line(s) give no password or key: set ${DEFAULT_PASSWORD_ENV}, or give the answers' first target a password or key`]);
  }
  const toTarget = (h: HostEntry, i: number): Answers['targets'][number] => {
    const base = { host: h.host, port: h.port, user: h.user, ...(h.name ? { name: h.name } : {}), ...(typeof h.jump === 'number' ? { jump: h.jump } : {}) };
    if (h.password !== undefined) {
      const key = `batch.${i}.password`;
      memory.set(key, h.password);
      secrets.add(h.password);
      return { ...base, password: { stored: key } };
    }
    if (h.privateKey) return { ...base, privateKey: { path: h.privateKey } };
    // The plan marks every { env } it holds as secret (kept out of child processes).
    if (io.env[DEFAULT_PASSWORD_ENV]) return { ...base, password: { env: DEFAULT_PASSWORD_ENV } };
    if (model?.password) return { ...base, password: model.password };
    if (model?.privateKey) return { ...base, privateKey: model.privateKey };
    return { ...base, agent: true };
  };
  const targets = list.hosts.map(toTarget);

  // Which hosts run: all, or those a previous report / journal does not show as done.
  let skip = new Set<string>();
  if (opts.retryFailed) {
    try {
      const r = ReportFile.parse(JSON.parse(fs.readFileSync(opts.retryFailed, 'utf8')));
      skip = new Set(r.hosts.filter((h) => h.state === 'done').map(addressOf));
    } catch {
      return fail([`--retry-failed: ${opts.retryFailed} is not a report written by outpost batch --report`]);
    }
  }
  if (opts.resume) {
    try {
      for (const a of readJournalState(opts.resume).done) skip.add(a);
    } catch {
      return fail([`--resume: ${opts.resume} cannot be read`]);
    }
  }
  const chosen = targets.map((t, i) => ({ t, i })).filter(({ t }) => !skip.has(addressOf(t)));
  if (skip.size) io.stderr.write(`${targets.length - chosen.length} host(s) already done are left alone; ${chosen.length} to run.\n`);

  const ctx = cliContext('browser');
  const service = new OutpostService(ctx, { profilesDir: opts.profiles });
  let plan;
  try {
    const { thisComputer: _local, ...rest } = answers;
    void _local;
    plan = service.plan({ ...rest, targets });
  } catch (err) {
    if (err instanceof PlanError) return fail(err.problems.map(formatProblem));
    throw err;
  }
  const resolver = (ref: SecretRef) => ('stored' in ref ? memory.get(ref.stored) : io.env[ref.env]);
  const missing = missingSecrets(plan, resolver);
  if (missing.length) return fail([...missing, 'Set these environment variables in the shell that runs outpost.']);

  const startedAt = new Date();
  const times = new Map<string, { start?: number; end?: number; state: string; step?: string; reason?: string }>();
  const label = (hostId: string) => {
    const t = plan.hosts.targets.find((x) => x.id === hostId);
    return t ? `${addressOf(t.ssh)}${t.name ? ` (${t.name})` : ''}` : hostId;
  };
  let finished = 0;
  const total = chosen.length;
  // A live line on a terminal, plain lines otherwise.
  const progress = new BatchProgress(io.stderr, total);
  const knownHostsFile = opts.knownHosts ? path.resolve(opts.knownHosts) : path.join(ctx.dataDir, 'known_hosts');
  if (!total) {
    io.stderr.write('Every host is already done.\n');
  }
  const handle = total
    ? service.startRun(
        plan,
        { targets: chosen.map(({ i }) => i), concurrency, acceptNewHostKeys: Boolean(opts.acceptNewHostkeys), overridePreflight: false, reinstall: false, tunnelOnly: false },
        {
          knownHostsFile,
          resolver,
          hostKeyPolicy: async (info) => {
            if (opts.acceptNewHostkeys) return 'accept';
            progress.note(`Unknown host key for ${info.host}:${info.port}: ${info.keyType} ${info.fingerprint}. Refused: check it and pass --accept-new-hostkeys, or add it to ${knownHostsFile}.`);
            return 'reject';
          },
          emit: (name, payload) => {
            if (name !== 'run.host') return;
            const h = payload as { hostId: string; state: string; stepId?: string; reason?: string };
            if (!h.hostId.startsWith('target')) return;
            const cur = times.get(h.hostId) ?? { state: 'queued' };
            const now = Date.now();
            if (h.state !== 'queued' && cur.start === undefined) cur.start = now;
            cur.state = h.state;
            if (h.stepId) cur.step = h.stepId;
            if (h.reason) cur.reason = h.reason;
            if (['done', 'failed', 'skipped', 'cancelled'].includes(h.state)) {
              cur.end = now;
              finished++;
              progress.host(h.hostId, h.state, `[${finished}/${total}] ${label(h.hostId)}: ${h.state}${h.reason ? ` — ${secrets.redact(h.reason)}` : ''}`);
            } else progress.host(h.hostId, h.state);
            times.set(h.hostId, cur);
          },
        },
      )
    : null;
  if (handle) {
    // Said first, so a batch whose process dies can be resumed from it.
    progress.note(`Journal: ${handle.journal} (if this batch is interrupted: --resume with this file)`);
    progress.start();
    // Hosts done in an earlier run are recorded as done in this journal too: resuming a resumed batch
    // (interrupted again) leaves them alone as well.
    const at = new Date().toISOString();
    for (const t of plan.hosts.targets.filter((x) => skip.has(addressOf(x.ssh)))) {
      fs.appendFileSync(handle.journal, `${secrets.stringify({ type: 'host', runId: handle.runId, host: t.id, at, state: 'done', address: addressOf(t.ssh), reason: 'done in an earlier run' })}\n`, { mode: 0o600 });
    }
  }

  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT.cancelled);
    progress.note(`${progress.isLive ? '' : '\n'}Cancelling… hosts in progress end cancelled (Ctrl-C again to quit at once)`);
    handle?.cancel();
  };
  process.on('SIGINT', onSigint);
  try {
    const end = handle ? await handle.done : null;
    progress.stop();
    const endedAt = new Date();
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    const report: BatchReport = {
      version: 1,
      answers: path.resolve(file),
      hostsFile: path.resolve(opts.hosts),
      journal: end?.journal ?? '',
      startedAt: startedAt.toISOString(),
      endedAt: endedAt.toISOString(),
      durationMs: endedAt.getTime() - startedAt.getTime(),
      totals: {},
      hosts: plan.hosts.targets.map((t) => {
        const r = times.get(t.id);
        const already = skip.has(addressOf(t.ssh));
        const state = already ? 'done' : (r?.state ?? 'cancelled');
        return {
          host: t.ssh.host,
          port: t.ssh.port,
          user: t.ssh.user,
          name: t.name ?? null,
          state,
          step: already ? null : (r?.step ?? null),
          reason: already ? 'done in an earlier run' : r?.reason ? secrets.redact(r.reason) : null,
          startedAt: iso(r?.start),
          endedAt: iso(r?.end),
          durationMs: r?.start !== undefined && r.end !== undefined ? r.end - r.start : null,
        };
      }),
    };
    for (const h of report.hosts) report.totals[h.state] = (report.totals[h.state] ?? 0) + 1;
    if (opts.report) fs.writeFileSync(opts.report, `${secrets.stringify(report)}\n`, { mode: 0o600 });
    io.stdout.write(`${Object.entries(report.totals).map(([k, v]) => `${v} ${k}`).join(', ')}${end ? `; journal: ${end.journal}` : ''}${opts.report ? `; report: ${opts.report}` : ''}\n`);
    if (end?.outcome === 'cancelled') return EXIT.cancelled;
    return report.hosts.every((h) => h.state === 'done') ? EXIT.ok : EXIT.failed;
  } catch (err) {
    io.stderr.write(`outpost batch: ${secrets.redact(err instanceof OutpostError ? err.message : String(err))}\n`);
    return EXIT.failed;
  } finally {
    progress.stop();
    process.off('SIGINT', onSigint);
  }
}
