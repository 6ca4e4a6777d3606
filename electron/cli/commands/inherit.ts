// `outpost batch ANSWERS --hosts FILE --inherit-from user@host[:port]`: the vendor's "inherited
// installation". The host given already runs the agent; the profile's `inherited` section names its
// script, the list's path and the script's prompts and lines (electron/core/inherit/). The host is
// reached like a target of the answers (their jump server, Outpost's known_hosts, the login of the
// answers' target with that address, else of their first target, else the SSH agent). Writes the same
// report as `outpost batch --report`; exit 0 all done, 1 any not, 2 invalid input, 130 cancelled.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SecretRef } from '../../common/api/plan';
import { envResolver, formatProblem, loadAnswersFile, PlanError, type Answers } from '../../core/plan';
import { formatProblems, parseHostList } from '../../core/hosts/parse';
import { iplistProblems, INHERITED_PORT, INHERITED_USER } from '../../core/inherit/iplist';
import { runInherited } from '../../core/inherit/run';
import { describeRef } from '../../core/plan/render';
import { sshAuthFor } from '../../core/run/auth';
import { newRunId } from '../../core/run/runner';
import { Journal } from '../../core/run/journal';
import { inLang } from '../../core/profiles';
import { secrets } from '../../core/secrets/registry';
import { OutpostService } from '../../core/service';
import { OutpostError } from '../../core/errors';
import { SshPool, type SshTarget } from '../../core/ssh';
import { cliContext } from '../context';
import { EXIT } from '../exit';
import type { BatchCliOptions, BatchReport } from './batch';

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

const DEFAULT_PASSWORD_ENV = 'OUTPOST_DEFAULT_PASSWORD';

/** `user@host[:port]` (IPv6 in brackets); null when it is not that. */
export function parseInheritFrom(s: string): { user: string; host: string; port: number } | null {
  const m = /^([A-Za-z0-9_][A-Za-z0-9_.-]{0,63})@(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]{0,252})(?::(\d{1,5}))?$/.exec(s.trim());
  if (!m) return null;
  const port = m[3] === undefined ? 22 : Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { user: m[1] as string, host: (m[2] as string).replace(/^\[|\]$/g, ''), port };
}

export async function runInheritCommand(file: string, opts: BatchCliOptions & { inheritFrom: string }, io: Io): Promise<number> {
  const fail = (lines: string[]) => {
    for (const l of lines) io.stderr.write(`${l}\n`);
    return EXIT.invalid;
  };
  const unused = (['resume', 'retryFailed', 'concurrency', 'user', 'port'] as const).filter((k) => opts[k] !== undefined);
  if (unused.length) return fail([`--inherit-from: ${unused.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} cannot be used with it (the vendor's script installs the whole list in one go, as ${INHERITED_USER} on port ${INHERITED_PORT})`]);
  const seed = parseInheritFrom(opts.inheritFrom);
  if (!seed) return fail([`--inherit-from: "${opts.inheritFrom}" is not user@host[:port]`]);
  const loaded = loadAnswersFile(file);
  if (!loaded.ok) return fail(loaded.problems.map(formatProblem));
  const answers = loaded.answers;

  const ctx = cliContext('browser');
  const service = new OutpostService(ctx, { profilesDir: opts.profiles });
  const profile = service.profiles().profiles.find((l) => l.profile.id === answers.profile)?.profile;
  if (!profile) return fail([`profile: there is no profile ${answers.profile} (outpost profile list shows them)`]);
  const inh = profile.inherited;
  if (!inh) return fail([`--inherit-from: the profile ${profile.id} (${profile.name}) has no \`inherited\` section: it does not describe an inherited installation. Run outpost batch without --inherit-from.`]);
  if (answers.os !== 'linux') return fail([`--inherit-from: the inherited installation runs on Linux hosts; the answers say os: ${answers.os}`]);

  let text: string;
  try {
    text = fs.readFileSync(opts.hosts, 'utf8');
  } catch {
    return fail([`--hosts: ${opts.hosts} cannot be read`]);
  }
  const list = parseHostList(text, { defaults: { user: INHERITED_USER, port: INHERITED_PORT } });
  const problems = list.problems.length ? list.problems : iplistProblems(list.hosts);
  if (problems.length) return fail([...formatProblems(path.basename(opts.hosts), problems), 'Nothing was run: fix these lines first.']);
  if (!list.hosts.length) return fail([`--hosts: ${opts.hosts} lists no host`]);
  for (const h of list.hosts) secrets.add(h.password);
  const defaultPassword = io.env[DEFAULT_PASSWORD_ENV] ?? '';
  const lacking = list.hosts.filter((h) => h.password === undefined).length;
  if (lacking && !defaultPassword) return fail([`--hosts: ${lacking} line(s) give no password: set ${DEFAULT_PASSWORD_ENV} (typed at the script's "default password" question, never on a command line)`]);
  secrets.add(defaultPassword);

  // The seed host, as a target of the answers: their jump server and login for that address.
  const same = answers.targets.find((t) => t.host === seed.host && t.port === seed.port && t.user === seed.user) ?? answers.targets.find((t) => t.host === seed.host);
  const model = same ?? answers.targets[0];
  const auth = model?.password ? { password: model.password } : model?.privateKey ? { privateKey: model.privateKey } : { agent: true as const };
  const seedTarget: Answers['targets'][number] = { host: seed.host, port: seed.port, user: seed.user, ...auth, ...(typeof same?.jump === 'number' ? { jump: same.jump } : {}) };
  let plan;
  try {
    const { thisComputer: _local, package: _pkg, ...rest } = answers;
    void _local;
    void _pkg;
    plan = service.plan({ ...rest, targets: [seedTarget] });
  } catch (err) {
    if (err instanceof PlanError) return fail(err.problems.map(formatProblem));
    throw err;
  }
  const target = plan.hosts.targets[0];
  if (!target) return fail(['--inherit-from: the answers give no way to reach that host']);
  const resolve = envResolver(io.env);
  const secret = (ref: SecretRef, name: string): string => {
    const v = resolve(ref);
    if (!v) throw new OutpostError('secret.missing', `${name}: the ${describeRef(ref)} is not set.`, 'Set it in the shell that runs outpost.');
    secrets.add(v);
    return v;
  };
  let seedSsh: SshTarget;
  let jumps: SshTarget[];
  try {
    seedSsh = { host: target.ssh.host, port: target.ssh.port, username: target.ssh.user, auth: sshAuthFor(target.ssh.auth, same ? `targets[${answers.targets.indexOf(same)}]` : '--inherit-from', secret, os.homedir()) };
    const j = target.via ? plan.hosts.jumps.find((x) => x.id === target.via) : undefined;
    jumps = j ? [{ host: j.ssh.host, port: j.ssh.port, username: j.ssh.user, auth: sshAuthFor(j.ssh.auth, `connectivity.jumpServers[${j.index}].ssh`, secret, os.homedir()) }] : [];
  } catch (err) {
    return fail([secrets.redact(err instanceof Error ? err.message : String(err))]);
  }

  const knownHostsFile = opts.knownHosts ? path.resolve(opts.knownHosts) : path.join(ctx.dataDir, 'known_hosts');
  const pool = new SshPool({
    knownHosts: service.knownHosts(knownHostsFile),
    hostKeyPolicy: async (info) => {
      if (opts.acceptNewHostkeys) return 'accept';
      io.stderr.write(`Unknown host key for ${info.host}:${info.port}: ${info.keyType} ${info.fingerprint}. Refused: check it and pass --accept-new-hostkeys, or add it to ${knownHostsFile}.\n`);
      return 'reject';
    },
    readyTimeoutMs: 20_000,
    keepaliveIntervalMs: 15_000,
    logger: ctx.log,
    secrets,
  });

  const runId = newRunId();
  const journal = new Journal(ctx.dataDir, runId, secrets);
  const seedLabel = `${seed.user}@${seed.host}:${seed.port}`;
  const addresses = list.hosts.map((h) => `${INHERITED_USER}@${h.host}:${INHERITED_PORT}`);
  io.stderr.write(`Journal: ${journal.file}\n`);
  io.stderr.write(`Inherited installation from ${seedLabel}${target.via ? ` (through ${target.via})` : ''}: ${list.hosts.length} host(s), ${inh.script}.\n`);
  if (inh.constraint) io.stderr.write(`Note: ${inLang(inh.constraint)}\n`);
  const startedAt = new Date();
  journal.write({ type: 'run.start', runId, at: startedAt.toISOString(), profile: profile.id, os: 'linux', mode: answers.connectivity.mode, targets: addresses, options: { inheritFrom: seedLabel, script: inh.script } });

  const abort = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT.cancelled);
    io.stderr.write('\nCancelling… the installer is stopped and the list removed (Ctrl-C again to quit at once)\n');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const r = await runInherited({
      inherited: inh,
      lines: list.hosts.map((h) => ({ ip: h.host, password: h.password })),
      defaultPassword,
      secrets,
      connect: () => pool.connect(seedSsh, jumps, { signal: abort.signal }),
      onOutput: (t) => {
        if (t) io.stderr.write(t);
      },
      signal: abort.signal,
    });
    const endedAt = new Date();
    const at = endedAt.toISOString();
    journal.write({ type: 'step', runId, step: r.hosts[0]?.step ?? 'inherited-install', host: 'inherit-from', start: startedAt.toISOString(), end: at, outcome: r.hosts.every((h) => h.state === 'done') ? 'ok' : 'failed', tail: r.tail.split('\n').slice(-40) });
    const report: BatchReport = {
      version: 1,
      answers: path.resolve(file),
      hostsFile: path.resolve(opts.hosts),
      journal: journal.file,
      startedAt: startedAt.toISOString(),
      endedAt: at,
      durationMs: endedAt.getTime() - startedAt.getTime(),
      totals: {},
      hosts: list.hosts.map((h, i) => {
        const x = r.hosts[i];
        return {
          host: h.host,
          port: INHERITED_PORT,
          user: INHERITED_USER,
          name: h.name ?? null,
          state: x?.state ?? 'failed',
          step: x?.step ?? null,
          reason: x?.reason ? secrets.redact(x.reason) : null,
          startedAt: startedAt.toISOString(),
          endedAt: at,
          durationMs: endedAt.getTime() - startedAt.getTime(),
        };
      }),
    };
    io.stderr.write('\n');
    report.hosts.forEach((h, i) => {
      io.stderr.write(`[${i + 1}/${report.hosts.length}] ${addresses[i]}: ${h.state}${h.reason ? ` — ${h.reason}` : ''}\n`);
      journal.write({ type: 'host', runId, host: `target${i}`, at, state: h.state, address: addresses[i] as string, ...(h.step ? { step: h.step } : {}), ...(h.reason ? { reason: h.reason } : {}) });
    });
    for (const h of report.hosts) report.totals[h.state] = (report.totals[h.state] ?? 0) + 1;
    journal.write({ type: 'run.end', runId, at, outcome: abort.signal.aborted ? 'cancelled' : report.hosts.every((h) => h.state === 'done') ? 'done' : 'failed', summary: report.totals });
    if (r.cleanupError) io.stderr.write(`WARNING: ${r.cleanupError}\n`);
    if (opts.report) fs.writeFileSync(opts.report, `${secrets.stringify(report)}\n`, { mode: 0o600 });
    io.stdout.write(`${Object.entries(report.totals).map(([k, v]) => `${v} ${k}`).join(', ')}; journal: ${journal.file}${opts.report ? `; report: ${opts.report}` : ''}\n`);
    if (abort.signal.aborted) return EXIT.cancelled;
    return report.hosts.every((h) => h.state === 'done') && !r.cleanupError ? EXIT.ok : EXIT.failed;
  } catch (err) {
    io.stderr.write(`outpost batch --inherit-from: ${secrets.redact(err instanceof Error ? err.message : String(err))}\n`);
    return EXIT.failed;
  } finally {
    process.off('SIGINT', onSigint);
    pool.closeAll();
  }
}
