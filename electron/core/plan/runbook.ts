// The plan as a runbook: one script per kind of host (the console's manual steps, each jump server,
// the targets), in plan order, for admins who run it themselves or file it with a change request.
// Commands are as on the Review page: masked, unless the caller revealed them (then `text` resolves
// the secrets). Steps Outpost does itself (file writes, uploads, checks) are described in comments.
import type { Plan, Step } from '../../common/api/plan';

export interface RunbookFile {
  name: string;
  text: string;
}

const comment = (prefix: string, text: string) =>
  text
    .split('\n')
    .map((l) => `${prefix} ${l}`.trimEnd())
    .join('\n');

export function runbook(plan: Plan, text: (s: Step) => string): RunbookFile[] {
  const files: RunbookFile[] = [];
  const visible = plan.steps.filter((s) => !s.optional);
  const consoleSteps = visible.filter((s) => s.on === 'console' || s.on === 'local');
  if (consoleSteps.length) {
    const body = consoleSteps.map((s, i) => `${i + 1}. ${s.title}\n\n${text(s)}\n`).join('\n');
    files.push({ name: '0-console.txt', text: `${plan.profile.name}: manual steps, before anything runs on a host\n\n${body}` });
  }
  const script = (title: string, steps: Step[], shell: 'bash' | 'cmd', header: string[]): string => {
    const c = shell === 'cmd' ? 'REM' : '#';
    const lines: string[] = shell === 'cmd' ? ['@echo off', `REM ${title}`] : ['#!/usr/bin/env bash', `# ${title}`, 'set -euo pipefail'];
    for (const h of header) lines.push(`${c} ${h}`);
    steps.forEach((s, i) => {
      lines.push('', `${c} ---- ${i + 1}. [${s.id}] ${s.title}`);
      if (s.guard) lines.push(`${c} (Outpost skips this step when ${s.guard.says})`);
      const a = s.action;
      if (a.kind === 'exec' || a.kind === 'forward') lines.push(text(s));
      else lines.push(comment(c, `${a.kind === 'probe' ? 'check' : a.kind}: ${s.display}`));
    });
    return `${lines.join(shell === 'cmd' ? '\r\n' : '\n')}${shell === 'cmd' ? '\r\n' : '\n'}`;
  };
  for (const j of plan.hosts.jumps) {
    const steps = visible.filter((s) => s.on === j.id && s.phase !== 'connect');
    if (!steps.length) continue;
    files.push({ name: `1-jump-server-${j.index + 1}.sh`, text: script(`Jump server ${j.index + 1}: ${j.ssh.user}@${j.ssh.host}:${j.ssh.port} (private address ${j.privateIp})`, steps, 'bash', ['Run as the jump server user; values in <angle brackets> are known only during a run (e.g. the host key Outpost verified).']) });
  }
  const target = visible.filter((s) => s.on === 'targets' && s.phase !== 'connect');
  if (target.length) {
    const shell = plan.os === 'windows' ? 'cmd' : 'bash';
    const where = plan.hosts.thisComputer ? 'this computer' : plan.hosts.targets.map((t) => `${t.ssh.user}@${t.ssh.host}:${t.ssh.port}`).join(', ');
    files.push({
      name: plan.os === 'windows' ? '2-targets.cmd' : '2-targets.sh',
      text: script(`Each host: ${where}`, target, shell, ['Run on each host (as root, or a user with sudo); {host.address} and {host.name} stand for that host\'s address and name.']),
    });
  }
  return files;
}
