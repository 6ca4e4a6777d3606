// The run's check words in the UI's language. The core says its checks (preflight, verify, the tunnel's
// health, guards) in English, word for word the same in the runner, the playbook and the journal; the
// UI maps each known sentence to a key here (its values kept as written) and falls back to the English
// for any it does not know. A unit test runs the core's own judges through these rules, so a sentence
// changed there without a rule here fails (test/unit/renderer/check-words.test.ts).
import type { Probe } from '../../../electron/common/api';
import { bracket } from '../../../electron/common/forward';

type T = (key: string, params?: Record<string, unknown>) => string;
export interface Rule {
  re: RegExp;
  key: string;
}

const NS = 'checkWords';

/** Check names the core gives (a profile's own names stay as written). */
export const NAME_RULES: Rule[] = [
  { re: /^clock$/, key: 'clock' },
  { re: /^time zone$/, key: 'timeZone' },
  { re: /^system$/, key: 'system' },
  { re: /^disk$/, key: 'disk' },
  { re: /^tools$/, key: 'tools' },
  { re: /^privilege$/, key: 'privilege' },
  { re: /^ports$/, key: 'ports' },
  { re: /^login$/, key: 'login' },
  { re: /^tunnel$/, key: 'tunnel' },
  { re: /^agent traffic$/, key: 'traffic' },
  { re: /^administrator rights$/, key: 'admin' },
  { re: /^process (?<name>.+)$/, key: 'process' },
  { re: /^service (?<name>.+)$/, key: 'service' },
];

/** What a check found (its detail). `could not check: <why>` says its why through the same rules. */
export const DETAIL_RULES: Rule[] = [
  { re: /^in step with this computer$/, key: 'clockInStep' },
  { re: /^(?<s>\d+) s ahead of this computer$/, key: 'clockAhead' },
  { re: /^(?<s>\d+) s behind this computer$/, key: 'clockBehind' },
  { re: /^the host did not report its time$/, key: 'noTime' },
  { re: /^host is UTC(?<host>\S+), this computer is UTC(?<here>\S+)$/, key: 'tzDiffers' },
  { re: /^the host did not say its system$/, key: 'noSystem' },
  { re: /^free space in (?<dir>.+) unknown$/, key: 'diskUnknown' },
  { re: /^(?<mib>\d+) MiB free in (?<dir>.+)$/, key: 'diskFree' },
  { re: /^missing: (?<tools>.+)$/, key: 'toolsMissing' },
  { re: /^(?<user>\S+), with sudo \(no password\)$/, key: 'sudo' },
  { re: /^(?<user>\S+) is not root and sudo asks for a password$/, key: 'sudoPassword' },
  { re: /^(?<user>\S+) is not root and has no sudo$/, key: 'noSudo' },
  { re: /^cannot probe ports \(bash or timeout missing\)$/, key: 'noPortProbe' },
  { re: /^not reachable from the host: (?<list>.+)$/, key: 'unreachable' },
  { re: /^all (?<n>\d+) agent ports reachable at (?<at>.+)$/, key: 'reachable' },
  { re: /^logged in, host key verified$/, key: 'loggedIn' },
  { re: /^(?<name>\S+) runs \((?<n>\d+) process(es)?\)$/, key: 'processRuns' },
  { re: /^no process matching (?<match>.+)$/, key: 'noProcess' },
  { re: /^could not list processes \(ps missing\?\)$/, key: 'noPs' },
  { re: /^systemctl is not available: could not check the service$/, key: 'noSystemctl' },
  { re: /^(?<name>\S+) is (?<state>\S+) \(expected (?<expect>\S+)\)$/, key: 'serviceState' },
  { re: /^(?<url>\S+) answered nothing$/, key: 'httpNothing' },
  { re: /^(?<url>\S+) answered (?<code>\d+)$/, key: 'httpCode' },
  { re: /^curl is missing: could not check (?<url>\S+)$/, key: 'noCurl' },
  { re: /^listening on (?<at>\S+)(?: \((?<holder>.+)\))?$/, key: 'listening' },
  { re: /^nothing listens on (?<at>\S+)$/, key: 'nothingListens' },
  { re: /^nothing listens on port (?<port>\d+)$/, key: 'nothingOnPort' },
  { re: /^NOT listening on (?<at>\S+)$/, key: 'notListening' },
  { re: /^all (?<n>\d+) forwards listening, held by the tunnel's ssh and carrying$/, key: 'tunnelCarrying' },
  { re: /^all (?<n>\d+) forwards listening, held by the tunnel's ssh$/, key: 'tunnelHeld' },
  { re: /^the tunnel listens but does not carry: (?<why>.+)$/, key: 'tunnelNoCarry' },
  { re: /^(?<bad>\d+) of (?<n>\d+) forwards not held by the tunnel: (?<first>.+)$/, key: 'tunnelNotHeld' },
  { re: /^(?<process>\S+) connected to (?<to>.+)$/, key: 'connected' },
  { re: /^(?<process>\S+) has no ESTABLISHED connection to (?<to>.+)$/, key: 'notConnected' },
  { re: /^agent traffic seen through the tunnel from (?<peer>.+)$/, key: 'trafficSeen' },
  { re: /^agent connected from the target; not attributable at the jump server \(the forwarded ports carry traffic from (?<others>.+), none from (?<peer>.+): NAT or a load balancer\)$/, key: 'trafficNat' },
  { re: /^agent connected from the target; not attributable at the jump server \(no connection on the forwarded ports seen here: another jump server behind the load balancer may carry it\)$/, key: 'trafficElsewhere' },
  { re: /^agent traffic on the forwarded ports comes from (?<others>.+), none from (?<peer>.+): not attributable to this host at the jump server \(NAT, or another host's agent\)$/, key: 'trafficOthers' },
  { re: /^no agent connection seen on the forwarded ports yet$/, key: 'trafficNone' },
  { re: /^no jump server connection to look from$/, key: 'noJump' },
  { re: /^the host did not report its connection tests$/, key: 'whyNoReach' },
  { re: /^PowerShell on the host printed no facts$/, key: 'whyNoPowerShell' },
  { re: /^the check printed no verdict$/, key: 'whyNoVerdict' },
  { re: /^the check did not run to its end \(its output was cut or the host did not answer\)$/, key: 'whyCut' },
  { re: /^neither ss nor netstat is available$/, key: 'whyNoSs' },
  { re: /^the listener table could not be read$/, key: 'whyNoTable' },
  { re: /^the connection table could not be read$/, key: 'whyNoConnTable' },
  { re: /^could not check connections: (?<why>.+)$/, key: 'couldNotCheckConn' },
  { re: /^could not check: (?<why>.+)$/, key: 'couldNotCheck' },
];

/** What to do about a check that did not pass. */
export const HINT_RULES: Rule[] = [
  { re: /^Set the host clock right \(chrony\/ntpdate\): log reporting breaks when the times differ\.$/, key: 'clockFix' },
  { re: /^Synchronise the host clock with NTP; the agent's reports may be rejected\.$/, key: 'clockNtp' },
  { re: /^Check `date` on the host\.$/, key: 'checkDate' },
  { re: /^The vendor asks for the same time zone on both sides; logs may show shifted times\.$/, key: 'tz' },
  { re: /^Check that PowerShell runs for this login\.$/, key: 'powershell' },
  { re: /^The agent supports (?<arch>.+)\.$/, key: 'arch' },
  { re: /^This profile installs on Linux hosts; use the Windows flow for Windows\.$/, key: 'linuxOnly' },
  { re: /^Check `df -h` on the host\.$/, key: 'df' },
  { re: /^Free at least (?<mib>\d+) MiB there\.$/, key: 'freeDisk' },
  { re: /^Install them with the host's package manager\.$/, key: 'installTools' },
  { re: /^Log in as root \(the vendor installs as root\), or allow this user `sudo` without a password \(NOPASSWD\)\.$/, key: 'root' },
  { re: /^Check reachability by hand\.$/, key: 'reachByHand' },
  { re: /^Check the tunnel on the jump server \("check tunnel"\), the security group rule, and firewalls between the host and the connection IP\.$/, key: 'unreachable' },
  { re: /^Reached through the jump server's tunnel, which the install sets up; test again after it if this stays\.$/, key: 'beforeTunnel' },
  { re: /^The agent did not start: see its log\.$/, key: 'notStarted' },
  { re: /^Check the security group and the route to that address\.$/, key: 'route' },
  { re: /^Check the tunnel \("check tunnel"\) and that sshd allows TCP forwarding\.$/, key: 'tunnel' },
  { re: /^The agent is not listening: check that its service started and what its log says\.$/, key: 'notListening' },
  { re: /^Another program or user holds a port the tunnel needs: find it on the jump server \(ss -ltnpe\) and stop it, or move the tunnel with portOverrides\.$/, key: 'foreign' },
  { re: /^Check the jump server's authorized_keys line for the tunnel key \(permitopen\), AllowTcpForwarding, and that the jump server reaches the destinations\.$/, key: 'noCarry' },
  { re: /^Check by hand: ss -ltnpe \(or netstat -lnpte\) on the host\.$/, key: 'ssByHand' },
  { re: /^The security group or a firewall blocks these ports\.$/, key: 'blocked' },
  { re: /^The host's own check of its agent's connections decides for this host\.$/, key: 'ownCheck' },
  { re: /^The host's own checks \(its agent process and connections\) decide; check again later if they did not run\.$/, key: 'ownChecks' },
  { re: /^The agent may not have connected yet; check again later, and check the security group rule\.$/, key: 'notYet' },
  { re: /^Check by hand on the jump server: ss -tn state established\.$/, key: 'ssJump' },
  { re: /^Give this host a port \(1-65535\) in its host list column\.$/, key: 'hostPort' },
  { re: /^Check that powershell\.exe runs for this login \(Windows Server 2012 R2 and later have it\), then run again\.$/, key: 'powershellExe' },
];

/** Guards' sentences (Review: "Skipped when …"). */
export const GUARD_RULES: Rule[] = [
  { re: /^healthy tunnel kept: every forward held by the tunnel's ssh and carrying$/, key: 'tunnel' },
  { re: /^(?<agent>.+) is already installed and running$/, key: 'installed' },
  { re: /^its guard checks already pass$/, key: 'checks' },
  { re: /^the remote tunnel runs already with these forwards$/, key: 'remote' },
];

/** The first rule that matches the whole text, with its values; null when none does. */
export function matchRule(rules: readonly Rule[], text: string): { key: string; params: Record<string, string> } | null {
  for (const r of rules) {
    const m = r.re.exec(text);
    if (m) return { key: r.key, params: Object.fromEntries(Object.entries(m.groups ?? {}).filter((e): e is [string, string] => e[1] !== undefined)) };
  }
  return null;
}

function say(t: T, group: string, rules: readonly Rule[], text: string): string {
  const m = matchRule(rules, text);
  if (!m) return text;
  // A "why" inside a sentence is said by the same rules (could not check: <why>).
  const params: Record<string, unknown> = { ...m.params };
  if (typeof m.params.why === 'string') params.why = say(t, group, rules, m.params.why);
  if (m.key === 'listening') params.holder = m.params.holder ? `(${m.params.holder})` : '';
  return t(`${NS}.${group}.${m.key}`, { ...params, defaultValue: text, interpolation: { escapeValue: false } }).trim();
}

export const checkName = (t: T, name: string): string => say(t, 'name', NAME_RULES, name);
export const checkDetail = (t: T, detail: string): string => say(t, 'detail', DETAIL_RULES, detail);
export const checkHint = (t: T, hint: string): string => say(t, 'hint', HINT_RULES, hint);
export const guardSays = (t: T, says: string): string => say(t, 'guard', GUARD_RULES, says);

/** A check as the UI shows it: name, what was found and the hint, in the UI's language where known. */
export function localCheck<C extends { name: string; detail: string; hint?: string | undefined }>(t: T, c: C): C {
  return { ...c, name: checkName(t, c.name), detail: checkDetail(t, c.detail), ...(c.hint ? { hint: checkHint(t, c.hint) } : {}) };
}

/** A probe as the Review page lists it (the core's probeText, in the UI's language). */
export function probeLabel(t: T, p: Probe): string {
  const k = (key: string, params: Record<string, unknown> = {}) => t(`${NS}.probe.${key}`, params);
  switch (p.kind) {
    case 'login':
      return k('login');
    case 'clock':
      return k('clock');
    case 'platform':
      return k('platform', { os: p.os, arch: p.arch.join(k('or')) });
    case 'disk':
      return k('disk', { mib: p.minFreeMiB, path: p.path });
    case 'tools':
      return k('tools', { tools: p.anyOf.map((g) => g.join(k('or'))).join(', ') });
    case 'privilege':
      return p.os === 'windows' ? k('admin') : k('root');
    case 'reach':
      return k('reach', { list: p.targets.map((x) => `${x.name} ${bracket(x.host)}:${x.port}`).join(', ') });
    case 'listening':
      return k('listening', { list: p.forwards.map((f) => `${f.name} ${bracket(f.listenHost)}:${p.port ?? f.listenPort}`).join(', ') });
    case 'tunnelHealthy':
      return k('tunnelHealthy', { n: p.forwards.length });
    case 'tunnelTraffic':
      return k('tunnelTraffic', { ports: p.ports.join(', ') });
    case 'process':
      return k('process', { name: p.name, match: p.match });
    case 'service':
      return k('service', { name: p.name, expect: p.expect });
    case 'http':
      return k('http', { url: p.url, status: p.status.join(k('or')) });
    case 'connections':
      return k('connections', { process: p.process, ports: p.ports.join(', ') });
    case 'command':
      return p.name;
    case 'confirmed':
      return k('confirmed', { step: p.step, address: p.address });
    case 'keyLogin':
      return k('keyLogin', { user: p.user, key: p.keyPath });
  }
}
