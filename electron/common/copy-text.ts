// What a step's Copy button copies (Review and Result pages) and what the runbook scripts hold: text
// that runs in bash as it is, not the Review page's prose. A login is the `ssh` that reaches the host
// (with -J through its jump server), a check is `test`/`pgrep`/`ss`/`curl` one-liners, a run-time value
// (`<hostkey.jump0>`) is a shell variable set on a line of its own — with the value when it is known,
// else a `# fill in` line and a `${VAR:?}` guard — and what Outpost does itself (uploads, file writes)
// is a comment. Secrets stay **** unless the caller passes the revealed text of an exec step.
import type { JumpHost, Piece, Plan, Probe, SshEndpoint, Step, TargetHost } from './api/plan';

/** POSIX single quotes (values shown here come from the plan, never secrets). */
export function shq(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The shell variable a run-time value stands in: `hostkey.jump0` → `OUTPOST_HOSTKEY_JUMP0`. */
export function factVar(fact: string): string {
  return `OUTPOST_${fact.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

const FACT_WHAT: Record<string, string> = {
  hostkey: 'the host key Outpost verified for',
  tunnelkey: 'the public tunnel key created on',
  tunnelsrc: 'the address this server sees the proxy connect from, for',
};

/** Run-time values a step's command refers to. */
export function stepFacts(step: Step): string[] {
  const pieces: Piece[] = [];
  const a = step.action;
  if (a.kind === 'exec') pieces.push(...a.command);
  if (a.kind === 'probe') for (const p of a.probes) if (p.kind === 'command') pieces.push(...p.command);
  const out = new Set<string>();
  for (const p of pieces) if (typeof p !== 'string' && 'fact' in p) out.add(p.fact);
  return [...out];
}

/**
 * `<fact>` words of `text` become "$VAR", set above the command: to the value when `known` has it, else
 * a `# fill in` line and a guard that stops with that message while it is empty.
 */
export function withFacts(text: string, facts: readonly string[], known: Record<string, string> = {}, plan?: Plan): string {
  if (!facts.length) return text;
  const head: string[] = [];
  let body = text;
  for (const f of facts) {
    const v = factVar(f);
    body = body.split(`<${f}>`).join(`"$${v}"`);
    const value = known[f];
    if (value !== undefined) {
      head.push(`${v}=${shq(value)}`);
    } else {
      const [kind = '', host = ''] = f.split('.');
      const where = hostLabel(plan, host) ?? host;
      head.push(`# fill in ${FACT_WHAT[kind] ?? 'the run-time value'} ${where} (${f}): ${v}='…'`, `: "\${${v}:?fill in ${v} first}"`);
    }
  }
  return `${head.join('\n')}\n${body}`;
}

function hostLabel(plan: Plan | undefined, id: string): string | undefined {
  if (!plan) return undefined;
  const j = [...plan.hosts.jumps, ...(plan.hosts.proxies ?? [])].find((x) => x.id === id);
  return j ? j.label : undefined;
}

/** `ssh -p PORT user@host`, with `-J` through the jump server and `-i` for a key. */
export function sshCommand(ssh: SshEndpoint, via?: SshEndpoint | null): string {
  const parts = ['ssh', '-p', String(ssh.port)];
  // `~/` stays outside the quotes, so that the shell expands it as the answers mean it.
  if (ssh.auth.kind === 'privateKey') parts.push('-i', ssh.auth.path.startsWith('~/') ? `~/${shq(ssh.auth.path.slice(2))}` : shq(ssh.auth.path));
  if (via) parts.push('-J', shq(`${via.user}@${via.host}:${via.port}`));
  parts.push(shq(`${ssh.user}@${ssh.host}`));
  return parts.join(' ');
}

function viaOf(plan: Plan, t: TargetHost): SshEndpoint | null {
  return t.via ? (plan.hosts.jumps.find((j) => j.id === t.via)?.ssh ?? null) : null;
}

/** The `ssh` lines that reach where the step runs (one per target). */
export function connectLines(plan: Plan, on: string): string[] {
  if (on === 'targets') return plan.hosts.targets.filter((t) => t.by !== 'seed').map((t) => sshCommand(t.ssh, viaOf(plan, t)));
  if (on === 'seed' && plan.hosts.seed) return [sshCommand(plan.hosts.seed.ssh, viaOf(plan, plan.hosts.seed))];
  const host: JumpHost | undefined = [...plan.hosts.jumps, ...(plan.hosts.proxies ?? [])].find((j) => j.id === on);
  return host ? [sshCommand(host.ssh)] : [];
}

/** A probe's command pieces as bash (secrets masked, run-time values as variables). */
function piecesText(pieces: readonly Piece[]): string {
  return pieces
    .map((p) => {
      if (typeof p === 'string') return shq(p);
      if ('op' in p) return p.op;
      if ('fact' in p) return `"$${factVar(p.fact)}"`;
      if ('secret' in p) return "'****'";
      return `${p.assign}=${typeof p.value === 'string' ? shq(p.value) : "'****'"}`;
    })
    .join(' ');
}

const portsFilter = (key: 'sport' | 'dport', ports: readonly number[]) => shq(`( ${ports.map((p) => `${key} = :${p}`).join(' or ')} )`);

/**
 * Bash lines per probe: what a person runs on the host to see the same thing. A line is a command, or
 * a comment (what to expect, or where else to look) of its own, so that a caller can check every command.
 */
export function probeLines(probe: Probe, plan?: Plan): string[] {
  const listen = (forwards: readonly { listenPort: number }[]) => `ss -ltn ${portsFilter('sport', forwards.map((f) => f.listenPort))}`;
  switch (probe.kind) {
    case 'login':
      return plan ? [] : ['true'];
    case 'clock':
      return ['# the clock and time zone should match this computer\'s', "date +'%F %T %z'"];
    case 'platform':
      return [`# expect ${probe.os} on ${probe.arch.join(' or ')}`, 'uname -sm'];
    case 'disk':
      return [`# at least ${probe.minFreeMiB} MiB free for ${probe.path} (or the folder that will hold it)`, `df -Pm ${shq(probe.path)} 2>/dev/null || df -Pm ${shq(probe.path.replace(/\/[^/]*$/, '') || '/')}`];
    case 'tools':
      return probe.anyOf.map((alts) => `${alts.map((c) => `command -v ${shq(c)}`).join(' || ')}`);
    case 'privilege':
      return [probe.os === 'windows' ? 'net session' : '[ "$(id -u)" = 0 ] || sudo -n true'];
    case 'reach':
      return probe.targets.flatMap((t) => [`# reaches ${t.name}`, `timeout 5 bash -c ${shq(`</dev/tcp/${t.host}/${t.port}`)}`]);
    case 'listening':
      return [listen(probe.forwards)];
    case 'tunnelHealthy':
      return [`pgrep -u "$(id -u)" -a ssh`, listen(probe.forwards)];
    case 'tunnelTraffic':
      return [`# on the jump server, the agent's connections through the tunnel: ss -tn state established ${portsFilter('sport', probe.ports)}`];
    case 'process':
      return [`pgrep ${probe.mine ? '-u "$(id -u)" ' : ''}-af -- ${shq(probe.match)}`];
    case 'service':
      return [`# expect ${probe.expect}`, `systemctl is-active ${shq(probe.name)}`];
    case 'http':
      return [`# expect HTTP ${probe.status.join(' or ')}`, `curl -ksS -o /dev/null -w '%{http_code}\\n' ${shq(probe.url)}`];
    case 'connections':
      return [`ss -tnp state established ${portsFilter('dport', probe.ports)} | grep -F ${shq(probe.process)}`];
    case 'confirmed':
      return [`# confirmed by the output of step ${probe.step} for ${probe.address}`];
    case 'keyLogin':
      return [`# from this computer, as ${probe.user} with the key: ssh -i ${shq(probe.keyPath)} -o BatchMode=yes -o IdentitiesOnly=yes ${shq(probe.user)}@<this host> true`];
    case 'command':
      return probe.shell === 'bash' || probe.shell === 'sh' ? [piecesText(probe.command)] : [`# ${probe.shell}: ${piecesText(probe.command)}`];
  }
}

const commented = (text: string) =>
  text
    .split('\n')
    .map((l) => `# ${l}`.trimEnd())
    .join('\n');

/**
 * The bash text a step's Copy button copies. `text` is the exec step's command as the caller has it
 * (masked display, or revealed); `known` holds run-time values already known (verified host keys).
 * Instructions for the cloud console are not shell: their text (or table) is copied as it is shown.
 */
export function runnableText(step: Step, plan: Plan, text: string = step.display, known: Record<string, string> = {}): string {
  const a = step.action;
  const windowsTarget = plan.os === 'windows' && (step.on === 'targets' || step.on === 'local' || step.on === 'seed');
  if (a.kind === 'instruction') return text;
  if (a.kind === 'probe' && a.probes.some((p) => p.kind === 'login')) {
    const lines = connectLines(plan, step.on);
    return lines.length ? lines.join('\n') : commented(step.display);
  }
  if (windowsTarget) return text;
  if (a.kind === 'exec') return withFacts(text, stepFacts(step), known, plan);
  if (a.kind === 'forward') {
    // The unit's argv as a command run by hand (systemd's %h is the home folder).
    const argv = a.sshArgv.map((w) => (w.includes('%h') ? `"${w.split('%h').map((x) => x.replace(/(["\\$`])/g, '\\$1')).join('$HOME')}"` : shq(w)));
    return `${argv[0] ?? 'ssh'} -f ${argv.slice(1).join(' ')}`;
  }
  if (a.kind === 'probe') return withFacts(a.probes.flatMap((p) => probeLines(p, plan)).join('\n') || commented(step.display), stepFacts(step), known, plan);
  return commented(step.display);
}
