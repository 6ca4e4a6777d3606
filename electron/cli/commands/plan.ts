// `outpost plan ANSWERS [--json] [--reveal]`: prints the plan (masked) so it can be reviewed, diffed,
// or fed to scripts. Exit 0 ok, 2 on invalid answers (one line per problem), 1 on other failures.
import path from 'node:path';
import type { Command } from 'commander';
import type { Plan, Step } from '../../common/api/plan';
import { OutpostError } from '../../core/errors';
import {
  envResolver,
  formatProblem,
  loadAnswersFile,
  loadProfiles,
  loadRegions,
  PlanError,
  planFromAnswers,
  profileDirs,
  renderStep,
} from '../../core/plan';
import { secrets } from '../../core/secrets/registry';
import { cliContext } from '../context';

const EXIT_FAILED = 1;
const EXIT_INVALID = 2;

interface PlanOptions {
  json?: boolean;
  reveal?: boolean;
}

export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description('Print the plan for an answers file: numbered steps, where each runs, the command, and what success looks like.')
    .argument('<answers>', 'answers file (YAML or JSON; see resources/ANSWERS.md)')
    .option('--json', 'print the plan as JSON (secrets masked)')
    .option('--reveal', 'show secret values from their environment variables (only on a terminal)')
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
    const ctx = cliContext('browser');
    const profiles = loadProfiles(profileDirs(ctx.resourcesDir, ctx.dataDir));
    for (const p of profiles.problems) stderr.write(`outpost plan: warning: profile skipped: ${p}\n`);
    const plan = planFromAnswers(r.answers, { profiles: profiles.profiles, regions: loadRegions(path.join(ctx.resourcesDir, 'regions.yaml')) });
    const resolver = opts.reveal ? envResolver() : undefined;
    const text = (s: Step) => (resolver ? (renderStep(s, 'exec', resolver) ?? s.display) : s.display);
    if (opts.json) {
      const shown: Plan = { ...plan, steps: plan.steps.map((s) => ({ ...s, display: text(s) })), remedies: { uninstall: { ...plan.remedies.uninstall, display: text(plan.remedies.uninstall) } } };
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

function whereText(plan: Plan, s: Step): string {
  switch (s.where.kind) {
    case 'local':
      return 'you (in the cloud console or on this computer)';
    case 'jump': {
      const j = plan.jumpServers[s.where.index];
      return `jump server ${s.where.index}${j ? ` (${j.ssh.user}@${j.ssh.host}:${j.ssh.port})` : ''}`;
    }
    case 'target': {
      const here = plan.thisComputer ? 'this computer' : '';
      if (plan.targets.length === 0) return here || 'each target (none listed)';
      const remote = plan.targets.length === 1 ? `the target (${plan.targets[0]?.user}@${plan.targets[0]?.host})` : `each target (${plan.targets.length})`;
      return here ? `${remote} and ${here}` : remote;
    }
  }
}

function successText(s: Step): string {
  const parts: string[] = [];
  if (s.success.exitCode !== undefined) parts.push(`exit code ${s.success.exitCode}`);
  if (s.success.markers?.length) parts.push(`output shows ${s.success.markers.map((m) => JSON.stringify(m)).join(' or ')}`);
  return parts.join(' and ');
}

const indent = (text: string, pad: string) => text.split('\n').map((l) => pad + l).join('\n');

export function formatPlan(plan: Plan, text: (s: Step) => string = (s) => s.display): string {
  const out: string[] = [];
  const mode = plan.mode === 'jump' ? `through ${plan.jumpServers.length} jump server${plan.jumpServers.length > 1 ? 's' : ''}` : plan.mode === 'vpcep' ? 'through a VPC endpoint' : 'directly';
  out.push(`Plan: ${plan.profile.name} on ${plan.os}, region ${plan.region.id} (${plan.region.nameEn}${plan.region.listed ? '' : ', not in the catalog'}), ${mode}`);
  out.push(`Agents report to ${plan.accessIp}${plan.dc ? `; DC ${plan.dc}` : ''}; install folder ${plan.installDir}`);
  for (const j of plan.jumpServers) out.push(`Jump server ${j.index}: ${j.ssh.user}@${j.ssh.host}:${j.ssh.port} (private IP ${j.privateIp}, ${j.ssh.auth.kind})`);
  for (const t of plan.targets) out.push(`Target ${t.index}: ${t.user}@${t.host}:${t.port} (${t.auth.kind})${t.jump === null ? '' : ` via jump server ${t.jump}`}`);
  if (plan.thisComputer) out.push('Target: this computer (the target steps run in its own shell)');
  out.push('');
  plan.steps.forEach((s, i) => {
    out.push(`${i + 1}. ${s.title}`);
    out.push(`   [${s.kind}] on ${whereText(plan, s)}${s.shell ? `, ${s.shell}` : ''}${s.interactive && s.shell ? ', interactive' : ''}`);
    if (s.command) out.push(indent(`$ ${text(s)}`, '   '));
    else out.push(indent(s.display, '   '));
    if (s.expectPorts) out.push(`   expects: ${s.expectPorts.map((p) => `${p.name} ${p.host}:${p.port}`).join(', ')}`);
    const ok = successText(s);
    if (ok) out.push(`   success: ${ok}`);
    out.push('');
  });
  const u = plan.remedies.uninstall;
  out.push(`If the install fails: uninstall, then run the install step again (the vendor's remedy):`);
  out.push(indent(`$ ${text(u)}`, '   '));
  if (plan.warnings.length) {
    out.push('');
    out.push('Warnings:');
    for (const w of plan.warnings) out.push(`  - ${w}`);
  }
  return `${out.join('\n')}\n`;
}

