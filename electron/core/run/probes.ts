// Probes: read-only checks with a verdict (pass / warn / fail, with a hint). Preflight, verify, guards
// and the tunnel's health all go through here, on whatever executor the host has.
import type { CheckResult } from '../../common/api/run';
import type { Forward, Probe } from '../../common/api/plan';
import type { Executor } from '../exec/executor';
import { quotePosix } from '../quote';
import { renderExec, type Facts, type SecretResolver } from '../plan/render';
import type { SecretRegistry } from '../secrets/registry';
import { findListener, LISTENERS_SCRIPT, parseListeners } from './listeners';
import { judgePreflight, needsSudo, parseFacts, preflightScript } from './preflight';

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
  /** Preflight found that steps need `sudo -n`. */
  sudo?: boolean;
}

const PREFLIGHT_KINDS = new Set(['clock', 'platform', 'disk', 'tools', 'privilege', 'reach']);

async function sh(c: ProbeContext, text: string, ex: Executor = c.ex, timeoutMs = 30_000): Promise<string> {
  const r = await ex.run('sh', text, { signal: c.signal, timeoutMs });
  return r.output;
}

export async function runProbes(probes: readonly Probe[], c: ProbeContext): Promise<ProbeOutcome> {
  const checks: CheckResult[] = [];
  let sudo: boolean | undefined;
  const windowsPrivilege = (p: Probe) => p.kind === 'privilege' && p.os === 'windows';
  const pre = probes.filter((p) => PREFLIGHT_KINDS.has(p.kind) && !windowsPrivilege(p));
  if (pre.length) {
    const disk = pre.find((p) => p.kind === 'disk');
    const reach = pre.flatMap((p) => (p.kind === 'reach' ? p.targets : []));
    const tools = pre.flatMap((p) => (p.kind === 'tools' ? p.anyOf : []));
    const platform = pre.find((p) => p.kind === 'platform');
    const installDir = disk?.kind === 'disk' ? disk.path : '/';
    const t0 = Date.now();
    const out = await sh(c, preflightScript({ installDir, reach, tools: tools.flat() }), c.ex, 60_000);
    const t1 = Date.now();
    const facts = parseFacts(out);
    sudo = needsSudo(facts);
    checks.push(
      ...judgePreflight(facts, {
        localNowSec: (t0 + t1) / 2000,
        localTzMinutes: -new Date().getTimezoneOffset(),
        supportedArch: platform?.kind === 'platform' ? platform.arch : ['x86_64', 'aarch64'],
        reach,
        minFreeMiB: disk?.kind === 'disk' ? disk.minFreeMiB : 0,
        installDir,
        tools,
        only: new Set(pre.map((p) => p.kind) as Array<'clock' | 'platform' | 'disk' | 'tools' | 'privilege' | 'reach'>),
      }),
    );
  }
  if (probes.some(windowsPrivilege)) checks.push(await windowsElevation(c));
  for (const p of probes) {
    if (PREFLIGHT_KINDS.has(p.kind)) continue;
    checks.push(...(await one(p, c)));
  }
  return { checks, ok: checks.every((x) => x.status !== 'fail'), ...(sudo !== undefined ? { sudo } : {}) };
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
  const b = (h: string) => (h.includes(':') ? `[${h}]` : h);
  const wanted = forwards.map((f) => `-L ${b(f.listenHost)}:${f.listenPort}:${b(f.targetHost)}:${f.targetPort}`);
  return out.split('\n').some((line) => /^(\S*\/)?ssh\s/.test(line.trim()) && wanted.every((w) => line.includes(`${w} `) || line.trimEnd().endsWith(w)));
}

async function one(p: Probe, c: ProbeContext): Promise<CheckResult[]> {
  switch (p.kind) {
    case 'login':
      return [{ name: 'login', status: 'pass', detail: 'logged in, host key verified' }];
    case 'listening': {
      const r = await listening(c, p.forwards);
      return r.map(({ f, l }) =>
        l
          ? { name: f.name, status: 'pass' as const, detail: `listening on ${f.listenHost}:${f.listenPort}${l.process ? ` (${l.process})` : ''}` }
          : f.listenHost === '*'
            ? { name: f.name, status: 'fail' as const, detail: `nothing listens on port ${f.listenPort}`, hint: 'The agent is not listening: check that its service started and what its log says.' }
            : { name: f.name, status: 'fail' as const, detail: `NOT listening on ${f.listenHost}:${f.listenPort}`, hint: 'Check the tunnel ("check tunnel") and that sshd allows TCP forwarding.' },
      );
    }
    case 'tunnelHealthy': {
      const r = await listening(c, p.forwards);
      const all = r.every((x) => x.l);
      const ours = all && (await forwardsCarried(c, p.forwards));
      return [
        all && ours
          ? { name: 'tunnel', status: 'pass', detail: `all ${p.forwards.length} forwards listening and carried by one ssh` }
          : { name: 'tunnel', status: 'fail', detail: all ? 'the ports listen, but no ssh carries exactly these forwards (stale or foreign)' : `${r.filter((x) => !x.l).length} of ${p.forwards.length} forwards not listening` },
      ];
    }
    case 'tunnelTraffic': {
      if (!c.jump) return [{ name: 'agent traffic', status: 'warn', detail: 'no jump server connection to look from' }];
      const ports = new Set(p.forwards.filter((f) => p.ports.includes(f.listenPort) || p.ports.some((x) => f.name.endsWith(`-${x}`))).map((f) => f.listenPort));
      // The agent connects now and then: look a few times before saying nothing was seen.
      let peers: string[] = [];
      for (let i = 0; i < 5 && !c.signal.aborted; i++) {
        const out = await sh(c, 'ss -Htn state established 2>/dev/null || netstat -tn 2>/dev/null', c.jump);
        peers = [];
        for (const line of out.split('\n')) {
          const cols = line.trim().split(/\s+/);
          const addrs = cols.filter((x) => /:\d+$/.test(x));
          const local = addrs[0];
          const peer = addrs[1];
          if (!local || !peer) continue;
          const lp = Number(local.slice(local.lastIndexOf(':') + 1));
          if (ports.has(lp)) peers.push(peer.slice(0, peer.lastIndexOf(':')).replace(/^\[|\]$/g, '').replace(/^::ffff:/, ''));
        }
        if (c.peerAddress && peers.includes(c.peerAddress)) break;
        if (!c.peerAddress && peers.length) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      const from = c.peerAddress && peers.includes(c.peerAddress);
      if (from) return [{ name: 'agent traffic', status: 'pass', detail: `agent traffic seen through the tunnel from ${c.peerAddress}` }];
      if (peers.length) return [{ name: 'agent traffic', status: 'pass', detail: `agent traffic seen through the tunnel (from ${[...new Set(peers)].join(', ')}; this host may be behind NAT)` }];
      return [{ name: 'agent traffic', status: 'warn', detail: 'no agent connection seen on the forwarded ports yet', hint: 'The agent may not have connected yet; check again later, and check the security group rule.' }];
    }
    case 'process': {
      // The pattern reaches awk through the environment: nothing on a process list carries it (so awk
      // does not count itself), and an empty pattern cannot match everything.
      if (!p.match) return [{ name: `process ${p.name}`, status: 'warn', detail: 'no process pattern given' }];
      const out = await sh(c, `M=${quotePosix(p.match)}; export M; ps -eo pid=,args= 2>/dev/null | awk 'ENVIRON["M"] != "" && index($0, ENVIRON["M"]) { n++ } END { print "count=" (n + 0) }'`);
      const n = Number(/count=(\d+)/.exec(out)?.[1] ?? 'NaN');
      if (!Number.isFinite(n)) return [{ name: `process ${p.name}`, status: 'warn', detail: 'could not list processes (ps missing?)', hint: 'Check by hand: ps -aux | grep ' + p.name }];
      return [n > 0 ? { name: `process ${p.name}`, status: 'pass', detail: `${p.name} runs (${n} process${n > 1 ? 'es' : ''})` } : { name: `process ${p.name}`, status: 'fail', detail: `no process matching ${p.match}`, hint: 'The agent did not start: see its log.' }];
    }
    case 'service': {
      const out = await sh(c, `if command -v systemctl >/dev/null 2>&1; then echo "state=$(systemctl is-active ${quotePosix(p.name)} 2>/dev/null)"; else echo state=unknown-no-systemctl; fi`);
      const st = /state=(.*)/.exec(out)?.[1]?.trim() ?? '';
      if (st === 'unknown-no-systemctl') return [{ name: `service ${p.name}`, status: 'warn', detail: 'systemctl is not available: could not check the service' }];
      return [st === p.expect ? { name: `service ${p.name}`, status: 'pass', detail: `${p.name} is ${st}` } : { name: `service ${p.name}`, status: 'fail', detail: `${p.name} is ${st || 'unknown'} (expected ${p.expect})` }];
    }
    case 'http': {
      const out = await sh(c, `if command -v curl >/dev/null 2>&1; then echo "code=$(curl -ks -o /dev/null -w '%{http_code}' --max-time 10 ${quotePosix(p.url)})"; else echo code=no-curl; fi`);
      const code = /code=(.*)/.exec(out)?.[1]?.trim() ?? '';
      if (code === 'no-curl') return [{ name: p.name, status: 'warn', detail: `curl is missing: could not check ${p.url}` }];
      return [p.status.includes(Number(code)) ? { name: p.name, status: 'pass', detail: `${p.url} answered ${code}` } : { name: p.name, status: 'fail', detail: `${p.url} answered ${code === '000' ? 'nothing' : code}`, hint: 'Check the security group and the route to that address.' }];
    }
    case 'connections': {
      const out = await sh(c, `ss -Htnp state established 2>/dev/null || netstat -tnp 2>/dev/null || echo no-tool`);
      if (/no-tool/.test(out)) return [{ name: p.name, status: 'warn', detail: 'neither ss nor netstat is available: could not check connections' }];
      const seen = p.ports.filter((port) => out.split('\n').some((l) => l.includes(p.process) && new RegExp(`:${port}\\s`).test(l)));
      return [seen.length === p.ports.length ? { name: p.name, status: 'pass', detail: `${p.process} connected to ${seen.join(', ')}` } : { name: p.name, status: 'fail', detail: `${p.process} has no ESTABLISHED connection to ${p.ports.filter((x) => !seen.includes(x)).join(', ')}`, hint: 'The security group or a firewall blocks these ports.' }];
    }
    case 'command': {
      const text = renderExec(p, 'exec', c.resolver, c.secrets, c.facts);
      const r = await c.ex.run(p.shell, text, { signal: c.signal, timeoutMs: 60_000, readOnly: true });
      const exitOk = p.exitCode === undefined || r.exitCode === p.exitCode;
      const markerOk = !p.markers?.length || p.markers.some((m) => r.output.includes(m));
      const last = r.output.trim().split('\n').slice(-3).join(' | ');
      return [exitOk && markerOk ? { name: p.name, status: 'pass', detail: last || 'ok' } : { name: p.name, status: 'fail', detail: `${!exitOk ? `exit code ${r.exitCode}` : `no ${p.markers?.join(' / ')}`}${last ? `: ${last}` : ''}` }];
    }
    default:
      return [];
  }
}
