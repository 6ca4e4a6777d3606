// Probes: read-only checks with a verdict (pass / warn / fail, with a hint). Preflight, verify, guards
// and the tunnel's health all go through here, on whatever executor the host has.
import type { CheckResult } from '../../../common/api/run';
import type { Forward, Probe } from '../../../common/api/plan';
import type { Executor } from '../../exec';
import { quotePosix } from '../../quote';
import { renderExec, type Facts, type SecretResolver } from '../../render';
import type { SecretRegistry } from '../../secrets/registry';
import { OutpostError } from '../../errors';
import { confirmedCheck } from '../confirm';
import { parseChecks, parsePortCheck, portCheckScript } from './ports';
import { connectionsScript, trafficScript } from './traffic';
import { judgePreflight, parseFacts, preflightScript, type ReachTarget } from './preflight';
import { localWindowsFacts, windowsPreflightScript } from './preflight-windows';
import { explainScQuery, parseScQuery, scFailure } from './sc-query';

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
  /** The host's own check saw its agent connect (tunnelTraffic's words when the jump server cannot attribute). */
  connected?: boolean;
  localNow?: () => number;
  onOutput?: (text: string) => void;
  /** Logs in to this host again as another user with a private key (keyLogin); absent where the host is not reached over SSH. */
  relogin?: ((user: string, keyPath: string) => Promise<void>) | undefined;
}

/** Every connections probe among these passed (and there is one): the host saw its own agent connect. */
export function agentConnected(probes: readonly Probe[], checks: readonly CheckResult[]): boolean {
  const names = probes.flatMap((p) => (p.kind === 'connections' ? [p.name] : []));
  return names.length > 0 && names.every((n) => checks.some((x) => x.name === n && x.status === 'pass'));
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
  const windows = c.ex.os === 'windows';
  const facts = windows ? await windowsFacts(c, installDir, reach) : parseFacts(await sh(c, preflightScript({ installDir, reach, tools: tools.flat(), sudo: pre.some((p) => p.kind === 'privilege') }), c.ex, 60_000));
  const t1 = Date.now();
  if (windows && !facts.has('now')) {
    // Nothing came back (no PowerShell for this login, or it failed): every check asked could not be made.
    const why = 'could not check: PowerShell on the host printed no facts';
    const names: Record<string, string> = { clock: 'clock', platform: 'system', disk: 'disk', reach: 'ports' };
    return pre.flatMap((p) => (names[p.kind] ? [{ name: names[p.kind] ?? p.kind, status: 'warn' as const, detail: why, hint: 'Check that powershell.exe runs for this login (Windows Server 2012 R2 and later have it), then run again.' }] : []));
  }
  return judgePreflight(facts, {
    os: windows ? 'windows' : 'linux',
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

/** A Windows host's facts: this computer's from Node, a remote host's from one read-only PowerShell script. */
async function windowsFacts(c: ProbeContext, installDir: string, reach: ReachTarget[]): Promise<Map<string, string>> {
  const w = c.ex.windows;
  if (w) return localWindowsFacts(installDir, reach, (p) => w.localPath(p));
  const r = await c.ex.run('powershell', windowsPreflightScript(installDir, reach), { signal: c.signal, timeoutMs: 60_000, readOnly: true });
  return parseFacts(r.output);
}

export async function runProbes(probes: readonly Probe[], c: ProbeContext): Promise<ProbeOutcome> {
  const checks: CheckResult[] = [];
  const windowsPrivilege = (p: Probe) => p.kind === 'privilege' && p.os === 'windows';
  const pre = probes.filter((p) => PREFLIGHT_KINDS.has(p.kind) && !windowsPrivilege(p));
  if (pre.length) checks.push(...(await preflight(pre, c)));
  if (probes.some(windowsPrivilege)) checks.push(await windowsElevation(c));
  for (const p of probes) {
    if (PREFLIGHT_KINDS.has(p.kind)) continue;
    // What the jump server cannot attribute is said in the light of the host's own evidence: its agent's connections.
    const connected = p.kind === 'tunnelTraffic' && agentConnected(probes, checks);
    checks.push(...withHint(p, await one(p, { ...c, connected })));
  }
  return { checks, ok: checks.every((x) => x.status !== 'fail') };
}

/** The profile's own hint (its vendor's log, what to do) replaces Outpost's words on a check that did not pass. */
export function withHint(p: Probe, checks: CheckResult[]): CheckResult[] {
  const hint = 'hint' in p ? p.hint : undefined;
  return hint ? checks.map((x) => (x.status === 'pass' ? x : { ...x, hint })) : checks;
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

/**
 * A listening probe's forwards on this host: with a per-host port (filled from the host's values), that
 * port — digits only, or why not (it never reaches the shell otherwise).
 */
export function listenForwards(p: Extract<Probe, { kind: 'listening' }>): Forward[] | string {
  if (p.port === undefined) return p.forwards;
  if (!/^[0-9]{1,5}$/.test(p.port) || Number(p.port) < 1 || Number(p.port) > 65535) return `the port ${p.port.includes('{host.') ? `${p.port} has no value on this host` : `"${p.port}" is not a TCP port (1-65535)`}`;
  return p.forwards.map((f) => ({ ...f, listenPort: Number(p.port) }));
}

type Check<K extends Probe['kind']> = (p: Extract<Probe, { kind: K }>, c: ProbeContext) => Promise<CheckResult[]>;

/** The verdicts a check script printed; a script that did not run to its end could not check. */
function verdicts(out: string, name: string): CheckResult[] {
  // A port check brackets its lines (a cut output loses a bracket); the others print one verdict each.
  const r = out.includes('OUTPOST_PORTS_') ? parsePortCheck(out) : { checks: parseChecks(out), why: '' };
  if (r.checks.length) return r.checks;
  return [{ name, status: 'warn', detail: `could not check: ${r.why || 'the check printed no verdict'}` }];
}

const listeningCheck: Check<'listening'> = async (p, c) => {
  const forwards = listenForwards(p);
  if (typeof forwards === 'string') return [{ name: p.forwards[0]?.name ?? 'ports', status: 'warn', detail: `could not check: ${forwards}`, hint: 'Give this host a port (1-65535) in its host list column.' }];
  // An agent listens as whoever its service runs as; a forward on a jump server must be the login user's socket.
  return verdicts(await sh(c, portCheckScript({ forwards, hold: forwards.every((f) => f.listenHost === '*') ? 'any' : 'user', verdict: 'listening' })), 'ports');
};

const tunnelHealthyCheck: Check<'tunnelHealthy'> = async (p, c) =>
  verdicts(await sh(c, portCheckScript({ forwards: p.forwards, hold: 'tunnel', argv: p.argv ?? [], ...(p.unit ? { unit: p.unit } : {}), carry: true, verdict: 'healthy' }), c.ex, 90_000), 'tunnel');

/**
 * Agent traffic seen on the jump server's forwarded ports, from this host's own address (never
 * passed on another host's traffic: see trafficScript).
 */
const tunnelTrafficCheck: Check<'tunnelTraffic'> = async (p, c) => {
  if (!c.jump) return [{ name: 'agent traffic', status: 'warn', detail: 'no jump server connection to look from' }];
  return verdicts(await sh(c, `peer=${quotePosix(c.peerAddress ?? '')}; connected=${c.connected ? 1 : "''"}\n${trafficScript(p)}`, c.jump, 60_000), 'agent traffic');
};

const processCheck: Check<'process'> = async (p, c) => {
  // The pattern reaches awk through the environment: nothing on a process list carries it (so awk
  // does not count itself), and an empty pattern cannot match everything.
  if (!p.match) return [{ name: `process ${p.name}`, status: 'warn', detail: 'no process pattern given' }];
  const out = await sh(c, `M=${quotePosix(p.match)}; export M; ps ${p.mine ? '-u "$(id -u)" -o' : '-eo'} pid=,args= 2>/dev/null | awk 'ENVIRON["M"] != "" && index($0, ENVIRON["M"]) { n++ } END { print "count=" (n + 0) }'`);
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

const connectionsCheck: Check<'connections'> = async (p, c) => verdicts(await sh(c, connectionsScript(p)), p.name);

const commandCheck: Check<'command'> = async (p, c) => {
  const text = renderExec(p, 'exec', c.resolver, c.secrets, c.facts);
  let r: Awaited<ReturnType<Executor['run']>>;
  try {
    r = await c.ex.run(p.shell, text, { signal: c.signal, timeoutMs: 60_000, readOnly: true });
  } catch (err) {
    // This platform cannot run the check at all (PowerShell under Wine): it could not check, it did not pass.
    if (err instanceof OutpostError && err.code === 'local_unsupported') return [{ name: p.name, status: 'warn', detail: `could not check: ${err.message}`, ...(err.hint ? { hint: err.hint } : {}) }];
    throw err;
  }
  const exitOk = p.exitCode === undefined || r.exitCode === p.exitCode;
  const markerOk = !p.markers?.length || p.markers.some((m) => r.output.includes(m));
  // `sc query`: the STATE line is the evidence, and a service that is not running is said in words.
  const sc = p.shell === 'cmd' ? parseScQuery(r.output) : null;
  const last = sc ? sc.stateLine : r.output.trim().split('\n').slice(-3).join(' | ');
  // The check said it could not look (a tool missing, a file unreadable): never a pass, whatever else it printed.
  // A check that can be unsure and printed nothing at all did not run (Wine's stub of a Windows tool prints nothing).
  if (p.unknown?.length && (!r.output.trim() || p.unknown.some((m) => r.output.includes(m)))) return [{ name: p.name, status: 'warn', detail: `could not check: ${last || 'the check could not run'}` }];
  if (exitOk && markerOk) return [{ name: p.name, status: 'pass', detail: last || 'ok' }];
  const said = sc ? explainScQuery(sc) : p.shell === 'cmd' ? scFailure(p.name.replace(/^sc query /, ''), r.output) : null;
  return [{ name: p.name, status: p.advisory ? 'warn' : 'fail', detail: said ?? `${!exitOk ? `exit code ${r.exitCode}` : `no ${p.markers?.join(' / ')}`}${last ? `: ${last}` : ''}` }];
};

/** The key login works: a second connection as that user with that key, host key verified; closed at once. */
const keyLoginCheck: Check<'keyLogin'> = async (p, c) => {
  const name = `key login as ${p.user}`;
  if (!c.relogin) return [{ name, status: 'warn', detail: 'could not check: this host is not reached over SSH' }];
  try {
    await c.relogin(p.user, p.keyPath);
    return [{ name, status: 'pass', detail: `logged in as ${p.user} with the key ${p.keyPath} (host key verified)` }];
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err);
    return [{ name, status: 'fail', detail: `the key ${p.keyPath} did not log in as ${p.user}: ${message}`, hint: `Check ${p.user}'s ~/.ssh/authorized_keys (the key's .pub line, 0600, owned by ${p.user}; ~/.ssh 0700) and that sshd allows ${p.user} (AllowUsers, PubkeyAuthentication).` }];
  }
};

const CHECKS: { [K in Probe['kind']]?: Check<K> } = {
  keyLogin: keyLoginCheck,
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
