// The plan as a runbook: one file per kind of host (the console's manual steps, each jump server, the
// targets), in plan order, for admins who run it themselves or file it with a change request. The
// scripts run as they are (`bash -n` and shellcheck clean, test/unit/plan/runbook.test.ts): each step
// in a subshell of its own, as Outpost runs it (a step's `exit` ends that step, and vendor installers
// never run under `set -euo pipefail`), the script stopping at the first that fails. The targets script
// runs on the admin's computer and loops over the hosts, each host's steps going to one bash over ssh.
// Commands are as on the Review page: masked, unless the caller revealed them (then `text` resolves the
// secrets). Run-time values (the host key Outpost verified) are variables set at the top: to the value
// when `known` has it, else a `# fill in` line. Steps Outpost does itself (uploads, file writes) are comments.
import type { Plan, Step } from '../../common/api/plan';
import { factVar, runnableText, shq, stepFacts, withFacts } from '../../common/copy-text';

export interface RunbookFile {
  name: string;
  text: string;
}

const comment = (prefix: string, text: string) =>
  text
    .split('\n')
    .map((l) => `${prefix} ${l}`.trimEnd())
    .join('\n');

// Vendor installers are sourced from where the upload put them, on the host only: shellcheck cannot follow them.
const SHELLCHECK = ['# shellcheck disable=SC1091'];

/** Always in single quotes (an unquoted comma in an array reads like a mistake to shellcheck). */
const quoted = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

const indent = (text: string, by: string) =>
  text
    .split('\n')
    .map((l) => (l ? `${by}${l}` : l))
    .join('\n');

export function runbook(plan: Plan, text: (s: Step) => string, known: Record<string, string> = {}): RunbookFile[] {
  const files: RunbookFile[] = [];
  const visible = plan.steps.filter((s) => !s.optional);
  const consoleSteps = visible.filter((s) => s.on === 'console' || s.on === 'local');
  if (consoleSteps.length) {
    const body = consoleSteps.map((s, i) => `${i + 1}. ${s.title}\n\n${text(s)}\n`).join('\n');
    files.push({ name: '0-console.txt', text: `${plan.profile.name}: manual steps, before anything runs on a host\n\n${body}` });
  }

  /**
   * A check step, one command a line, each of which must pass (errexit does not work in a checked
   * subshell); a check that is a program of several lines (a profile's command probe) is one group.
   */
  const probeText = (s: Step, plan: Plan): string => {
    const a = s.action;
    if (a.kind !== 'probe' || a.probes.some((p) => p.kind === 'login')) return checked(runnableText(s, plan));
    return a.probes
      .map((p) => {
        const one = runnableText({ ...s, action: { ...a, probes: [p] } }, plan);
        return p.kind === 'command' && one.includes('\n') ? `{\n${indent(one, '  ')}\n} || exit 1` : checked(one);
      })
      .join('\n');
  };
  const checked = (t: string) => t.split('\n').map((l) => (l.startsWith('#') || l.startsWith(': ') || /\bexit\b/.test(l) ? l : `${l} || exit 1`)).join('\n');

  /** The steps as bash: each in a subshell, checked; `stop` ends the script (exit) or the function (return). */
  const bashSteps = (steps: Step[], stop: 'exit' | 'return'): { body: string; facts: string[] } => {
    const lines: string[] = [];
    const facts = new Set<string>();
    steps.forEach((s, i) => {
      lines.push('', `# ---- ${i + 1}. [${s.id}] ${s.title}`);
      if (s.guard) lines.push(`# (Outpost skips this step when ${s.guard.says})`);
      const a = s.action;
      if (a.kind === 'exec' || a.kind === 'forward' || a.kind === 'probe') {
        for (const f of stepFacts(s)) facts.add(f);
        // A check step holds one command a line: each must pass (errexit does not work in a checked subshell).
        const cmd = a.kind === 'exec' ? text(s) : a.kind === 'probe' ? probeText(s, plan) : runnableText(s, plan);
        const failed = shq(`OUTPOST step ${i + 1} [${s.id}] failed`);
        lines.push('(', indent(cmd, '  '), `) || { echo ${failed} >&2; ${stop} 1; }`);
      } else {
        lines.push(comment('#', `${a.kind}: ${s.display}`));
      }
    });
    return { body: lines.join('\n'), facts: [...facts] };
  };
  /** Run-time values as variables above the steps (the value when known, else a `# fill in` line). */
  const withValues = (body: string, facts: string[]): string => (facts.length ? withFacts(body, facts, known, plan) : body);

  for (const j of plan.hosts.jumps) {
    const steps = visible.filter((s) => s.on === j.id && s.phase !== 'connect');
    if (!steps.length) continue;
    const { body, facts } = bashSteps(steps, 'exit');
    const head = [
      '#!/usr/bin/env bash',
      ...SHELLCHECK,
      `# Jump server ${j.index + 1}: ${j.ssh.user}@${j.ssh.host}:${j.ssh.port} (private address ${j.privateIp})`,
      `# Run on the jump server as ${j.ssh.user}. Each step runs in a subshell of its own; the script stops at the first that fails.`,
    ];
    files.push({ name: `1-jump-server-${j.index + 1}.sh`, text: `${head.join('\n')}\n${withValues(body, facts)}\n` });
  }

  const target = visible.filter((s) => s.on === 'targets' && s.phase !== 'connect');
  if (target.length && plan.os === 'windows') {
    const where = plan.hosts.thisComputer ? 'this computer' : plan.hosts.targets.map((t) => `${t.ssh.user}@${t.ssh.host}:${t.ssh.port}`).join(', ');
    const lines = ['@echo off', `REM Each host: ${where}`, "REM Run on each host as an administrator; {host.address} and {host.name} stand for that host's address and name."];
    target.forEach((s, i) => {
      lines.push('', `REM ---- ${i + 1}. [${s.id}] ${s.title}`);
      if (s.guard) lines.push(`REM (Outpost skips this step when ${s.guard.says})`);
      const a = s.action;
      if (a.kind === 'exec' || a.kind === 'forward') lines.push(text(s));
      else lines.push(comment('REM', `${a.kind === 'probe' ? 'check' : a.kind}: ${s.display}`));
    });
    files.push({ name: '2-targets.cmd', text: `${lines.join('\r\n')}\r\n` });
  } else if (target.length) {
    const { body, facts } = bashSteps(target, 'return');
    const head = ['#!/usr/bin/env bash', ...SHELLCHECK];
    if (plan.hosts.thisComputer) {
      head.push('# This computer: run as root (or with sudo). Each step runs in a subshell of its own; the script stops at the first that fails.');
      files.push({ name: '2-targets.sh', text: `${head.join('\n')}\n${withValues(`outpost_steps() {${indent(body, '  ')}\n}\n\noutpost_steps || exit 1`, facts)}\n` });
    } else {
      const hosts = plan.hosts.targets.filter((t) => t.by !== 'seed');
      const entry = (t: (typeof hosts)[number]): string => {
        const via = t.via ? plan.hosts.jumps.find((j) => j.id === t.via) : undefined;
        return quoted(`${t.ssh.user}@${t.ssh.host}:${t.ssh.port}${via ? `,${via.ssh.user}@${via.ssh.host}:${via.ssh.port}` : ''}`);
      };
      head.push(
        `# Each host: ${hosts.map((t) => t.name ?? `${t.ssh.user}@${t.ssh.host}:${t.ssh.port}`).join(', ')}`,
        '# Run on your computer: it logs in to each host with ssh (through its jump server with -J) and runs the steps',
        '# below there in one bash, as root or with sudo without a password. Each step runs in a subshell of its own;',
        "# a host stops at its first failing step and the loop goes on with the next host. {host.address} and {host.name}",
        "# stand for that host's address and name.",
      );
      const loop = [
        '',
        `hosts=(${hosts.map(entry).join(' ')})`,
        'failed=()',
        'for h in "${hosts[@]}"; do',
        '  IFS=, read -r dest jump <<<"$h"',
        '  echo "==== ${dest}"',
        '  # The steps travel on ssh\'s stdin (never on a command line); the remote bash reads them, then runs them.',
        '  if ! { declare -f outpost_steps; echo outpost_steps; } | ssh -p "${dest##*:}" ${jump:+-J "$jump"} "${dest%:*}" \'if [ "$(id -u)" = 0 ]; then exec bash -s; else exec sudo -n bash -s; fi\'; then',
        '    failed+=("$dest")',
        '  fi',
        'done',
        'if [ ${#failed[@]} -gt 0 ]; then echo "failed on: ${failed[*]}" >&2; exit 1; fi',
        'echo "done on every host"',
      ];
      // The values are set on this computer; the function carries them in its text to each host.
      let fn = `outpost_steps() {${indent(body, '  ')}\n}`;
      const vars = facts.length ? withFacts('', facts, known, plan).trimEnd() : '';
      for (const f of facts) fn = fn.split(`<${f}>`).join(`"$${factVar(f)}"`);
      files.push({ name: '2-targets.sh', text: `${head.join('\n')}\n${vars ? `${vars}\n` : ''}${fn}\n${loop.join('\n')}\n` });
    }
  }
  return files;
}
