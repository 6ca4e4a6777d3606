// probe: read-only checks with a verdict (preflight, verify, guards, the tunnel's health). The runner
// gathers facts on the host and judges them here (./run.ts, ./preflight.ts); the playbook runs the same
// commands as small sh scripts that print the runner's verdicts word for word (./ansible.ts). A failed
// check fails the step, except in a preflight the user chose to override.
import type { Probe, Step } from '../../../common/api/plan';
import type { CheckResult, MessagePart } from '../../../common/api/run';
import { bracket } from '../../../common/forward';
import { renderPieces } from '../../render';
import { OVERRIDE, text, type AnsibleStep, type Task } from '../ansible-kit';
import { escapeLiteral, secretPieces, unmappable } from '../jinja';
import { StepFailure, type ActionModule, type StepContext } from '../types';
import { connectedExpr, hostChecks, trafficCheck } from './ansible';
import { runProbes } from './run';

export function probeText(p: Probe): string {
  switch (p.kind) {
    case 'login':
      return 'log in over SSH (host key verified)';
    case 'clock':
      return 'clock and time zone match this computer';
    case 'platform':
      return `${p.os} on ${p.arch.join(' or ')}`;
    case 'disk':
      return `at least ${p.minFreeMiB} MiB free for ${p.path}`;
    case 'tools':
      return `commands: ${p.anyOf.map((g) => g.join(' or ')).join(', ')}`;
    case 'privilege':
      return p.os === 'windows' ? 'administrator rights (an elevated session)' : 'root, or sudo without a password';
    case 'reach':
      return `reaches ${p.targets.map((t) => `${t.name} ${bracket(t.host)}:${t.port}`).join(', ')}`;
    case 'listening':
      return `listening: ${p.forwards.map((f) => `${f.name} ${bracket(f.listenHost)}:${p.port ?? f.listenPort}`).join(', ')}`;
    case 'tunnelHealthy':
      return `tunnel healthy: ${p.forwards.length} forwards listening and carried by one ssh`;
    case 'tunnelTraffic':
      return `agent traffic from this host seen through the tunnel on ports ${p.ports.join(', ')}`;
    case 'process':
      return `process ${p.name} runs (${p.match})`;
    case 'service':
      return `service ${p.name} is ${p.expect}`;
    case 'http':
      return `${p.url} answers HTTP ${p.status.join(' or ')}`;
    case 'connections':
      return `${p.process} has connections to ${p.ports.join(', ')} ESTABLISHED`;
    case 'command':
      return `${p.name}: ${renderPieces(p.command, p.shell, 'display')}`;
    case 'confirmed':
      return `the installer of step ${p.step} confirmed ${p.address}`;
    case 'keyLogin':
      return `log in as ${p.user} with the key ${p.keyPath} (host key verified)`;
  }
}

const mark = (c: CheckResult) => (c.status === 'pass' ? '\x1b[32mpass\x1b[0m' : c.status === 'warn' ? '\x1b[33mwarn\x1b[0m' : '\x1b[31mFAIL\x1b[0m');

/** Fails the step on a failed check (a preflight the user overrides only warns). */
function judge(step: Step, host: string, checks: CheckResult[], overridePreflight: boolean): void {
  const fails = checks.filter((c) => c.status === 'fail');
  if (!fails.length || (step.phase === 'preflight' && overridePreflight)) return;
  const what = step.phase === 'preflight' ? 'Preflight' : step.phase === 'verify' ? 'Verify' : step.title;
  const code = step.phase === 'preflight' ? 'preflight_failed' : step.phase === 'verify' ? 'verify_failed' : 'check_failed';
  const hint = `${fails[0]?.hint ? `${fails[0].hint} ` : ''}${step.phase === 'preflight' ? 'To install anyway, override preflight (--override-preflight).' : ''}`.trim();
  throw new StepFailure(step.id, code, `${what} failed on ${host}: ${fails.map((c) => `${c.name} (${c.detail})`).join('; ')}.`, hint, checks);
}

/** Runs probes on the step's host (guards use it too). */
export function probeOn(probes: readonly Probe[], c: StepContext) {
  return runProbes(probes, { ex: c.ex, signal: c.signal, resolver: c.resolver, secrets: c.secrets, facts: c.facts, jump: c.jump, ...(c.peer ? { peerAddress: c.peer } : {}), relogin: c.relogin });
}

function probeTasks(probes: readonly Probe[], c: AnsibleStep): Task[] {
  const s = c.step;
  const onHost = probes.filter((p) => p.kind !== 'tunnelTraffic' && p.kind !== 'login' && p.kind !== 'keyLogin');
  const traffic = probes.filter((p): p is Extract<Probe, { kind: 'tunnelTraffic' }> => p.kind === 'tunnelTraffic');
  const tasks: Task[] = [];
  const regs: string[] = [];
  if (onHost.length) {
    const { text: body, shell } = hostChecks(onHost, c.checks());
    const envs = secretPieces(onHost.flatMap((p) => (p.kind === 'command' ? p.command : []))).map((p) => c.useSecret(p));
    tasks.push(c.scriptTask(c.title, shell, `${s.id}.check.sh.j2`, body, { register: c.reg, changed_when: false, failed_when: false, timeout: 120 + 60 * onHost.filter((p) => p.kind === 'command').length, ...(envs.length ? { no_log: true } : {}), ...c.when() }));
    regs.push(c.reg);
    // Whether the steps marked root become root (sudo), for every later step.
    if (onHost.some((p) => p.kind === 'privilege')) tasks.push({ name: text(`${s.id} (sudo for root steps?)`), 'ansible.builtin.set_fact': { outpost_sudo: `{{ 'OUTPOST_SUDO yes' in ${c.reg}.stdout }}` }, when: `${c.reg} is not skipped` });
  }
  traffic.forEach((p, i) => {
    const r = `${c.reg}_traffic${i ? i + 1 : ''}`;
    if (s.on !== 'targets') return;
    const w = c.when().when;
    tasks.push(c.scriptTask(`${s.id}: agent traffic on ports ${p.ports.join(', ')} (seen from the jump server)`, 'sh', `${s.id}.traffic${i ? i + 1 : ''}.sh.j2`, trafficCheck(p, c.checks(), onHost.length ? connectedExpr(onHost, c.reg) : undefined), { register: r, changed_when: false, failed_when: false, timeout: 60, delegate_to: '{{ outpost_via }}', when: [w ? `(${w})` : '', 'outpost_via is defined'].filter(Boolean).join(' and ') }));
    regs.push(r);
  });
  // A key login a step set up: Ansible logs in again as that user with that key (its own host key check), without become.
  probes.forEach((p) => {
    if (p.kind !== 'keyLogin') return;
    tasks.push({ name: text(`${s.id}: ${probeText(p)}`), 'ansible.builtin.ping': {}, vars: { ansible_user: escapeLiteral(p.user), ansible_ssh_private_key_file: escapeLiteral(p.keyPath), ansible_become: false }, ...c.when() });
  });
  if (!regs.length) return tasks;
  const lines = `(${regs.map((r) => `(${r}.stdout_lines | default([]))`).join(' + ')}) | select('match', '^OUTPOST_CHECK ') | map('regex_replace', '^OUTPOST_CHECK ', '') | map('regex_replace', outpost_mask | default('') or '^$NEVER', '****') | list`;
  const fails = `(${lines}) | select('match', '^FAIL ') | list`;
  const what = s.phase === 'preflight' ? 'Preflight' : s.phase === 'verify' ? 'Verify' : escapeLiteral(s.title);
  const overridable = s.phase === 'preflight';
  tasks.push({
    name: text(`${s.id} (result)`),
    'ansible.builtin.assert': {
      that: [`(${fails}) | length == 0`, ...regs.slice(0, 1).map((r) => `(${r}.stdout_lines | default([]) | select('match', '^OUTPOST_CHECK ') | list | length) > 0 or ${r}.rc == 0`)],
      success_msg: `{{ ${lines} }}`,
      fail_msg: `${what} failed on {{ inventory_hostname }}: {{ (${fails}) | map('regex_replace', '^FAIL ', '') | map('regex_replace', ' — .*$', '') | join('; ') }}.{% if (${fails}) | select('search', ' — ') | list %} — hint: {{ (${fails}) | select('search', ' — ') | first | regex_replace('^.*? — ', '') }}{% endif %}${overridable ? ' (to install anyway: -e outpost_override_preflight=true)' : ''}{% if ${regs[0]}.stderr | default('') %} {{ ${regs[0]}.stderr }}{% endif %}`,
      quiet: false,
    },
    ...(overridable ? { ignore_errors: `{{ ${OVERRIDE} }}` } : {}),
    when: `${regs[0]} is not skipped`,
  });
  return tasks;
}

/** Probes whose pass means the agent itself still runs there (a command may test what outlives it: a forward). */
const RUNNING = new Set<Probe['kind']>(['process', 'service', 'connections', 'listening']);

/**
 * An uninstall's proof: the host counts as removed when no probe of a running agent (process, service,
 * its connections, its port) passes or is unsure, and the verify as a whole fails. A command probe
 * that still passes is said (a warning), since it may test what outlives the agent (a tunnel).
 */
async function absent(probes: readonly Probe[], c: StepContext) {
  const turned: CheckResult[] = [];
  for (const p of probes) {
    const r = await probeOn([p], c);
    for (const x of r.checks) {
      if (x.status === 'fail') turned.push({ name: x.name, status: 'pass', detail: `gone: ${x.detail}` });
      else if (RUNNING.has(p.kind)) turned.push({ name: x.name, status: 'fail', detail: x.status === 'pass' ? `still there: ${x.detail}` : `could not tell: ${x.detail}`, hint: "The uninstall did not remove it: see the uninstall step's output above, or remove it by hand." });
      else turned.push({ name: x.name, status: 'warn', detail: `still passes: ${x.detail}` });
    }
  }
  for (const x of turned) c.output(`${mark(x)} ${x.name}: ${x.detail}\r\n`);
  const left = turned.filter((x) => x.status === 'fail');
  if (!turned.some((x) => x.status === 'pass')) left.push(...turned.filter((x) => x.status === 'warn').map((x) => ({ ...x, status: 'fail' as const, hint: 'Every check still passes: the agent looks installed as before.' })));
  if (left.length) throw new StepFailure(c.step.id, 'still_installed', `Still installed on ${c.host}: ${left.map((x) => `${x.name} (${x.detail})`).join('; ')}.`, left[0]?.hint ?? '', turned);
  return { checks: turned, status: turned.some((x) => x.status === 'warn') ? ('warning' as const) : ('done' as const), message: `removed: ${turned.map((x) => x.detail).join('; ')}` };
}

/**
 * The uninstall's proof in a playbook, judged by the runner's rule (absent above): each probe's check
 * script on its own (so the kind of every line is known), then one assert — no probe of a running agent
 * passes or is unsure, and at least one check fails now (else the agent looks installed as before).
 */
function absentTasks(probes: readonly Probe[], c: AnsibleStep): Task[] {
  const s = c.step;
  const onHost = probes.filter((p) => p.kind !== 'tunnelTraffic' && p.kind !== 'login' && p.kind !== 'confirmed');
  if (!onHost.length) throw unmappable(s.id, 'no probe of it runs on the host itself');
  const tasks: Task[] = [];
  const regs = onHost.map((p, i) => {
    const reg = `${c.reg}_${i + 1}`;
    const { text: body, shell } = hostChecks([p], c.checks());
    const envs = secretPieces(p.kind === 'command' ? p.command : []).map((x) => c.useSecret(x));
    tasks.push(c.scriptTask(`${c.title} (${probeText(p)})`, shell, `${s.id}.check${i + 1}.sh.j2`, body, { register: reg, changed_when: false, failed_when: false, timeout: p.kind === 'command' ? 180 : 120, ...(envs.length ? { no_log: true } : {}), ...c.when() }));
    return { reg, running: RUNNING.has(p.kind) };
  });
  const linesOf = (r: string) => `(${r}.stdout_lines | default([]) | select('match', '^OUTPOST_CHECK ') | map('regex_replace', '^OUTPOST_CHECK ', '') | list)`;
  const all = `(${regs.map((r) => linesOf(r.reg)).join(' + ')})`;
  // A running agent's probe that still passes, is unsure, or said nothing at all: still installed.
  const still = regs.filter((r) => r.running).map((r) => `((${linesOf(r.reg)} | length == 0) or (${linesOf(r.reg)} | reject('match', '^FAIL ') | list | length > 0))`);
  const gone = `(${all} | select('match', '^FAIL ') | list | length > 0)`;
  tasks.push({
    name: text(`${s.id} (result)`),
    'ansible.builtin.assert': {
      that: [...still.map((x) => `not ${x}`), gone],
      // The runner's words: `<name>: gone: <detail>` / `still passes`; the verify's hints are the install's, not said here.
      success_msg: `{{ ${all} | map('regex_replace', ' — .*$', '') | map('regex_replace', '^FAIL (.*?): ', '\\1: gone: ') | map('regex_replace', '^(pass|warn) (.*?): ', '\\2: still passes: ') | map('regex_replace', outpost_mask | default('') or '^$NEVER', '****') | list }}`,
      fail_msg: `Still installed on {{ inventory_hostname }}: {{ ${all} | reject('match', '^FAIL ') | map('regex_replace', ' — .*$', '') | map('regex_replace', '^(pass|warn) (.*?): ', '\\2 (still there: ') | map('regex_replace', '$', ')') | map('regex_replace', outpost_mask | default('') or '^$NEVER', '****') | join('; ') | default('every check still passes', true) }}.`,
      quiet: false,
    },
    when: `${regs[0]?.reg ?? c.reg} is not skipped`,
  });
  return tasks;
}

export const probe: ActionModule<'probe'> = {
  kind: 'probe',
  validate: (a) => (a.probes.length ? [] : ['probes: a probe step needs at least one check']),
  display: (a) => (a.expect === 'absent' ? `gone (every check fails now):\n${a.probes.map(probeText).join('\n')}` : a.probes.map(probeText).join('\n')),
  async run(a, c) {
    if (a.expect === 'absent') return absent(a.probes, c);
    const r = await probeOn(a.probes, c);
        // A connection test before the first install: the agent ports are reached through a tunnel that
    // only the install sets up, so not reaching them yet is a warning there, not a failure.
    if (c.run.checkOnly && c.run.mode === 'jump') r.checks = r.checks.map((x) => (x.name === 'ports' && x.status === 'fail' ? { ...x, status: 'warn', hint: "Reached through the jump server's tunnel, which the install sets up; test again after it if this stays." } : x));
    for (const x of r.checks) c.output(`${mark(x)} ${x.name}: ${x.detail}${x.hint && x.status !== 'pass' ? ` — ${x.hint}` : ''}\r\n`);
    judge(c.step, c.host, r.checks, c.run.overridePreflight);
    const warns = r.checks.filter((x) => x.status !== 'pass');
    const parts: MessagePart[] | undefined = warns.length || c.step.phase !== 'preflight' ? undefined : [{ key: 'run.msg.preflightOk', params: {} }];
    return {
      checks: r.checks,
      status: warns.length ? 'warning' : 'done',
      message: warns.length ? warns.map((x) => `${x.name}: ${x.detail}`).join('; ') : r.checks.map((x) => x.detail).join('; ') || 'all checks passed',
      ...(parts ? { parts } : {}),
    };
  },
  ansible(a, c) {
    if (a.expect === 'absent') return absentTasks(a.probes, c);
    if (a.probes.some((p) => p.kind === 'confirmed')) throw unmappable(c.step.id, "it reads what another host's installer printed (the inherited installation), which the export does not map");
    if (a.probes.every((p) => p.kind === 'login')) return [{ name: text(c.title), 'ansible.builtin.ping': null, ...c.when() }];
    return probeTasks(a.probes, c);
  },
};
