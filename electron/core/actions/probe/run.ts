// Probes: read-only checks with a verdict (pass / warn / fail, with a hint). Preflight, verify, guards
// and the tunnel's health all go through here, on whatever executor the host has.
import type { CheckResult } from '../../../common/api/run';
import type { Forward, Probe } from '../../../common/api/plan';
import type { Executor } from '../../exec';
import { forwardSpec } from '../../../common/forward';
import { quotePosix } from '../../quote';
import { renderExec, type Facts, type SecretResolver } from '../../render';
import type { SecretRegistry } from '../../secrets/registry';
import { confirmedCheck } from '../confirm';
import { findListener, LISTENERS_SCRIPT, parseListeners } from './listeners';
import { judgePreflight, parseFacts, preflightScript } from './preflight';

export interface ProbeContext {
  ex: Executor;
  signal: AbortSignal;
  resolver: SecretResolver;
  secrets: SecretRegistry;
  facts: Facts;
  /** The host's address as its jump server sees it (tunnelTraffic). */
  peerAddress?: string;
  /** The jump server's executor, for probes that look from there (tunnelTraffic). */
  jump?: Executor | undefined;
  localNow?: () => number;
  onOutput?: (text: string) => void;
}

export interface ProbeOutcome {
  checks: CheckResult[];
  ok: boolean;
}

const PREFLIGHT_KINDS = new Set(['clock', 'platform', 'disk', 'tools', 'privilege', 'reach']);

async function sh(c: ProbeContext, text: string, ex: Executor = c.ex, timeoutMs = 30_000): Promise<string> {
  const r = await ex.run('sh', text, { signal: c.signal, timeoutMs });
  return r.output;
}

/** The preflight kinds in one read-only script, judged here against this computer (clock, time zone). */
async function preflight(pre: readonly Probe[], c: ProbeContext): Promise<CheckResult[]> {
  const disk = pre.find((p) => p.kind === 'disk');
  const reach = pre.flatMap((p) => (p.kind === 'reach' ? p.targets : []));
  const tools = pre.flatMap((p) => (p.kind === 'tools' ? p.anyOf : []));
  const platform = pre.find((p) => p.kind === 'platform');
  const installDir = disk?.kind === 'disk' ? disk.path : '/';
  const t0 = Date.now();
  const out = await sh(c, preflightScript({ installDir, reach, tools: tools.flat() }), c.ex, 60_000);
  const t1 = Date.now();
  return judgePreflight(parseFacts(out), {
    localNowSec: (t0 + t1) / 2000,
    localTzMinutes: -new Date().getTimezoneOffset(),
    supportedArch: platform?.kind === 'platform' ? platform.arch : ['x86_64', 'aarch64'],
    reach,
    minFreeMiB: disk?.kind === 'disk' ? disk.minFreeMiB : 0,
    installDir,
    tools,
    only: new Set(pre.map((p) => p.kind) as Array<'clock' | 'platform' | 'disk' | 'tools' | 'privilege' | 'reach'>),
  });
}

export async function runProbes(probes: readonly Probe[], c: ProbeContext): Promise<ProbeOutcome> {
  const checks: CheckResult[] = [];
  const windowsPrivilege = (p: Probe) => p.kind === 'privilege' && p.os === 'windows';
  const pre = probes.filter((p) => PREFLIGHT_KINDS.has(p.kind) && !windowsPrivilege(p));
  if (pre.length) checks.push(...(await preflight(pre, c)));
  if (probes.some(windowsPrivilege)) checks.push(await windowsElevation(c));
  for (const p of probes) {
    if (PREFLIGHT_KINDS.has(p.kind)) continue;
    checks.push(...(await one(p, c)));
  }
  return { checks, ok: checks.every((x) => x.status !== 'fail') };
}

/**
 * Windows: is the session elevated? This computer's platform answers (Windows: `net session`; Wine: no
 * UAC, said so); over SSH, `net session` in cmd, which answers administrators only.
 */
async function windowsElevation(c: ProbeContext): Promise<CheckResult> {
  const name = 'administrator rights';
  const hint = 'Run Outpost elevated (right-click > Run as administrator), or log in to the target as an administrator, then run again.';
  if (c.ex.windows) {
    const e = await c.ex.windows.elevation(c.signal);
    return { name, status: e.elevated ? 'pass' : e.elevated === null ? 'warn' : 'fail', detail: e.detail, ...(e.elevated ? {} : { hint: e.hint ?? hint }) };
  }
  const r = await c.ex.run('cmd', 'net session >nul 2>&1 && echo OUTPOST_ELEVATED || echo OUTPOST_NOT_ELEVATED', { signal: c.signal, timeoutMs: 30_000, readOnly: true });
  if (/^OUTPOST_ELEVATED\s*$/m.test(r.output)) return { name, status: 'pass', detail: '`net session` answered: the session is elevated (administrator rights).' };
  if (/^OUTPOST_NOT_ELEVATED\s*$/m.test(r.output)) return { name, status: 'fail', detail: '`net session` was refused: the session is not elevated.', hint };
  return { name, status: 'warn', detail: `could not run \`net session\` (exit code ${r.exitCode ?? 'none'}): elevation not checked`, hint };
}

async function listening(c: ProbeContext, forwards: Forward[]) {
  const { listeners } = parseListeners(await sh(c, LISTENERS_SCRIPT));
  return forwards.map((f) => ({ f, l: findListener(listeners, f.listenHost, f.listenPort) }));
}

/** Is an ssh process running with exactly these forwards (any order)? Ports alone could be someone else's, or stale. */
export async function forwardsCarried(c: ProbeContext, forwards: Forward[]): Promise<boolean> {
  const out = await sh(c, 'ps -eo args= 2>/dev/null');
  const wanted = forwards.map((f) => `-L ${forwardSpec(f)}`);
  return out.split('\n').some((line) => /^(\S*\/)?ssh\s/.test(line.trim()) && wanted.every((w) => line.includes(`${w} `) || line.trimEnd().endsWith(w)));
}

type Check<K extends Probe['kind']> = (p: Extract<Probe, { kind: K }>, c: ProbeContext) => Promise<CheckResult[]>;

const listeningCheck: Check<'listening'> = async (p, c) =>
  (await listening(c, p.forwards)).map(({ f, l }) =>
    l
      ? { name: f.name, status: 'pass' as const, detail: `listening on ${f.listenHost}:${f.listenPort}${l.process ? ` (${l.process})` : ''}` }
      : f.listenHost === '*'
        ? { name: f.name, status: 'fail' as const, detail: `nothing listens on port ${f.listenPort}`, hint: 'The agent is not listening: check that its service started and what its log says.' }
        : { name: f.name, status: 'fail' as const, detail: `NOT listening on ${f.listenHost}:${f.listenPort}`, hint: 'Check the tunnel ("check tunnel") and that sshd allows TCP forwarding.' },
  );

const tunnelHealthyCheck: Check<'tunnelHealthy'> = async (p, c) => {
  const r = await listening(c, p.forwards);
  const all = r.every((x) => x.l);
  const ours = all && (await forwardsCarried(c, p.forwards));
  return [
    all && ours
      ? { name: 'tunnel', status: 'pass', detail: `all ${p.forwards.length} forwards listening and carried by one ssh` }
      : { name: 'tunnel', status: 'fail', detail: all ? 'the ports listen, but no ssh carries exactly these forwards (stale or foreign)' : `${r.filter((x) => !x.l).length} of ${p.forwards.length} forwards not listening` },
  ];
};

/** The peers of established connections on these local ports, from `ss -Htn` / `netstat -tn` output. */
export function peersOn(out: string, ports: ReadonlySet<number>): string[] {
  const peers: string[] = [];
  for (const line of out.split('\n')) {
    const addrs = line.trim().split(/\s+/).filter((x) => /:\d+$/.test(x));
    const local = addrs[0];
    const peer = addrs[1];
    if (!local || !peer) continue;
    if (ports.has(Number(local.slice(local.lastIndexOf(':') + 1)))) peers.push(peer.slice(0, peer.lastIndexOf(':')).replace(/^\[|\]$/g, '').replace(/^::ffff:/, ''));
  }
  return peers;
}

/**
 * Agent traffic seen on the jump server's forwarded ports, from this host's own address. Traffic from
 * other addresses is no evidence for this host (another target's agent, or NAT): it is said, never
 * passed. The agent connects now and then, so it looks a few times before saying nothing was seen.
 */
const tunnelTrafficCheck: Check<'tunnelTraffic'> = async (p, c) => {
  const name = 'agent traffic';
  if (!c.jump) return [{ name, status: 'warn', detail: 'no jump server connection to look from' }];
  const ports = new Set(p.forwards.filter((f) => p.ports.includes(f.listenPort) || p.ports.some((x) => f.name.endsWith(`-${x}`))).map((f) => f.listenPort));
  let peers: string[] = [];
  for (let i = 0; i < 5 && !c.signal.aborted; i++) {
    peers = peersOn(await sh(c, 'ss -Htn state established 2>/dev/null || netstat -tn 2>/dev/null', c.jump), ports);
    if (c.peerAddress && peers.includes(c.peerAddress)) return [{ name, status: 'pass', detail: `agent traffic seen through the tunnel from ${c.peerAddress}` }];
    await new Promise((r) => setTimeout(r, 1000));
  }
  if (peers.length) {
    return [{ name, status: 'warn', detail: `agent traffic on the forwarded ports comes from ${[...new Set(peers)].join(', ')}, none from ${c.peerAddress ?? 'this host'}: not attributable to this host at the jump server (NAT, or another host's agent)`, hint: "The host's own checks (its agent process and connections) decide; check again later if they did not run." }];
  }
  return [{ name, status: 'warn', detail: 'no agent connection seen on the forwarded ports yet', hint: 'The agent may not have connected yet; check again later, and check the security group rule.' }];
};

const processCheck: Check<'process'> = async (p, c) => {
  // The pattern reaches awk through the environment: nothing on a process list carries it (so awk
  // does not count itself), and an empty pattern cannot match everything.
  if (!p.match) return [{ name: `process ${p.name}`, status: 'warn', detail: 'no process pattern given' }];
  const out = await sh(c, `M=${quotePosix(p.match)}; export M; ps -eo pid=,args= 2>/dev/null | awk 'ENVIRON["M"] != "" && index($0, ENVIRON["M"]) { n++ } END { print "count=" (n + 0) }'`);
  const n = Number(/count=(\d+)/.exec(out)?.[1] ?? 'NaN');
  if (!Number.isFinite(n)) return [{ name: `process ${p.name}`, status: 'warn', detail: 'could not list processes (ps missing?)', hint: 'Check by hand: ps -aux | grep ' + p.name }];
  return [n > 0 ? { name: `process ${p.name}`, status: 'pass', detail: `${p.name} runs (${n} process${n > 1 ? 'es' : ''})` } : { name: `process ${p.name}`, status: 'fail', detail: `no process matching ${p.match}`, hint: 'The agent did not start: see its log.' }];
};

const serviceCheck: Check<'service'> = async (p, c) => {
  const out = await sh(c, `if command -v systemctl >/dev/null 2>&1; then echo "state=$(systemctl is-active ${quotePosix(p.name)} 2>/dev/null)"; else echo state=unknown-no-systemctl; fi`);
  const st = /state=(.*)/.exec(out)?.[1]?.trim() ?? '';
  if (st === 'unknown-no-systemctl') return [{ name: `service ${p.name}`, status: 'warn', detail: 'systemctl is not available: could not check the service' }];
  return [st === p.expect ? { name: `service ${p.name}`, status: 'pass', detail: `${p.name} is ${st}` } : { name: `service ${p.name}`, status: 'fail', detail: `${p.name} is ${st || 'unknown'} (expected ${p.expect})` }];
};

const httpCheck: Check<'http'> = async (p, c) => {
  const out = await sh(c, `if command -v curl >/dev/null 2>&1; then echo "code=$(curl -ks -o /dev/null -w '%{http_code}' --max-time 10 ${quotePosix(p.url)})"; else echo code=no-curl; fi`);
  const code = /code=(.*)/.exec(out)?.[1]?.trim() ?? '';
  if (code === 'no-curl') return [{ name: p.name, status: 'warn', detail: `curl is missing: could not check ${p.url}` }];
  return [p.status.includes(Number(code)) ? { name: p.name, status: 'pass', detail: `${p.url} answered ${code}` } : { name: p.name, status: 'fail', detail: `${p.url} answered ${code === '000' ? 'nothing' : code}`, hint: 'Check the security group and the route to that address.' }];
};

const connectionsCheck: Check<'connections'> = async (p, c) => {
  const out = await sh(c, `ss -Htnp state established 2>/dev/null || netstat -tnp 2>/dev/null || echo no-tool`);
  if (/no-tool/.test(out)) return [{ name: p.name, status: 'warn', detail: 'neither ss nor netstat is available: could not check connections' }];
  const seen = p.ports.filter((port) => out.split('\n').some((l) => l.includes(p.process) && new RegExp(`:${port}\\s`).test(l)));
  return [seen.length === p.ports.length ? { name: p.name, status: 'pass', detail: `${p.process} connected to ${seen.join(', ')}` } : { name: p.name, status: 'fail', detail: `${p.process} has no ESTABLISHED connection to ${p.ports.filter((x) => !seen.includes(x)).join(', ')}`, hint: 'The security group or a firewall blocks these ports.' }];
};

const commandCheck: Check<'command'> = async (p, c) => {
  const text = renderExec(p, 'exec', c.resolver, c.secrets, c.facts);
  const r = await c.ex.run(p.shell, text, { signal: c.signal, timeoutMs: 60_000, readOnly: true });
  const exitOk = p.exitCode === undefined || r.exitCode === p.exitCode;
  const markerOk = !p.markers?.length || p.markers.some((m) => r.output.includes(m));
  const last = r.output.trim().split('\n').slice(-3).join(' | ');
  return [exitOk && markerOk ? { name: p.name, status: 'pass', detail: last || 'ok' } : { name: p.name, status: 'fail', detail: `${!exitOk ? `exit code ${r.exitCode}` : `no ${p.markers?.join(' / ')}`}${last ? `: ${last}` : ''}` }];
};

const CHECKS: { [K in Probe['kind']]?: Check<K> } = {
  confirmed: async (p, c) => [confirmedCheck(p, c.facts)],
  login: async () => [{ name: 'login', status: 'pass', detail: 'logged in, host key verified' }],
  listening: listeningCheck,
  tunnelHealthy: tunnelHealthyCheck,
  tunnelTraffic: tunnelTrafficCheck,
  process: processCheck,
  service: serviceCheck,
  http: httpCheck,
  connections: connectionsCheck,
  command: commandCheck,
};

function one(p: Probe, c: ProbeContext): Promise<CheckResult[]> {
  const f = CHECKS[p.kind] as Check<typeof p.kind> | undefined;
  return f ? f(p as never, c) : Promise.resolve([]);
}
