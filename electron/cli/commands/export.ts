// `outpost export ansible ANSWERS --hosts FILE --out DIR`: the answers' plan as an Ansible inventory and
// playbook, for fleets run with Ansible. --hosts takes what `outpost batch` takes (iplist.cfg, CSV);
// without it, the answers' targets. known_hosts holds the host keys Outpost verified; hosts without one
// are listed, and --accept-new-hostkeys checks their keys the way `outpost run` does (the fingerprint
// asked about on a terminal, accepted and printed otherwise). No secret is written.
// Exit 0 written, every host with a verified key; 1 written, but hosts lack a verified key (or their
// check failed); 2 invalid input or a step the export cannot map (nothing written); 130 cancelled.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Plan, SecretRef } from '../../common/api/plan';
import { OutpostError } from '../../core/errors';
import { secrets } from '../../core/secrets/registry';
import { exportAnsibleToFolder, fetchHostKeys, formatProblem, loadAnswersFile, OutpostService, PlanError, prepareBatch, verifiedHostKeys, type HostKeyPolicy } from '../../core/service';
import { appVersion } from '../../core/version';
import { cliContext } from '../context';
import { EXIT } from '../exit';
import { onStop } from '../signals';
import { askHostKey } from './run';

export interface ExportCliOptions {
  hosts?: string;
  out: string;
  acceptNewHostkeys?: boolean;
  knownHosts?: string;
  profiles?: string;
  user?: string;
  port?: string;
}

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export function registerExportCommand(program: Command): void {
  const exp = program.command('export').description('Hand the plan over to another tool.');
  exp
    .command('ansible')
    .description('Write the plan as an Ansible inventory and playbook (inventory.yml, site.yml, known_hosts, README.md).')
    .argument('<answers>', 'answers file: the agent, region and connectivity (and the targets, unless --hosts gives them)')
    .requiredOption('--out <dir>', 'folder to write (new, empty, or an earlier export: only the files Outpost wrote are replaced)')
    .option('--hosts <file>', 'host list, as outpost batch takes it: iplist.cfg or CSV host,port,user,password,privateKey,name,jump (passwords are never written)')
    .option('--accept-new-hostkeys', 'check the host key of every host Outpost has not verified yet, as outpost run does (asked on a terminal; accepted and printed otherwise)')
    .option('--known-hosts <file>', "known_hosts file with the verified keys (default: Outpost's own)")
    .option('--user <name>', 'login user for host list lines that give none (default: the answers\' first target, else root)')
    .option('--port <n>', 'SSH port for host list lines that give none (default 22)')
    .option('--profiles <dir>', 'your profiles folder (default: <data folder>/profiles)')
    .addHelpText(
      'after',
      `
Examples:
  outpost export ansible answers.yaml --hosts iplist.cfg --out ./icagent-ansible
  outpost export ansible answers.yaml --hosts hosts.csv --out ./icagent-ansible --accept-new-hostkeys
  cd icagent-ansible && OUTPOST_AK=… OUTPOST_SK=… ansible-playbook -i inventory.yml site.yml

Exit codes: 0 written (every host has a verified key), 1 written but some hosts have no verified key,
  2 invalid input or a step with no faithful Ansible mapping (nothing written), 130 cancelled.`,
    )
    .action(async (file: string, opts: ExportCliOptions) => {
      process.exitCode = await runExportAnsible(file, opts, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
    });
}

export async function runExportAnsible(file: string, opts: ExportCliOptions, io: Io): Promise<number> {
  const fail = (lines: string[]) => {
    for (const l of lines) io.stderr.write(`${secrets.redact(l)}\n`);
    return EXIT.invalid;
  };
  const loaded = loadAnswersFile(file);
  if (!loaded.ok) return fail(loaded.problems.map(formatProblem));
  const answers = loaded.answers;
  const port = opts.port === undefined ? 22 : Number(opts.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return fail([`--port: "${opts.port}" is not a TCP port (1-65535)`]);
  const ctx = cliContext('browser');
  const service = new OutpostService(ctx, { profilesDir: opts.profiles });
  let plan: Plan;
  if (opts.hosts) {
    let text: string;
    try {
      text = fs.readFileSync(opts.hosts, 'utf8');
    } catch {
      return fail([`--hosts: ${opts.hosts} cannot be read`]);
    }
    // The list's lines as `outpost batch` reads them; only whether a host logs in with a password reaches the export.
    const r = prepareBatch(service, { answers, hosts: { text, name: path.basename(opts.hosts) }, user: opts.user, port, env: io.env });
    if (!r.ok) return fail(r.problems.map((p) => p.replace('Nothing was run', 'Nothing was written')));
    plan = r.plan;
  } else {
    try {
      plan = service.plan(answers);
    } catch (err) {
      if (err instanceof PlanError) return fail(err.problems.map(formatProblem));
      throw err;
    }
  }
  if (!plan.hosts.targets.length) return fail(['targets: there is no target to export: give --hosts FILE, or targets in the answers']);
  const knownHosts = service.knownHosts(opts.knownHosts ? path.resolve(opts.knownHosts) : undefined);
  const folder = path.resolve(opts.out);

  const abort = new AbortController();
  const stop = onStop(() => abort.abort(), (l) => io.stderr.write(`\n${l}\n`));
  try {
    let failedChecks: Array<{ id: string; reason: string }> = [];
    if (opts.acceptNewHostkeys) {
      const keys = await verifiedHostKeys(plan, knownHosts);
      const missing = Object.entries(keys).filter(([, v]) => v.length === 0).map(([id]) => id);
      if (missing.length) {
        io.stderr.write(`Checking the host keys of ${missing.length} host${missing.length > 1 ? 's' : ''} Outpost has not verified yet…\n`);
        const interactive = Boolean(io.stdin.isTTY);
        // outpost run's policy: on a terminal the fingerprint is asked about; otherwise accepted and printed.
        const policy: HostKeyPolicy = async (info) => {
          if (interactive) return askHostKey(io, info);
          io.stderr.write(`Accepted new host key for ${info.host}:${info.port}${info.via ? ` (through ${info.via})` : ''}: ${info.keyType} ${info.fingerprint}\n`);
          return 'accept';
        };
        const resolver = (ref: SecretRef) => ('env' in ref ? io.env[ref.env] : undefined);
        failedChecks = await fetchHostKeys(plan, missing, { knownHosts, hostKeyPolicy: policy, resolver, log: ctx.log, signal: abort.signal });
        if (abort.signal.aborted) {
          io.stderr.write('Cancelled: nothing was written.\n');
          return stop.code ?? EXIT.cancelled;
        }
      }
    }
    const r = await exportAnsibleToFolder({ plan, knownHosts, folder, version: appVersion(), signal: abort.signal, source: { answers: path.basename(file), ...(opts.hosts ? { hosts: path.basename(opts.hosts) } : {}) } });
    const targets = r.hosts.filter((h) => h.id.startsWith('target')).length;
    const jumps = r.hosts.length - targets;
    io.stdout.write(`Wrote the Ansible export of ${plan.profile.name} to ${folder}: inventory.yml (${targets} target${targets === 1 ? '' : 's'}${jumps ? `, ${jumps} jump server${jumps === 1 ? '' : 's'}` : ''}), site.yml, known_hosts, README.md and ${r.written.length - 4} more file${r.written.length - 4 === 1 ? '' : 's'}.\n`);
    if (r.env.length) io.stdout.write(`Secrets are read from the environment when it runs: ${r.env.map((e) => e.name).join(', ')}.\n`);
    if (r.passwordHosts.length) io.stdout.write(`${r.passwordHosts.length} host${r.passwordHosts.length === 1 ? ' logs' : 's log'} in with a password: give it with --ask-pass or a vault (README.md).\n`);
    io.stdout.write(`Run it: cd ${folder} && ansible-playbook -i inventory.yml site.yml\n`);
    for (const w of r.warnings) io.stderr.write(`warning: ${w}\n`);
    for (const f of failedChecks) io.stderr.write(`${r.hosts.find((h) => h.id === f.id)?.label ?? f.id}: host key not verified: ${secrets.redact(f.reason)}\n`);
    if (r.hostsWithoutKey.length) {
      io.stderr.write(`${r.hostsWithoutKey.length} host${r.hostsWithoutKey.length === 1 ? ' has' : 's have'} no verified host key; Ansible (StrictHostKeyChecking=yes) will refuse ${r.hostsWithoutKey.length === 1 ? 'it' : 'them'}:\n`);
      for (const h of r.hostsWithoutKey.slice(0, 20)) io.stderr.write(`  ${h.name}: ${h.label}\n`);
      if (r.hostsWithoutKey.length > 20) io.stderr.write(`  … and ${r.hostsWithoutKey.length - 20} more (known_hosts lists them all)\n`);
      if (!opts.acceptNewHostkeys) io.stderr.write('Export again with --accept-new-hostkeys to check their fingerprints (or run outpost run once).\n');
      return EXIT.failed;
    }
    return EXIT.ok;
  } catch (err) {
    if (abort.signal.aborted) {
      io.stderr.write('Cancelled: nothing was written.\n');
      return stop.code ?? EXIT.cancelled;
    }
    if (err instanceof OutpostError) {
      io.stderr.write(`outpost export: ${secrets.redact(err.message)}\n${err.hint ? `hint: ${secrets.redact(err.hint)}\n` : ''}`);
      return EXIT.invalid;
    }
    io.stderr.write(`outpost export: ${secrets.redact(String(err instanceof Error ? err.message : err))}\n`);
    return EXIT.failed;
  } finally {
    stop.dispose();
  }
}
