// `outpost plan ANSWERS [--json] [--reveal] [--hosts FILE [--inherit-from user@host]]`: prints the plan
// (masked) so it can be reviewed, diffed, or fed to scripts — for a batch's host list, and for the
// inherited installation too. Exit 0 ok, 2 on invalid answers (one line per problem), 1 on other failures.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Plan, Step } from '../../common/api/plan';
import { OutpostError } from '../../core/errors';
import { secrets } from '../../core/secrets/registry';
import { envResolver, formatProblem, loadAnswersFile, OutpostService, PlanError, prepareBatch, prepareInherited, prepareLifecycle, probeText, renderStep, type Answers } from '../../core/service';
import { cliContext } from '../context';
import { parseInheritFrom } from './batch';

const EXIT_FAILED = 1;
const EXIT_INVALID = 2;

interface PlanOptions {
  json?: boolean;
  reveal?: boolean;
  profiles?: string;
  hosts?: string;
  inheritFrom?: string;
  /** The uninstall's plan (`outpost uninstall`), with the tunnel's removal after it (`--remove-tunnel`). */
  uninstall?: boolean;
  removeTunnel?: boolean;
  /** The check's plan (`outpost check`). */
  check?: boolean;
}

export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description('Print the plan for an answers file: numbered steps, where each runs, the command, and what success looks like.')
    .argument('<answers>', 'answers file (YAML or JSON; see resources/ANSWERS.md)')
    .option('--json', 'print the plan as JSON (secrets masked)')
    .option('--reveal', 'show secret values from their environment variables (only on a terminal)')
    .option('--profiles <dir>', "your profiles folder (default: <data folder>/profiles)")
    .option('--hosts <file>', 'the plan for this host list, as outpost batch runs it')
    .option('--inherit-from <user@host[:port]>', 'with --hosts: the plan of the inherited installation from that host')
    .option('--uninstall', 'the plan of outpost uninstall: the profile\'s uninstall steps, then proof the agent is gone')
    .option('--remove-tunnel', "with --uninstall: and, after it, the tunnel's removal from each jump server")
    .option('--check', 'the plan of outpost check (read-only)')
    .action((file: string, opts: PlanOptions) => {
      process.exitCode = runPlanCommand(file, opts, process.stdout, process.stderr);
    });
}

interface Out {
  write(s: string): unknown;
  isTTY?: boolean;
}

export function runPlanCommand(file: string, opts: PlanOptions, stdout: Out, stderr: Out): number {
  if (opts.reveal && !stdout.isTTY) {
    stderr.write('outpost plan: --reveal prints secrets and only works when the output is a terminal (not a pipe or a file).\n');
    return EXIT_INVALID;
  }
  const r = loadAnswersFile(file);
  if (!r.ok) {
    for (const p of r.problems) stderr.write(`${formatProblem(p)}\n`);
    return EXIT_INVALID;
  }
  try {
    const service = new OutpostService(cliContext('browser'), { profilesDir: opts.profiles });
    for (const p of service.profiles().problems) stderr.write(`outpost plan: warning: profile skipped: ${p}\n`);
    const plan = planFor(service, r.answers, opts);
    if (typeof plan === 'string') {
      stderr.write(plan);
      return EXIT_INVALID;
    }
    const resolver = opts.reveal ? envResolver() : undefined;
    const text = (s: Step) => {
      if (!resolver) return s.display;
      try {
        return renderStep(s, 'exec', resolver) ?? s.display;
      } catch (err) {
        // A value known only during the run (the jump server's verified host key): show it as <name>.
        if (err instanceof OutpostError && err.code === 'plan.fact_missing') return s.display;
        throw err;
      }
    };
    if (opts.json) {
      const shown: Plan = { ...plan, steps: plan.steps.map((s) => ({ ...s, display: text(s) })) };
      const out = `${JSON.stringify(shown, null, 2)}\n`;
      stdout.write(opts.reveal ? out : secrets.redact(out));
    } else {
      const out = formatPlan(plan, text);
      stdout.write(opts.reveal ? out : secrets.redact(out));
    }
    return 0;
  } catch (err) {
    if (err instanceof PlanError) {
      for (const p of err.problems) stderr.write(`${formatProblem(p)}\n`);
      return EXIT_INVALID;
    }
    if (err instanceof OutpostError) {
      stderr.write(`outpost plan: ${secrets.redact(err.message)}${err.hint ? `\n  ${err.hint}` : ''}\n`);
      return err.code.startsWith('secret.') ? EXIT_INVALID : EXIT_FAILED;
    }
    stderr.write(`outpost plan: ${secrets.redact(err instanceof Error ? err.message : String(err))}\n`);
    return EXIT_FAILED;
  }
}

/** The plan of the answers, of a batch over --hosts, or of the inherited installation; a string of problems otherwise. */
function planFor(service: OutpostService, answers: Answers, opts: PlanOptions): Plan | string {
  if (opts.uninstall || opts.check) {
    if (opts.inheritFrom) return '--inherit-from: not with --uninstall or --check\n';
    if (opts.uninstall && opts.check) return '--uninstall and --check: give one of them\n';
    let hosts: { text: string; name: string } | undefined;
    if (opts.hosts) {
      try {
        hosts = { text: fs.readFileSync(opts.hosts, 'utf8'), name: path.basename(opts.hosts) };
      } catch {
        return `--hosts: ${opts.hosts} cannot be read\n`;
      }
    }
    const r = prepareLifecycle(service, { answers, hosts, env: process.env, planOnly: true }, opts.check ? 'check' : 'uninstall', { removeTunnel: Boolean(opts.removeTunnel) });
    if (!r.ok) return `${r.problems.join('\n')}\n`;
    // The tunnel's removal runs after the targets' uninstall, as a run of its own: shown after it.
    return r.tunnel ? { ...r.plan, steps: [...r.plan.steps, ...r.tunnel.steps.filter((s) => s.phase !== 'connect')] } : r.plan;
  }
  if (opts.removeTunnel) return '--remove-tunnel: only with --uninstall\n';
  if (!opts.hosts) {
    if (opts.inheritFrom) return '--inherit-from: give the host list with --hosts FILE\n';
    return service.plan(answers);
  }
  let text: string;
  try {
    text = fs.readFileSync(opts.hosts, 'utf8');
  } catch {
    return `--hosts: ${opts.hosts} cannot be read\n`;
  }
  const hosts = { text, name: path.basename(opts.hosts) };
  const seed = opts.inheritFrom ? parseInheritFrom(opts.inheritFrom) : null;
  if (opts.inheritFrom && !seed) return `--inherit-from: "${opts.inheritFrom}" is not user@host[:port]\n`;
  const r = seed ? prepareInherited(service, { answers, hosts, env: process.env, seed, planOnly: true }) : prepareBatch(service, { answers, hosts, env: process.env, planOnly: true });
  return r.ok ? r.plan : `${r.problems.join('\n')}\n`;
}

/** What happens when the step fails: the remedy by itself and one more try, or the remedy only in a reinstall. */
export function failureText(s: Step): string {
  const f = s.onFailure;
  if (!f) return '';
  if (!f.remedy) return f.hint;
  return f.retry === 'once' ? `step ${f.remedy} runs by itself, then this step is tried once more; if it fails again: ${f.hint}` : `${f.hint} (step ${f.remedy} runs before this step only in a reinstall: --reinstall)`;
}

function whereText(plan: Plan, s: Step): string {
  if (s.on === 'seed') return plan.hosts.seed?.label ?? 'the host that has the agent';
  if (s.on === 'console') return 'you, in the cloud console';
  if (s.on === 'local') return 'this computer';
  if (s.on.startsWith('jump')) return plan.hosts.jumps.find((j) => j.id === s.on)?.label ?? s.on;
  if (s.on.startsWith('proxy')) return plan.hosts.proxies?.find((j) => j.id === s.on)?.label ?? s.on;
  const n = plan.hosts.targets.length;
  const here = plan.hosts.thisComputer ? 'this computer' : '';
  if (n === 0) return here || 'each target (none listed)';
  const remote = n === 1 ? (plan.hosts.targets[0]?.label ?? 'the target') : `each of the ${n} targets`;
  return here ? `${remote} and ${here}` : remote;
}

function successText(s: Step): string {
  const a = s.action;
  if (a.kind !== 'exec') return '';
  const parts: string[] = [];
  if (a.success.exitCode !== undefined) parts.push(`exit code ${a.success.exitCode}`);
  if (a.success.markers?.length) parts.push(`output shows ${a.success.markers.map((m) => JSON.stringify(m)).join(' or ')}`);
  return parts.join(' and ');
}

const indent = (text: string, pad: string) => text.split('\n').map((l) => pad + l).join('\n');

export function formatPlan(plan: Plan, text: (s: Step) => string = (s) => s.display): string {
  const out: string[] = [];
  const jumps = plan.hosts.jumps.length;
  const mode = plan.mode === 'jump' ? `through ${jumps} jump server${jumps > 1 ? 's' : ''}` : plan.mode === 'bastion' ? `by SSH through ${jumps} jump server${jumps > 1 ? 's' : ''} (nothing forwarded)` : plan.mode === 'vpcep' ? 'through a VPC endpoint' : 'directly';
  const region = plan.region ? `, region ${plan.region.id} (${plan.region.nameEn}${plan.region.listed ? '' : ', not in the catalog'})` : '';
  out.push(`Plan: ${plan.profile.name} on ${plan.os}${region}, ${mode}`);
  const v = plan.values;
  // Only where the address is used: some agents (nova-agent) talk to no network address at all.
  const reports = v.accessIp !== undefined && (plan.mode !== 'direct' || plan.steps.some((s) => s.display.includes(v.accessIp ?? '')));
  out.push(`${reports ? `Agents report to ${v.accessIp}${v.dc ? `; DC ${v.dc}` : ''}; i` : 'I'}nstall folder ${v.installDir ?? '?'}`);
  for (const j of plan.hosts.jumps) out.push(`${j.label[0]?.toUpperCase()}${j.label.slice(1)}: private IP ${j.privateIp}, ${j.ssh.auth.kind} [${j.id}]`);
  for (const p of plan.hosts.proxies ?? []) out.push(`${p.label[0]?.toUpperCase()}${p.label.slice(1)}: runs the remote forwards into jump server ${p.index + 1}, ${p.ssh.auth.kind} [${p.id}]`);
  if (plan.hosts.seed) out.push(`Installs the others: ${plan.hosts.seed.label} [seed]`);
  for (const t of plan.hosts.targets) out.push(`Target ${t.label}: ${t.by === 'seed' ? 'installed by the seed\'s installer' : t.ssh.auth.kind}${t.via ? ` via ${plan.hosts.jumps.find((j) => j.id === t.via)?.label ?? t.via}` : ''} [${t.id}]`);
  if (plan.hosts.thisComputer) out.push('This computer: the target steps also run in its own shell [local]');
  out.push('');
  plan.steps.forEach((s, i) => {
    const retried = s.phase === 'remedy' && plan.steps.some((x) => x.onFailure?.remedy === s.id && x.onFailure.retry === 'once');
    out.push(`${i + 1}. ${s.title}${s.optional ? (retried ? ' (when the step it remedies fails, and when reinstalling)' : ' (only when reinstalling)') : ''}`);
    const a = s.action;
    out.push(`   [${s.id}] ${s.phase}, ${a.kind} on ${whereText(plan, s)}${a.kind === 'exec' ? `, ${a.shell}${a.interactive ? ', interactive' : ''}` : ''}`);
    if (a.kind === 'exec') out.push(indent(`$ ${text(s)}`, '   '));
    else if (a.kind === 'probe') out.push(indent(a.probes.map((p) => `check: ${probeText(p)}`).join('\n'), '   '));
    else out.push(indent(s.display, '   '));
    if (s.secrets?.length) out.push(`   ${s.secrets.map((x) => `**** = ${x.name} from ${x.from}`).join('; ')}`);
    // Where the template comes from, and whether part of it is Outpost's own choice (the Review page's badge).
    if (s.description.startsWith('Source: ')) out.push(`   ${s.inferred ? 'inferred: ' : ''}${s.description.slice(0, 1).toLowerCase()}${s.description.slice(1)}`);
    if (s.guard) out.push(`   skipped when: ${s.guard.says}`);
    if (s.onFailure) out.push(`   if it fails: ${failureText(s)}`);
    const ok = successText(s);
    if (ok) out.push(`   success: ${ok}`);
    out.push('');
  });
  if (plan.warnings.length) {
    out.push('Warnings:');
    for (const w of plan.warnings) out.push(`  - ${w}`);
  }
  return `${out.join('\n')}\n`;
}
