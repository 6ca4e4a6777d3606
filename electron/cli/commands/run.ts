// `outpost run ANSWERS`: set up the tunnel, check and install on the targets, streaming every step
// (masked) to the terminal. Exit 0 done, 1 failed, 2 invalid answers, 130 cancelled (Ctrl-C).
import path from 'node:path';
import readline from 'node:readline';
import type { Command } from 'commander';
import type { Plan } from '../../common/api/plan';
import { isFinalState } from '../../common/api/run';
import { transferAmounts } from '../../common/size';
import { showControls } from '../../common/visible';
import { OutpostError } from '../../core/errors';
import { secrets } from '../../core/secrets/registry';
import { envResolver, formatProblem, loadAnswersFile, missingSecrets, OutpostService, PlanError, type Answers, type HostKeyInfo } from '../../core/service';
import { cliContext } from '../context';
import { EXIT, INVALID_INPUT_CODES } from '../exit';
import { onStop } from '../signals';

export interface RunCliOptions {
  target?: string;
  acceptNewHostkeys?: boolean;
  knownHosts?: string;
  reinstall?: boolean;
  overridePreflight?: boolean;
  checkTunnel?: boolean;
  profiles?: string;
  concurrency?: string;
}

interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('Run the plan for an answers file: tunnel on the jump servers, preflight, install and verify on each target.')
    .argument('<answers>', 'answers file (YAML or JSON; see resources/ANSWERS.md)')
    .option('--target <user@host[:port]>', 'only this target: one of the answers\' targets, or a new one that logs in like the first')
    .option('--accept-new-hostkeys', 'accept host keys seen for the first time (changed keys are always refused)')
    .option('--known-hosts <file>', 'known_hosts file to check and record host keys in (default: Outpost\'s own)')
    .option('--reinstall', 'uninstall, then install again, even when the agent is already running (the vendor remedy)')
    .option('--override-preflight', 'install even when preflight checks fail')
    .option('--check-tunnel', 'only check the tunnel on the jump servers, and repair it if needed')
    .option('--profiles <dir>', 'your profiles folder (default: <data folder>/profiles)')
    .action(async (file: string, opts: RunCliOptions) => {
      process.exitCode = await runRunCommand(file, opts, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
    });
}

const TARGET = /^([A-Za-z0-9._][A-Za-z0-9._-]*)@([A-Za-z0-9.:_-]+?|\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?$/;

/** Picks `--target` among the answers' targets, or adds it with the first target's login. */
export function selectTarget(answers: Answers, spec: string): { answers: Answers; index: number } | { problem: string } {
  const m = TARGET.exec(spec);
  if (!m?.[1] || !m[2]) return { problem: `--target: "${spec}" is not user@host or user@host:port` };
  const user = m[1];
  const host = m[2].replace(/^\[|\]$/g, '');
  const port = m[3] ? Number(m[3]) : 22;
  if (port < 1 || port > 65535) return { problem: `--target: port ${port} is out of range (1-65535)` };
  const found = answers.targets.findIndex((t) => t.user === user && t.host === host && t.port === port);
  if (found >= 0) return { answers, index: found };
  const model = answers.targets[0];
  const auth = model ? { ...(model.password ? { password: model.password } : {}), ...(model.privateKey ? { privateKey: model.privateKey } : {}), ...(model.agent ? { agent: model.agent } : {}) } : { agent: true as const };
  const t = { host, port, user, ...auth, ...(model?.jump !== undefined ? { jump: model.jump } : {}) };
  return { answers: { ...answers, targets: [...answers.targets, t] }, index: answers.targets.length };
}

export function askHostKey(io: Pick<Io, 'stdin' | 'stderr'>, info: HostKeyInfo): Promise<'accept' | 'reject'> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: io.stdin, output: io.stderr, terminal: true });
    io.stderr.write(
      `\nThe authenticity of host ${info.host} (port ${info.port})${info.via ? ` reached through ${info.via}` : ''} can't be established.\n` +
        `${info.keyType} key fingerprint is ${info.fingerprint}.\n`,
    );
    rl.question('Accept this key and remember it? [y/N] ', (answer) => {
      rl.close();
      resolve(/^y(es)?$/i.test(answer.trim()) ? 'accept' : 'reject');
    });
  });
}

export async function runRunCommand(file: string, opts: RunCliOptions, io: Io): Promise<number> {
  const loaded = loadAnswersFile(file);
  if (!loaded.ok) {
    for (const p of loaded.problems) io.stderr.write(`${formatProblem(p)}\n`);
    return EXIT.invalid;
  }
  let answers = loaded.answers;
  let only: number[] | undefined;
  if (opts.target) {
    const sel = selectTarget(answers, opts.target);
    if ('problem' in sel) {
      io.stderr.write(`${sel.problem}\n`);
      return EXIT.invalid;
    }
    answers = sel.answers;
    only = [sel.index];
  }
  const ctx = cliContext('browser');
  const service = new OutpostService(ctx, { profilesDir: opts.profiles });
  let plan: Plan;
  try {
    plan = service.plan(answers);
  } catch (err) {
    if (err instanceof PlanError) {
      for (const p of err.problems) io.stderr.write(`${formatProblem(p)}\n`);
      return EXIT.invalid;
    }
    throw err;
  }
  const resolver = envResolver(io.env);
  const missing = missingSecrets(plan, resolver);
  if (missing.length) {
    for (const m of missing) io.stderr.write(`${m}\n`);
    io.stderr.write('Set these environment variables in the shell that runs outpost (secrets are never read from the answers file).\n');
    return EXIT.invalid;
  }
  if (!opts.target && plan.hosts.targets.length === 0 && !plan.hosts.thisComputer && !opts.checkTunnel) {
    io.stderr.write('targets: the answers list no target; add one, or pass --target user@host[:port]\n');
    return EXIT.invalid;
  }

  const knownHostsFile = opts.knownHosts ? path.resolve(opts.knownHosts) : path.join(ctx.dataDir, 'known_hosts');
  const interactive = Boolean(io.stdin.isTTY);
  const handle = service.startRun(
    plan,
    { targets: only, acceptNewHostKeys: Boolean(opts.acceptNewHostkeys), overridePreflight: Boolean(opts.overridePreflight), reinstall: Boolean(opts.reinstall), tunnelOnly: Boolean(opts.checkTunnel), answersFile: path.resolve(file) },
    {
      knownHostsFile,
      resolver,
      hostKeyPolicy: async (info) => {
        if (opts.acceptNewHostkeys) {
          io.stderr.write(`Accepted new host key for ${info.host}:${info.port}: ${info.keyType} ${info.fingerprint}\n`);
          return 'accept';
        }
        if (interactive) return askHostKey(io, info);
        io.stderr.write(
          `Unknown host key for ${info.host}:${info.port}: ${info.keyType} ${info.fingerprint}.\n` +
            `Refused: pass --accept-new-hostkeys after checking the fingerprint, or add the key to ${knownHostsFile}.\n`,
        );
        return 'reject';
      },
      emit: (name, payload) => {
        if (name === 'run.host') {
          const h = payload as { host: string; state: string; reason?: string };
          if (isFinalState(h.state)) io.stdout.write(`== ${showControls(h.host)}: ${h.state}${h.reason ? ` — ${h.reason}` : ''}\n`);
          return;
        }
        if (name === 'run.progress') {
          // Uploads: a live line on a terminal; otherwise only the end (scripts and logs get no noise).
          const g = payload as { stepId: string; hostId: string; done: number; total: number };
          // A unit that suits the file: a small one is not "0.0 of 0.0 MiB".
          const a = transferAmounts(g.done, g.total);
          const line = `${g.stepId} [${g.hostId}]: ${a.done} of ${a.total} ${a.unit} sent`;
          if (io.stderr.isTTY) io.stderr.write(`\r${line}${g.done >= g.total ? '\n' : ''}`);
          else if (g.done >= g.total) io.stderr.write(`${line}\n`);
          return;
        }
        if (name !== 'run.step') return;
        const p = payload as { status: string; title: string; host: string; message?: string; stepId: string };
        // A step still running says what it waits for (a jump server coming back).
        if (p.status === 'running') return void (p.message ? io.stderr.write(`… ${p.title} [${p.host}]: ${p.message}\n`) : undefined);
        const mark = p.status === 'done' ? '✔' : p.status === 'failed' ? '✖' : p.status === 'skipped' ? '–' : p.status === 'warning' ? '!' : '■';
        io.stdout.write(`${mark} ${p.status}: ${p.title} [${p.host}]${p.message ? ` — ${p.message}` : ''}\n`);
      },
    },
  );
  // Colours only for a person at a terminal, and never when NO_COLOR is set (no-color.org).
  const colour = Boolean(io.stdout.isTTY) && !io.env.NO_COLOR;
  // eslint-disable-next-line no-control-regex
  const plain = (t: string) => (colour ? t : t.replace(/\x1b\[[0-9;]*m/g, ''));
  handle.terminal.onData((t) => io.stdout.write(plain(t.replace(/\r\n/g, '\n'))));
  const stop = onStop(() => handle.cancel(), (l) => io.stderr.write(`\n${l}\n`));
  try {
    const end = await handle.done;
    io.stdout.write(`Journal: ${end.journal}\n`);
    if (end.outcome === 'failed' && end.hint) io.stderr.write(`hint: ${end.hint}\n`);
    if (end.outcome === 'failed' && end.code && INVALID_INPUT_CODES.has(end.code)) return EXIT.invalid;
    return end.outcome === 'done' ? EXIT.ok : end.outcome === 'cancelled' ? (stop.code ?? EXIT.cancelled) : EXIT.failed;
  } catch (err) {
    io.stderr.write(`outpost run: ${secrets.redact(err instanceof OutpostError ? err.message : String(err))}\n`);
    return EXIT.failed;
  } finally {
    stop.dispose();
  }
}
